"""jamliquor-ai through the kernel's hooks: discovery, shipped models, lazy interpreters, typed
errors for bad features and bad model files, hot swap with calls in flight."""

from __future__ import annotations

import math
import shutil
import threading
import time
from pathlib import Path

import pytest

from jamliquor.plugins import PluginHost
from jamliquor.predict.cost import IMPORT_COST, IMPORT_COST_BASELINE, CostPredictor, predict
from jamliquor.predict.errors import FeatureError, ModelFileError, PredictionError
from jamliquor.predict.features import FEATURE_COUNT
from jamliquor_ai.plugin import AiPlugin
from jamliquor_ai.store import SHIPPED_DIR, ModelStore

DATA = Path(__file__).resolve().parent / "data"

FEATURES = [1.0] * FEATURE_COUNT
MAX_SHIPPED_BYTES = 64 * 1024


def host_with(store: ModelStore) -> PluginHost:
    host = PluginHost(allow=[])
    host.register_object("ai", AiPlugin(store))
    return host


def test_entry_point_serves_the_shipped_models() -> None:
    host = PluginHost()
    info = {p.name: p for p in host.plugins()}["ai"]
    assert info.distribution == "jamliquor-ai" and {"predict", "models", "install_model"} <= set(info.hooks)
    assert {IMPORT_COST, IMPORT_COST_BASELINE} <= set(host.models())
    for name in (IMPORT_COST, IMPORT_COST_BASELINE):
        assert (SHIPPED_DIR / f"{name}.tflite").stat().st_size <= MAX_SHIPPED_BYTES
        estimate = predict(host, name, FEATURES)
        assert estimate is not None and math.isfinite(estimate.units) and estimate.units >= 0


def test_more_work_never_predicts_a_cheaper_block() -> None:
    host = host_with(ModelStore(None))
    empty = predict(host, IMPORT_COST, [1.0] + [0.0] * (FEATURE_COUNT - 1))
    busy = predict(host, IMPORT_COST, [1.0] + [5.0] * (FEATURE_COUNT - 1))
    assert busy.units >= empty.units > 0


def test_interpreter_is_lazy_and_reused() -> None:
    store = ModelStore(None)
    model = store.get(IMPORT_COST)
    assert model._interpreter is None  # nothing loaded until the first prediction
    model.predict(FEATURES)
    interpreter = model._interpreter
    model.predict(FEATURES)
    assert interpreter is not None and model._interpreter is interpreter and store.get(IMPORT_COST) is model


def test_unknown_model_is_not_answered() -> None:
    assert predict(host_with(ModelStore(None)), "no-such-model", FEATURES) is None


@pytest.mark.parametrize("features, problem", [
    ([1.0, 2.0], f"expects {FEATURE_COUNT} features, got 2"),
    ([1.0] * (FEATURE_COUNT + 1), f"expects {FEATURE_COUNT} features, got {FEATURE_COUNT + 1}"),
    ([math.nan] + [1.0] * (FEATURE_COUNT - 1), "feature 'slot_gap' is nan"),
    ([1.0] * (FEATURE_COUNT - 1) + [math.inf], "is inf"),
])
def test_bad_features_are_one_typed_error_naming_the_model(features, problem) -> None:
    host = host_with(ModelStore(None))
    with pytest.raises(FeatureError) as info:
        predict(host, IMPORT_COST, features)
    assert f"model {IMPORT_COST!r}" in str(info.value) and problem in str(info.value)
    assert predict(host, IMPORT_COST, FEATURES) is not None  # the plugin keeps working


@pytest.mark.parametrize("fixture, problem", [
    ("wrong-count", "takes float32[1, 5]"),
    ("other-features", "another feature set"),
    ("three-outputs", "answers float32[1, 3]"),
    (None, "not a valid TFLite model"),
])
def test_bad_model_files_are_refused_and_change_nothing(fixture, problem, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    host = host_with(store)
    before = predict(host, IMPORT_COST, FEATURES)
    source = DATA / f"{fixture}.tflite" if fixture else tmp_path / "corrupt.tflite"
    if fixture is None:
        source.write_bytes(b"TFL3" + bytes(200))
    with pytest.raises(ModelFileError) as info:
        store.install(IMPORT_COST, source)
    assert f"model {IMPORT_COST!r}" in str(info.value) and problem in str(info.value)
    assert not (tmp_path / "models" / f"{IMPORT_COST}.tflite").exists()
    assert predict(host, IMPORT_COST, FEATURES) == before


def test_a_corrupt_installed_file_leaves_callers_running_without_predictions(tmp_path: Path, caplog) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / f"{IMPORT_COST}.tflite").write_bytes(b"not a model")  # bypassing install's checks
    predictor = CostPredictor(host_with(ModelStore(models)))
    assert predictor.from_features(FEATURES) is None
    assert predictor.from_features(FEATURES) is None
    assert isinstance(predictor.last_error, ModelFileError) and IMPORT_COST in str(predictor.last_error)
    assert sum("prediction unavailable" in r.getMessage() for r in caplog.records) == 1  # logged once
    shutil.copy(DATA / "constant.tflite", models / f"{IMPORT_COST}.tflite.tmp")
    (models / f"{IMPORT_COST}.tflite.tmp").replace(models / f"{IMPORT_COST}.tflite")
    assert predictor.from_features(FEATURES).units == pytest.approx(42.0)  # recovers on the next call


def test_install_swaps_between_calls(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    host = host_with(store)
    shipped = predict(host, IMPORT_COST, FEATURES).units
    in_flight = store.get(IMPORT_COST)  # what a call already running holds
    target = store.install(IMPORT_COST, DATA / "constant.tflite")
    assert target == tmp_path / "models" / f"{IMPORT_COST}.tflite"
    assert predict(host, IMPORT_COST, FEATURES).units == pytest.approx(42.0)
    assert in_flight.predict(FEATURES)[0] == pytest.approx(shipped)  # finishes on the old version
    assert predict(host, IMPORT_COST_BASELINE, FEATURES) is not None  # other models untouched


def test_install_from_another_process_is_picked_up(tmp_path: Path) -> None:
    node = ModelStore(tmp_path / "models")  # a running node's plugin
    host = host_with(node)
    shipped = predict(host, IMPORT_COST, FEATURES).units
    ModelStore(tmp_path / "models").install(IMPORT_COST, DATA / "constant.tflite")  # `jamliquor ai install-model`
    assert predict(host, IMPORT_COST, FEATURES).units == pytest.approx(42.0)
    assert shipped != pytest.approx(42.0)


def test_swap_under_concurrent_predictions_drops_nothing(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    host = host_with(store)
    shipped = round(predict(host, IMPORT_COST, FEATURES).units, 4)
    per_thread: list[list[float]] = [[] for _ in range(3)]
    failures: list[BaseException] = []
    stop = threading.Event()

    def worker(seen: list[float]) -> None:
        while not stop.is_set():
            try:
                seen.append(round(predict(host, IMPORT_COST, FEATURES).units, 4))
            except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                failures.append(exc)

    threads = [threading.Thread(target=worker, args=(seen,)) for seen in per_thread]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60  # bounded even if predictions fail
    while min(map(len, per_thread)) < 20 and time.monotonic() < deadline:
        stop.wait(0.001)
    store.install(IMPORT_COST, DATA / "constant.tflite")
    counts = [len(seen) for seen in per_thread]
    while any(len(seen) < n + 20 for seen, n in zip(per_thread, counts)) and time.monotonic() < deadline:
        stop.wait(0.001)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert not failures
    for seen in per_thread:  # each caller: old version, then the new one from some call on, never back
        switch = seen.index(42.0)
        assert set(seen[:switch]) == {shipped} and set(seen[switch:]) == {42.0}


def test_prediction_errors_are_typed_for_the_kernel(tmp_path: Path) -> None:
    with pytest.raises(PredictionError):
        predict(host_with(ModelStore(None)), IMPORT_COST, [])


def test_configure_opens_the_store_under_data_dir(tmp_path: Path) -> None:
    from jamliquor.config import load_config

    plugin = AiPlugin()
    plugin.jamliquor_configure(load_config(tmp_path / "none.toml", env={"JAMLIQUOR_DATA_DIR": str(tmp_path)}))
    assert plugin.store.installed_dir == tmp_path / "models"
    assert plugin.jamliquor_status() == "models: import-cost (shipped), import-cost-linear (shipped)"
    plugin.jamliquor_install_model(IMPORT_COST, str(DATA / "constant.tflite"))
    assert plugin.jamliquor_status() == "models: import-cost (installed), import-cost-linear (shipped)"
