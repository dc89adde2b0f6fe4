"""The node on the network: which peers to connect to (every validator of the previous, current
and next sets, and the bootnodes), who dials whom (the preferred initiator at once, the other
after 5 s), one connection per peer, UP 0 with grid neighbours, each stream kind dispatched to
its protocol, and faults scored (a peer out of points is disconnected and refused a while)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import attrs

from ..codec import CodecError
from ..keys.names import key_name
from .net.connection import Connection
from .net.framing import ProtocolViolation, Stream, StreamClosed, StreamError, StreamTimeout
from .net.peers import PeerScores, grid_neighbours, metadata_endpoint, preferred_initiator
from .net.transport import Endpoint
from .protocols import blocks, state, tickets
from .protocols.announcements import AnnouncementStream
from .protocols.messages import (
    CE_BLOCK_REQUEST, CE_STATE_REQUEST, CE_TICKET_TO_ALL, CE_TICKET_TO_PROXY, UP_BLOCK_ANNOUNCEMENT,
)

if TYPE_CHECKING:
    from .service import Node

log = logging.getLogger("jamliquor.node")

NON_PREFERRED_WAIT = 5.0  # JAMNP-S: the other side may initiate after a reasonable timeout
REDIAL_BACKOFF = 2.0
KIND_TIMEOUT = 5.0
KEEPALIVE = 10.0  # seconds between pings on each connection (QUIC idles out after 30 s of silence)
DUPLICATE_WINDOW = 10.0
MAX_OTHER_PEERS = 20  # connections beyond the validators we must reach (JAMNP-S: e.g. 20 for builders)  # seconds within which two connections to one peer are a dialling race


@attrs.define(slots=True, eq=False)
class Peer:
    key: bytes
    conn: Connection
    up0: AnnouncementStream | None = None
    since: float = attrs.field(factory=time.monotonic)

    @property
    def name(self) -> str:
        return key_name(self.key)[:12]


class Network:
    def __init__(self, node: "Node", identity: bytes) -> None:
        self.node = node
        self.ours = node.identity_public
        self.endpoint = Endpoint(identity, node.chain.genesis_hash, self)
        self.peers: dict[bytes, Peer] = {}
        self.scores = PeerScores()
        self._dialing: set[bytes] = set()
        self._dials: set[asyncio.Task] = set()
        self._last_attempt: dict[bytes, float] = {}
        self._started = time.monotonic()

    # ------------------------------------------------------------------ whom to connect to

    def validator_sets(self) -> list[list[bytes]]:
        """Ed25519 keys of λ, κ and γ_P (previous, current, next) in the best state."""
        st = self.node.chain.state(self.node.chain.best_hash)
        if st is None:
            return []
        return [[v.ed25519 for v in st[name]] for name in ("previous_validators", "current_validators")] + \
            [[v.ed25519 for v in st["safrole"].pending]]

    def targets(self) -> dict[bytes, tuple[str, int]]:
        out: dict[bytes, tuple[str, int]] = {}
        st = self.node.chain.state(self.node.chain.best_hash)
        if st is not None:
            for validators in (st["previous_validators"], st["current_validators"], st["safrole"].pending):
                for v in validators:
                    endpoint = metadata_endpoint(v.metadata)
                    if endpoint is not None and any(v.ed25519):
                        out[v.ed25519] = endpoint
        for b in self.node.config.bootnodes:
            out.setdefault(b.ed25519, (b.host, b.port))
        out.pop(self.ours, None)
        return out

    def wants_up0(self, theirs: bytes) -> bool:
        """UP 0 between grid neighbours, or whenever one side is not a validator."""
        sets = self.validator_sets()
        if not any(self.ours in s for s in sets) or not any(theirs in s for s in sets):
            return True
        return grid_neighbours(sets, self.ours, theirs)

    async def maintain(self, stop: asyncio.Event) -> None:
        """Keep dialling the peers we should be connected to; ping the connected ones."""
        last_ping = time.monotonic()
        while not stop.is_set():
            now = time.monotonic()
            if now - last_ping >= KEEPALIVE:
                last_ping = now
                for peer in list(self.peers.values()):
                    peer.conn.spawn(self._ping(peer.conn))
            for key, (host, port) in self.targets().items():
                if key in self.peers or key in self._dialing or self.scores.banned(key):
                    continue
                last = self._last_attempt.get(key)
                if preferred_initiator(self.ours, key) == self.ours:
                    due = last is None or now - last > REDIAL_BACKOFF
                else:  # let the preferred initiator dial first
                    due = now - max(self._started, last or 0.0) > NON_PREFERRED_WAIT
                if due:
                    self._last_attempt[key] = now
                    self._dialing.add(key)
                    task = asyncio.ensure_future(self._dial(key, host, port))
                    self._dials.add(task)
                    task.add_done_callback(self._dials.discard)
            try:
                await asyncio.wait_for(stop.wait(), 1.0)
            except TimeoutError:
                pass

    async def _ping(self, conn: Connection) -> None:
        """A connection that does not answer a ping within a few seconds is dead: close it."""
        try:
            await asyncio.wait_for(conn.ping(), KEEPALIVE / 2)
        except (ConnectionError, TimeoutError):
            if conn._quic._close_event is None:
                conn.close_with("no answer to a ping")

    async def _dial(self, key: bytes, host: str, port: int) -> None:
        try:
            await self.endpoint.dial(host, port, key)
        except (ConnectionError, OSError, TimeoutError) as exc:
            log.debug("dial %s at %s:%d failed: %s", key_name(key)[:12], host, port, exc or type(exc).__name__)
        finally:
            self._dialing.discard(key)

    # ------------------------------------------------------------------ endpoint callbacks

    def connection_ready(self, conn: Connection) -> None:
        key = conn.peer_key
        if key == self.ours or self.scores.banned(key):
            conn.close_with("refused: banned" if key != self.ours else "refused: our own key")
            return
        existing = self.peers.get(key)
        targets = self.targets()
        if existing is None and key not in targets:
            if sum(1 for k in self.peers if k not in targets) >= MAX_OTHER_PEERS:
                conn.close_with("too many peers")
                return
        if existing is not None and existing.conn is not conn:
            # Both sides dialled at once: keep the connection P(a, b) opened. Otherwise the newer
            # one wins: the peer restarted, and the old connection is dead until it idles out.
            preferred = preferred_initiator(self.ours, key)
            new_by_preferred = (self.ours if conn.is_client else key) == preferred
            old_by_preferred = (self.ours if existing.conn.is_client else key) == preferred
            racing = time.monotonic() - existing.since < DUPLICATE_WINDOW
            if racing and old_by_preferred and not new_by_preferred:
                conn.close_with("duplicate connection")
                return
            existing.conn.close_with("duplicate connection")
        peer = self.peers[key] = Peer(key, conn)
        self.node.stats.connections += 1
        log.info("peer connected %s (%s, %s)", peer.name, "dialled" if conn.is_client else "accepted", conn.remote)
        if conn.is_client and self.wants_up0(key):
            stream = conn.open_stream(UP_BLOCK_ANNOUNCEMENT, cap=4 * 1024 * 1024)
            peer.up0 = AnnouncementStream(self.node, conn, stream)
            conn.spawn(self._run_up0(peer, peer.up0))

    def connection_closed(self, conn: Connection) -> None:
        key = conn.peer_key
        peer = self.peers.get(key) if key is not None else None
        if peer is not None and peer.conn is conn:
            del self.peers[key]
            log.info("peer dropped %s: %s", peer.name, conn.closed_reason or "closed")

    def handshake_refused(self, conn: Connection, reason: str) -> None:
        """A wrong ALPN or certificate: the connection is closed. There is no key to score (the
        certificate is what failed), and an address is no identity (loopback testnets share one)."""
        self.node.stats.faults += 1
        log.warning("connection %s refused: %s", conn.remote, reason)

    def violation(self, conn: Connection, error: StreamError) -> None:
        self.fault(conn, "malformed", str(error))

    def fault(self, conn: Connection, kind: str, detail: str) -> None:
        key = conn.peer_key if conn.peer_key is not None else conn.remote
        self.node.stats.faults += 1
        log.warning("peer %s fault (%s): %s", conn.name, kind, detail)
        if self.scores.fault(key, kind):
            log.warning("peer %s disconnected after repeated faults (refused for %.0f s)", conn.name, self.scores.ban_seconds)
            conn.close_with(f"too many faults ({kind})")

    async def stream_opened(self, conn: Connection, stream: Stream) -> None:
        """Dispatch a stream the peer opened by its kind."""
        try:
            kind = await stream.read_kind(KIND_TIMEOUT)
            if kind == UP_BLOCK_ANNOUNCEMENT:
                await self._accept_up0(conn, stream)
            elif kind == CE_BLOCK_REQUEST:
                stream.cap = 1024
                await blocks.serve(self.node.chain, stream)
            elif kind == CE_STATE_REQUEST:
                stream.cap = 1024
                await state.serve(self.node.chain, stream)
            elif kind in (CE_TICKET_TO_PROXY, CE_TICKET_TO_ALL):
                stream.cap = 2048
                message = await tickets.read(stream, self.node.spec)
                if await self.node.tickets.receive(kind, message, conn):
                    stream.finish()
                else:
                    stream.reset()
            else:
                raise ProtocolViolation(f"unknown stream kind {kind}")
        except ProtocolViolation as exc:
            stream.reset()
            self.fault(conn, "malformed", str(exc))
        except StreamTimeout as exc:
            stream.reset()
            self.fault(conn, "timeout", str(exc))
        except StreamClosed:
            pass
        finally:
            stream.discard()

    async def _accept_up0(self, conn: Connection, stream: Stream) -> None:
        if conn.is_client:
            raise ProtocolViolation("UP 0 opened by the acceptor of the connection")
        peer = self.peers.get(conn.peer_key)
        if peer is None or peer.conn is not conn:
            stream.reset()
            return
        if peer.up0 is not None:  # keep the stream with the greatest id
            if peer.up0.stream.id > stream.id:
                stream.reset()
                return
            peer.up0.stream.reset()
        stream.cap = 4 * 1024 * 1024
        peer.up0 = AnnouncementStream(self.node, conn, stream)
        await self._run_up0(peer, peer.up0)

    async def _run_up0(self, peer: Peer, up0: AnnouncementStream) -> None:
        try:
            await up0.run()
        except ProtocolViolation as exc:
            up0.stream.reset()
            self.fault(peer.conn, "malformed", str(exc))
        except StreamTimeout as exc:
            up0.stream.reset()
            self.fault(peer.conn, "timeout", str(exc))
        except (StreamClosed, CodecError):
            pass
        finally:
            if peer.up0 is up0:
                peer.up0 = None
            up0.stream.discard()

    # ------------------------------------------------------------------ use

    def announce(self, header: bytes, slot: int, h: bytes, exclude: bytes | None = None) -> None:
        for peer in list(self.peers.values()):
            if peer.up0 is not None and peer.key != exclude:
                try:
                    peer.up0.announce(header, slot, h)
                except StreamError:
                    pass

    def connection(self, key: bytes | None) -> Connection | None:
        peer = self.peers.get(key) if key is not None else None
        return peer.conn if peer is not None else None

    async def listen(self, host: str, port: int) -> None:
        await self.endpoint.listen(host, port)

    async def close(self) -> None:
        for task in list(self._dials):
            task.cancel()
        await asyncio.gather(*self._dials, return_exceptions=True)
        await self.endpoint.close([p.conn for p in self.peers.values()])
        self.peers.clear()
