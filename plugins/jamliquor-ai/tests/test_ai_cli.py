"""The node's commands with jamliquor-ai installed: `import --predict`, `ai evaluate`,
`ai install-model`, `ai models`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamliquor.cli import app
from jamliquor.plugins import set_default_host

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def fresh_default_host():
    set_default_host(None)  # each command builds its host (and so the plugin's store) afresh
    yield
    set_default_host(None)


@pytest.fixture
def fresh_plugin(monkeypatch: pytest.MonkeyPatch):
    """The entry point's plugin object reopens its store under this test's data_dir."""
    from jamliquor_ai.plugin import PLUGIN

    monkeypatch.setattr(PLUGIN, "_store", None)
    return PLUGIN


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_import_predict_prints_predicted_vs_actual(short_trace: Path, data_dir, fresh_plugin) -> None:
    result = run("import", str(short_trace), "--predict")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if re.match(r"\d{8}\.bin\s+predicted\s+[\d.]+ ms", line)]
    assert len(lines) == 8 and all("actual" in line and "error" in line for line in lines)
    assert re.search(r"prediction \(import-cost, 1 cu = [\d.]+ ms on this device\): 8 blocks, MAE [\d.]+ ms, MAPE [\d.]+%",
                     result.output)


def test_import_predict_warns_about_blocks_over_budget(short_trace: Path, data_dir, fresh_plugin, caplog) -> None:
    result = run("import", str(short_trace), "--predict", "--budget-ms", "0.001")
    assert result.exit_code == 0, result.output
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(re.match(r"block 00000001\.bin: predicted import .* exceeds the budget", w) for w in warnings)


def test_import_goes_on_without_predictions_when_the_model_is_broken(short_trace: Path, data_dir, fresh_plugin,
                                                                     caplog) -> None:
    (data_dir / "models").mkdir(parents=True)
    (data_dir / "models" / "import-cost.tflite").write_bytes(b"garbage")
    result = run("import", str(short_trace), "--predict")
    assert result.exit_code == 0, result.output
    assert "8 blocks, 0 failed" in result.output and "prediction: none" in result.output
    errors = [r.getMessage() for r in caplog.records if "prediction unavailable" in r.getMessage()]
    assert len(errors) == 1 and "model 'import-cost'" in errors[0] and "not a valid TFLite model" in errors[0]


def test_evaluate_prints_the_table(short_trace: Path, data_dir, fresh_plugin) -> None:
    result = run("ai", "evaluate", str(short_trace), "--repeats", "1", "--limit", "4")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("| storage_light"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "4" and re.fullmatch(r"[\d.e-]+ / \d+%", cells[3]) and re.fullmatch(r"[\d.e-]+ / \d+%", cells[4])
    assert re.fullmatch(r"[\d.e-]+ / \d+%", cells[6]) and re.fullmatch(r"[\d.e-]+ / \d+%", cells[7])  # memory


def test_install_model_and_list(data_dir, fresh_plugin) -> None:
    result = run("ai", "install-model", str(DATA / "constant.tflite"))
    assert result.exit_code == 0, result.output
    assert (data_dir / "models" / "import-cost.tflite").read_bytes() == (DATA / "constant.tflite").read_bytes()
    listed = run("ai", "models")
    assert listed.exit_code == 0 and "import-cost, import-cost-linear" in listed.output and "calibration unit" in listed.output


@pytest.mark.parametrize("fixture, problem", [("wrong-count", "takes float32[1, 5]"),
                                              ("other-features", "another feature set")])
def test_install_model_refuses_a_mismatched_file(fixture, problem, data_dir, fresh_plugin) -> None:
    result = run("ai", "install-model", str(DATA / f"{fixture}.tflite"))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [result.output.strip()]  # one line
    assert result.output.startswith("error: model 'import-cost'") and problem in result.output
    assert not (data_dir / "models" / "import-cost.tflite").exists()


def test_install_model_missing_file(data_dir, fresh_plugin, tmp_path: Path) -> None:
    result = run("ai", "install-model", str(tmp_path / "nope.tflite"))
    assert result.exit_code == 2 and "no such model file" in result.output
