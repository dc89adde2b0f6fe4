"""`jamliquor node`: a long-running validator or follower speaking JAMNP-S (and, when built, the
JIP-2 RPC), until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import signal
from pathlib import Path
from typing import Optional

import typer

from ..chainspec import Bootnode, BootnodeError, load_chainspec
from ..config import load_config
from ..crypto.keyfile import read_key
from ..keys import derive, read_key_file, trivial_seed
from .errors import UsageError

LOG_LEVELS = ("debug", "info", "warning", "error")
DEFAULT_RPC_PORT = 19800


def parse_endpoint(text: str, what: str, default_port: int | None = None) -> tuple[str, int]:
    """HOST:PORT (IPv6 in brackets), or HOST alone when a default port exists."""
    host, colon, port = text.rpartition(":")
    if not colon or "]" in port:
        host, port = text, "" if default_port is None else str(default_port)
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise UsageError(f"{what} {text!r} is not IP:PORT") from None
    if not 0 <= number < 65536:
        raise UsageError(f"{what} {text!r}: port out of range")
    return host, number


def setup_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", level=level.upper(), force=True)
    if level != "debug":
        logging.getLogger("quic").setLevel(logging.WARNING)  # aioquic logs every handshake at INFO


def node(
    chainspec: Path = typer.Option(..., "--chainspec", help="JIP-4 chainspec of the network."),
    key_file: Optional[Path] = typer.Option(None, "--key-file", help="Validator key file (jamliquor keys new)."),
    kem_key: Optional[Path] = typer.Option(None, "--kem-key", help="KEM secret key file that opens a sealed key file."),
    dev_validator: Optional[int] = typer.Option(None, "--dev-validator", min=0, help="Run as dev validator trivial_seed(I)."),
    listen: Optional[str] = typer.Option(None, "--listen", help="IP:PORT to accept peers on (default: our validator endpoint)."),
    bootnode: list[str] = typer.Option([], "--bootnode", help="NAME@IP:PORT of a peer to connect to (repeatable)."),
    rpc: Optional[str] = typer.Option(None, "--rpc", help=f"IP[:PORT] for the JIP-2 RPC (port {DEFAULT_RPC_PORT} by default)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Store directory (default: DATA_DIR/node/<chain id>)."),
    log_level: str = typer.Option("info", "--log-level", help="debug | info | warning | error."),
    slot_seconds: Optional[int] = typer.Option(None, "--slot-seconds", min=1,
                                               help="Expected slot length; must match the chainspec's P."),
    status: Optional[Path] = typer.Option(None, "--status", help="Rewrite this JSON status file every second."),
    events: Optional[Path] = typer.Option(None, "--events", help="Append one JSON line per authored/imported block."),
    last_slot: Optional[int] = typer.Option(None, "--last-slot", min=0, help="Author no block after this slot (testnets)."),
    keep_blocks: Optional[int] = typer.Option(None, "--keep-blocks", min=1,
                                              help="Pruned profile: keep blocks of the last N slots below the finalized one (config block_keep; default: all)."),
) -> None:
    """Run a JAM node: import, author in our slots, sync and serve peers, until SIGINT/SIGTERM."""
    from ..node.service import Node, NodeConfig  # aioquic and the node load only for this command

    # A node already keeps a ticket-prover child; a second (verifier) child would take it past the
    # edge budget, so unless configured it verifies in-process (`crypto/vrf_worker.py`).
    os.environ.setdefault("JAMLIQUOR_VRF_WORKERS", "0")

    if log_level not in LOG_LEVELS:
        raise UsageError(f"--log-level {log_level!r}: one of {', '.join(LOG_LEVELS)}")
    if key_file is not None and dev_validator is not None:
        raise UsageError("give --key-file or --dev-validator, not both")
    document = load_chainspec(chainspec)
    spec = document.spec
    if slot_seconds is not None and slot_seconds != spec.slot_seconds:
        raise UsageError(f"--slot-seconds {slot_seconds}: the chainspec records P = {spec.slot_seconds} s, and every node "
                         "must agree (write it with `jamliquor chainspec new --slot-seconds`)")
    if key_file is not None:
        keys = read_key_file(key_file, read_key(kem_key) if kem_key else None)
    else:
        keys = derive(trivial_seed(dev_validator)) if dev_validator is not None else None
    try:
        bootnodes = tuple(Bootnode.parse(b) for b in bootnode) + document.bootnodes
    except BootnodeError as exc:
        raise UsageError(str(exc)) from None
    address = parse_endpoint(listen, "--listen") if listen else own_endpoint(document, keys)
    config = load_config()
    directory = data_dir or config.data_dir / "node" / document.id
    setup_logging(log_level)
    cfg = NodeConfig(document, directory, keys, address, bootnodes,
                     parse_endpoint(rpc, "--rpc", DEFAULT_RPC_PORT) if rpc else None, config.store_keep, config.budget(),
                     status, events, last_slot, keep_blocks if keep_blocks is not None else config.block_keep)
    asyncio.run(_run(Node, cfg))


def own_endpoint(document, keys) -> tuple[str, int] | None:
    """A validator listens where the genesis metadata says it does."""
    from ..node.net.peers import metadata_endpoint

    if keys is None:
        return None
    for v in document.state()["current_validators"]:
        if v.ed25519 == keys.ed25519:
            return metadata_endpoint(v.metadata)
    return None


async def _run(node_class, cfg) -> None:
    node = node_class(cfg)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, node.stop)
    await node.run()
