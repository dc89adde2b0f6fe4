"""The light client's JIP-2 subset: every answer equals the full node's RPC (the kernel's server
over the chain's real states) for the same block, bestBlock is the newest provable block, and
subscribeBestBlock reports each new one. A real websockets client on loopback, bounded in time."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path

import pytest
from jamliquor.chainspec import dev_preimages, load_chainspec
from jamliquor.node.rpc import serve_rpc
from jamliquor.node.view import BlockRef, EventHub
from jamliquor.state import ChainState
from websockets.asyncio.client import connect

from jamliquor_lite.chain import LightChain
from jamliquor_lite.peer import TracePeer
from jamliquor_lite.rpc import LightView, serve_light_rpc

SECONDS = 60


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FullView:
    """A full node's view of the trace: every block's posterior state (what the kernel's RPC reads)."""

    def __init__(self, peer: TracePeer, head: int) -> None:
        self.peer = peer
        self.spec = peer.spec
        self.head = head
        self.hub = EventHub()

    def best(self) -> BlockRef:
        h = self.peer.chain[self.head]
        return BlockRef(h, self.head and self.peer.blocks_by_hash[h].header.slot)

    def state(self, header_hash: bytes):
        if header_hash not in self.peer.chain[: self.head + 1]:
            return None
        return ChainState(self.peer.state_of(header_hash), self.spec)


async def call(ws, method: str, params: list, ident: list[int]):
    ident[0] += 1
    await ws.send(json.dumps({"jsonrpc": "2.0", "id": ident[0], "method": method, "params": params}))
    while True:
        async with asyncio.timeout(10):
            message = json.loads(await ws.recv())
        if message.get("id") == ident[0]:
            return message.get("result", message.get("error"))


def test_light_rpc_answers_like_a_full_node(devchain: Path) -> None:
    chainspec = load_chainspec(devchain / "chainspec.json")
    peer = TracePeer(devchain, chainspec.spec, cache=32)
    chain = LightChain(chainspec)
    view = LightView(chain, peer)
    blob = dev_preimages()[1]
    blob_hash = hashlib.blake2b(blob, digest_size=32).digest()

    async def scenario() -> None:
        await chain.catch_up(peer, limit=20)
        light = await serve_light_rpc(view, "127.0.0.1", 0)
        full = await serve_rpc(FullView(peer, 20), "127.0.0.1", 0)
        try:
            async with connect(f"ws://127.0.0.1:{light.port}", proxy=None) as lw, \
                    connect(f"ws://127.0.0.1:{full.port}", proxy=None) as fw:
                li, fi = [0], [0]
                best = await call(lw, "bestBlock", [], li)
                assert best == [b64(peer.chain[19]), 19]  # the parent of the verified head (slot 20)
                compared = 0
                for index in (0, 1, 4, 11, 12, 19):
                    h = b64(peer.chain[index])
                    for method, params in (("serviceData", [h, 0]), ("serviceData", [h, 9]),
                                           ("servicePreimage", [h, 0, b64(blob_hash)]),
                                           ("serviceValue", [h, 0, b64(b"absent")])):
                        assert await call(lw, method, params, li) == await call(fw, method, params, fi), (method, index)
                        compared += 1
                assert compared == 24
                present = await call(lw, "servicePreimage", [b64(peer.chain[19]), 0, b64(blob_hash)], li)
                assert base64.b64decode(present) == blob
                head = b64(peer.chain[20])  # no verified child yet: its posterior state is not provable
                assert await call(lw, "serviceData", [head, 0], li) is None
                assert (await call(lw, "serviceValue", [head, 0, b64(b"k")], li))["code"] == (
                    await call(fw, "serviceValue", [b64(bytes(32)), 0, b64(b"k")], fi))["code"]
                assert (await call(lw, "statistics", [head], li))["code"] == -32601  # not in the subset

                sub = await call(lw, "subscribeBestBlock", [], li)
                async with asyncio.timeout(10):
                    first = json.loads(await lw.recv())
                assert first["params"]["subscription"] == sub and first["params"]["result"] == best
                await chain.catch_up(peer, limit=2)
                for slot in (20, 21):
                    async with asyncio.timeout(10):
                        note = json.loads(await lw.recv())
                    assert note["params"]["result"] == [b64(peer.chain[slot]), slot]
        finally:
            light.close()
            full.close()
            await light.wait_closed()
            await full.wait_closed()

    async def bounded() -> None:
        async with asyncio.timeout(SECONDS):
            await scenario()

    asyncio.run(bounded())
