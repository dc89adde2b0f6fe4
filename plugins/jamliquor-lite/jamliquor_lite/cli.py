"""`jamliquor light ...`: the light client's command group, added to the kernel's command line
through the `cli_commands` hook (the kernel never imports this module itself).

    jamliquor light --chainspec FILE --peer NAME@HOST:PORT [--data-dir DIR] [--rpc HOST:PORT]
    jamliquor light --trace DIR                     verify a dev chain's trace the same way
    jamliquor light [source options] get service ID | storage ID KEY | preimage ID HASH

Following runs until SIGINT/SIGTERM (or `--until-slot`); with `--rpc` it serves the JIP-2
subset backed by proofs (`rpc`). A query first brings the verified head up to the source's
chain (CE 128 from our head), then answers with the value (or its proved absence) and the
header it was proved against. The networking (`follow`) loads only for `--peer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Optional

import attrs
import typer

from jamliquor.chainspec import Bootnode, ChainspecFile, load_chainspec
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
    peers: list[Bootnode]
    trace: Path | None
    data_dir: Path | None
    quiet: bool

    def open_chain(self) -> LightChain:
        chain = LightChain(self.chainspec)
        if self.data_dir is not None and chain.resume(self.data_dir) and not self.quiet:
            typer.echo(f"resumed at slot {chain.best.header.slot} ({chain.best.hash.hex()}) from {self.data_dir}")
        return chain

    @contextlib.asynccontextmanager
    async def peer(self, chain: LightChain) -> AsyncIterator[Peer]:
        """A peer to verify against: the trace, or the first `--peer` that answers."""
        if self.trace is not None:
            yield TracePeer(self.trace, self.chainspec.spec, name=f"trace:{self.trace}")
            return
        from .follow import Follower

        follower = Follower(chain, self.peers, say=lambda line: None)
        try:
            for bootnode in self.peers:
                await follower.dial(bootnode)
                if follower.peers:
                    break
            peer = follower.best_peer()
            if peer is None:
                raise UsageError(f"no peer answered: {', '.join(str(b) for b in self.peers)}")
            yield peer
        finally:
            await follower.endpoint.close([p.conn for p in follower.peers.values()])


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
    peer: list[str] = typer.Option([], "--peer", help="A full node to follow over JAMNP-S: NAME@HOST:PORT (repeatable)."),
    trace: Optional[Path] = typer.Option(None, "--trace", help="Follow a dev chain written in the trace layout instead of peers."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Keep the verified head here and resume from it."),
    rpc: Optional[str] = typer.Option(None, "--rpc", help="HOST:PORT to serve the JIP-2 subset on while following peers."),
    until_slot: Optional[int] = typer.Option(None, "--until-slot", min=0, help="Stop once the verified head reaches this slot."),
    quiet: bool = typer.Option(False, "--quiet", help="Only the summary and answers."),
) -> None:
    """Follow the chain (no subcommand) or answer a proved query (`get ...`)."""
    if bool(peer) == (trace is not None):
        raise UsageError("give exactly one source: --peer NAME@HOST:PORT (repeatable) or --trace DIR")
    if chainspec is None:
        if trace is None:
            raise UsageError("--chainspec FILE is required with --peer")
        chainspec = trace / "chainspec.json"
    peers = [Bootnode.parse(p) for p in peer]
    ctx.obj = Source(load_chainspec(chainspec), peers, trace, data_dir, quiet or ctx.invoked_subcommand is not None)
    if ctx.invoked_subcommand is not None:
        return
    if trace is not None:
        if rpc is not None:
            raise UsageError("--rpc serves while following peers; a trace is verified and done")
        asyncio.run(_follow_trace(ctx.obj))
    else:
        asyncio.run(_follow_peers(ctx.obj, rpc, until_slot))


def _summary(chain: LightChain, start: Verified) -> None:
    best, s, spec = chain.best, chain.stats, chain.spec
    epochs = best.header.slot // spec.epoch_length - start.header.slot // spec.epoch_length
    typer.echo(f"verified {s.headers} headers from slot {start.header.slot} to {best.header.slot} "
               f"({epochs} epoch changes, {best.weight} ticket-sealed in the chain); {s.proofs} state proofs "
               f"({s.proof_bytes} bytes); {s.rejected} rejected")
    typer.echo(f"best {best.hash.hex()} at slot {best.header.slot}")


async def _follow_trace(source: Source) -> None:
    chain = source.open_chain()
    start = chain.best
    if not source.quiet:
        chain.on_best.append(lambda record: typer.echo(_describe(record, chain.spec)))
    async with source.peer(chain) as peer:
        await chain.catch_up(peer)
    if source.data_dir is not None:
        chain.save(source.data_dir)
    _summary(chain, start)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    try:
        return host.strip("[]") or "127.0.0.1", int(port)
    except ValueError:
        raise UsageError(f"--rpc {text!r} is not HOST:PORT") from None


async def _follow_peers(source: Source, rpc: str | None, until_slot: int | None) -> None:
    from .follow import Follower
    from .rpc import LightView, serve_light_rpc

    chain = source.open_chain()
    start = chain.best
    follower = Follower(chain, source.peers, say=typer.echo)
    if not source.quiet:
        chain.on_best.append(lambda record: typer.echo(_describe(record, chain.spec)))
    if source.data_dir is not None:
        data_dir = source.data_dir
        chain.on_best.append(lambda record: chain.save(data_dir))
    server = None
    if rpc is not None:
        view = LightView(chain)
        follower.on_peer.append(lambda peer: setattr(view, "peer", peer))
        server = await serve_light_rpc(view, *_address(rpc))
        typer.echo(f"JIP-2 subset on ws://{server.address[0]}:{server.port}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await follower.run(stop, until_slot)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if server is not None:
            server.close()
            await server.wait_closed()
    _summary(chain, start)


@contextlib.asynccontextmanager
async def _synced(source: Source) -> AsyncIterator[tuple[LightChain, Peer]]:
    chain = source.open_chain()
    async with source.peer(chain) as peer:
        await chain.catch_up(peer)
        if source.data_dir is not None:
            chain.save(source.data_dir)
        yield chain, peer


def _print(found: query.ProvedEntry, shown: object) -> None:
    typer.echo(json.dumps(shown) if not isinstance(shown, str) else shown)
    typer.echo(found.describe())


def _hex_or_text(value: str, what: str, size: int | None = None) -> bytes:
    """0x-hex (or bare hex where a fixed size is asked); otherwise the text's UTF-8 octets."""
    if value.startswith("0x") or size is not None:
        try:
            raw = bytes.fromhex(value[2:] if value.startswith("0x") else value)
        except ValueError:
            raise UsageError(f"{what} {value!r} is not hex") from None
    else:
        raw = value.encode()
    if size is not None and len(raw) != size:
        raise UsageError(f"{what} must be {size} octets, got {len(raw)}")
    return raw


def _hex_or_null(found: query.ProvedEntry) -> str:
    return "null" if found.value is None else "0x" + found.value.hex()


@get_app.command("service")
def get_service(ctx: typer.Context, service_id: int = typer.Argument(..., min=0, max=2**32 - 1)) -> None:
    """A service account's info (GP C(255, s)), or `null` if it does not exist."""
    async def go() -> None:
        async with _synced(ctx.obj) as (chain, peer):
            found, info = await query.service(chain, peer, service_id)
        _print(found, None if info is None else to_json(info, chain.spec))
    asyncio.run(go())


@get_app.command("storage")
def get_storage(ctx: typer.Context, service_id: int = typer.Argument(..., min=0, max=2**32 - 1),
                key: str = typer.Argument(..., help="The storage key: 0x-hex, or text.")) -> None:
    """A storage item's value (0x-hex), or `null` if absent."""
    raw = _hex_or_text(key, "storage key")

    async def go() -> None:
        async with _synced(ctx.obj) as (chain, peer):
            found = await query.storage(chain, peer, service_id, raw)
        _print(found, _hex_or_null(found))
    asyncio.run(go())


@get_app.command("preimage")
def get_preimage(ctx: typer.Context, service_id: int = typer.Argument(..., min=0, max=2**32 - 1),
                 blob_hash: str = typer.Argument(..., help="The preimage's hash (32 octets, hex).")) -> None:
    """A preimage blob (0x-hex), or `null` if the service does not hold it."""
    raw = _hex_or_text(blob_hash, "hash", 32)

    async def go() -> None:
        async with _synced(ctx.obj) as (chain, peer):
            found = await query.preimage(chain, peer, service_id, raw)
        _print(found, _hex_or_null(found))
    asyncio.run(go())
