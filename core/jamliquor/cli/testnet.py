"""`jamliquor testnet`: V dev validators as V `jamliquor node` processes on loopback, a live table,
and a closing summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from .chainspec import dev_network_spec
from .errors import UsageError

TABLE_EVERY = 4.0  # seconds between tables when the output is not a terminal
SETTLE_SLOTS = 4  # slots to wait after the last one (nodes author nothing later) for every node to agree


def testnet(
    validators: int = typer.Option(..., "--validators", min=1, help="Dev validators trivial_seed(0..V-1), one process each."),
    spec: str = typer.Option("tiny", "--spec", help="Chain spec: tiny | full."),
    slots: int = typer.Option(24, "--slots", min=1, help="Run until this slot after genesis, then stop."),
    slot_seconds: int = typer.Option(6, "--slot-seconds", min=1, help="Slot length P, recorded in the chainspec."),
    base_port: int = typer.Option(40000, "--base-port", min=1, max=65535, help="Node I listens on 127.0.0.1:P+I."),
    data_dir: Path = typer.Option(..., "--data-dir", help="Empty directory for the chainspec and each node's files."),
    log_level: str = typer.Option("info", "--log-level", help="Each node's log level (logs in DIR/node-I/node.log)."),
    rpc_base_port: int = typer.Option(None, "--rpc-base-port", min=1, max=65535,
                                      help="Node I serves JIP-2 on 127.0.0.1:R+I (default: no RPC)."),
) -> None:
    """Start a local testnet, show each node's progress, stop after N slots and summarize."""
    from ..node.testnet import Testnet

    chain = dev_network_spec(spec, validators, base_port)
    net = Testnet(chain, validators, data_dir, base_port, slot_seconds, log_level, last_slot=slots,
                  rpc_base_port=rpc_base_port)
    document = net.prepare()
    typer.echo(f"{document.id}: {validators} validators, P = {net.spec.slot_seconds} s, E = {chain.epoch_length}, "
               f"{slots} slots, genesis {document.genesis_hash().hex()[:16]}… -> {data_dir}")
    started = time.monotonic()
    net.start_all()
    tty = sys.stdout.isatty()
    last = 0.0
    lines = 0
    try:
        while net.slot() <= slots:
            time.sleep(0.5)
            net.sample()
            if any(not n.alive() for n in net.nodes) and net.slot() < 1:
                break
            now = time.monotonic()
            if tty or now - last >= TABLE_EVERY:
                table = f"slot {net.slot()}\n" + net.table()
                if tty and lines:
                    sys.stdout.write(f"\x1b[{lines}F\x1b[J")
                typer.echo(table)
                lines, last = table.count("\n") + 1, now
        net.wait(net.agree, SETTLE_SLOTS * net.spec.slot_seconds, every=net.sample)
    except KeyboardInterrupt:
        typer.echo("interrupted")
    finally:
        codes = net.stop_all()
    typer.echo(net.table())
    summary = net.summary()
    typer.echo(f"\nsummary after {time.monotonic() - started:.0f} s:")
    for line in summary.lines():
        typer.echo("  " + line)
    failed = [i for i, code in enumerate(codes) if code not in (0, None)]
    if failed:
        raise UsageError(f"nodes {failed} exited with an error; see {data_dir}/node-I/node.log")
