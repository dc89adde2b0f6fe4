"""Nodes on loopback QUIC in one event loop: sync over UP 0 and CE 128, CE 129 state ranges that
verify against the state root, and a misbehaving peer built here (wrong ALPN, a certificate not
named after its key, malformed, oversize and wrong-kind streams, a block that fails import)."""

from __future__ import annotations

import asyncio
import datetime
import struct

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from jamliquor.block import header_hash
from jamliquor.chainspec import Bootnode
from jamliquor.codec import encode
from jamliquor.keys import dev_keys, key_name
from jamliquor.merkle.trie import walk_boundary
from jamliquor.node.net.framing import StreamClosed
from jamliquor.node.net.transport import Endpoint
from jamliquor.node.protocols import blocks as block_protocol
from jamliquor.node.protocols import state as state_protocol
from jamliquor.node.protocols.messages import (
    ASCENDING_EXCLUSIVE, CE_BLOCK_REQUEST, DESCENDING_INCLUSIVE, UP_BLOCK_ANNOUNCEMENT, BlockRef, Handshake,
)
from node_support import RunningNode, dev_chain, node_config, wait_for

SECRET = bytes(range(32))


def _run(coro, timeout: float = 90.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def _serving_node(tmp_path, blocks_count: int) -> RunningNode:
    chainspec, blocks, states = dev_chain(blocks_count)
    node = await RunningNode(node_config(chainspec, tmp_path / "a")).started()
    for block, post in zip(blocks, states):
        node.node.chain.add(block, post)
    return node


class Quiet:
    """An endpoint owner for a test peer that records what happens to it."""

    def __init__(self, serve=None) -> None:
        self.closed: list[str] = []
        self.serve = serve

    def connection_ready(self, conn):
        pass

    def connection_closed(self, conn):
        self.closed.append(conn.closed_reason)

    async def stream_opened(self, conn, stream):
        if self.serve is not None:
            await self.serve(conn, stream)

    def violation(self, conn, error):
        pass

    def handshake_refused(self, conn, reason):
        self.closed.append(reason)


def test_follower_syncs_blocks_and_state_over_quic(tmp_path):
    async def main():
        a = await _serving_node(tmp_path, 8)
        chainspec = a.node.config.chainspec
        key = a.node.identity_public
        boot = Bootnode(key_name(key), "127.0.0.1", a.port)
        b = await RunningNode(node_config(chainspec, tmp_path / "b", bootnodes=(boot,), listen=None)).started()
        try:
            head = a.node.chain.best()
            assert await wait_for(lambda: b.node.chain.best() == head, 30), "follower did not catch up"
            assert b.node.stats.imported == 8
            assert b.node.chain.block(head.header_hash) == a.node.chain.block(head.header_hash)
            conn = b.node.network.connection(key)
            spec = chainspec.spec
            # CE 128 both ways, as a requester.
            g = chainspec.genesis_hash()
            up = await block_protocol.request(conn, spec, g, ASCENDING_EXCLUSIVE, 3)
            assert [header_hash(x.header, spec) for x in up] == a.node.chain.ascending(g, 3)
            down = await block_protocol.request(conn, spec, head.header_hash, DESCENDING_INCLUSIVE, 4)
            assert header_hash(down[0].header, spec) == head.header_hash and len(down) == 4
            with pytest.raises(StreamClosed):  # an unknown block: the responder resets the stream
                await block_protocol.request(conn, spec, b"\x07" * 32, DESCENDING_INCLUSIVE, 1)
            # CE 129: a key range with boundary nodes that verify against the posterior state root.
            state = a.node.chain.state(head.header_hash)
            keys = sorted(state.kv)
            nodes, pairs = await state_protocol.request(conn, spec, head.header_hash, keys[2], keys[-1], 600)
            assert pairs and pairs[0].key == keys[2]
            root = a.node.chain.info(head.header_hash).state_root
            assert walk_boundary(root, nodes, keys[2])[0] == keys[2]
            assert walk_boundary(root, nodes, pairs[-1].key)[0] == pairs[-1].key
            assert all(state.kv[p.key] == p.value for p in pairs)
        finally:
            await b.stop()
            await a.stop()

    _run(main())


def _named_certificate(key: Ed25519PrivateKey, name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(7).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False).sign(key, None))


def test_misbehaving_peer_is_cut_off_and_the_node_loses_nothing(tmp_path):
    async def main():
        a = await _serving_node(tmp_path, 4)
        node = a.node
        chainspec = node.config.chainspec
        key = node.identity_public
        head_before = node.chain.best()
        try:
            # Wrong ALPN: the handshake fails, the node goes on.
            wrong = Endpoint(SECRET, b"\x99" * 32, Quiet())
            with pytest.raises(ConnectionError):
                await wrong.dial("127.0.0.1", a.port, key)
            # A certificate whose alternative name is another key's N(k): refused by the node.
            liar = Endpoint(SECRET, chainspec.genesis_hash(), Quiet())
            liar.certificate = _named_certificate(liar.private_key, key_name(dev_keys(1)[0].ed25519))
            await _refused(liar, a.port, key)
            assert node.network.peers == {}

            # A peer with a valid identity that then misbehaves on streams.
            bad = Endpoint(SECRET, chainspec.genesis_hash(), Quiet())
            conn = await bad.dial("127.0.0.1", a.port, key)
            assert await wait_for(lambda: len(node.network.peers) == 1, 5)
            faults = node.stats.faults
            stream = conn.open_stream(77)  # a stream kind nobody defined
            with pytest.raises(StreamClosed):
                await stream.read_message(100, 5)
            assert await wait_for(lambda: node.stats.faults == faults + 1, 5)
            stream = conn.open_stream(CE_BLOCK_REQUEST)  # a request of the wrong size (malformed)
            stream.write_message(b"\x00" * 5, fin=True)
            with pytest.raises(StreamClosed):
                await stream.read_message(100, 5)
            assert await wait_for(lambda: node.stats.faults == faults + 2, 5)
            assert node.network.peers, "two faults are not yet enough to drop a peer"
            stream = conn.open_stream(CE_BLOCK_REQUEST)  # an oversize message: 100 MB announced
            conn.send(stream.id, struct.pack("<I", 100_000_000) + b"\x00" * 64)
            with pytest.raises(StreamClosed):
                await stream.read_message(100, 5)
            assert await wait_for(lambda: conn._closed.is_set(), 10), "repeated faults must disconnect the peer"
            assert node.network.scores.banned(SECRET_PUBLIC)
            await _refused(bad, a.port, key)  # and it is refused for a while
            assert node.network.peers == {}
            await bad.close([])
            # The node lost nothing: same best block, still serving.
            assert node.chain.best() == head_before
            assert not a.task.done()
        finally:
            await a.stop()

    _run(main())


async def _refused(endpoint: Endpoint, port: int, key: bytes) -> None:
    """Dialling the node ends in a closed connection (during or right after the handshake)."""
    try:
        conn = await endpoint.dial("127.0.0.1", port, key)
    except ConnectionError:
        return
    assert await wait_for(lambda: conn._closed.is_set(), 10), "the node kept a connection it must refuse"


SECRET_PUBLIC = Ed25519PrivateKey.from_private_bytes(SECRET).public_key().public_bytes_raw()


def test_a_block_that_fails_import_scores_its_sender_down(tmp_path):
    async def main():
        chainspec, blocks, states = dev_chain(5)
        spec = chainspec.spec
        a = await RunningNode(node_config(chainspec, tmp_path / "a")).started()
        node = a.node
        for block, post in zip(blocks[:4], states[:4]):
            node.chain.add(block, post)
        head = node.chain.best()
        # The next genuine block with its seal corrupted: it links to our head but fails import.
        bad_block = attrs.evolve(blocks[4], header=attrs.evolve(blocks[4].header, seal=bytes(96)))
        bad_hash = header_hash(bad_block.header, spec)

        async def serve(conn, stream):  # answer every CE 128 with the bad block
            kind = await stream.read_kind()
            if kind == CE_BLOCK_REQUEST:
                await stream.read_message(64)
                await stream.read_fin()
                stream.write_message(encode(bad_block, spec), fin=True)

        owner = Quiet(serve)
        peer = Endpoint(SECRET, chainspec.genesis_hash(), owner)
        try:
            conn = await peer.dial("127.0.0.1", a.port, node.identity_public)
            up0 = conn.open_stream(UP_BLOCK_ANNOUNCEMENT)
            final = node.chain.finalized()
            up0.write_message(encode(Handshake(BlockRef(final.header_hash, final.slot), (BlockRef(bad_hash, 99),)), spec))
            assert await wait_for(lambda: node.stats.faults >= 1, 30), "the invalid block was not reported"
            assert not node.chain.knows(bad_hash)
            assert node.chain.best() == head
            assert not a.task.done()
        finally:
            await peer.close([])
            await a.stop()

    _run(main())


def test_rpc_best_block_and_subscription_follow_a_syncing_node(tmp_path):
    from jamliquor.node.rpc.client import RpcClient
    from jamliquor.node.rpc.wire import b64

    async def main():
        chainspec, blocks, states = dev_chain(8)
        spec = chainspec.spec
        a = await RunningNode(node_config(chainspec, tmp_path / "a")).started()
        boot = Bootnode(key_name(a.node.identity_public), "127.0.0.1", a.port)
        b = await RunningNode(node_config(chainspec, tmp_path / "b", bootnodes=(boot,), listen=None,
                                          rpc=("127.0.0.1", 0))).started()
        try:
            port = b.node.rpc_server._server.sockets[0].getsockname()[1]
            client = await asyncio.to_thread(RpcClient, f"ws://127.0.0.1:{port}")
            assert await wait_for(lambda: b.node.network.peers, 10)
            sub = await asyncio.to_thread(client.call, "subscribeBestBlock", [])
            first = await asyncio.to_thread(client.notification, 10)
            assert first["subscription"] == sub and first["result"] == [b64(chainspec.genesis_hash()), 0]
            heads = []
            for block, post in zip(blocks, states):  # A authors (adds and announces) block by block
                h = header_hash(block.header, spec)
                await a.node.add_block(block, post, h, post.root(), source=None)
                assert await wait_for(lambda: b.node.chain.best().header_hash == h, 20)
                note = await asyncio.to_thread(client.notification, 10)
                heads.append(note["result"])
                assert note["result"] == [b64(h), block.header.slot]
            assert len(heads) == len(blocks)
            best = await asyncio.to_thread(client.call, "bestBlock", [])
            assert best == heads[-1]
            await asyncio.to_thread(client.close)
        finally:
            await b.stop()
            await a.stop()

    _run(main())


def test_tickets_over_ce131_and_ce132(tmp_path):
    from jamliquor.author import prove_ticket
    from jamliquor.node.protocols import tickets as ticket_protocol
    from jamliquor.node.protocols.messages import CE_TICKET_TO_ALL, CE_TICKET_TO_PROXY, TicketMessage
    from jamliquor.types import TicketEnvelope

    async def main():
        chainspec, _, _ = dev_chain(1)
        a = await RunningNode(node_config(chainspec, tmp_path / "a")).started()
        node = a.node
        peer = Endpoint(SECRET, chainspec.genesis_hash(), Quiet())
        try:
            assert await wait_for(lambda: node.tickets.ctx is not None, 10)
            ctx = node.tickets.ctx
            keys = dev_keys(3)[2]
            good = await asyncio.to_thread(prove_ticket, ctx, keys, 1)
            conn = await peer.dial("127.0.0.1", a.port, node.identity_public)
            spec = chainspec.spec
            # CE 132: a valid ticket is taken (FIN) and pooled.
            await ticket_protocol.send(conn, spec, CE_TICKET_TO_ALL, TicketMessage(ctx.epoch, good))
            assert node.tickets.received == 1 and len(node.pools.tickets) == 1
            faults = node.stats.faults
            # A proof that does not verify: reset, and the sender is scored down.
            bad = TicketEnvelope(1, good.signature[:-1] + bytes([good.signature[-1] ^ 1]))
            with pytest.raises(StreamClosed):
                await ticket_protocol.send(conn, spec, CE_TICKET_TO_ALL, TicketMessage(ctx.epoch, bad))
            assert await wait_for(lambda: node.stats.faults == faults + 1, 5)
            # Another contest's epoch: reset without a fault (the node cannot judge it).
            with pytest.raises(StreamClosed):
                await ticket_protocol.send(conn, spec, CE_TICKET_TO_ALL, TicketMessage(ctx.epoch + 5, good))
            assert node.stats.faults == faults + 1
            # CE 131 to a node that is not the ticket's proxy: refused, scored down.
            other = await asyncio.to_thread(prove_ticket, ctx, keys, 0)
            with pytest.raises(StreamClosed):
                await ticket_protocol.send(conn, spec, CE_TICKET_TO_PROXY, TicketMessage(ctx.epoch, other))
            assert await wait_for(lambda: node.stats.faults == faults + 2, 5)
            assert len(node.pools.tickets) == 2  # verified and pooled, though not forwarded
        finally:
            await peer.close([])
            await a.stop()

    _run(main())
