"""The `jamliquor` command line (typer). Heavy modules are imported inside commands so start-up stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import GP_VERSION, __version__

app = typer.Typer(
    name="jamliquor",
    help="JamLiquor: a JAM (Graypaper v0.7.2) client kernel extended by plugins.",
    no_args_is_help=True,
    add_completion=False,
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


@app.command()
def conformance(
    suite: str = typer.Argument(..., help="Suite name (e.g. codec, trie, safrole, traces)."),
    path: Path = typer.Argument(..., help="A directory (or file) in the official test-vector layout."),
    spec: Optional[str] = typer.Option(None, "--spec", help="Force the chain spec (tiny|full); default: from the path."),
) -> None:
    """Run an official conformance suite over PATH: one line per failing case, then `N passed, M failed`."""
    from .conformance import ConformanceError, available_suites, run_suite
    from .spec import UnknownSpecError, get_spec

    try:
        chain = get_spec(spec) if spec else None
        _, failed = run_suite(suite, path, chain, emit=typer.echo)
    except (ConformanceError, UnknownSpecError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    raise typer.Exit(1 if failed else 0)


def _register_commands() -> None:
    from .cli_fuzz import fuzz_target
    from .cli_import import import_trace
    from .cli_plugins import app as plugins_app

    app.add_typer(plugins_app, name="plugins")
    app.command("import")(import_trace)
    app.command("fuzz-target")(fuzz_target)


_register_commands()


def _register_bench() -> None:
    from .bench import available_benchmarks

    if not available_benchmarks():
        return

    @app.command()
    def bench(
        name: str = typer.Argument(..., help=f"One of: {', '.join(available_benchmarks())}."),
        quick: bool = typer.Option(False, "--quick", help="Smaller workloads (smoke run)."),
    ) -> None:
        """Run a benchmark and print its numbers."""
        from .bench import load_benchmark

        try:
            module = load_benchmark(name)
        except KeyError as exc:
            typer.echo(f"error: {exc.args[0]}", err=True)
            raise typer.Exit(2)
        for label, value, unit in module.run(quick):
            typer.echo(f"{label:<48} {value:>14,.2f} {unit}")


_register_bench()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
