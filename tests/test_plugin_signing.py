"""Signed plugin updates end to end: wheels of the example plugin, `plugins sign`,
`trusted_plugin_keys`, hot-swap through PluginHost and the CLI; every refusal (no signature,
wrong key, tampered wheel) leaves the running plugin in place. Signatures go through the
`jamliquor-pqc` plugin (ML-DSA-65 and ed25519+ml-dsa-65)."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamliquor.cli import app
from jamliquor.config import load_config
from jamliquor.crypto import schemes
from jamliquor.crypto.keyfile import format_key, write_keypair
from jamliquor.plugin_signing import PluginSignatureError, signature_path
from jamliquor.plugins import PluginHost, UnknownPluginError

from plugin_env import build_wheel

EXAMPLE = Path(__file__).parent / "example_plugin" / "jamliquor_example"
EP = {"example": "jamliquor_example"}


def forget_wheels(saved: list[str]) -> None:
    """What a new process would see: no unpacked wheel on sys.path, no example module imported."""
    sys.path[:] = saved
    for name in [m for m in sys.modules if m.split(".")[0] == "jamliquor_example"]:
        del sys.modules[name]
    importlib.invalidate_caches()


@pytest.fixture()
def clean_imports():
    saved = list(sys.path)
    yield saved
    forget_wheels(saved)


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, tuple[str, bytes, Path]]:
    """Release keys (ML-DSA-65, composite) and an attacker's, as key files."""
    host = PluginHost(allow=["pqc"])
    root = tmp_path_factory.mktemp("keys")
    out = {}
    for label, scheme, seed in [("release", "ml-dsa-65", bytes(32)), ("composite", "ed25519+ml-dsa-65", bytes(64)),
                                ("attacker", "ml-dsa-65", bytes([7]) * 32)]:
        public, secret = schemes.keygen(scheme, seed, host=host)
        write_keypair(root / label, scheme, public, secret)
        out[label] = (scheme, public, root / label)
    return out


def wheels(tmp: Path) -> tuple[Path, Path]:
    v1 = build_wheel(EXAMPLE, "jamliquor-example", "0.1.0", EP, tmp / "v1")
    v2 = build_wheel(EXAMPLE, "jamliquor-example", "0.2.0", EP, tmp / "v2", replace={'MODELS = ("mean",)': 'MODELS = ("mean", "v2")'})
    return v1, v2


def sign(wheel: Path, key: Path) -> None:
    result = CliRunner().invoke(app, ["plugins", "sign", str(wheel), "--key", str(key)])
    assert result.exit_code == 0, result.output
    assert signature_path(wheel).exists()


def test_hot_swap_accepts_only_trusted_signatures(keys, tmp_path, clean_imports) -> None:
    v1, v2 = wheels(tmp_path)
    sign(v1, keys["release"][2])
    trusted = [keys["release"][:2], keys["composite"][:2]]
    host = PluginHost(allow=["pqc"], trusted_keys=trusted, store=tmp_path / "store")
    info = host.load(str(v1))
    assert (info.name, info.version, info.origin.endswith(v1.name)) == ("example", "0.1.0", True)
    assert host.models() == ["mean"]

    def refused(wheel: Path, match: str) -> None:
        with pytest.raises(PluginSignatureError, match=match):
            host.swap("example", str(wheel))
        running = next(p for p in host.plugins() if p.name == "example")
        assert running.version == "0.1.0" and host.models() == ["mean"]  # still the old one
        assert host.call("predict", model="mean", features=[1.0, 3.0]) == [2.0]

    refused(v2, "has no signature")
    sign(v2, keys["attacker"][2])
    refused(v2, "not valid under any of the 1 trusted ml-dsa-65 key")
    sign(v2, keys["release"][2])
    tampered = tmp_path / "tampered" / v2.name
    tampered.parent.mkdir()
    tampered.write_bytes(v2.read_bytes() + b"\0")
    shutil.copy(signature_path(v2), signature_path(tampered))
    refused(tampered, "for another file")

    sign(v2, keys["composite"][2])  # a composite release signature also counts
    info = host.swap("example", str(v2))
    assert info.version == "0.2.0" and host.models() == ["mean", "v2"]
    assert sorted(p.name for p in (tmp_path / "store").glob("*.whl")) == [v2.name]  # 0.1.0 retired

    # the next start finds the accepted wheel again (re-checking it) …
    forget_wheels(clean_imports)
    restarted = PluginHost(allow=["pqc", "example"], trusted_keys=trusted, store=tmp_path / "store")
    assert restarted.models() == ["mean", "v2"]
    # … and refuses it if its stored signature no longer verifies
    stored_sig = signature_path(tmp_path / "store" / v2.name)
    doc = json.loads(stored_sig.read_text())
    doc["signature"] = ("1" if doc["signature"][0] == "0" else "0") + doc["signature"][1:]
    stored_sig.write_text(json.dumps(doc))
    forget_wheels(clean_imports)
    with pytest.raises(UnknownPluginError, match="unknown plugin 'example'"):
        PluginHost(allow=["pqc", "example"], trusted_keys=trusted, store=tmp_path / "store")
    unrestricted = PluginHost(trusted_keys=trusted, store=tmp_path / "store")
    assert v2.name in unrestricted.broken and "example" not in [p.name for p in unrestricted.plugins()]


def test_without_trusted_keys_wheels_load_unsigned(tmp_path, clean_imports) -> None:
    v1, _ = wheels(tmp_path)
    host = PluginHost(allow=[], store=tmp_path / "store")
    assert host.load(str(v1)).version == "0.1.0" and host.models() == ["mean"]


def test_cli_enable_and_swap_wheels(keys, tmp_path, monkeypatch, clean_imports) -> None:
    v1, v2 = wheels(tmp_path)
    sign(v1, keys["release"][2])
    cfg = tmp_path / "jamliquor.toml"
    cfg.write_text(f'plugins = ["pqc"]\ntrusted_plugin_keys = ["{format_key(*keys["release"][:2])}"]\n')
    monkeypatch.setenv("JAMLIQUOR_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    bad = runner.invoke(app, ["plugins", "enable", str(v2), "--config", str(cfg)])
    assert bad.exit_code == 2 and "has no signature" in bad.output
    assert load_config(cfg).plugins == ("pqc",)  # nothing changed
    ok = runner.invoke(app, ["plugins", "enable", str(v1), "--config", str(cfg)])
    assert ok.exit_code == 0, ok.output
    assert load_config(cfg).plugins == ("example", "pqc")
    listed = runner.invoke(app, ["plugins", "list", "--config", str(cfg)])
    assert "enabled, signed wheel" in listed.output
    sign(v2, keys["attacker"][2])
    bad = runner.invoke(app, ["plugins", "swap", "example", str(v2), "--config", str(cfg)])
    assert bad.exit_code == 2 and "not valid under any" in bad.output
    sign(v2, keys["release"][2])
    ok = runner.invoke(app, ["plugins", "swap", "example", str(v2), "--config", str(cfg)])
    assert ok.exit_code == 0, ok.output
    assert sorted(p.name for p in (tmp_path / "data" / "plugins").glob("*.whl")) == [v2.name]
