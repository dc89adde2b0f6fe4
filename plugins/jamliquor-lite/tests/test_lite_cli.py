"""`jamliquor light` through the kernel's command line (the plugin's `cli_commands` hook): follow a
dev chain's trace, proved queries with the header they were proved against, one-line errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from jamliquor.chainspec import dev_preimages, load_chainspec
from jamliquor.cli import app, extensions
from jamliquor.plugins import PluginHost, set_default_host
from jamliquor.state import ChainState
from jamliquor.vectors.traces import load_step, step_files
from typer.testing import CliRunner


@pytest.fixture(autouse=True)
def lite_only():
    """The kernel with the lite plugin alone (no PVM), found through its entry point."""
    set_default_host(PluginHost(allow=["lite"]))
    extensions.reset()
    yield
    set_default_host(None)
    extensions.reset()


def light(*args: str):
    return CliRunner().invoke(app, ["light", *args])


def test_light_follows_a_trace_and_saves_its_head(devchain: Path, tmp_path: Path) -> None:
    result = light("--trace", str(devchain), "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "verified slot 12" in result.output and "epoch 1 begins" in result.output
    assert "verified 26 headers from slot 0 to 26 (2 epoch changes" in result.output and "0 rejected" in result.output
    again = light("--trace", str(devchain), "--data-dir", str(tmp_path))
    assert "resumed at slot 26" in again.output and "verified 0 headers" in again.output


def test_proved_queries_match_the_chain_state(devchain: Path) -> None:
    spec = load_chainspec(devchain / "chainspec.json").spec
    # The best head is the last block; answers are proved against it: the state after its parent.
    state = ChainState({kv.key: kv.value for kv in load_step(step_files(devchain)[-1], spec).pre_state.keyvals}, spec)
    result = light("--trace", str(devchain), "get", "service", "0")
    assert result.exit_code == 0, result.output
    info, proof_line = result.output.splitlines()
    assert json.loads(info)["items"] == state.service_info(0).items
    assert proof_line.startswith("proved against header ") and "(slot 26)" in proof_line
    assert light("--trace", str(devchain), "get", "service", "77").output.splitlines()[0] == "null"

    blob = dev_preimages()[0]
    h = hashlib.blake2b(blob, digest_size=32).hexdigest()
    answer = light("--trace", str(devchain), "get", "preimage", "0", h).output.splitlines()[0]
    assert answer == "0x" + blob.hex()
    assert light("--trace", str(devchain), "get", "preimage", "0", "00" * 32).output.splitlines()[0] == "null"
    assert light("--trace", str(devchain), "get", "storage", "0", "no-such-key").output.splitlines()[0] == "null"


@pytest.mark.parametrize("args, message", [
    ((), "give exactly one source"),
    (("--peer", "a@127.0.0.1:1"), "--chainspec FILE is required"),
    (("--trace", "/no/such/dir"), "no such file or directory"),
])
def test_usage_errors_are_one_line(args, message) -> None:
    result = light(*args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_bad_query_arguments(devchain: Path) -> None:
    result = light("--trace", str(devchain), "get", "preimage", "0", "abcd")
    assert result.exit_code == 2 and "hash must be 32 octets" in result.output
