"""`jamliquor pqc schemes|keygen|sign|verify`: any signature or KEM scheme the plugins offer,
for scripting (post-quantum ones come from `jamliquor-pqc`).

Keys are `SCHEME:HEX` files (:mod:`jamliquor.crypto.keyfile`); messages are files (`-` for
standard input); signatures are written and read as hex. XMSS is stateful: its one-time-key
index lives in `<data_dir>/xmss`, which travels with the key.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..crypto import schemes
from ..crypto.keyfile import read_key, write_keypair
from .errors import UsageError

app = typer.Typer(help="Post-quantum (and built-in) signature and KEM schemes.", no_args_is_help=True)


def _read(path: str) -> bytes:
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def _hex_arg(value: str | None, what: str) -> bytes:
    if not value:
        return b""
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise UsageError(f"{what} must be hex, got {value[:40]!r}") from None


@app.command("schemes")
def list_schemes() -> None:
    """List the signature and KEM schemes the loaded plugins offer."""
    typer.echo(f"signature: {', '.join(schemes.signature_schemes())}")
    typer.echo(f"KEM: {', '.join(schemes.kem_schemes()) or 'none'}")


@app.command()
def keygen(
    scheme: str = typer.Argument(..., help="A signature or KEM scheme (see `jamliquor pqc schemes`)."),
    out: Path = typer.Option(..., "--out", help="Secret key file to write (FILE.pub gets the public key)."),
    seed: Optional[str] = typer.Option(None, "--seed", help="Seed as hex (the scheme's own size); default: random."),
) -> None:
    """Make a key pair: the secret in OUT (mode 0600), the public key in OUT.pub."""
    seed_bytes = _hex_arg(seed, "--seed")
    if scheme in schemes.kem_schemes():
        public, secret = schemes.kem_keygen(scheme, seed_bytes)
    else:
        public, secret = schemes.keygen(scheme, seed_bytes)
    pub = write_keypair(out, scheme, public, secret)
    typer.echo(f"wrote {out} and {pub}")


@app.command()
def sign(
    message: str = typer.Argument(..., help="Message file, or - for standard input."),
    key: Path = typer.Option(..., "--key", help="Secret key file (SCHEME:HEX)."),
    context: Optional[str] = typer.Option(None, "--context", help="Context string as hex (ML-DSA; 0–255 bytes)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the hex signature here instead of standard output."),
) -> None:
    """Sign MESSAGE; print the signature as hex."""
    scheme, secret = read_key(key)
    signature = schemes.sign(scheme, secret, _read(message), _hex_arg(context, "--context")).hex()
    if out is None:
        typer.echo(signature)
    else:
        out.write_text(signature + "\n")


@app.command()
def verify(
    message: str = typer.Argument(..., help="Message file, or - for standard input."),
    signature: Path = typer.Argument(..., help="File holding the signature as hex."),
    key: Path = typer.Option(..., "--key", help="Public key file (SCHEME:HEX)."),
    context: Optional[str] = typer.Option(None, "--context", help="Context string as hex."),
) -> None:
    """Check a signature: prints `valid` (exit 0) or `invalid` (exit 1)."""
    scheme, public = read_key(key)
    sig = _hex_arg(signature.read_text().strip(), "signature")
    ok = schemes.verify(scheme, public, _read(message), sig, _hex_arg(context, "--context"))
    typer.echo("valid" if ok else "invalid")
    raise typer.Exit(0 if ok else 1)
