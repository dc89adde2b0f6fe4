"""`jamliquor fuzz-target --socket PATH`: serve the conformance fuzzer protocol v1."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

import typer

from ..chainspec import load_chainspec
from ..crypto.bandersnatch import prestart_verifier
from ..fuzz.target import serve
from ..spec import get_spec
from ..store import StateStore


def fuzz_target(
    socket: Path = typer.Option(..., "--socket", help="Unix socket path to listen on."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="State store directory (default: a temporary one)."),
    keep: int = typer.Option(32, "--keep", help="How many recent states the store keeps (prune threshold)."),
    spec: str = typer.Option("tiny", "--spec", help="Chain spec: tiny | full."),
    chainspec: Optional[Path] = typer.Option(None, "--chainspec", help="Take the protocol parameters from this JIP-4 file instead of --spec."),
    sessions: Optional[int] = typer.Option(None, "--sessions", help="Exit after this many sessions (default: serve forever)."),
) -> None:
    """Serve fuzzer-protocol sessions one after another on a Unix stream socket."""
    chain = load_chainspec(chainspec).spec if chainspec is not None else get_spec(spec)
    prestart_verifier()  # the VRF verifier child loads while the first session starts
    with tempfile.TemporaryDirectory(prefix="jamliquor-fuzz-") as tmp:
        with StateStore(data_dir or Path(tmp) / "store", keep=keep) as store:
            try:
                serve(socket, store, chain, max_sessions=sessions)
            except KeyboardInterrupt:
                pass
