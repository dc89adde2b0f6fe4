"""`jamliquor keys derive|new|show`: JIP-5 validator keys. Public keys only, unless `--secrets`."""

from __future__ import annotations

import secrets as _random
from pathlib import Path
from typing import Optional

import typer

from ..crypto.keyfile import read_key
from ..keys import ValidatorKeys, derive, key_name, read_key_file, trivial_seed, write_key_file
from .errors import UsageError

app = typer.Typer(help="Derive, create and inspect validator keys (JIP-5).", no_args_is_help=True)

SecretsOption = typer.Option(False, "--secrets", help="Also print the seed and secret keys (keep them private).")


def _echo(keys: ValidatorKeys, secrets: bool) -> None:
    typer.echo(f"ed25519       {keys.ed25519.hex()}")
    typer.echo(f"bandersnatch  {keys.bandersnatch.hex()}")
    typer.echo(f"name          {key_name(keys.ed25519)}")
    if secrets:
        typer.echo(f"seed                       {keys.seed.hex()}")
        typer.echo(f"ed25519_secret_seed        {keys.ed25519_seed.hex()}")
        typer.echo(f"bandersnatch_secret_seed   {keys.bandersnatch_seed.hex()}")


@app.command("derive")
def derive_keys(
    seed: Optional[str] = typer.Option(None, "--seed", help="A 32-byte seed as 64 hex characters."),
    trivial: Optional[int] = typer.Option(None, "--trivial", min=0, max=2**32 - 1, help="Use JIP-5 trivial_seed(I) (dev keys)."),
    secrets: bool = SecretsOption,
) -> None:
    """Print the public keys JIP-5 derives from a seed."""
    if (seed is None) == (trivial is None):
        raise UsageError("give exactly one of --seed HEX and --trivial I")
    if seed is not None:
        try:
            raw = bytes.fromhex(seed[2:] if seed.startswith("0x") else seed)
        except ValueError:
            raise UsageError("--seed must be hex") from None
    else:
        raw = trivial_seed(trivial)
    _echo(derive(raw), secrets)


@app.command("new")
def new_keys(
    out: Path = typer.Option(..., "--out", help="Key file to create (mode 0600; an existing file is refused)."),
    secrets: bool = SecretsOption,
) -> None:
    """Make a validator key from a fresh random seed and write it to a file only its owner can read."""
    keys = derive(_random.token_bytes(32))
    write_key_file(out, keys)
    typer.echo(f"wrote {out} (mode 0600)")
    _echo(keys, secrets)


@app.command("show")
def show_keys(
    path: Path = typer.Argument(..., help="A key file (possibly sealed with `keys seal`)."),
    secrets: bool = SecretsOption,
    kem_key: Optional[Path] = typer.Option(None, "--kem-key", help="KEM secret key file that opens a sealed key file."),
) -> None:
    """Print the public keys of a key file."""
    _echo(read_key_file(path, read_key(kem_key) if kem_key else None), secrets)
