"""`jamliquor plugins list|enable|disable|swap`: inspect plugins and edit the config's allow-list.

A running node swaps plugins in-process with `PluginHost.swap`; from the command line, enable,
disable and swap persist the allow-list (`plugins = [...]`) in the config file so the next
start, or a node reloading its configuration, uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..config import ConfigError, config_file, load_config, write_plugins
from ..plugins import BUILTINS, PluginError, PluginHost, discover
from .errors import UsageError

app = typer.Typer(help="Inspect and select plugins.", no_args_is_help=True)

ConfigOption = typer.Option(None, "--config", help="Config file (default: $JAMLIQUOR_CONFIG or ./jamliquor.toml).")


def _fail(msg: str) -> None:
    raise UsageError(msg)


def _target_file(config: Path | None) -> Path:
    return config_file(config) or Path.cwd() / "jamliquor.toml"


def _allow_list(config: Path | None) -> tuple[str, ...]:
    cfg = load_config(config)
    return cfg.plugins if cfg.plugins is not None else tuple(sorted(discover()))


def _check_exists(name: str) -> None:
    if name not in BUILTINS and name not in discover():
        available = ", ".join(sorted({*BUILTINS, *discover()})) or "none"
        _fail(f"unknown plugin {name!r}; available: {available}")


@app.command("list")
def list_plugins(config: Optional[Path] = ConfigOption) -> None:
    """Show every installed plugin: name, distribution, version, hooks and status."""
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(str(exc))
    host = PluginHost(allow=[])
    rows = [(p.name, p.distribution, p.version, ",".join(p.hooks), "built-in") for p in host.plugins()]
    loaded = {}
    for name in sorted(discover()):
        try:
            loaded[name] = host.load(name)
        except PluginError as exc:
            loaded[name] = exc
    host.configure(cfg)  # so a plugin's status reflects this configuration (e.g. pvm_backend)
    for name, info in loaded.items():
        status = "enabled" if cfg.plugins is None or name in cfg.plugins else "disabled"
        if isinstance(info, PluginError):
            rows.append((name, "?", "?", "-", f"broken: {info}"))
            continue
        try:
            own = host.status(name)  # e.g. the PVM's active backend
        except PluginError as exc:
            own = f"status failed: {exc}"
        rows.append((name, info.distribution, info.version, ",".join(info.hooks), f"{status} ({own})" if own else status))
    widths = [max(len(r[i]) for r in rows + [("NAME", "DISTRIBUTION", "VERSION", "HOOKS", "STATUS")]) for i in range(4)]
    for row in [("NAME", "DISTRIBUTION", "VERSION", "HOOKS", "STATUS"), *rows]:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[4])


@app.command()
def enable(name: str, config: Optional[Path] = ConfigOption) -> None:
    """Add NAME to the allow-list."""
    _check_exists(name)
    allow = _allow_list(config)
    write_plugins(_target_file(config), tuple(sorted({*allow, name})))
    typer.echo(f"enabled {name}")


@app.command()
def disable(name: str, config: Optional[Path] = ConfigOption) -> None:
    """Remove NAME from the allow-list."""
    allow = _allow_list(config)
    if name not in allow:
        _fail(f"plugin {name!r} is not enabled; enabled: {', '.join(allow) or 'none'}")
    write_plugins(_target_file(config), tuple(n for n in allow if n != name))
    typer.echo(f"disabled {name}")


@app.command()
def swap(old: str, new: str, config: Optional[Path] = ConfigOption) -> None:
    """Replace OLD by NEW in the allow-list (NEW must load)."""
    _check_exists(new)
    allow = _allow_list(config)
    if old not in allow:
        _fail(f"plugin {old!r} is not enabled; enabled: {', '.join(allow) or 'none'}")
    try:
        PluginHost(allow=[], load_builtins=False).load(new)
    except PluginError as exc:
        _fail(str(exc))
    write_plugins(_target_file(config), tuple(sorted({*(n for n in allow if n != old), new})))
    typer.echo(f"swapped {old} -> {new}")
