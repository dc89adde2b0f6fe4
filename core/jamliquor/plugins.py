"""Plugin discovery, loading, unloading and runtime swapping (pluggy underneath).

Plugins come from the Python environment (entry points of installed distributions) or, at run
time, from wheels (`load`/`swap` given a `.whl` path): with trusted keys configured, a wheel
loads only if its detached signature verifies (:mod:`jamliquor.plugin_store`,
:mod:`jamliquor.plugin_signing`); a refused wheel changes nothing.

`PluginHost` keeps an immutable *snapshot* (a pluggy manager plus plugin records). A hook call
takes the current snapshot once and runs entirely on it; load/unload/swap build a new snapshot
and publish it with one reference assignment. So a call already in flight finishes on the old
implementation, the next call sees the new one, and nothing is dropped or half-applied.
"""

from __future__ import annotations

import functools
import importlib
import threading
import types
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
import pluggy

from . import __version__, hookspecs, plugin_store
from .config import load_config
from .errors import JamLiquorError
from .hookspecs import HOOK_DEFAULTS, HOOKS, PROJECT

ENTRY_POINT_GROUP = "jamliquor"


class PluginError(JamLiquorError):
    """Base of plugin-management errors."""


class UnknownPluginError(PluginError, KeyError):
    """No plugin of that name is installed; the message lists those that are."""

    def __str__(self) -> str:
        return str(self.args[0])


class PluginLoadError(PluginError):
    """A plugin is installed but broken (its module fails to import or has no hooks)."""


class PluginCallError(PluginError):
    """A plugin raised inside a hook; `plugin` and `hook` name where, `__cause__` is the exception."""

    def __init__(self, plugin: str, hook: str, exc: BaseException) -> None:
        self.plugin = plugin
        self.hook = hook
        super().__init__(f"plugin {plugin!r} failed in hook {hook!r}: {type(exc).__name__}: {exc}")


class MissingHookError(PluginError):
    """No loaded plugin implements a firstresult hook the caller needs (e.g. `execute`)."""


@attrs.frozen
class PluginInfo:
    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]
    builtin: bool = False
    origin: str = ""  # "" = the Python environment; else the wheel it was loaded from


@attrs.frozen
class _Snapshot:
    manager: pluggy.PluginManager
    plugins: tuple[PluginInfo, ...]


# Built-in implementations in the kernel, registered through the same hooks.
BUILTINS = {"builtin-signing": "jamliquor.builtins.signing", "builtin-chain": "jamliquor.builtins.chain"}


def _hook_names(obj: Any) -> tuple[str, ...]:
    return tuple(h for h in HOOKS if getattr(getattr(obj, f"{PROJECT}_{h}", None), f"{PROJECT}_impl", None) is not None)


def _load_entry_point(ep: metadata.EntryPoint, where: str) -> tuple[Any, tuple[str, ...]]:
    """An entry point's plugin object and its hook names; `where` (its target or wheel) names it
    in the `PluginLoadError` for a plugin that fails to import or implements no hook."""
    try:
        obj = ep.load()
    except Exception as exc:
        raise PluginLoadError(f"plugin {ep.name!r} ({where}) failed to load: {type(exc).__name__}: {exc}") from exc
    hooks = _hook_names(obj)
    if not hooks:
        raise PluginLoadError(f"plugin {ep.name!r} ({where}) implements no jamliquor hooks")
    return obj, hooks


def _guard(name: str, obj: Any) -> types.SimpleNamespace:
    """A proxy of `obj`'s hook implementations that report failures as `PluginCallError(name)`."""
    guarded = types.SimpleNamespace()
    for hook in _hook_names(obj):
        attr = f"{PROJECT}_{hook}"
        impl = getattr(obj, attr)

        @functools.wraps(impl)
        def wrapper(*args: Any, __impl: Any = impl, __hook: str = hook, **kwargs: Any) -> Any:
            try:
                return __impl(*args, **kwargs)
            except PluginCallError:
                raise
            except Exception as exc:
                raise PluginCallError(name, __hook, exc) from exc

        wrapper.__signature__ = __import__("inspect").signature(impl)  # pluggy reads argument names
        setattr(guarded, attr, wrapper)
    return guarded


def discover() -> dict[str, metadata.EntryPoint]:
    """Installed plugins: entry points of group `jamliquor`, by name."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


class PluginHost:
    """Loads plugins from entry points (and kernel built-ins) and calls their hooks."""

    def __init__(
        self,
        allow: Iterable[str] | None = None,
        load_builtins: bool = True,
        trusted_keys: Sequence[tuple[str, bytes]] = (),
        store: Path | None = None,
    ) -> None:
        """Load the built-ins and the plugins in `allow` (an unknown or broken name there is an
        error), or, with no allow-list, every installed plugin that loads: broken ones are skipped
        and listed in `broken` so one bad third-party package cannot stop the node.

        `store` is where run-time wheels are kept (normally `<data_dir>/plugins`); those found
        there are loaded after the environment's plugins (whose `verify` checks them), replacing
        a plugin of the same name, if their signature verifies under `trusted_keys` (when given)."""
        self._lock = threading.Lock()
        self._objects: dict[str, tuple[Any, PluginInfo]] = {}
        self._snapshot = _Snapshot(self._new_manager(), ())
        self.broken: dict[str, Exception] = {}
        self.trusted_keys = tuple(trusted_keys)
        self.store = store
        if load_builtins:
            for name in BUILTINS:
                self.load(name)
        wanted = None if allow is None else list(allow)
        installed = discover()
        for name in installed if wanted is None else [n for n in wanted if n in installed or n in BUILTINS]:
            if name not in self._objects:
                try:
                    self.load(name)
                except PluginLoadError as exc:
                    if wanted is not None:
                        raise
                    self.broken[name] = exc
        if store is not None:
            good, bad = plugin_store.stored(self, store, self.trusted_keys)
            self.broken.update({wheel: PluginLoadError(reason) for wheel, reason in bad.items()})
            for unpacked in good:
                if wanted is None or any(ep.name in wanted for ep in unpacked.entry_points):
                    self._load_unpacked(unpacked, replace=True)
        for name in wanted or ():
            if name not in self._objects:
                self.load(name)  # raises UnknownPluginError listing what is available

    # ------------------------------------------------------------------ management

    @staticmethod
    def _new_manager() -> pluggy.PluginManager:
        pm = pluggy.PluginManager(PROJECT)
        pm.add_hookspecs(hookspecs)
        return pm

    def available(self) -> list[str]:
        return sorted({*BUILTINS, *discover()})

    def _resolve(self, name: str) -> tuple[Any, PluginInfo]:
        if name in BUILTINS:
            module = importlib.import_module(BUILTINS[name])
            return module, PluginInfo(name, "jamliquor", __version__, _hook_names(module), builtin=True)
        ep = discover().get(name)
        if ep is None:
            raise UnknownPluginError(f"unknown plugin {name!r}; available: {', '.join(self.available()) or 'none'}")
        obj, hooks = _load_entry_point(ep, ep.value)
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        return obj, PluginInfo(name, dist, version, hooks)

    def _publish(self, objects: dict[str, tuple[Any, PluginInfo]]) -> None:
        pm = self._new_manager()
        for name, (obj, _) in objects.items():
            pm.register(_guard(name, obj), name=name)
        self._objects = objects
        self._snapshot = _Snapshot(pm, tuple(info for _, info in objects.values()))

    def load(self, name: str) -> PluginInfo:
        """Load plugin `name` (an entry point or built-in, or the path of a wheel); loading a
        loaded plugin is a no-op."""
        if name.endswith(".whl"):
            return self._load_unpacked(self._accept_wheel(Path(name)), replace=False)
        with self._lock:
            if name in self._objects:
                return self._objects[name][1]
            obj, info = self._resolve(name)
            self._publish({**self._objects, name: (obj, info)})
            return info

    def install_wheel(self, wheel: Path) -> PluginInfo:
        """Load a plugin wheel, replacing a loaded plugin of the same name (an update)."""
        return self._load_unpacked(self._accept_wheel(Path(wheel)), replace=True)

    # ------------------------------------------------------------------ run-time wheels

    def _accept_wheel(self, wheel: Path) -> plugin_store.Unpacked:
        """Check and unpack a wheel; raises (changing nothing) if it is refused."""
        if self.store is None:
            raise PluginLoadError("no plugin store configured for wheels (PluginHost(store=...))")
        unpacked = plugin_store.accept(self, wheel, self.store, self.trusted_keys)
        if len(unpacked.entry_points) != 1:
            raise PluginLoadError(f"{wheel.name} registers {len(unpacked.entry_points)} jamliquor entry points; one per wheel")
        return unpacked

    def _wheel_plugin(self, unpacked: plugin_store.Unpacked) -> tuple[str, Any, PluginInfo]:
        ep = unpacked.entry_points[0]
        plugin_store.activate(unpacked)
        obj, hooks = _load_entry_point(ep, unpacked.wheel.name)
        dist = unpacked.distribution
        return ep.name, obj, PluginInfo(ep.name, dist.metadata["Name"], dist.version, hooks, origin=str(unpacked.wheel))

    def _load_unpacked(self, unpacked: plugin_store.Unpacked, replace: bool) -> PluginInfo:
        with self._lock:
            name = unpacked.entry_points[0].name
            if name in self._objects and not replace:
                raise PluginError(f"plugin {name!r} is already loaded; swap it for the wheel instead")
            name, obj, info = self._wheel_plugin(unpacked)
            self._publish({**self._objects, name: (obj, info)})
            plugin_store.retire_others(unpacked)
            return info

    def unload(self, name: str) -> None:
        with self._lock:
            if name not in self._objects:
                raise UnknownPluginError(f"plugin {name!r} is not loaded; loaded: {', '.join(self._objects) or 'none'}")
            self._publish({k: v for k, v in self._objects.items() if k != name})

    def swap(self, old: str, new: str) -> PluginInfo:
        """Replace loaded plugin `old` with `new` (a name, or the path of a wheel) in one step
        (calls never see neither or both). A refused or broken `new` changes nothing."""
        if old not in self._objects:
            raise UnknownPluginError(f"plugin {old!r} is not loaded; loaded: {', '.join(self._objects) or 'none'}")
        unpacked = self._accept_wheel(Path(new)) if new.endswith(".whl") else None
        with self._lock:
            if old not in self._objects:
                raise UnknownPluginError(f"plugin {old!r} is not loaded; loaded: {', '.join(self._objects) or 'none'}")
            if unpacked is not None:
                new, obj, info = self._wheel_plugin(unpacked)
            else:
                obj, info = self._resolve(new)  # fails before anything changes
            objects = {k: v for k, v in self._objects.items() if k != old}
            objects[new] = (obj, info)
            self._publish(objects)
            if unpacked is not None:
                plugin_store.retire_others(unpacked)
            return info

    def register_object(self, name: str, obj: Any, distribution: str = "<runtime>", version: str = "0") -> PluginInfo:
        """Register an in-process plugin object (for embedding and tests) under `name`."""
        hooks = _hook_names(obj)
        if not hooks:
            raise PluginLoadError(f"object for plugin {name!r} implements no jamliquor hooks")
        info = PluginInfo(name, distribution, version, hooks)
        with self._lock:
            self._publish({**self._objects, name: (obj, info)})
        return info

    def plugins(self) -> tuple[PluginInfo, ...]:
        return self._snapshot.plugins

    # ------------------------------------------------------------------ calls

    def call(self, hook: str, **kwargs: Any) -> Any:
        """Call hook `hook` (name without the `jamliquor_` prefix) on the current snapshot."""
        if hook not in HOOKS:
            raise PluginError(f"unknown hook {hook!r}; hooks: {', '.join(HOOKS)}")
        for key, value in HOOK_DEFAULTS.get(hook, {}).items():
            kwargs.setdefault(key, value)
        snapshot = self._snapshot  # one read: the whole call runs on this set of plugins
        return getattr(snapshot.manager.hook, f"{PROJECT}_{hook}")(**kwargs)

    def require(self, hook: str, provider_hint: str, **kwargs: Any) -> Any:
        """Call a firstresult hook that must be answered; name `provider_hint` if none answers."""
        result = self.call(hook, **kwargs)
        if result is None:
            loaded = ", ".join(p.name for p in self.plugins()) or "none"
            raise MissingHookError(f"no loaded plugin implements {hook!r}; install/enable {provider_hint} (loaded: {loaded})")
        return result

    def configure(self, config: Any) -> None:
        """Hand every loaded plugin the (re)loaded configuration (`configure` hook)."""
        self.call("configure", config=config)

    def status(self, name: str) -> str | None:
        """Plugin `name`'s own status line (its `status` hook), or None if it offers none."""
        entry = self._objects.get(name)
        impl = getattr(entry[0], f"{PROJECT}_status", None) if entry else None
        if impl is None:
            return None
        try:
            return impl()
        except Exception as exc:
            raise PluginCallError(name, "status", exc) from exc

    def cli_commands(self) -> dict[str, tuple[str, Any]]:
        """What loaded plugins add to the command line (`cli_commands` hook): command name →
        (plugin name, command). Two plugins offering one name is a `PluginError` naming both."""
        found: dict[str, tuple[str, Any]] = {}
        for name, (obj, _) in self._objects.items():
            impl = getattr(obj, f"{PROJECT}_cli_commands", None)
            if impl is None:
                continue
            try:
                commands = impl() or {}
            except Exception as exc:
                raise PluginCallError(name, "cli_commands", exc) from exc
            for command, value in commands.items():
                if command in found:
                    raise PluginError(f"plugins {found[command][0]!r} and {name!r} both offer the command {command!r}")
                found[command] = (name, value)
        return found

    def signature_schemes(self) -> list[str]:
        return sorted({s for schemes in self.call("signature_schemes") for s in schemes})

    def kem_schemes(self) -> list[str]:
        return sorted({s for schemes in self.call("kem_schemes") for s in schemes})

    def models(self) -> list[str]:
        return sorted({m for models in self.call("models") for m in models})


_default: PluginHost | None = None
_default_lock = threading.Lock()


def default_host() -> PluginHost:
    """The process-wide host, created on first use from the configuration's allow-list."""
    global _default
    with _default_lock:
        if _default is None:
            config = load_config()
            _default = PluginHost(allow=config.plugins, trusted_keys=config.trusted_plugin_keys, store=config.data_dir / "plugins")
            _default.configure(config)
        return _default


def set_default_host(host: PluginHost | None) -> None:
    global _default
    with _default_lock:
        _default = host
