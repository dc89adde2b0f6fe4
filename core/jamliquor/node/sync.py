"""Catching up: blocks the node hears of (UP 0 handshake leaves and announcements) and does not
have are fetched over CE 128 and imported in order.

For a target block whose parent we hold, one descending request fetches it. Otherwise the node
asks the announcer for the blocks after our best head (ascending exclusive, up to a batch), then
after our finalized block if the peer will not serve our head (it may be on a fork the peer
cannot finalize), and as a last resort walks back from the target (descending inclusive) until
it reaches a block we hold. Every loop is bounded in rounds and blocks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

from ..types import Block
from .net.framing import ProtocolViolation, StreamClosed, StreamError, StreamTimeout
from .protocols import blocks as block_protocol
from .protocols.limits import MAX_BLOCKS_PER_REQUEST
from .protocols.messages import ASCENDING_EXCLUSIVE, DESCENDING_INCLUSIVE

if TYPE_CHECKING:
    from .service import Node

log = logging.getLogger("jamliquor.sync")

MAX_TARGETS = 256
MAX_ROUNDS = 32  # requests per target
MAX_BACKWARD_BLOCKS = 4 * MAX_BLOCKS_PER_REQUEST  # held in memory while walking back from a target


class Syncer:
    def __init__(self, node: "Node") -> None:
        self.node = node
        self.targets: OrderedDict[bytes, tuple[int, bytes | None, bool]] = OrderedDict()  # hash → (slot, peer, parent known)
        self._wakeup = asyncio.Event()
        self.heard: OrderedDict[bytes, int] = OrderedDict()  # announced blocks (hash → slot) not yet known

    def coming(self, after: int, before: int) -> bool:
        """Whether a block announced to us with after < slot < before is still being fetched or imported."""
        chain = self.node.chain
        for h in [h for h in self.heard if chain.knows(h)]:
            del self.heard[h]
        return any(after < slot < before for slot in self.heard.values())

    def want(self, h: bytes, slot: int, peer: bytes | None, parent: bytes | None = None) -> None:
        """Note a block to fetch (from `peer` first); `parent` if the announcement told us."""
        chain = self.node.chain
        if chain.knows(h):
            return
        self.targets[h] = (slot, peer, parent is not None and parent in chain.blocks)
        self.targets.move_to_end(h)
        self.heard[h] = slot
        while len(self.targets) > MAX_TARGETS:
            self.targets.popitem(last=False)
        while len(self.heard) > MAX_TARGETS:
            self.heard.popitem(last=False)
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()
            for h in [h for h in self.targets if self.node.chain.knows(h)]:
                del self.targets[h]
            if not self.targets:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), 1.0)
                except TimeoutError:
                    pass
                continue
            h = max(self.targets, key=lambda k: self.targets[k][0])  # the newest block first: it pulls its ancestry
            slot, peer, parent_known = self.targets.pop(h)
            try:
                await self.fetch(h, slot, peer, parent_known)
            except Exception:  # a bug must not stop syncing: log it with its traceback and go on
                log.exception("sync of %s… failed", h.hex()[:16])
            if not self.node.chain.knows(h):
                self.heard.pop(h, None)  # not to be had (for now): nothing to wait for

    def _peers(self, first: bytes | None) -> list[bytes]:
        keys = list(self.node.network.peers)
        if first in keys:
            keys.remove(first)
            keys.insert(0, first)
        return keys

    async def fetch(self, target: bytes, slot: int, peer: bytes | None, parent_known: bool) -> None:
        for key in self._peers(peer)[:3]:
            if self.node.chain.knows(target):
                return
            conn = self.node.network.connection(key)
            if conn is None:
                continue
            try:
                if parent_known:
                    await self._import(await block_protocol.request(conn, self.node.spec, target, DESCENDING_INCLUSIVE, 1), key)
                else:
                    await self._catch_up(conn, key, target, slot)
            except ProtocolViolation as exc:
                self.node.network.fault(conn, "malformed", str(exc))
            except StreamTimeout as exc:
                self.node.network.fault(conn, "timeout", str(exc))
            except StreamError as exc:
                log.debug("block request to %s failed: %s", conn.name, exc)

    async def _request(self, conn, h: bytes, direction: int, count: int) -> list[Block] | None:
        """The peer's answer, or None if it refused (reset the stream)."""
        try:
            return await block_protocol.request(conn, self.node.spec, h, direction, count)
        except StreamClosed:
            return None

    async def _catch_up(self, conn, key: bytes, target: bytes, slot: int) -> None:
        chain = self.node.chain
        for _ in range(MAX_ROUNDS):
            if chain.knows(target):
                return
            count = MAX_BLOCKS_PER_REQUEST
            batch = await self._request(conn, chain.best_hash, ASCENDING_EXCLUSIVE, count)
            if not batch:
                batch = await self._request(conn, chain.finalized_hash, ASCENDING_EXCLUSIVE, count)
            if not batch:
                await self._walk_back(conn, key, target)
                return
            if not await self._import(batch, key):
                return  # no progress: the peer's chain is not one we can extend

    async def _walk_back(self, conn, key: bytes, target: bytes) -> None:
        chain = self.node.chain
        held: list[Block] = []
        h = target
        while len(held) < MAX_BACKWARD_BLOCKS:
            batch = await self._request(conn, h, DESCENDING_INCLUSIVE, MAX_BLOCKS_PER_REQUEST)
            if not batch:
                return
            held.extend(batch)
            h = batch[-1].header.parent
            if chain.knows(h):
                await self._import(list(reversed(held)), key)
                return

    async def _import(self, batch: list[Block], key: bytes | None) -> bool:
        """Import in order; True if at least one block was new and valid."""
        progress = False
        for block in batch:
            outcome = await self.node.import_block(block, key)
            if outcome == "imported":
                progress = True
            elif outcome not in ("known",):
                break
        return progress

