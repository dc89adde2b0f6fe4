"""`jamliquor bench rpc`: the JIP-2 server on loopback — sequential round trips per method on one
connection, and how long a new head takes to reach many `subscribeBestBlock` clients.

The server and its `websockets` clients share one process and event loop, so a round trip
includes the client's work too. The chain is the tiny dev genesis state behind synthetic heads.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import resource
import time
from collections.abc import Iterator

from websockets.asyncio.client import connect

from ..chainspec import dev_genesis
from ..keys import dev_keys
from ..node.rpc import RpcLimits, serve_rpc
from ..node.view import BlockRef, ChainEvent, EventHub
from ..spec import TINY


class _HeadsView:
    """A ChainView whose every head shares the dev genesis state (reads cost what they cost)."""

    def __init__(self) -> None:
        genesis = dev_genesis(TINY, dev_keys(TINY.validators_count))
        self.spec = TINY
        self.genesis_header = genesis.header
        self.genesis_state = genesis.state
        self.heads = [BlockRef(hashlib.blake2b(b"0", digest_size=32).digest(), 0)]
        self.parents: dict[bytes, BlockRef] = {}
        self.hub = EventHub()

    def new_head(self) -> None:
        slot = self.heads[-1].slot + 1
        ref = BlockRef(hashlib.blake2b(str(slot).encode(), digest_size=32).digest(), slot)
        self.parents[ref.header_hash] = self.heads[-1]
        self.heads.append(ref)
        self.hub.publish(ChainEvent("best", ref))

    def best(self):
        return self.heads[-1]

    def finalized(self):
        return self.heads[0]

    def header(self, h):
        return self.genesis_header

    def block(self, h):
        return None

    def parent(self, h):
        return self.parents.get(h)

    def state(self, h):
        return self.genesis_state

    def statistics(self, h):
        return self.genesis_state["statistics"]

    def subscribe(self):
        return self.hub.subscribe()

    def unsubscribe(self, queue):
        self.hub.unsubscribe(queue)

    def submit_preimage(self, requester, blob):
        pass


async def _measure(quick: bool) -> list[tuple[str, float, str]]:
    view = _HeadsView()
    rows: list[tuple[str, float, str]] = []
    calls = 200 if quick else 2000
    clients = 4 if quick else 16
    heads = 10 if quick else 100
    server = await serve_rpc(view, "127.0.0.1", 0, RpcLimits(max_connections=clients + 1))
    url = f"ws://127.0.0.1:{server.port}"
    try:
        async with connect(url, proxy=None, compression=None) as ws:
            genesis = base64.b64encode(view.heads[0].header_hash).decode()
            for method, params in (
                ("bestBlock", []),
                ("parameters", []),
                ("serviceData", [genesis, 0]),
                ("statistics", [genesis]),
                ("listServices", [genesis]),
            ):
                start = time.perf_counter()
                for i in range(calls):
                    await ws.send(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}))
                    answer = json.loads(await ws.recv())
                    assert "result" in answer, answer
                per_call = (time.perf_counter() - start) / calls
                rows.append((f"{method}: round trip (sequential)", per_call * 1e6, "us"))
        subscribers = [await connect(url, proxy=None, compression=None) for _ in range(clients)]
        try:
            for ws in subscribers:
                await ws.send('{"jsonrpc":"2.0","id":1,"method":"subscribeBestBlock"}')
                await ws.recv()  # the subscription id
                await ws.recv()  # the current head
            delays = []
            for _ in range(heads):
                start = time.perf_counter()
                view.new_head()
                await asyncio.gather(*(ws.recv() for ws in subscribers))
                delays.append(time.perf_counter() - start)
            rows.append((f"new head to all {clients} subscribers: mean", sum(delays) / len(delays) * 1000, "ms"))
            rows.append((f"new head to all {clients} subscribers: max", max(delays) * 1000, "ms"))
        finally:
            for ws in subscribers:
                await ws.close()
    finally:
        server.close()
        await server.wait_closed()
    rows.append(("process peak RSS (server and clients)", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB"))
    return rows


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    yield from asyncio.run(asyncio.wait_for(_measure(quick), timeout=300))
