"""Sealed key files end to end: `pqc keygen` a KEM key, `keys seal`/`keys unseal`, and the
node-side `open_key_file`; wrong keys and every kind of tampering give one SealingError."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamliquor.cli import app
from jamliquor.crypto.keyfile import read_key
from jamliquor.plugins import PluginHost, set_default_host
from jamliquor.sealing import MAGIC, SealingError, is_sealed, open_key_file, parse, seal, unseal

KEY_BYTES = b'{"validator": "any key file format", "seed": "00112233"}\n'


@pytest.fixture()
def pqc_host():
    host = PluginHost(allow=["pqc"])
    set_default_host(host)
    yield host
    set_default_host(None)


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("scheme", ["x25519+ml-kem-768", "ml-kem-1024"])
def test_seal_unseal_and_open(pqc_host, tmp_path: Path, scheme: str) -> None:
    run("pqc", "keygen", scheme, "--out", str(tmp_path / "seal-key"))
    keyfile = tmp_path / "validator.key"
    keyfile.write_bytes(KEY_BYTES)
    run("keys", "seal", str(keyfile), "--to", str(tmp_path / "seal-key.pub"))
    sealed = tmp_path / "validator.key.sealed"
    data = sealed.read_bytes()
    assert is_sealed(data) and KEY_BYTES not in data and parse(data)[0] == scheme
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    kem_key = read_key(tmp_path / "seal-key")
    assert open_key_file(sealed, kem_key) == KEY_BYTES  # what the node does at start-up
    assert open_key_file(keyfile) == KEY_BYTES  # an unsealed file opens as it is
    with pytest.raises(SealingError, match="is sealed; give the KEM secret"):
        open_key_file(sealed)
    keyfile.unlink()
    run("keys", "unseal", str(sealed), "--key", str(tmp_path / "seal-key"))
    assert keyfile.read_bytes() == KEY_BYTES and stat.S_IMODE(keyfile.stat().st_mode) == 0o600


def test_wrong_key_and_tampering(pqc_host, tmp_path: Path) -> None:
    run("pqc", "keygen", "x25519+ml-kem-768", "--out", str(tmp_path / "a"), "--seed", "00" * 32)
    run("pqc", "keygen", "x25519+ml-kem-768", "--out", str(tmp_path / "b"), "--seed", "11" * 32)
    run("pqc", "keygen", "ml-kem-768", "--out", str(tmp_path / "c"))
    scheme, public = read_key(tmp_path / "a.pub")
    sealed = seal(KEY_BYTES, scheme, public)
    right = read_key(tmp_path / "a")
    assert unseal(sealed, *right) == KEY_BYTES
    with pytest.raises(SealingError, match="wrong KEM secret"):
        unseal(sealed, *read_key(tmp_path / "b"))
    with pytest.raises(SealingError, match="sealed with x25519\\+ml-kem-768, the key given is ml-kem-768"):
        unseal(sealed, *read_key(tmp_path / "c"))
    header = len(MAGIC) + 1 + len(scheme) + 2
    for position in (header + 10, header + 1090, len(sealed) - 30, len(sealed) - 1, len(sealed) - 20 - 12):
        forged = bytearray(sealed)
        forged[position] ^= 0x40  # ML-KEM ciphertext, X25519 share, body, tag, nonce
        with pytest.raises(SealingError):
            unseal(bytes(forged), *right)
    for cut in (5, len(MAGIC) + 3, header + 100, len(sealed) - 17):
        with pytest.raises(SealingError):
            unseal(sealed[:cut], *right)
    cli = CliRunner().invoke(app, ["keys", "seal", str(tmp_path / "missing"), "--to", str(tmp_path / "a.pub")])
    assert cli.exit_code == 2 and cli.output.startswith("error: no such file")


def test_node_reads_a_sealed_validator_key_file(pqc_host, tmp_path: Path) -> None:
    """`keys new` → `keys seal` → the node's `read_key_file(path, kem_key)` gives the same keys."""
    from jamliquor.keys import KeyFileError, read_key_file

    run("keys", "new", "--out", str(tmp_path / "validator.json"))
    run("pqc", "keygen", "x25519+ml-kem-768", "--out", str(tmp_path / "seal-key"))
    run("keys", "seal", str(tmp_path / "validator.json"), "--to", str(tmp_path / "seal-key.pub"))
    plain = read_key_file(tmp_path / "validator.json")
    sealed = tmp_path / "validator.json.sealed"
    assert read_key_file(sealed, read_key(tmp_path / "seal-key")).seed == plain.seed
    with pytest.raises(KeyFileError, match="is sealed; give the KEM secret"):
        read_key_file(sealed)
    shown = run("keys", "show", str(sealed), "--kem-key", str(tmp_path / "seal-key"))
    assert plain.ed25519.hex() in shown
