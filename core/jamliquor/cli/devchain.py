"""`jamliquor devchain`: author a multi-validator chain in one process and write it as a trace."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..chainspec import dev_chainspec, load_chainspec
from ..config import load_config
from ..keys import Keyring
from ..spec import get_spec
from .errors import UsageError


def devchain(
    slots: int = typer.Option(..., "--slots", min=1, help="How many slots after genesis to simulate."),
    out: Path = typer.Option(..., "--out", help="Output directory (trace layout, chainspec.json, authoring.jsonl)."),
    validators: Optional[int] = typer.Option(None, "--validators", min=1, help="Dev validators trivial_seed(0..V-1) (default: the spec's V)."),
    spec: str = typer.Option("tiny", "--spec", help="Chain spec for a new genesis: tiny | full."),
    chainspec: Optional[Path] = typer.Option(None, "--chainspec", help="Start from this JIP-4 genesis instead (we hold trivial_seed(0..V-1))."),
    eager_tickets: bool = typer.Option(False, "--eager-tickets", help="Every validator proves all its tickets when a contest opens (as in a network), not only those blocks take."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Run V validators on a simulated clock: each slot's sealer authors, everyone imports."""
    from ..devchain import run_devchain

    if chainspec is not None:
        document = load_chainspec(chainspec)
        count = validators or document.spec.validators_count
    else:
        chain = get_spec(spec)
        count = validators or chain.validators_count
        if count > chain.validators_count:
            raise UsageError(f"--validators {count}: the {chain.name} spec seats at most {chain.validators_count}")
        document = dev_chainspec(chain, count)
    keyring = Keyring.dev(count)
    budget = load_config().budget()
    typer.echo(f"{document.id}: {count} validators, {slots} slots, budget {budget.bytes} B / {budget.items} items / "
               f"{budget.gas} gas per block -> {out}")
    with typer.progressbar(length=slots, label="authoring", show_pos=True, hidden=quiet) as bar:
        summary = run_devchain(document, keyring, slots, out, budget, on_block=lambda slot, block: bar.update(1),
                               eager_tickets=eager_tickets)
    for line in summary.lines(document.spec.epoch_length):
        typer.echo(line)
