"""`jamliquor devchain`: a bounded tiny run (26 slots: epoch 0 fallback-sealed while the ticket
accumulator fills, epoch 1 ticket-sealed, into epoch 2) that our importer, the conformance suite
and the independent fuzz-replay client all accept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamliquor.chainspec import dev_chainspec, load_chainspec
from jamliquor.cli import app
from jamliquor.conformance import run_suite
from jamliquor.devchain import DevchainError, run_devchain
from jamliquor.keys import Keyring
from jamliquor.profiles import AuthorBudget
from jamliquor.spec import TINY
from jamliquor.vectors.traces import load_step, step_files

REPLAY = Path(__file__).resolve().parents[2] / "shared" / "tools" / "fuzz-replay.py"
GUARDED = Path(__file__).resolve().parent / "guarded_fuzz_replay.py"  # one guard against a client crash: see there
JAMLIQUOR = Path(sys.executable).parent / "jamliquor"
SLOTS = 26


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> tuple[Path, object, list[dict]]:
    out = tmp_path_factory.mktemp("devchain")
    summary = run_devchain(dev_chainspec(TINY, 6), Keyring.dev(6), SLOTS, out)
    logs = [json.loads(line) for line in (out / "authoring.jsonl").read_text().splitlines()]
    return out, summary, logs


def test_devchain_seals_with_tickets_once_the_accumulator_filled(chain) -> None:
    out, summary, logs = chain
    assert summary.blocks == SLOTS and len(step_files(out)) == SLOTS and (out / "genesis.bin").exists()
    assert summary.epochs_crossed == 2 and summary.preimages == 4
    E = TINY.epoch_length
    for log in logs:  # epoch 0: fallback keys; epoch 1 on: the accumulator filled in the previous epoch
        assert log["sealed_by"] == ("ticket" if log["slot"] >= E else "fallback")
    assert summary.ticket_sealed == SLOTS - (E - 1) and summary.first_ticket_slot == E
    filled = sum(log["extrinsics"]["tickets"]["included"] for log in logs if log["slot"] < E)
    assert filled == E  # exactly the accumulator's worth: no useless tickets (eq. 6.35)
    step = load_step(step_files(out)[E - 1], TINY)  # the first block of epoch 1
    assert step.block.header.epoch_mark is not None
    assert load_chainspec(out / "chainspec.json") == dev_chainspec(TINY, 6)


def test_devchain_passes_the_conformance_suite(chain) -> None:
    out, _, _ = chain
    lines: list[str] = []
    assert run_suite("traces", out, emit=lines.append) == (SLOTS, 0), lines[:3]


def test_devchain_passes_the_independent_replay_client(chain, tmp_path: Path) -> None:
    out, _, _ = chain
    result = subprocess.run(  # a socket of our own: the client's default path is shared machine-wide
        [sys.executable, str(GUARDED), str(REPLAY), "traces", str(out), "--sock", str(tmp_path / "target.sock"),
         "--target-cmd", f"exec {JAMLIQUOR} fuzz-target --socket {{sock}}"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and f"{SLOTS}/{SLOTS} matched" in result.stdout, result.stdout[-2000:] + result.stderr[-1000:]


def test_devchain_records_budget_cuts(tmp_path: Path) -> None:
    budget = AuthorBudget(bytes=800, items=1, gas=0)  # one ticket (785 B) or one small preimage per block
    summary = run_devchain(dev_chainspec(TINY, 6), Keyring.dev(6), 3, tmp_path, budget)
    logs = [json.loads(line) for line in (tmp_path / "authoring.jsonl").read_text().splitlines()]
    assert all(log["used"]["items"] <= 1 and log["used"]["bytes"] <= 800 for log in logs)
    assert logs[0]["extrinsics"]["tickets"]["cut"] == {"bytes": 2, "per-block": 9}  # bytes are checked first
    assert logs[1]["extrinsics"]["preimages"]["cut"]  # the preimage arrived; the budget was spent on a ticket
    assert summary.budget_cuts > 0 and run_suite("traces", tmp_path) == (3, 0)


def test_devchain_refuses_a_used_directory(chain) -> None:
    out, _, _ = chain
    with pytest.raises(DevchainError, match="already holds a trace"):
        run_devchain(dev_chainspec(TINY, 6), Keyring.dev(6), 1, out)


def test_devchain_command(tmp_path: Path) -> None:
    spec_file = tmp_path / "spec.json"
    runner = CliRunner()
    assert runner.invoke(app, ["chainspec", "new", "--validators", "3", "--out", str(spec_file)]).exit_code == 0
    result = runner.invoke(app, ["devchain", "--chainspec", str(spec_file), "--validators", "3", "--slots", "2",
                                 "--out", str(tmp_path / "chain"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "sealed: 0 by ticket" in result.output and "epochs crossed: 0" in result.output
    again = runner.invoke(app, ["devchain", "--slots", "1", "--out", str(tmp_path / "chain")])
    assert again.exit_code == 2 and "already holds a trace" in again.output
