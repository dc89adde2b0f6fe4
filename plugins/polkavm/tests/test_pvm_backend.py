"""Backend choice: the compiled backend is built by `make install`, `auto` picks it, the
`pvm_backend` setting switches a running node per call, and `plugins list` shows the active one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jamliquor.config import ConfigError, load_config
from jamliquor.execution import ExecuteRequest, ExitReason
from jamliquor.plugins import PluginCallError, PluginHost

from backends import require_compiled_backend
from pvm_asm import blob, halt_via, load_imm


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    from jamliquor_polkavm import backend, cache

    monkeypatch.setattr(backend, "_setting", None)
    cache.clear()
    yield
    cache.clear()


def _run(host: PluginHost) -> None:
    request = ExecuteRequest(blob([load_imm(1, 5)] + halt_via(12)), 50, standard=False)
    result = host.require("execute", "jamliquor-polkavm", request=request)
    assert result.exit is ExitReason.HALT and result.registers[1] == 5


def test_compiled_backend_is_built_into_the_editable_install_and_auto_picks_it() -> None:
    require_compiled_backend()
    from jamliquor_polkavm import backend

    assert Path(backend._pvm.__file__).parent == Path(backend.__file__).parent
    assert backend.active() == "compiled"  # the default `auto`, where it is built


def test_pvm_backend_setting_switches_on_a_running_host() -> None:
    require_compiled_backend()
    from jamliquor_polkavm import cache

    host = PluginHost(allow=["polkavm"])
    host.configure(load_config(env={"JAMLIQUOR_PVM_BACKEND": "python"}))
    _run(host)
    (entry,) = cache.entries()
    assert entry.python is not None and entry.native is None
    assert "pvm backend: python" in host.status("polkavm")
    host.configure(load_config(env={"JAMLIQUOR_PVM_BACKEND": "compiled"}))  # the next call switches
    _run(host)
    assert entry.native is not None
    assert "pvm backend: compiled" in host.status("polkavm")


def test_compiled_requested_but_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    from jamliquor_polkavm import backend

    monkeypatch.setattr(backend, "COMPILED_AVAILABLE", False)
    host = PluginHost(allow=["polkavm"])
    host.configure(load_config(env={"JAMLIQUOR_PVM_BACKEND": "auto"}))
    _run(host)  # auto falls back to the Python backend
    assert backend.active() == "python"
    host.configure(load_config(env={"JAMLIQUOR_PVM_BACKEND": "compiled"}))
    with pytest.raises(PluginCallError, match="not built"):
        _run(host)
    assert "not built" in host.status("polkavm")


def test_pvm_backend_config_key_is_checked() -> None:
    assert load_config(env={}).pvm_backend == "auto"
    with pytest.raises(ConfigError, match="pvm_backend"):
        load_config(env={"JAMLIQUOR_PVM_BACKEND": "jit"})


def test_plugins_list_shows_the_active_backend(tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "jamliquor"
    env = {"PATH": "/usr/bin:/bin", "JAMLIQUOR_PVM_BACKEND": "python", "JAMLIQUOR_CONFIG": str(tmp_path / "none.toml")}
    out = subprocess.run([str(cli), "plugins", "list"], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if line.startswith("polkavm"))
    assert "pvm backend: python" in row
