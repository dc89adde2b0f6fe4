"""`jamliquor light ...`: the light client's command group, added to the kernel's command line
through the `cli_commands` hook (the kernel never imports this module itself).

    jamliquor light --chainspec FILE --peer NAME@HOST:PORT [--data-dir DIR]   follow a node
    jamliquor light --trace DIR                                               verify a dev chain's trace
    jamliquor light [source options] get service ID | storage ID KEY | preimage ID HASH

Every query first brings the verified head up to the source's best block, then answers with the
value (or its proved absence) and the header it was proved against.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Optional

import attrs
import typer

from jamliquor.chainspec import ChainspecFile, load_chainspec
from jamliquor.cli.errors import UsageError
from jamliquor.codec import to_json

from . import query
from .chain import LightChain, Verified
from .peer import Peer, TracePeer

app = typer.Typer(help="Light client: follow a chain by verified headers and state proofs; proved queries.",
                  no_args_is_help=False, add_completion=False)
get_app = typer.Typer(help="Proved state queries against the best verified header.", no_args_is_help=True)
app.add_typer(get_app, name="get")


@attrs.define
class Source:
    chainspec: ChainspecFile
    peer_address: str | None
    trace: Path | None
    data_dir: Path | None
    quiet: bool

    def open_chain(self) -> LightChain:
        chain = LightChain(self.chainspec, log=None if self.quiet else typer.echo)
        if self.data_dir is not None and chain.resume(self.data_dir) and not self.quiet:
            typer.echo(f"resumed at slot {chain.best.header.slot} ({chain.best.hash.hex()}) from {self.data_dir}")
        return chain

    def open_peer(self) -> Peer:
        if self.trace is not None:
            return TracePeer(self.trace, self.chainspec.spec, name=f"trace:{self.trace}")
        raise UsageError("--peer NAME@HOST:PORT needs the networked node's JAMNP-S client, which this build lacks; "
                         "use --trace DIR")


def _describe(record: Verified, spec) -> str:
    h = record.header
    parts = [f"slot {h.slot}", record.hash.hex()[:16], "ticket-sealed" if record.ticketed else "fallback-sealed"]
    if h.epoch_mark is not None:
        parts.append(f"epoch {h.slot // spec.epoch_length} begins")
    if h.tickets_mark is not None:
        parts.append("winning tickets marked")
    return "verified " + ", ".join(parts)


@app.callback(invoke_without_command=True)
def light(
    ctx: typer.Context,
    chainspec: Optional[Path] = typer.Option(None, "--chainspec", help="JIP-4 chainspec (default with --trace: DIR/chainspec.json)."),
    peer: Optional[str] = typer.Option(None, "--peer", help="A node to follow over JAMNP-S: NAME@HOST:PORT."),
    trace: Optional[Path] = typer.Option(None, "--trace", help="Follow a dev chain written in the trace layout instead of a peer."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Keep the verified head here and resume from it."),
    quiet: bool = typer.Option(False, "--quiet", help="Only the summary and answers."),
) -> None:
    """Follow the chain (no subcommand) or answer a proved query (`get ...`)."""
    if (peer is None) == (trace is None):
        raise UsageError("give exactly one source: --peer NAME@HOST:PORT or --trace DIR")
    if chainspec is None:
        if trace is None:
            raise UsageError("--chainspec FILE is required with --peer")
        chainspec = trace / "chainspec.json"
    ctx.obj = Source(load_chainspec(chainspec), peer, trace, data_dir, quiet or ctx.invoked_subcommand is not None)
    if ctx.invoked_subcommand is None:
        asyncio.run(_follow(ctx.obj))


async def _follow(source: Source) -> None:
    chain = source.open_chain()
    peer = source.open_peer()
    spec = chain.spec
    start = chain.best
    count = 0
    while True:
        batch = await chain.catch_up(peer, limit=32)
        if not source.quiet:
            for record in _new_records(chain, start, count, batch):
                typer.echo(_describe(record, spec))
        count += batch
        if batch == 0:
            break
    if source.data_dir is not None:
        chain.save(source.data_dir)
    best, s = chain.best, chain.stats
    epochs = best.header.slot // spec.epoch_length - start.header.slot // spec.epoch_length
    typer.echo(f"verified {s.headers} headers from slot {start.header.slot} to {best.header.slot} "
               f"({epochs} epoch changes, {best.weight} ticket-sealed in the chain); {s.proofs} state proofs "
               f"({s.proof_bytes} bytes); {s.rejected} rejected")
    typer.echo(f"best {best.hash.hex()} at slot {best.header.slot}")


def _new_records(chain: LightChain, start: Verified, done: int, batch: int) -> list[Verified]:
    """The last `batch` records along the best chain (for progress lines)."""
    out, record = [], chain.best
    while record is not None and len(out) < batch and record.hash != start.hash:
        out.append(record)
        record = chain.records.get(record.header.parent)
    return out[::-1]


async def _synced(source: Source) -> tuple[LightChain, Peer]:
    chain = source.open_chain()
    peer = source.open_peer()
    await chain.catch_up(peer)
    if source.data_dir is not None:
        chain.save(source.data_dir)
    return chain, peer


def _print(found: query.ProvedEntry, shown: object) -> None:
    typer.echo(json.dumps(shown) if not isinstance(shown, str) else shown)
    typer.echo(found.describe())


def _hex_or_text(value: str, what: str, size: int | None = None) -> bytes:
    if value.startswith("0x"):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            raise UsageError(f"{what} {value!r} is not hex") from None
    elif size is not None:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raise UsageError(f"{what} {value!r} is not hex") from None
    else:
        raw = value.encode()
    if size is not None and len(raw) != size:
        raise UsageError(f"{what} must be {size} octets, got {len(raw)}")
    return raw


@get_app.command("service")
def get_service(ctx: typer.Context, service_id: int = typer.Argument(..., min=0, max=2**32 - 1)) -> None:
    """A service account's info (GP C(255, s)), or `null` if it does not exist."""
    async def go() -> None:
        chain, peer = await _synced(ctx.obj)
        found, info = await query.service(chain, peer, service_id)
        _print(found, None if info is None else to_json(info, chain.spec))
    asyncio.run(go())


@get_app.command("storage")
def get_storage(ctx: typer.Context, service_id: int = typer.Argument(..., min=0, max=2**32 - 1),
                key: str = typer.Argument(..., help="The storage key: 0x-hex, or text.")) -> None:
    """A storage item's value (0x-hex), or `null` if absent."""
    raw = _hex_or_text(key, "storage key")

    async def go() -> None:
        chain, peer = await _synced(ctx.obj)
        found = await query.storage(chain, peer, service_id, raw)
        _print(found, None if found.value is None else "0x" + found.value.hex())
    asyncio.run(go())


@get_app.command("preimage")
def get_preimage(ctx: typer.Context, service_id: int = typer.Argument(..., min=0, max=2**32 - 1),
                 blob_hash: str = typer.Argument(..., help="The preimage's hash (32 octets, hex).")) -> None:
    """A preimage blob (0x-hex), or `null` if the service does not hold it."""
    raw = _hex_or_text(blob_hash, "hash", 32)

    async def go() -> None:
        chain, peer = await _synced(ctx.obj)
        found = await query.preimage(chain, peer, service_id, raw)
        _print(found, None if found.value is None else "0x" + found.value.hex())
    asyncio.run(go())
