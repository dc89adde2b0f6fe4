"""Block import over the official traces: all six categories pass every step."""

from __future__ import annotations

from pathlib import Path

import pytest
from jamliquor.block import BadExtrinsicHash, BlockError
from jamliquor.cli import app
from jamliquor.conformance import run_suite
from jamliquor.importer import import_block
from jamliquor.spec import TINY
from jamliquor.state import ChainState
from jamliquor.vectors.traces import load_step, step_files
from typer.testing import CliRunner


@pytest.mark.parametrize("category", ["fallback", "safrole", "storage", "storage_light", "preimages", "preimages_light"])
def test_trace_suite(vectors: Path, category: str) -> None:
    lines: list[str] = []
    passed, failed = run_suite("traces", vectors / "traces" / category, emit=lines.append)
    assert (passed, failed) == (100, 0), "\n".join(lines[:5])


def test_import_command_from_genesis(vectors: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(vectors / "traces" / "fallback"), "--profile"])
    assert result.exit_code == 0, result.output
    assert "100 blocks, 0 failed" in result.output and "peak RSS" in result.output and "safrole" in result.output


def test_invalid_block_leaves_state_untouched(vectors: Path) -> None:
    import attrs

    step = load_step(step_files(vectors / "traces" / "safrole")[3], TINY)
    state = ChainState.from_keyvals(((kv.key, kv.value) for kv in step.pre_state.keyvals), TINY)
    before = dict(state.kv)
    bad = attrs.evolve(step.block, header=attrs.evolve(step.block.header, extrinsic_hash=bytes(32)))
    with pytest.raises(BadExtrinsicHash):
        import_block(state, bad)
    forged = attrs.evolve(step.block, header=attrs.evolve(step.block.header, seal=bytes(96)))
    with pytest.raises(BlockError, match="seal"):
        import_block(state, forged)
    assert state.kv == before and state.root() == step.pre_state.state_root
