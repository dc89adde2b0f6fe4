"""Benchmarks run (quick mode) and print numbers; nothing here asserts on speed."""

from __future__ import annotations

from pathlib import Path

import pytest
from jamliquor.bench import available_benchmarks
from jamliquor.cli import app
from typer.testing import CliRunner


@pytest.mark.parametrize("name", available_benchmarks())
def test_benchmark_runs(vectors: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAM_TEST_VECTORS", str(vectors))
    result = CliRunner().invoke(app, ["bench", name, "--quick"])
    assert result.exit_code == 0, result.output
    assert result.output.strip()


def test_unknown_benchmark_is_a_clear_error() -> None:
    result = CliRunner().invoke(app, ["bench", "nope"])
    assert result.exit_code == 2 and "available" in result.output
