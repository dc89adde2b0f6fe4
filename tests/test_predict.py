"""Kernel side of cost prediction: features, calibration, samples, and calls through the hook
(with a stand-in plugin, so the kernel is tested without jamliquor-ai)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from jamliquor.hookspecs import hookimpl
from jamliquor.plugins import PluginHost
from jamliquor.predict import calibration
from jamliquor.predict.cost import IMPORT_COST, CostEstimate, CostPredictor, over_budget, predict
from jamliquor.predict.dataset import TraceDirError, read_csv, trace_blocks, trace_samples, write_csv
from jamliquor.predict.errors import FeatureError, PredictionError
from jamliquor.predict.evaluation import category_row, errors, markdown_table
from jamliquor.predict.features import FEATURE_COUNT, FEATURE_NAMES, FEATURE_SET_ID, FEATURES, block_features
from jamliquor.vectors.traces import load_step


class StandIn:
    """A model plugin answering `import-cost` with a fixed cost, or failing as told."""

    def __init__(self, answer=(2.0, 0.5), fail: Exception | None = None) -> None:
        self.answer, self.fail, self.calls = answer, fail, 0

    @hookimpl
    def jamliquor_predict(self, model, features):
        if model != IMPORT_COST:
            return None
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return list(self.answer)


def host_with(plugin) -> PluginHost:
    host = PluginHost(allow=[])
    host.register_object("stand-in", plugin)
    return host


def test_features_are_defined_once_and_documented() -> None:
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES)) == FEATURE_COUNT == len(FEATURES)
    assert all(f.doc for f in FEATURES) and len(FEATURE_SET_ID) == 8


def test_block_features_on_trace_blocks(vectors: Path) -> None:
    state, steps = trace_blocks(vectors / "traces" / "storage")
    from jamliquor.importer import import_block

    for path in steps[:14]:
        block = load_step(path, state.spec).block
        root = state.root()
        f = dict(zip(FEATURE_NAMES, block_features(state, block)))
        assert len(f) == FEATURE_COUNT and all(math.isfinite(v) and v >= 0 for v in f.values())
        assert state.root() == root  # reading features changes nothing
        X = block.extrinsic
        assert f["guarantees"] == len(X.guarantees) and f["assurances"] == len(X.assurances)
        assert f["guarantee_results"] == sum(len(g.report.results) for g in X.guarantees)
        assert f["epoch_change"] == float(block.header.slot // 12 > state["timeslot"] // 12)
        assert f["available_results"] >= f["cores_available"]
        state = import_block(state, block)
    assert f["state_keys"] > 0


def test_calibration_unit() -> None:
    c = calibration.measure(runs=1)
    assert c.unit_seconds > 0 and c.to_seconds(c.to_units(0.25)) == pytest.approx(0.25)
    assert calibration.device_calibration() is calibration.device_calibration()


def test_errors_and_table() -> None:
    e = errors([2.0, 1.0], [1.0, 1.0])
    assert (e.mae, e.mape) == (0.5, 50.0) and str(e) == "0.5 / 50%"
    row = category_row("x", [1.0, 1.0], [2.0, 1.0], [1.0, 1.0])
    table = markdown_table([row])
    assert "| x | 2 | 1.00 | 0.5 / 50% | 0 / 0% | — | — | — |" in table


def test_predict_through_the_hook() -> None:
    plugin = StandIn()
    assert predict(host_with(plugin), IMPORT_COST, [1.0] * FEATURE_COUNT) == CostEstimate(IMPORT_COST, 2.0, 0.5)
    assert predict(host_with(plugin), "other", [1.0]) is None
    assert predict(PluginHost(allow=[]), IMPORT_COST, [1.0]) is None  # no plugin: no prediction, no error


def test_plugin_failures_become_prediction_errors() -> None:
    typed = FeatureError("model 'import-cost': expects 20 features, got 3")
    with pytest.raises(FeatureError, match="expects 20 features"):
        predict(host_with(StandIn(fail=typed)), IMPORT_COST, [1.0] * 3)
    with pytest.raises(PredictionError, match="model 'import-cost'.*boom"):
        predict(host_with(StandIn(fail=RuntimeError("boom"))), IMPORT_COST, [1.0])
    with pytest.raises(PredictionError, match="expected finite units, peak_mib"):
        predict(host_with(StandIn(answer=(1.0, math.nan))), IMPORT_COST, [1.0])
    with pytest.raises(PredictionError, match="expected finite units, peak_mib"):
        predict(host_with(StandIn(answer=(1.0,))), IMPORT_COST, [1.0])


def test_cost_predictor_keeps_callers_running(caplog: pytest.LogCaptureFixture) -> None:
    plugin = StandIn(fail=FeatureError("model 'import-cost': feature 'tickets' is nan"))
    predictor = CostPredictor(host_with(plugin))
    with caplog.at_level(logging.WARNING):
        assert predictor.from_features([1.0] * FEATURE_COUNT) is None
        assert predictor.from_features([1.0] * FEATURE_COUNT) is None
    assert plugin.calls == 2 and isinstance(predictor.last_error, FeatureError)
    assert [r.getMessage() for r in caplog.records] == ["prediction unavailable: model 'import-cost': feature 'tickets' is nan"]
    plugin.fail = None
    assert predictor.from_features([1.0] * FEATURE_COUNT).units == 2.0 and predictor.last_error is None
    assert CostPredictor(PluginHost(allow=[])).from_features([1.0]) is None  # plugin not installed


def test_over_budget_warns_naming_the_block(caplog: pytest.LogCaptureFixture) -> None:
    unit = calibration.Calibration(0.01)
    with caplog.at_level(logging.WARNING):
        assert not over_budget(CostEstimate(IMPORT_COST, 50.0, 0.0), unit, 1.0, "00000007.bin")
        assert over_budget(CostEstimate(IMPORT_COST, 150.0, 0.0), unit, 1.0, "00000008.bin")
    assert len(caplog.records) == 1 and caplog.records[0].getMessage().startswith(
        "block 00000008.bin: predicted import 1.500 s")


def test_samples_from_a_trace(vectors: Path, tmp_path: Path) -> None:
    samples = list(trace_samples(vectors / "traces" / "storage_light", repeats=1, limit=3))
    assert [s.step for s in samples] == ["00000001.bin", "00000002.bin", "00000003.bin"]
    assert all(s.units > 0 and s.seconds > 0 and s.peak_mib > 0 and s.category == "storage_light" for s in samples)
    assert write_csv(iter(samples), tmp_path / "s.csv") == 3
    assert read_csv(tmp_path / "s.csv") == samples
    with pytest.raises(TraceDirError, match="not a trace directory"):
        list(trace_samples(tmp_path))
