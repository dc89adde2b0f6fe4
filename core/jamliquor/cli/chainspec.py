"""`jamliquor chainspec new|show`: write and inspect JIP-4 chainspec files."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import attrs
import typer

from ..chainspec import dev_chainspec, load_chainspec
from ..chainspec.genesis import DEV_BASE_PORT
from ..spec import ChainSpec, decode_parameters, encode_parameters, get_spec
from .errors import UsageError

app = typer.Typer(help="Write and inspect JIP-4 chainspecs.", no_args_is_help=True)


@app.command("new")
def new_chainspec(
    validators: int = typer.Option(..., "--validators", min=1, help="Dev validators trivial_seed(0..V-1) to seat."),
    out: Path = typer.Option(..., "--out", help="Chainspec file to write."),
    spec: str = typer.Option("tiny", "--spec", help="Chain spec: tiny | full."),
    chain_id: Optional[str] = typer.Option(None, "--id", help="Network id (default: jamliquor-dev-SPEC-V)."),
    base_port: int = typer.Option(DEV_BASE_PORT, "--base-port", min=1, max=65535, help="Validator i listens on 127.0.0.1:P+i."),
    slot_seconds: Optional[int] = typer.Option(None, "--slot-seconds", min=1, help="Override the slot length P (dev networks)."),
) -> None:
    """Write a JIP-4 chainspec whose genesis seats V dev validators."""
    chain = dev_network_spec(spec, validators, base_port)
    if slot_seconds is not None and slot_seconds != chain.slot_seconds:
        chain = decode_parameters(encode_parameters(attrs.evolve(chain, slot_seconds=slot_seconds)))
    document = dev_chainspec(chain, validators, base_port, chain_id)
    document.write(out)
    typer.echo(f"wrote {out}: {document.id}, {validators} of {chain.validators_count} validators, "
               f"genesis {document.genesis_hash().hex()}")


@app.command("show")
def show_chainspec(path: Path = typer.Argument(..., help="A JIP-4 chainspec file.")) -> None:
    """Print what a chainspec (ours or another implementation's) describes."""
    document = load_chainspec(path)
    spec, state = document.spec, document.state()
    seated = sum(1 for v in state["current_validators"] if any(v.bandersnatch))
    typer.echo(f"id              {document.id}")
    typer.echo(f"parameters      {spec.name}: V={spec.validators_count} C={spec.core_count} E={spec.epoch_length} "
               f"Y={spec.ticket_submission_end} P={spec.slot_seconds}s")
    typer.echo(f"genesis header  {document.genesis_hash().hex()} (slot {document.genesis_header.slot})")
    typer.echo(f"genesis state   {len(document.genesis_state)} keys, root {state.root().hex()}")
    typer.echo(f"validators      {seated} of {spec.validators_count} seats hold keys")
    for node in document.bootnodes:
        typer.echo(f"bootnode        {node}")


def dev_network_spec(spec: str, validators: int, base_port: int) -> ChainSpec:
    """The chain spec of a dev network of `validators` listening from `base_port`, checked."""
    chain = get_spec(spec)
    if validators > chain.validators_count:
        raise UsageError(f"--validators {validators}: the {chain.name} spec seats at most {chain.validators_count}")
    if base_port + validators - 1 > 65535:
        raise UsageError(f"--base-port {base_port}: ports up to {base_port + validators - 1} do not exist")
    return chain
