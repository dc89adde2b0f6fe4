"""Authoring on the wall clock: at the start of each slot the node asks the authorer (the
`author_block` hook: Safrole claim, extrinsics from the pools, seal) for a block on its best
head, adds it to the chain and announces it. A block of an earlier slot that peers announced and
that is still on its way is waited for (up to half a slot) rather than forked off. The last slot authored is kept in the store, so a
restarted node never seals a second block for a slot (an equivocation, best_chain.tex)."""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import TYPE_CHECKING

from ..author import AuthoredBlock

if TYPE_CHECKING:
    from .service import Node

log = logging.getLogger("jamliquor.author")

LAST_AUTHORED = b"last_authored_slot"


WAIT_FRACTION = 0.5  # of a slot: how long an author waits for an announced parent still on its way


class Authoring:
    def __init__(self, node: "Node", last_slot: int | None = None) -> None:
        self.node = node
        self.until = last_slot  # author no block after this slot (a testnet's clean end)
        raw = node.store.get_meta(LAST_AUTHORED)
        self.last_slot = struct.unpack("<I", raw)[0] if raw else -1

    async def run(self, stop: asyncio.Event) -> None:
        clock = self.node.clock
        while not stop.is_set():
            slot = clock.slot() + 1
            if not await clock.sleep_until(clock.start(slot), stop):
                return
            if self.until is not None and slot > self.until:
                return
            if slot > self.last_slot:
                try:
                    await self.author(slot)
                except Exception:  # a bug in one slot must not stop authoring the next
                    log.exception("authoring slot %d failed", slot)

    async def author(self, slot: int) -> None:
        node = self.node
        chain = node.chain
        await self._await_announced(slot)
        head = chain.blocks[chain.best_hash]
        if head.slot >= slot:
            return
        state = chain.state(head.hash)
        if state is None:
            log.warning("slot %d: the best head's state is not stored; not authoring", slot)
            return
        authored: AuthoredBlock | None = await node.in_worker(
            node.host.call, "author_block", state=state, slot=slot, keys=node.keyring, spec=node.spec,
            pools=node.pools, budget=node.config.budget)
        if authored is None:
            return
        if node.clock.slot() > slot:  # still valid (H_T·P ≤ T), but the next author may not have it in time
            log.warning("slot %d: authoring ran past the slot's end", slot)
        self.last_slot = slot
        node.store.set_meta(LAST_AUTHORED, struct.pack("<I", slot))
        await node.add_block(authored.block, authored.post_state, authored.header_hash, authored.log.state_root,
                             source=None, authored=authored)

    async def _await_announced(self, slot: int) -> None:
        """Do not fork off a block we know is coming: if a block of an earlier slot than ours, later
        than our head, was announced and is still being fetched or imported, wait for it up to
        half a slot."""
        node = self.node
        deadline = node.clock.start(slot) + WAIT_FRACTION * node.clock.slot_seconds
        while node.clock.now() < deadline:
            head = node.chain.blocks[node.chain.best_hash]
            if not node.syncer.coming(head.slot, slot):
                return
            await asyncio.sleep(0.02)
