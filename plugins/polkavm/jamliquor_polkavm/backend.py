"""Which PVM backend runs a call: `auto` (compiled where built), `compiled` or `python`.

The setting comes from the node's configuration (`pvm_backend`, env `JAMLIQUOR_PVM_BACKEND`):
through the `configure` hook when the node applies or reloads it, or read once from the
configuration on first use. `execute` reads it at every call, so a change takes effect at the
next invocation on a running node (an invocation in flight finishes on its backend).
"""

from __future__ import annotations

from jamliquor.config import PVM_BACKENDS, load_config
from jamliquor.errors import JamLiquorError

try:  # built by the plugin's setup.py when a C compiler is present
    from . import _pvm
except ImportError:  # pragma: no cover - exercised on machines without a compiler
    _pvm = None

COMPILED_AVAILABLE = _pvm is not None


class BackendError(JamLiquorError, ValueError):
    """An unknown backend name, or `compiled` where the compiled backend was not built."""


_setting: str | None = None  # None: not configured yet; read from the configuration on first use


def set_backend(name: str) -> None:
    """Choose the backend for the calls from now on."""
    global _setting
    if name not in PVM_BACKENDS:
        raise BackendError(f"pvm_backend must be one of {', '.join(PVM_BACKENDS)}, got {name!r}")
    _setting = name


def setting() -> str:
    global _setting
    if _setting is None:
        _setting = load_config().pvm_backend
    return _setting


def active() -> str:
    """`compiled` or `python`: the backend the next call runs on."""
    choice = setting()
    if choice == "python":
        return "python"
    if COMPILED_AVAILABLE:
        return "compiled"
    if choice == "compiled":
        raise BackendError("pvm_backend = compiled, but the compiled PVM backend is not built "
                           "(reinstall jamliquor-polkavm with a C compiler present)")
    return "python"


def status() -> str:
    try:
        name = active()
    except BackendError:
        return f"pvm backend: compiled requested, not built"
    built = "compiled built" if COMPILED_AVAILABLE else "compiled not built"
    return f"pvm backend: {name} ({setting()}; {built})"
