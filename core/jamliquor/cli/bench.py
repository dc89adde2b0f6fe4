"""`jamliquor bench NAME`: run a benchmark and print its numbers (never asserted in tests)."""

from __future__ import annotations

import typer

from ..bench import available_benchmarks, load_benchmark
from .errors import UsageError


def bench(
    name: str = typer.Argument(..., help=f"One of: {', '.join(available_benchmarks())}."),
    quick: bool = typer.Option(False, "--quick", help="Smaller workloads (smoke run)."),
) -> None:
    """Run a benchmark and print its numbers."""
    try:
        module = load_benchmark(name)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    for label, value, unit in module.run(quick):
        typer.echo(f"{label:<48} {value:>14,.2f} {unit}")
