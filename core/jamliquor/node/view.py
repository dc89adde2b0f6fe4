"""What the node knows of the chain, as its servers see it (JIP-2 RPC, JAMNP-S responders).

The node implements `ChainView`; the RPC server and the network responders only read through
it (and submit preimages into the authorer's pool through it), so neither depends on how the
node stores blocks and states. Events are delivered to subscribers on asyncio queues; a slow
subscriber loses old events rather than growing memory (bounded queues, oldest dropped).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import attrs

from ..spec import ChainSpec
from ..state import ChainState
from ..types import Block, Header, Statistics


@attrs.frozen(slots=True)
class BlockRef:
    """A block by header hash and slot (JIP-2's `{header_hash, slot}`)."""

    header_hash: bytes
    slot: int


@attrs.frozen(slots=True)
class ChainEvent:
    """Something subscribers hear about: kind is "best", "finalized" or "imported"."""

    kind: str
    block: BlockRef


class ChainView(Protocol):
    spec: ChainSpec

    def best(self) -> BlockRef:
        """The head of the best chain (GP best_chain.tex)."""

    def finalized(self) -> BlockRef:
        """The latest finalized block under the node's documented finality rule."""

    def header(self, header_hash: bytes) -> Header | None:
        """A known block's header (any fork), or None."""

    def block(self, header_hash: bytes) -> Block | None:
        """A known block (header and extrinsic), or None if unknown or pruned."""

    def parent(self, header_hash: bytes) -> BlockRef | None:
        """The parent of a known block, or None if the block (or its parent) is unknown."""

    def state(self, header_hash: bytes) -> ChainState | None:
        """The posterior state of a known block, or None if unknown or pruned."""

    def statistics(self, header_hash: bytes) -> Statistics | None:
        """π of the posterior state of a known block."""

    def subscribe(self) -> "asyncio.Queue[ChainEvent]":
        """A bounded queue receiving every ChainEvent from now on."""

    def unsubscribe(self, queue: "asyncio.Queue[ChainEvent]") -> None:
        """Stop delivering to `queue`."""

    def submit_preimage(self, requester: int, blob: bytes) -> None:
        """Offer a preimage to the authorer's pool (raises a JamLiquorError if it is refused)."""


class EventHub:
    """Fan-out of ChainEvents to subscriber queues; each queue holds at most `limit` events."""

    def __init__(self, limit: int = 64) -> None:
        self.limit = limit
        self.queues: set[asyncio.Queue[ChainEvent]] = set()

    def subscribe(self) -> "asyncio.Queue[ChainEvent]":
        queue: asyncio.Queue[ChainEvent] = asyncio.Queue(self.limit)
        self.queues.add(queue)
        return queue

    def unsubscribe(self, queue: "asyncio.Queue[ChainEvent]") -> None:
        self.queues.discard(queue)

    def publish(self, event: ChainEvent) -> None:
        for queue in self.queues:
            if queue.full():
                queue.get_nowait()  # a slow subscriber loses its oldest event, not our memory
            queue.put_nowait(event)
