"""`jamliquor plugins list|enable|disable|swap|sign`: inspect plugins, edit the config's
allow-list, sign plugin wheels.

A running node swaps plugins in-process with `PluginHost.swap`; from the command line, enable,
disable and swap persist the allow-list (`plugins = [...]`) in the config file so the next
start, or a node reloading its configuration, uses it. `enable`/`swap` also take a wheel: with
`trusted_plugin_keys` configured it must carry a valid detached signature (`plugins sign`),
else nothing changes; an accepted wheel is kept in `<data_dir>/plugins` for the next start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .. import plugin_store
from ..config import Config, ConfigError, config_file, load_config, write_plugins
from ..crypto import schemes
from ..crypto.keyfile import read_key
from ..plugin_signing import signed_message, write_signature
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


def _wheel_host(cfg: Config) -> PluginHost:
    """The environment's plugins (to verify signatures) plus the wheels already accepted."""
    return PluginHost(trusted_keys=cfg.trusted_plugin_keys, store=cfg.data_dir / "plugins")


def _accept(wheel: str, config: Path | None) -> str:
    """Check and keep a wheel (refusal raises, changing nothing); return its plugin name."""
    cfg = load_config(config)
    return _wheel_host(cfg).install_wheel(Path(wheel)).name


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
    host = PluginHost(allow=[], trusted_keys=cfg.trusted_plugin_keys)
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
            own = host.status(name)  # e.g. the PVM's or the PQC plugin's active backend
        except PluginError as exc:
            own = f"status failed: {exc}"
        rows.append((name, info.distribution, info.version, ",".join(info.hooks), f"{status} ({own})" if own else status))
    good, bad = plugin_store.stored(host, cfg.data_dir / "plugins", cfg.trusted_plugin_keys)
    signed = "signed wheel" if cfg.trusted_plugin_keys else "wheel"
    for unpacked in good:  # wheels added at run time (`plugins enable/swap WHEEL`)
        ep = unpacked.entry_points[0]
        status = "enabled" if cfg.plugins is None or ep.name in cfg.plugins else "disabled"
        rows.append((ep.name, unpacked.distribution.metadata["Name"], unpacked.distribution.version, "(loaded at start)", f"{status}, {signed}"))
    rows += [(wheel, "?", "?", "-", f"refused: {reason}") for wheel, reason in bad.items()]
    widths = [max(len(r[i]) for r in rows + [("NAME", "DISTRIBUTION", "VERSION", "HOOKS", "STATUS")]) for i in range(4)]
    for row in [("NAME", "DISTRIBUTION", "VERSION", "HOOKS", "STATUS"), *rows]:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[4])
    typer.echo(f"signature schemes: {', '.join(host.signature_schemes()) or 'none'}")
    typer.echo(f"KEM schemes: {', '.join(host.kem_schemes()) or 'none'}")


@app.command()
def enable(name: str, config: Optional[Path] = ConfigOption) -> None:
    """Add NAME (an installed plugin, or a plugin wheel) to the allow-list."""
    if name.endswith(".whl"):
        name = _accept(name, config)
    else:
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
    """Replace OLD by NEW (an installed plugin, or a plugin wheel) in the allow-list (NEW must load)."""
    allow = _allow_list(config)
    if old not in allow:
        _fail(f"plugin {old!r} is not enabled; enabled: {', '.join(allow) or 'none'}")
    if new.endswith(".whl"):
        new = _accept(new, config)
    else:
        _check_exists(new)
        try:
            PluginHost(allow=[], load_builtins=False).load(new)
        except PluginError as exc:
            _fail(str(exc))
    write_plugins(_target_file(config), tuple(sorted({*(n for n in allow if n != old), new})))
    typer.echo(f"swapped {old} -> {new}")


@app.command()
def sign(
    dist: Path = typer.Argument(..., help="The distribution file (wheel) to sign."),
    key: Path = typer.Option(..., "--key", help="Secret key file (SCHEME:HEX, from `jamliquor pqc keygen`)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Signature file (default: DIST.sig)."),
) -> None:
    """Write a detached signature of DIST, checked by `trusted_plugin_keys` on enable/swap."""
    scheme, secret = read_key(key)
    signature = schemes.sign(scheme, secret, signed_message(dist))
    typer.echo(f"wrote {write_signature(dist, scheme, signature, out)}")
