"""The light client over JAMNP-S (the node's QUIC transport on loopback) against a peer built
here that serves the dev chain (UP 0, CE 128, CE 129): honest, it is followed to its head across
two epoch changes; lying, it is dropped with a log line and the verified head stays put."""

from __future__ import annotations

import asyncio
from pathlib import Path

import attrs
import pytest
from jamliquor.chainspec import Bootnode, load_chainspec
from jamliquor.codec import decode, encode
from jamliquor.crypto.ed25519 import public_key
from jamliquor.keys import key_name
from jamliquor.node.net.framing import ProtocolViolation
from jamliquor.node.net.transport import Endpoint
from jamliquor.node.protocols.messages import (
    CE_BLOCK_REQUEST, CE_STATE_REQUEST, UP_BLOCK_ANNOUNCEMENT, Announcement, BlockRef, BlockRequest, Handshake,
    KeyValue, StateRequest,
)

from jamliquor_lite.chain import LightChain
from jamliquor_lite.follow import Follower
from jamliquor_lite.peer import TracePeer

SECRET = bytes(range(1, 33))
SECONDS = 60


class ServingPeer:
    """A JAMNP-S endpoint owner serving a trace's chain; `nodes`/`blocks` hooks make it lie."""

    def __init__(self, trace: TracePeer, head: int, nodes=None, blocks=None) -> None:
        self.trace = trace
        self.spec = trace.spec
        self.head = head  # announced leaf (index into the trace's chain)
        self.lie_nodes = nodes
        self.lie_blocks = blocks
        self.up0 = None
        self.closed: list[str] = []

    def connection_ready(self, conn) -> None:
        pass

    def connection_closed(self, conn) -> None:
        self.closed.append(conn.closed_reason)

    def violation(self, conn, error) -> None:
        pass

    def handshake_refused(self, conn, reason) -> None:
        self.closed.append(reason)

    async def stream_opened(self, conn, stream) -> None:
        kind = await stream.read_kind()
        stream.cap = 1 << 20
        if kind != UP_BLOCK_ANNOUNCEMENT:
            try:
                await self._answer(kind, stream)
            finally:
                stream.discard()  # done with it (a connection holds at most 32 inbound streams)
            return
        if kind == UP_BLOCK_ANNOUNCEMENT:
            self.up0 = stream
            decode(Handshake, await stream.read_message(1 << 16), self.spec)
            genesis = BlockRef(self.trace.chain[0], 0)
            head = self.trace.chain[self.head]
            slot = self.trace.blocks_by_hash[head].header.slot if self.head else 0
            stream.write_message(encode(Handshake(genesis, (BlockRef(head, slot),)), self.spec))

    async def _answer(self, kind: int, stream) -> None:
        if kind == CE_BLOCK_REQUEST:
            request = decode(BlockRequest, await stream.read_message(64), self.spec)
            await stream.read_fin()
            blocks = await self.trace.blocks(request.header_hash, request.direction, request.max_blocks)
            blocks = [b for b in blocks if self.trace.chain.index(self._hash(b)) <= self.head]
            if self.lie_blocks is not None:
                blocks = [self.lie_blocks(b) for b in blocks]
            stream.write_message(b"".join(encode(b, self.spec) for b in blocks), fin=True)
            return
        if kind == CE_STATE_REQUEST:
            request = decode(StateRequest, await stream.read_message(128), self.spec)
            await stream.read_fin()
            nodes, pairs = await self.trace.state_range(request.header_hash, request.start, request.end, request.max_size)
            if self.lie_nodes is not None:
                nodes, pairs = self.lie_nodes(request.start, nodes, pairs)
            stream.write_message(b"".join(nodes))
            stream.write_message(b"".join(encode(KeyValue(k, v), self.spec) for k, v in pairs), fin=True)
            return
        raise ProtocolViolation(f"kind {kind}")

    def _hash(self, block) -> bytes:
        from jamliquor.block import header_hash

        return header_hash(block.header, self.spec)

    def announce(self, index: int) -> None:
        """Announce block `index` of the trace on the open UP 0 stream."""
        self.head = index
        header = self.trace.blocks_by_hash[self.trace.chain[index]].header
        final = BlockRef(self.trace.chain[0], 0)
        self.up0.write_message(encode(Announcement(header, final), self.spec))


async def _follow(devchain: Path, serving_args: dict, until, after=None) -> tuple[LightChain, ServingPeer, list[str]]:
    chainspec = load_chainspec(devchain / "chainspec.json")
    trace = TracePeer(devchain, chainspec.spec, cache=32)
    server = ServingPeer(trace, **serving_args)
    endpoint = Endpoint(SECRET, trace.genesis_hash, server)
    await endpoint.listen("127.0.0.1", 0)
    chain = LightChain(chainspec)
    lines: list[str] = []
    follower = Follower(chain, [Bootnode(key_name(public_key(SECRET)), "127.0.0.1", endpoint.listening_port)], say=lines.append)
    stop = asyncio.Event()
    task = asyncio.ensure_future(follower.run(stop))
    try:
        async with asyncio.timeout(SECONDS):
            while not until(chain, lines):
                await asyncio.sleep(0.05)
            if after is not None:
                await after(chain, server, lines)
    finally:
        stop.set()
        await task
        await endpoint.close([])
    return chain, server, lines


def test_follows_an_honest_peer_over_jamnp_s(devchain: Path) -> None:
    async def announce_the_rest(chain, server, lines):
        for index in range(21, 27):  # announcements after the catch-up, each verified as it comes
            server.announce(index)
            while chain.best.header.slot < index:
                await asyncio.sleep(0.02)

    chain, server, lines = asyncio.run(_follow(devchain, {"head": 20}, lambda c, l: c.best.header.slot >= 20, announce_the_rest))
    assert chain.best.header.slot == 26 and chain.stats.rejected == 0
    assert chain.best.header.slot // 12 == 2  # two epoch changes followed
    assert any("connected" in line for line in lines)


def test_gaps_below_an_announcement_are_filled_descending(devchain: Path) -> None:
    async def jump(chain, server, lines):
        server.announce(15)  # 6..14 were never offered ascending: fetched by CE 128 descending
        while chain.best.header.slot < 15:
            await asyncio.sleep(0.02)

    chain, _, _ = asyncio.run(_follow(devchain, {"head": 5}, lambda c, l: c.best.header.slot >= 5, jump))
    assert chain.best.header.slot == 15 and chain.stats.headers == 15


@pytest.mark.parametrize("lie, expected", [
    ({"nodes": lambda start, nodes, pairs: (nodes[:-1], pairs)}, "MissingNode"),
    ({"nodes": lambda start, nodes, pairs: (nodes, [(start, b"\x00" * 4)] if pairs else [])}, "ValueMismatch"),
    ({"blocks": lambda b: attrs.evolve(b, header=attrs.evolve(b.header, seal=bytes(96))) if b.header.slot == 12 else b},
     "BadSeal"),  # the head's seal forged (a forged block inside a batch breaks CE 128's parent links first)
])
def test_a_lying_peer_is_dropped_and_the_head_stays(devchain: Path, lie: dict, expected: str) -> None:
    chain, server, lines = asyncio.run(_follow(devchain, {"head": 12, **lie}, lambda c, l: any("dropped" in x for x in l)))
    dropped = [x for x in lines if "dropped" in x]
    assert expected in dropped[0] and "verified head stays at slot" in dropped[0]
    assert chain.stats.rejected >= 1
    assert chain.best.header.slot < 12  # nothing past the lie was accepted
    if expected == "BadSeal":
        assert chain.best.header.slot == 11
