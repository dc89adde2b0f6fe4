"""UP 0 block announcement on one connection: both sides send a handshake (finalized block and
all leaves), then an announcement (header and finalized block) per new block. The stream is
opened by the connection's initiator; it stays open for the connection's life."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from ...codec import CodecError, decode, encode
from ..net.framing import ProtocolViolation, Stream, StreamTimeout
from .limits import MAX_LEAVES, announcement_limit, handshake_limit
from .messages import Announcement, BlockRef, Handshake

if TYPE_CHECKING:
    from ..net.connection import Connection
    from ..service import Node

HANDSHAKE_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0  # a quiet stream is fine; a message begun and not finished within this is a fault
KNOWN_LIMIT = 512  # header hashes we remember the peer announced (so we skip announcing them back)


class AnnouncementStream:
    def __init__(self, node: "Node", conn: "Connection", stream: Stream) -> None:
        self.node = node
        self.conn = conn
        self.stream = stream
        self.peer_final: BlockRef | None = None
        self.peer_best: BlockRef | None = None
        self.peer_known: OrderedDict[bytes, None] = OrderedDict()

    def remember(self, h: bytes) -> None:
        self.peer_known[h] = None
        self.peer_known.move_to_end(h)
        while len(self.peer_known) > KNOWN_LIMIT:
            self.peer_known.popitem(last=False)

    def _final(self) -> BlockRef:
        final = self.node.chain.finalized()
        return BlockRef(final.header_hash, final.slot)

    async def run(self) -> None:
        spec = self.node.spec
        leaves = sorted(self.node.chain.leaves(), key=lambda b: -b.slot)[:MAX_LEAVES]
        self.stream.write_message(encode(Handshake(self._final(), tuple(BlockRef(b.hash, b.slot) for b in leaves)), spec))
        try:
            handshake = decode(Handshake, await self.stream.read_message(handshake_limit(), HANDSHAKE_TIMEOUT), spec)
        except CodecError as exc:
            raise ProtocolViolation(f"UP 0 handshake: {exc}") from None
        if len(handshake.leaves) > MAX_LEAVES:
            raise ProtocolViolation(f"UP 0 handshake with {len(handshake.leaves)} leaves")
        self.peer_final = handshake.final
        for leaf in handshake.leaves:
            self.remember(leaf.header_hash)
            if self.peer_best is None or leaf.slot > self.peer_best.slot:
                self.peer_best = leaf
        self.node.on_handshake(self, handshake)
        limit = announcement_limit(spec)
        while True:
            try:
                data = await self.stream.read_message(limit, IDLE_TIMEOUT)
            except StreamTimeout:
                if self.stream.buffered:
                    raise
                continue
            try:
                announcement = decode(Announcement, data, spec)
            except CodecError as exc:
                raise ProtocolViolation(f"UP 0 announcement: {exc}") from None
            self.peer_final = announcement.final
            self.node.on_announcement(self, announcement, data[: len(data) - 36])

    def announce(self, header: bytes, slot: int, h: bytes) -> None:
        """Send an announcement (the encoded header) unless the peer told us of this block."""
        if h in self.peer_known:
            return
        self.remember(h)
        self.stream.write_message(header + encode(self._final(), self.node.spec))
