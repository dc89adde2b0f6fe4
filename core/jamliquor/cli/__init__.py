"""The `jamliquor` command line (typer): one module per command group, composed here.

Failures reach the user as one line each (`_ReportingGroup`, `cli/errors.py`); typer's rich
tracebacks are off. Heavy modules load inside the command modules' functions where start-up
time matters. Plugins add command groups through the `cli_commands` hook (`cli/extensions.py`),
looked up only for a name the kernel does not have, or to list every command; the kernel never
imports a plugin.
"""

from __future__ import annotations

import os

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from .. import GP_VERSION, __version__
from ..config import ConfigError, load_config
from . import (
    ai,
    bench,
    chainspec,
    conformance,
    devchain,
    extensions,
    fuzz,
    keys,
    node,
    plugins,
    pqc,
    rpc,
    sealing,
    testnet,
    trace_import,
)
from .errors import report


class _ReportingGroup(TyperGroup):
    """Every command's failure becomes one reported line and an exit status (also under CliRunner)."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # typer's own usage errors and exits
            raise
        except KeyboardInterrupt:
            ctx.exit(130)
        except Exception as exc:
            ctx.exit(report(exc))

    def list_commands(self, ctx: typer.Context) -> list[str]:
        names = super().list_commands(ctx)
        extra = [n for n in extensions.listed_commands() if n not in names]
        try:
            return names + [n for n in extra if extensions.plugin_command(n) is not None]
        except Exception:  # help still lists the kernel's commands
            return names

    def get_command(self, ctx: typer.Context, name: str):
        return super().get_command(ctx, name) or extensions.plugin_command(name)


app = typer.Typer(
    cls=_ReportingGroup,
    name="jamliquor",
    help="JamLiquor: a JAM (Graypaper v0.7.2) client kernel extended by plugins.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jamliquor {__version__} (Graypaper v{GP_VERSION})")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """JamLiquor command line."""
    _apply_crypto_settings()


def _apply_crypto_settings() -> None:
    """The config's `ring_srs` and `vrf_workers` reach the crypto layer as JAM_RING_SRS and
    JAMLIQUOR_VRF_WORKERS (the environment wins). A config that does not load is reported by the
    commands that use it, not here."""
    try:
        config = load_config()
    except ConfigError:
        return
    if config.ring_srs is not None:
        os.environ.setdefault("JAM_RING_SRS", str(config.ring_srs))
    if config.vrf_workers is not None:
        os.environ.setdefault("JAMLIQUOR_VRF_WORKERS", config.vrf_workers)


app.command("conformance")(conformance.conformance)
app.command("import")(trace_import.import_trace)
app.command("fuzz-target")(fuzz.fuzz_target)
app.command("bench")(bench.bench)
app.command("devchain")(devchain.devchain)
app.command("node")(node.node)
app.command("testnet")(testnet.testnet)
app.command("rpc-call")(rpc.rpc_call)
app.add_typer(plugins.app, name="plugins")
app.add_typer(pqc.app, name="pqc")
app.add_typer(keys.app, name="keys")
keys.app.command("seal")(sealing.seal_key)
keys.app.command("unseal")(sealing.unseal_key)
app.add_typer(chainspec.app, name="chainspec")
app.add_typer(ai.app, name="ai")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
