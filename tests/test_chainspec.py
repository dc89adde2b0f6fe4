"""JIP-4 chainspecs: our files round-trip, other implementations' files load, and the dev
genesis is a consistent JAM genesis (GP eq. 6.13, 6.24, 9.8)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import attrs
import pytest
from typer.testing import CliRunner

from jamliquor.block import header_hash
from jamliquor.chainspec import (
    Bootnode, ChainspecError, dev_chainspec, dev_genesis, dev_preimages, endpoint_metadata, load_chainspec, metadata_endpoint,
)
from jamliquor.chainspec.devservice import halting_code
from jamliquor.cli import app
from jamliquor.codec import U32, Seq, decode, decode_natural
from jamliquor.crypto import bandersnatch
from jamliquor.execution import ExecuteRequest, ExitReason
from jamliquor.keys import dev_keys, key_name
from jamliquor.plugins import PluginHost
from jamliquor.spec import FULL, TINY, ParametersError, decode_parameters, encode_parameters
from jamliquor.state.keys import preimage_key, request_key
from jamliquor.stf.host_calls import constants_blob
from jamliquor.stf.safrole import fallback_keys


def test_parameters_are_the_fetch_encoding() -> None:
    for spec in (TINY, FULL):
        blob = encode_parameters(spec)
        assert blob == constants_blob(spec) and len(blob) == 134  # GP v0.7.2 B.5: 33 fields
        assert blob[:8] == (10).to_bytes(8, "little") and blob[-4:] == spec.ticket_submission_end.to_bytes(4, "little")
        assert int.from_bytes(blob[24:26], "little") == spec.core_count  # after B_I, B_L, B_S
        assert decode_parameters(blob) is spec
    fast = decode_parameters(encode_parameters(attrs.evolve(TINY, slot_seconds=1)))
    assert fast.slot_seconds == 1 and fast.name not in ("tiny", "full") and fast.validators_count == 6
    with pytest.raises(ParametersError):
        decode_parameters(encode_parameters(TINY) + b"\0")


def test_chainspec_round_trips(tmp_path: Path) -> None:
    document = dev_chainspec(TINY, 6)
    path = tmp_path / "spec.json"
    document.write(path)
    loaded = load_chainspec(path)
    assert loaded == document
    again = tmp_path / "again.json"
    loaded.write(again)
    assert again.read_text() == path.read_text()
    assert loaded.state().root() == document.state().root()
    assert [b.ed25519 for b in loaded.bootnodes] == [k.ed25519 for k in dev_keys(6)]


def test_foreign_chainspec_loads(tmp_path: Path) -> None:
    """As another implementation may write it: 0x prefixes, IPv6 bootnodes, extra fields, no bootnodes key order."""
    ours = dev_chainspec(TINY, 6).to_json()
    name = key_name(dev_keys(1)[0].ed25519)
    foreign = {
        "protocol_parameters": "0x" + ours["protocol_parameters"],
        "genesis_state": {"0x" + k: "0x" + v for k, v in ours["genesis_state"].items()},
        "genesis_header": ours["genesis_header"].upper(),
        "id": "testnet",
        "bootnodes": [f"{name}@[::1]:62061", f"{name}@192.168.50.18:62062"],
        "x_vendor_field": {"anything": [1, 2]},
    }
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(foreign))
    loaded = load_chainspec(path)
    assert loaded.id == "testnet" and loaded.spec is TINY
    assert loaded.bootnodes == (Bootnode(name, "::1", 62061), Bootnode(name, "192.168.50.18", 62062))
    assert str(loaded.bootnodes[0]) == f"{name}@[::1]:62061"
    assert loaded.genesis_state == dict(dev_chainspec(TINY, 6).genesis_state)
    assert loaded.to_json()["x_vendor_field"] == {"anything": [1, 2]}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["genesis_state"].update({"00" * 32: "00"}), "62 hex"),
    (lambda d: d.update(protocol_parameters=d["protocol_parameters"] + "00"), "protocol_parameters"),
    (lambda d: d.update(genesis_header=d["genesis_header"][:-2]), "genesis_header"),
    (lambda d: d.update(bootnodes=["nobody@1.2.3.4:5"]), "bootnode"),
    (lambda d: d.pop("genesis_state"), "lacks genesis_state"),
    (lambda d: d["genesis_state"].update({"zz" * 31: "00"}), "not hex"),
])
def test_bad_chainspecs_are_named(tmp_path: Path, change, message: str) -> None:
    document = dev_chainspec(TINY, 2).to_json()
    change(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ChainspecError, match=message):
        load_chainspec(path)


def test_dev_genesis_is_consistent() -> None:
    keys = dev_keys(4)
    genesis = dev_genesis(TINY, keys)
    state = genesis.state
    kappa = state["current_validators"]
    assert [v.bandersnatch for v in kappa[:4]] == [k.bandersnatch for k in keys] and not any(kappa[5].bandersnatch)
    assert kappa == state["previous_validators"] == state["queued_validators"] == state["safrole"].pending
    assert kappa[1].metadata[:18] == bytes(10) + b"\xff\xff" + bytes((127, 0, 0, 1)) + (40001).to_bytes(2, "little")
    assert metadata_endpoint(kappa[1].metadata) == ("127.0.0.1", 40001)
    assert metadata_endpoint(endpoint_metadata("2001:db8::7", 9)) == ("2001:db8::7", 9)
    safrole = state["safrole"]
    assert safrole.ring_root == bandersnatch.ring_commitment([v.bandersnatch for v in kappa])  # eq. (6.13)
    assert safrole.sealing_keys.value == fallback_keys(TINY, state["entropy"][2], kappa)  # eq. (6.24)
    assert state["recent_blocks"].history[-1].header_hash == header_hash(genesis.header, TINY)  # β_H holds genesis
    info = state.service_info(0)
    blobs = [halting_code(), halting_code(), *dev_preimages()]
    assert info.items == 2 * len(blobs) and info.bytes == sum(81 + len(b) for b in blobs)  # GP eq. (9.8)
    assert state.kv[preimage_key(0, info.code_hash)] == halting_code()
    for blob in dev_preimages():  # solicited, not provided
        h = hashlib.blake2b(blob, digest_size=32).digest()
        assert decode(Seq(U32), state.kv[request_key(0, h, len(blob))], TINY) == ()
        assert preimage_key(0, h) not in state.kv


def test_dev_service_code_halts_at_both_entry_points() -> None:
    blob = halting_code()
    meta, pos = decode_natural(blob, 0)
    code = blob[pos + meta:]
    host = PluginHost()
    for entry in (0, 5):  # refine, accumulate (GP eq. B.9)
        result = host.require("execute", "jamliquor-polkavm", request=ExecuteRequest(code, gas=100, pc=entry))
        assert result.exit is ExitReason.HALT


def test_chainspec_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "c.json"
    made = runner.invoke(app, ["chainspec", "new", "--validators", "3", "--out", str(out), "--slot-seconds", "2"])
    assert made.exit_code == 0, made.output
    shown = runner.invoke(app, ["chainspec", "show", str(out)])
    assert shown.exit_code == 0 and "P=2s" in shown.output and "3 of 6 seats" in shown.output
    assert runner.invoke(app, ["chainspec", "new", "--validators", "7", "--out", str(out)]).exit_code == 2
    (tmp_path / "junk.json").write_text("{")
    assert runner.invoke(app, ["chainspec", "show", str(tmp_path / "junk.json")]).exit_code == 2


def test_authoring_commands_fail_in_one_line(tmp_path: Path) -> None:
    """keys / chainspec / devchain errors, run as a user would: one `error:` line, exit 2."""
    import subprocess
    import sys

    jamliquor = Path(sys.executable).parent / "jamliquor"
    (tmp_path / "broken.json").write_text("{")
    cases = [
        (["chainspec", "show", str(tmp_path / "missing.json")], "no such file"),
        (["devchain", "--chainspec", str(tmp_path / "broken.json"), "--slots", "1", "--out", str(tmp_path / "o")], "not JSON"),
        (["devchain", "--slots", "1", "--out", str(tmp_path / "o"), "--validators", "9"], "at most 6"),
        (["keys", "derive", "--seed", "0011"], "32 bytes"),
        (["keys", "show", str(tmp_path / "missing.key")], "no such file"),
        (["fuzz-target", "--socket", str(tmp_path / "s"), "--chainspec", str(tmp_path / "broken.json")], "not JSON"),
    ]
    for args, words in cases:
        result = subprocess.run([str(jamliquor), *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], (args, result.stderr)
