"""Schemes by name through the hooks (`jamliquor.crypto.schemes`): the kernel's own keygen and
context rules, the errors for unknown schemes and bad input, and the `jamliquor pqc` CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamliquor.cli import app
from jamliquor.crypto import bandersnatch, ed25519, schemes
from jamliquor.crypto.schemes import SchemeInputError, UnknownSchemeError
from jamliquor.plugins import PluginHost, set_default_host


def test_builtin_keygen_and_contexts() -> None:
    host = PluginHost(allow=[])
    public, secret = schemes.keygen("ed25519", bytes(range(32)), host=host)
    assert (public, secret) == (ed25519.public_key(bytes(range(32))), bytes(range(32)))
    public, secret = schemes.keygen("bandersnatch", bytes(32), host=host)
    assert public == bandersnatch.public_from_secret(secret)
    assert len(schemes.keygen("ed25519", b"", host=host)[1]) == 32  # empty seed: a fresh key
    sig = schemes.sign("ed25519", bytes(32), b"m", host=host)
    assert schemes.verify("ed25519", ed25519.public_key(bytes(32)), b"m", sig, host=host)
    assert not schemes.verify("ed25519", ed25519.public_key(bytes(32)), b"m", sig, b"ctx", host=host)
    with pytest.raises(SchemeInputError, match="takes no context"):
        schemes.sign("ed25519", bytes(32), b"m", b"ctx", host=host)
    with pytest.raises(SchemeInputError, match="seed must be 32 bytes"):
        schemes.keygen("bandersnatch", bytes(3), host=host)
    with pytest.raises(UnknownSchemeError, match="offered: bandersnatch, ed25519$"):
        schemes.sign("ml-dsa-65", bytes(32), b"m", host=host)
    with pytest.raises(UnknownSchemeError, match="unknown KEM scheme 'ml-kem-768'; offered: none"):
        schemes.kem_encapsulate("ml-kem-768", b"", host=host)
    assert schemes.verify("ml-dsa-65", b"", b"m", b"", host=host) is False


@pytest.fixture()
def cli_host():
    set_default_host(PluginHost(allow=["pqc"]))
    yield CliRunner()
    set_default_host(None)


@pytest.mark.parametrize("scheme", ["ml-dsa-44", "ml-dsa-65-det", "ed25519+ml-dsa-65", "ed25519"])
def test_pqc_cli_round_trip(cli_host: CliRunner, tmp_path: Path, scheme: str) -> None:
    key, message = tmp_path / "key", tmp_path / "message"
    message.write_bytes(b"release 1.2.3")
    assert cli_host.invoke(app, ["pqc", "keygen", scheme, "--out", str(key)]).exit_code == 0
    assert key.read_text().startswith(f"{scheme}:") and (tmp_path / "key.pub").exists()
    context = [] if scheme == "ed25519" else ["--context", "6a616d"]
    signed = cli_host.invoke(app, ["pqc", "sign", str(message), "--key", str(key), "--out", str(tmp_path / "sig"), *context])
    assert signed.exit_code == 0, signed.output
    ok = cli_host.invoke(app, ["pqc", "verify", str(message), str(tmp_path / "sig"), "--key", str(tmp_path / "key.pub"), *context])
    assert (ok.exit_code, ok.output) == (0, "valid\n")
    message.write_bytes(b"release 1.2.4")
    bad = cli_host.invoke(app, ["pqc", "verify", str(message), str(tmp_path / "sig"), "--key", str(tmp_path / "key.pub"), *context])
    assert (bad.exit_code, bad.output) == (1, "invalid\n")


def test_pqc_cli_errors(cli_host: CliRunner, tmp_path: Path) -> None:
    unknown = cli_host.invoke(app, ["pqc", "keygen", "rsa-2048", "--out", str(tmp_path / "k")])
    assert unknown.exit_code == 2 and "offered: " in unknown.output and "ml-dsa-65" in unknown.output
    bad_seed = cli_host.invoke(app, ["pqc", "keygen", "ml-dsa-65", "--out", str(tmp_path / "k"), "--seed", "00"])
    assert bad_seed.exit_code == 2 and bad_seed.output == "error: ml-dsa-65 seed must be 32 bytes (ξ) or 4032 bytes (expanded sk), got 1\n"
    (tmp_path / "junk").write_text("not a key")
    junk = cli_host.invoke(app, ["pqc", "sign", "-", "--key", str(tmp_path / "junk")])
    assert junk.exit_code == 2 and "expected SCHEME:HEX" in junk.output
    listed = cli_host.invoke(app, ["pqc", "schemes"])
    assert "xmssmt-sha2_20/2_256" in listed.output and "KEM: ml-kem-1024, ml-kem-512, ml-kem-768, x25519+ml-kem-768" in listed.output
