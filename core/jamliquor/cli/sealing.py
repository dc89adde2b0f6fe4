"""`jamliquor keys seal|unseal` (registered on the `keys` group in `cli/__init__.py`): keep key
files encrypted at rest to a KEM public key.

Format-agnostic: any key file's bytes are sealed (see :mod:`jamliquor.sealing`). Make the KEM
key pair with `jamliquor pqc keygen x25519+ml-kem-768 --out seal-key` (keep `seal-key` off the
device, or on separate media), seal with `seal-key.pub`, and start the node with the secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..crypto.keyfile import public_key_arg, read_key
from ..files import write_private
from ..sealing import SealingError, is_sealed, seal, unseal
from .errors import UsageError

SUFFIX = ".sealed"


def seal_key(
    keyfile: Path = typer.Argument(..., help="The key file to seal (any format)."),
    to: str = typer.Option(..., "--to", help="KEM public key: SCHEME:HEX or a file holding it (e.g. seal-key.pub)."),
    out: Optional[Path] = typer.Option(None, "--out", help=f"Sealed file to write (default: KEYFILE{SUFFIX})."),
) -> None:
    """Encrypt KEYFILE to a KEM public key (x25519+ml-kem-768 recommended)."""
    data = keyfile.read_bytes()
    if is_sealed(data):
        raise SealingError(f"{keyfile} is already sealed")
    scheme, public = public_key_arg(to)
    target = out or keyfile.with_name(keyfile.name + SUFFIX)
    write_private(target, seal(data, scheme, public))
    typer.echo(f"wrote {target} (sealed with {scheme}); remove the plaintext {keyfile} once checked")


def unseal_key(
    sealed: Path = typer.Argument(..., help="A sealed key file."),
    key: Path = typer.Option(..., "--key", help="KEM secret key file (SCHEME:HEX)."),
    out: Optional[Path] = typer.Option(None, "--out", help=f"Where to write the key file (default: SEALED without {SUFFIX})."),
) -> None:
    """Decrypt a sealed key file with the KEM secret key."""
    if out is None:
        if sealed.suffix != SUFFIX:
            raise UsageError(f"{sealed} does not end in {SUFFIX}: give --out")
        out = sealed.with_suffix("")
    scheme, secret = read_key(key)
    write_private(out, unseal(sealed.read_bytes(), scheme, secret))
    typer.echo(f"wrote {out}")
