"""Plugin kernel: hook contracts, entry-point discovery, runtime swap under threads, failures, config."""

from __future__ import annotations

import importlib
import sys
import threading
import time
from pathlib import Path

import pytest
from jamliquor.cli import app
from jamliquor.config import ConfigError, load_config
from jamliquor.crypto import bandersnatch, ed25519
from jamliquor.hookspecs import VRF_SEPARATOR, hookimpl
from jamliquor.plugins import (
    MissingHookError,
    PluginCallError,
    PluginHost,
    PluginLoadError,
    UnknownPluginError,
    discover,
)
from plugin_env import install_dist
from typer.testing import CliRunner

EXAMPLE = Path(__file__).parent / "example_plugin" / "jamliquor_example"


@pytest.fixture()
def example_installed(tmp_path: Path):
    """The example plugin (tests/example_plugin), discoverable through its entry point, and a
    broken one; both disappear again afterwards."""
    saved = list(sys.path)
    install_dist(tmp_path / "example", "jamliquor-example", "0.1.0", EXAMPLE, {"example": "jamliquor_example"})
    install_dist(tmp_path / "broken", "jamliquor-broken", "9.9", None, {"broken": "no_such_module_xyz"})
    importlib.invalidate_caches()
    yield
    sys.path[:] = saved
    sys.modules.pop("jamliquor_example", None)
    importlib.invalidate_caches()


def test_discovery_skips_broken_plugins(example_installed) -> None:
    host = PluginHost()  # no allow-list: everything installed that loads
    assert "example" in [p.name for p in host.plugins()] and "broken" in host.broken
    with pytest.raises(PluginLoadError):
        PluginHost(allow=["broken"])


# ---------------------------------------------------------------------------- hook contracts


class Importer:
    @hookimpl
    def jamliquor_import_block(self, state, block, spec):
        return ("posterior", state, block)


class Author:
    @hookimpl
    def jamliquor_author_block(self, state, slot, keys, spec, pools, budget):
        return None if slot % 2 else ("block", slot)


class Executor:
    def __init__(self, tag: str, delay: float = 0.0) -> None:
        self.tag, self.delay = tag, delay

    @hookimpl
    def jamliquor_execute(self, request):
        time.sleep(self.delay)
        return (self.tag, request)


def test_import_author_execute_contracts() -> None:
    host = PluginHost(allow=[], load_builtins=False)
    assert host.call("import_block", state=1, block=2, spec=None) is None  # no implementation: None
    host.register_object("importer", Importer())
    host.register_object("author", Author())
    host.register_object("vm", Executor("vm"))
    assert host.call("import_block", state="s", block="b", spec=None) == ("posterior", "s", "b")
    assert host.call("author_block", state=None, slot=4, keys=None, spec=None, pools=None, budget=None) == ("block", 4)
    assert host.call("author_block", state=None, slot=5, keys=None, spec=None, pools=None, budget=None) is None
    assert host.require("execute", "jamliquor-polkavm", request="req") == ("vm", "req")


def test_kernel_registers_its_importer_and_authorer() -> None:
    host = PluginHost(allow=[])
    builtin = next(p for p in host.plugins() if p.name == "builtin-chain")
    assert set(builtin.hooks) == {"import_block", "author_block"} and builtin.builtin


def test_missing_execute_names_the_plugin() -> None:
    host = PluginHost(allow=[])
    with pytest.raises(MissingHookError, match="jamliquor-polkavm"):
        host.require("execute", "jamliquor-polkavm", request=object())


def test_builtin_sign_and_verify_schemes() -> None:
    host = PluginHost(allow=[])
    assert host.signature_schemes() == ["bandersnatch", "ed25519"]
    seed = bytes(range(32))
    sig = host.call("sign", scheme="ed25519", secret=seed, message=b"m")
    assert host.call("verify", scheme="ed25519", public=ed25519.public_key(seed), message=b"m", signature=sig) is True
    assert host.call("verify", scheme="ed25519", public=ed25519.public_key(seed), message=b"x", signature=sig) is False
    secret = bandersnatch.secret_from_seed(bytes(32))
    msg = b"jam_entropy" + VRF_SEPARATOR + b"aux"
    vrf = host.call("sign", scheme="bandersnatch", secret=secret, message=msg)
    public = bandersnatch.public_from_secret(secret)
    assert host.call("verify", scheme="bandersnatch", public=public, message=msg, signature=vrf) is True
    assert host.call("verify", scheme="bandersnatch", public=public, message=b"other", signature=vrf) is False
    assert host.call("sign", scheme="no-such-scheme", secret=b"", message=b"") is None


def test_predict_and_models_through_entry_point(example_installed) -> None:
    assert "example" in discover()
    host = PluginHost(allow=["example"])
    info = next(p for p in host.plugins() if p.name == "example")
    assert (info.distribution, info.version) == ("jamliquor-example", "0.1.0")
    assert set(info.hooks) == {"predict", "models"}
    assert host.models() == ["mean"]
    assert host.call("predict", model="mean", features=[1.0, 2.0, 6.0]) == [3.0]
    assert host.call("predict", model="unknown", features=[1.0]) is None


# ---------------------------------------------------------------------------- failures


class Raiser:
    @hookimpl
    def jamliquor_predict(self, model, features):
        raise RuntimeError("model file missing")


def test_raising_plugin_is_named_and_host_stays_consistent() -> None:
    host = PluginHost(allow=[])
    host.register_object("flaky", Raiser())
    with pytest.raises(PluginCallError) as err:
        host.call("predict", model="m", features=[1.0])
    assert err.value.plugin == "flaky" and err.value.hook == "predict"
    assert [p.name for p in host.plugins()] == ["builtin-signing", "builtin-chain", "flaky"]
    host.unload("flaky")
    assert host.call("predict", model="m", features=[1.0]) is None
    assert host.signature_schemes() == ["bandersnatch", "ed25519"]


def test_unknown_and_broken_plugins(example_installed) -> None:
    host = PluginHost(allow=[])
    with pytest.raises(UnknownPluginError, match="available: .*example"):
        host.load("does-not-exist")
    with pytest.raises(PluginLoadError, match="broken"):
        host.load("broken")
    with pytest.raises(UnknownPluginError):
        host.unload("example")
    assert [p.name for p in host.plugins()] == ["builtin-signing", "builtin-chain"]
    with pytest.raises(PluginLoadError):
        host.swap("builtin-signing", "broken")  # a failed swap changes nothing
    assert [p.name for p in host.plugins()] == ["builtin-signing", "builtin-chain"]


# ---------------------------------------------------------------------------- runtime swap


class SlowMean:
    """An in-process predictor answering the example plugin's model with a recognisable tag."""

    @hookimpl
    def jamliquor_models(self):
        return ("mean",)

    @hookimpl
    def jamliquor_predict(self, model, features):
        time.sleep(0.002)
        return [-1.0]  # "old"


def test_swap_under_concurrency_drops_nothing(example_installed) -> None:
    """`PluginHost.swap` (the public API) under 8 threads calling the hook: calls in flight finish
    on the old implementation, later calls use the new one, none fails or is lost."""
    host = PluginHost(allow=[])
    host.register_object("old", SlowMean())
    results: list[tuple[float, float, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                out = host.call("predict", model="mean", features=[2.0, 4.0])
            except BaseException as exc:  # nothing may fail during the swap
                errors.append(exc)
                return
            with lock:
                results.append((start, time.perf_counter(), "old" if out == [-1.0] else "new" if out == [3.0] else repr(out)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    swap_at = time.perf_counter()
    host.swap("old", "example")
    swapped_at = time.perf_counter()
    time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert {tag for *_, tag in results} == {"old", "new"}
    assert all(tag == "new" for start, _, tag in results if start > swapped_at)
    assert all(tag == "old" for _, end, tag in results if end < swap_at)
    assert "old" not in [p.name for p in host.plugins()]


def test_swap_api_between_entry_points(example_installed) -> None:
    host = PluginHost(allow=[])
    host.register_object("flaky", Raiser())
    host.swap("flaky", "example")
    assert host.call("predict", model="mean", features=[2.0]) == [2.0]
    assert "flaky" not in [p.name for p in host.plugins()]


# ---------------------------------------------------------------------------- configuration


def test_config_precedence(tmp_path: Path) -> None:
    file = tmp_path / "jamliquor.toml"
    file.write_text('chain_spec = "full"\nplugins = ["a", "b"]\nstore_keep = 8\n')
    assert load_config(tmp_path / "absent.toml", env={}).chain_spec == "tiny"  # defaults
    cfg = load_config(file, env={})
    assert (cfg.chain_spec, cfg.plugins, cfg.store_keep) == ("full", ("a", "b"), 8)
    cfg = load_config(file, env={"JAMLIQUOR_CHAIN_SPEC": "tiny", "JAMLIQUOR_PLUGINS": "c"})
    assert (cfg.chain_spec, cfg.plugins) == ("tiny", ("c",))
    cfg = load_config(file, flags={"chain_spec": "full", "plugins": None}, env={"JAMLIQUOR_CHAIN_SPEC": "tiny"})
    assert cfg.chain_spec == "full" and cfg.plugins == ("a", "b")
    with pytest.raises(ConfigError, match="chain_spec"):
        load_config(file, env={"JAMLIQUOR_CHAIN_SPEC": "huge"})
    (tmp_path / "bad.toml").write_text("colour = 1\n")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_config(tmp_path / "bad.toml", env={})


def test_cli_plugins(example_installed, tmp_path: Path) -> None:
    runner = CliRunner()
    cfg = tmp_path / "cfg.toml"
    out = runner.invoke(app, ["plugins", "list", "--config", str(cfg)])
    assert out.exit_code == 0 and "jamliquor-example" in out.output and "broken" in out.output
    assert runner.invoke(app, ["plugins", "disable", "example", "--config", str(cfg)]).exit_code == 0
    assert "example" not in load_config(cfg, env={}).plugins
    assert runner.invoke(app, ["plugins", "enable", "example", "--config", str(cfg)]).exit_code == 0
    assert "example" in load_config(cfg, env={}).plugins
    bad = runner.invoke(app, ["plugins", "enable", "nope", "--config", str(cfg)])
    assert bad.exit_code == 2 and "available" in bad.output
    assert runner.invoke(app, ["plugins", "swap", "example", "broken", "--config", str(cfg)]).exit_code == 2
    assert runner.invoke(app, ["--version"]).output.startswith("jamliquor ")
