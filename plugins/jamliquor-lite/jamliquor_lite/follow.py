"""Following full nodes over JAMNP-S (`../shared/specs/jamnp-s.md`), with the node's own transport.

The light client dials its peers (`NAME@HOST:PORT`, the certificate must carry N's key) with a
fresh Ed25519 identity and the chain's ALPN, opens UP 0 as the connection's initiator (JAMNP-S:
always when one side is not a validator), sends its handshake (genesis as "finalized", its best
head as the one leaf) and then reads the peer's handshake and announcements. Blocks come over
CE 128 (ascending from our head to catch up; descending to fill the gap below an announced
header), state entries over CE 129; everything is verified by `chain.LightChain`. A peer whose
answer fails verification, or who breaks a stream's protocol, is logged, disconnected and
refused for `ban_seconds`; the verified head stays where it was. The light client serves
nothing: streams a peer opens are reset.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable

from jamliquor.chainspec import Bootnode
from jamliquor.codec import CodecError, decode, encode
from jamliquor.errors import JamLiquorError
from jamliquor.node.net.connection import Connection
from jamliquor.node.net.framing import Stream, StreamClosed, StreamError, StreamTimeout
from jamliquor.node.net.transport import Endpoint
from jamliquor.node.protocols import blocks as ce128
from jamliquor.node.protocols import state as ce129
from jamliquor.node.protocols.limits import announcement_limit, handshake_limit
from jamliquor.node.protocols.messages import UP_BLOCK_ANNOUNCEMENT, Announcement, BlockRef, Handshake
from jamliquor.spec import ChainSpec
from jamliquor.types import Block

from .chain import LightChain
from .errors import UnknownParent

log = logging.getLogger("jamliquor.light")

UP0_CAP = 4 * 1024 * 1024
HANDSHAKE_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0
REDIAL_SECONDS = 2.0


class NetPeer:
    """A connected full node, as the light chain asks it (CE 128, CE 129)."""

    def __init__(self, bootnode: Bootnode, conn: Connection, spec: ChainSpec) -> None:
        self.bootnode = bootnode
        self.conn = conn
        self.spec = spec
        self.name = bootnode.name[:12]

    async def state_range(self, block_hash: bytes, start: bytes, end: bytes, max_size: int) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
        nodes, pairs = await ce129.request(self.conn, self.spec, block_hash, start, end, max_size)
        return nodes, [(p.key, p.value) for p in pairs]

    async def blocks(self, header_hash: bytes, direction: int, max_blocks: int) -> list[Block]:
        return await ce128.request(self.conn, self.spec, header_hash, direction, max_blocks)


class Follower:
    """Keeps connections to `bootnodes` and grows `chain` from what they announce (an EndpointOwner)."""

    def __init__(self, chain: LightChain, bootnodes: list[Bootnode], say: Callable[[str], None] | None = None,
                 ban_seconds: float = 60.0) -> None:
        self.chain = chain
        self.spec = chain.spec
        self.bootnodes = bootnodes
        self.say = say or log.info
        self.ban_seconds = ban_seconds
        self.endpoint = Endpoint(os.urandom(32), chain.genesis.hash, self, builder_alpn=False)
        self.peers: dict[bytes, NetPeer] = {}  # by Ed25519 key
        self.banned: dict[bytes, float] = {}
        self.work: asyncio.Queue[tuple[NetPeer, Announcement | None]] = asyncio.Queue(maxsize=256)
        self.on_peer: list[Callable[[NetPeer | None], None]] = []  # told the peer proofs should now come from

    # ------------------------------------------------------------------ EndpointOwner

    def connection_ready(self, conn: Connection) -> None:
        pass  # `dial` returns it; the connections we keep are the ones we dialled

    def connection_closed(self, conn: Connection) -> None:
        for key, peer in list(self.peers.items()):
            if peer.conn is conn:
                del self.peers[key]
                self.say(f"peer {peer.name} disconnected: {conn.closed_reason or 'closed'}")
                self._tell_peer()

    async def stream_opened(self, conn: Connection, stream: Stream) -> None:
        stream.reset()  # a light client serves nothing
        stream.discard()

    def violation(self, conn: Connection, error: StreamError) -> None:
        self._drop_conn(conn, f"protocol violation: {error}")

    def handshake_refused(self, conn: Connection, reason: str) -> None:
        self.say(f"connection to {conn.remote} refused: {reason}")

    # ------------------------------------------------------------------ peers

    def best_peer(self) -> NetPeer | None:
        return next(iter(self.peers.values()), None)

    def _tell_peer(self) -> None:
        for listener in self.on_peer:
            listener(self.best_peer())

    def drop(self, peer: NetPeer, why: str) -> None:
        """Disconnect and refuse `peer` for a while: it told us something that does not verify."""
        self.banned[peer.bootnode.ed25519] = time.monotonic() + self.ban_seconds
        self.say(f"peer {peer.name} dropped: {why} (verified head stays at slot {self.chain.best.header.slot})")
        self.peers.pop(peer.bootnode.ed25519, None)
        peer.conn.close_with(f"light client: {why}"[:200])
        self._tell_peer()

    def _drop_conn(self, conn: Connection, why: str) -> None:
        for peer in list(self.peers.values()):
            if peer.conn is conn:
                self.drop(peer, why)

    async def dial(self, bootnode: Bootnode) -> None:
        key = bootnode.ed25519
        try:
            conn = await self.endpoint.dial(bootnode.host, bootnode.port, key)
        except (ConnectionError, OSError, TimeoutError) as exc:
            log.debug("dial %s failed: %s", bootnode, exc or type(exc).__name__)
            return
        peer = self.peers[key] = NetPeer(bootnode, conn, self.spec)
        self.say(f"peer {peer.name} connected ({bootnode.host}:{bootnode.port})")
        self._tell_peer()
        conn.spawn(self._up0(peer))

    async def _up0(self, peer: NetPeer) -> None:
        """UP 0 as the initiator: our handshake, theirs, then their announcements onto the work queue."""
        try:
            stream = peer.conn.open_stream(UP_BLOCK_ANNOUNCEMENT, cap=UP0_CAP)
            genesis = BlockRef(self.chain.genesis.hash, self.chain.genesis.header.slot)
            best = self.chain.best
            stream.write_message(encode(Handshake(genesis, (BlockRef(best.hash, best.header.slot),)), self.spec))
            decode(Handshake, await stream.read_message(handshake_limit(), HANDSHAKE_TIMEOUT), self.spec)
            await self.work.put((peer, None))  # catch up to what it has
            limit = announcement_limit(self.spec)
            while True:
                try:
                    data = await stream.read_message(limit, IDLE_TIMEOUT)
                except StreamTimeout:
                    if stream.buffered:
                        raise
                    continue
                await self.work.put((peer, decode(Announcement, data, self.spec)))
        except CodecError as exc:
            self.drop(peer, f"malformed UP 0 message: {exc}")
        except StreamError as exc:
            if peer.bootnode.ed25519 in self.peers:
                self.drop(peer, f"UP 0: {exc}")

    # ------------------------------------------------------------------ running

    async def _maintain(self, stop: asyncio.Event) -> None:
        pending: dict[bytes, asyncio.Task] = {}
        while not stop.is_set():
            now = time.monotonic()
            for bootnode in self.bootnodes:
                key = bootnode.ed25519
                if key in self.peers or self.banned.get(key, 0) > now:
                    continue
                task = pending.get(key)
                if task is None or task.done():
                    pending[key] = asyncio.ensure_future(self.dial(bootnode))
            try:
                await asyncio.wait_for(stop.wait(), REDIAL_SECONDS)
            except TimeoutError:
                pass
        for task in pending.values():
            task.cancel()
        await asyncio.gather(*pending.values(), return_exceptions=True)

    async def _verify(self, stop: asyncio.Event, until_slot: int | None, on_verified: Callable[[], None]) -> None:
        while not stop.is_set():
            peer, announcement = await self.work.get()
            if peer.bootnode.ed25519 not in self.peers:
                continue  # dropped meanwhile
            before = self.chain.best
            try:
                if announcement is None:
                    await self.chain.catch_up(peer)
                else:
                    await self.chain.on_announcement(peer, announcement.header)
            except (StreamClosed, UnknownParent) as exc:  # a refused request (e.g. blocks it cannot finalize), a gap too deep
                log.debug("peer %s: %s", peer.name, exc)
            except (JamLiquorError, CodecError) as exc:  # it lied, broke a protocol or stopped answering
                self.drop(peer, f"{type(exc).__name__}: {exc}")
                continue
            except (OSError, asyncio.TimeoutError) as exc:
                self.drop(peer, f"request failed: {exc or type(exc).__name__}")
                continue
            if self.chain.best is not before:
                on_verified()
            if until_slot is not None and self.chain.best.header.slot >= until_slot:
                stop.set()

    async def run(self, stop: asyncio.Event, until_slot: int | None = None, on_verified: Callable[[], None] = lambda: None) -> None:
        """Follow until `stop` is set (or the best verified head reaches `until_slot`)."""
        tasks = [asyncio.ensure_future(self._maintain(stop)), asyncio.ensure_future(self._verify(stop, until_slot, on_verified))]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.endpoint.close([p.conn for p in self.peers.values()])
            self.peers.clear()
