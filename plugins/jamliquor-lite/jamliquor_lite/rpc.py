"""A local JIP-2 subset backed by proofs, served by the kernel's RPC server (`jamliquor.node.rpc`).

Methods: `parameters`, `bestBlock`, `serviceData`, `serviceValue`, `servicePreimage`, and the
`subscribeBestBlock`/`unsubscribeBestBlock` pair; every other JIP-2 method is "method not
found". Answers are encoded exactly as a full node's (the same `wire` helpers), so a tool can
point at the light client instead of trusting a full node.

What "best" means here: JIP-2 service queries name a block whose *posterior* state they read, and
the light client can prove a block's posterior state only through a verified child's prior-state
root. So `bestBlock` is the parent of the best verified header — the newest block whose state is
proved — one block behind a full node's head. A queried block with no verified child is
"posterior state not known": `serviceData` answers null, the others the full node's
block-unavailable error.
"""

from __future__ import annotations

from typing import Any

from jamliquor.node.rpc.jsonrpc import BLOCK_UNAVAILABLE, RpcError
from jamliquor.node.rpc.methods import METHODS, Method
from jamliquor.node.rpc.subscriptions import TOPICS
from jamliquor.node.rpc.wire import b64
from jamliquor.node.view import BlockRef, ChainEvent, EventHub
from jamliquor.state.keys import preimage_key, service_info_key, storage_key

from . import query
from .chain import LightChain, Verified
from .errors import LightError
from .peer import Peer


class NotOffered(LightError):
    """A ChainView reading the light client cannot prove (blocks, full states, statistics)."""


class LightView:
    """The `ChainView` subset the light RPC reads: its best provable block and head events."""

    def __init__(self, chain: LightChain, peer: Peer | None = None) -> None:
        self.chain = chain
        self.spec = chain.spec
        self.peer = peer  # the follower sets the peer it currently trusts for proofs
        self.hub = EventHub(limit=16)
        chain.on_best.append(self._moved)

    def best(self) -> BlockRef:
        return self.provable(self.chain.best)

    def provable(self, record: Verified) -> BlockRef:
        """The block whose posterior state `record`'s prior-state root commits (genesis: itself)."""
        if record is self.chain.genesis:
            return BlockRef(record.hash, record.header.slot)
        return BlockRef(record.header.parent, record.parent_slot)

    def _moved(self, record: Verified) -> None:
        self.hub.publish(ChainEvent("best", self.provable(record)))

    def subscribe(self):
        return self.hub.subscribe()

    def unsubscribe(self, queue) -> None:
        self.hub.unsubscribe(queue)

    def finalized(self) -> BlockRef:
        raise NotOffered("the light client follows no finality")

    def header(self, header_hash: bytes):
        record = self.chain.records.get(header_hash)
        return None if record is None else record.header

    def block(self, header_hash: bytes):
        return None

    def parent(self, header_hash: bytes):
        return None

    def state(self, header_hash: bytes):
        raise NotOffered("the light client holds no full states; ask for single entries")

    def statistics(self, header_hash: bytes):
        raise NotOffered("statistics are not offered by the light client")

    def submit_preimage(self, requester: int, blob: bytes) -> None:
        raise NotOffered("the light client does not author")


async def _proved(view: LightView, header_hash: bytes, key: bytes) -> bytes | None:
    """The proved value of `key` in `header_hash`'s posterior state; NotProvable if no verified child."""
    if view.peer is None:
        raise RpcError(BLOCK_UNAVAILABLE, "the light client has no peer to prove with yet", b64(header_hash))
    anchor = query.anchor_for(view.chain, header_hash)
    return (await query.entry(view.chain, view.peer, key, anchor)).value


def _b64_or_none(raw: bytes | None) -> str | None:
    return None if raw is None else b64(raw)


async def service_data(view: LightView, header_hash: bytes, service: int) -> str | None:
    try:
        return _b64_or_none(await _proved(view, header_hash, service_info_key(service)))
    except query.NotProvable:
        return None  # JIP-2: null if the block's posterior state is not known


async def _or_unavailable(view: LightView, header_hash: bytes, key: bytes) -> str | None:
    try:
        return _b64_or_none(await _proved(view, header_hash, key))
    except query.NotProvable as exc:
        raise RpcError(BLOCK_UNAVAILABLE, str(exc), b64(header_hash)) from None


async def service_value(view: LightView, header_hash: bytes, service: int, key: bytes) -> str | None:
    return await _or_unavailable(view, header_hash, storage_key(service, key))


async def service_preimage(view: LightView, header_hash: bytes, service: int, blob_hash: bytes) -> str | None:
    return await _or_unavailable(view, header_hash, preimage_key(service, blob_hash))


LIGHT_METHODS: dict[str, Method] = {
    "parameters": METHODS["parameters"],
    "bestBlock": METHODS["bestBlock"],
    "serviceData": Method(("Hash", "ServiceId"), service_data),
    "serviceValue": Method(("Hash", "ServiceId", "Blob"), service_value),
    "servicePreimage": Method(("Hash", "ServiceId", "Hash"), service_preimage),
}
LIGHT_TOPICS: dict[str, Any] = {"subscribeBestBlock": TOPICS["subscribeBestBlock"]}


async def serve_light_rpc(view: LightView, host: str, port: int):
    """Serve the subset at ws://host:port (the kernel's server with the light tables)."""
    from jamliquor.node.rpc import serve_rpc

    return await serve_rpc(view, host, port, methods=LIGHT_METHODS, topics=LIGHT_TOPICS)
