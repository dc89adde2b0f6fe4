"""`jamliquor conformance SUITE PATH`: run an official conformance suite over a vector directory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..conformance import run_suite
from ..spec import get_spec


def conformance(
    suite: str = typer.Argument(..., help="Suite name (e.g. codec, trie, safrole, traces, pvm)."),
    path: Path = typer.Argument(..., help="A directory (or file) in the official test-vector layout."),
    spec: Optional[str] = typer.Option(None, "--spec", help="Force the chain spec (tiny|full); default: from the path."),
) -> None:
    """Run an official conformance suite over PATH: one line per failing case, then `N passed, M failed`."""
    chain = get_spec(spec) if spec else None
    _, failed = run_suite(suite, path, chain, emit=typer.echo)
    raise typer.Exit(1 if failed else 0)
