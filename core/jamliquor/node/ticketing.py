"""Safrole ticket distribution over CE 131/132 (JAMNP-S), so tickets reach the authors of the
submission window.

The tickets used in epoch e+1 are contested in epoch e, with the entropy η'_2 = η_1 and the ring
γ'_P = ι that a state of epoch e−1 already holds: a validator proves its N tickets per key (ring
VRF, lowest ids first, in a prover process: `prover.py`) during epoch e−1, one per slot, so they are ready
when the contest opens rather than all validators proving at once then (the node predicts the
contest from its best state as soon as the wall clock enters epoch e). Each ticket goes to its
proxy — index = the last 4 octets of its id (the VRF output) as a big-endian integer mod V in the
next epoch's set γ'_P — over CE 131 once max(⌊E/30⌋, 1) + max(⌊E/60⌋, 1) slots of the epoch have
passed (connectivity changes, then the first step). A proxy verifies the proof and that it is the
proxy, then forwards over CE 132 to every current validator (κ), evenly spaced from
max(⌊E/30⌋, 1) + max(⌊E/20⌋, 1) slots until half-way through the submission period (Y/2). A
generator that is its own proxy, or whose proxy is not connected (e.g. a seat without a node in
a dev network), forwards itself. Received tickets are verified on a thread of their own, beside
block imports, and every verified ticket enters the node's ticket pool, from which its authorer
fills blocks.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from typing import TYPE_CHECKING

from ..author import (
    TicketContext, TicketRejected, contest_at, contest_of_state, our_ticket_ids, verify_ticket,
)
from ..types import TicketEnvelope
from .net.framing import StreamError
from .protocols import tickets as ticket_protocol
from .prover import ProverError
from .protocols.messages import CE_TICKET_TO_ALL, CE_TICKET_TO_PROXY, TicketMessage
from .worker import NORMAL

if TYPE_CHECKING:
    from .net.connection import Connection
    from .service import Node

log = logging.getLogger("jamliquor.tickets")

TICKS_PER_SLOT = 2


def proxy_index(ticket_id: bytes, validators: int) -> int:
    """JAMNP-S: the last 4 octets of the VRF output, big-endian, modulo the number of validators."""
    return int.from_bytes(ticket_id[-4:], "big") % validators


class TicketDistribution:
    def __init__(self, node: "Node") -> None:
        self.node = node
        spec = node.spec
        E = spec.epoch_length
        connectivity = max(E // 30, 1)
        self.send_at = connectivity + max(E // 60, 1)  # slot in the epoch for the first step
        self.forward_at = connectivity + max(E // 20, 1)
        self.forward_until = max(spec.ticket_submission_end // 2, self.forward_at + 1)
        self.ctx: TicketContext | None = None
        self._ed25519: dict[bytes, bytes] = {}  # bandersnatch → ed25519 of the validators we know
        self._current: list[bytes] = []  # κ's Ed25519 keys
        self.own: list[tuple[bytes, TicketMessage]] = []  # (id, ticket) proved, not yet sent
        self.forward: list[TicketMessage] = []  # to send to all current validators
        self._seen: set[bytes] = set()  # proof hashes received in this contest
        self.ctx_now: TicketContext | None = None
        self.ctx_next: TicketContext | None = None
        self._proving: dict[TicketContext, asyncio.Task] = {}
        self._proven: dict[TicketContext, list[tuple[bytes, TicketEnvelope]]] = {}
        self._last_proof_slot = -(2**31)
        self._contest_key: tuple[bytes, int] | None = None
        self.proved = self.received = self.forwarded = 0

    # ------------------------------------------------------------------ the contests

    def _contests(self) -> tuple[TicketContext | None, TicketContext | None]:
        """(the contest running now, the one the next epoch runs), from the best state: the next
        is fixed already (its entropy is today's η_1, its ring today's ι), so proofs for it can be
        made during this epoch, paced, instead of all at once when it opens."""
        chain, spec = self.node.chain, self.node.spec
        E = spec.epoch_length
        head = chain.blocks[chain.best_hash]
        now = self.node.clock.slot()
        key = (head.hash, now // E)
        if key == self._contest_key:
            return self.ctx_now, self.ctx_next
        state = chain.state(head.hash)
        if state is None:
            return self.ctx_now, self.ctx_next
        if now // E > head.slot // E and now > head.slot:
            current, upcoming = contest_at(state, now), None  # no block of this epoch yet: its η_1 is unknown
        else:
            current, upcoming = contest_of_state(state), contest_at(state, head.slot // E * E + E)
        self._contest_key = key
        self.ctx_now, self.ctx_next = current, upcoming
        validators = [*state["previous_validators"], *state["current_validators"], *state["safrole"].pending,
                      *state["queued_validators"]]
        self._ed25519 = {v.bandersnatch: v.ed25519 for v in validators if any(v.ed25519)}
        self._current = [v.ed25519 for v in state["current_validators"]]
        return current, upcoming

    async def run(self, stop: asyncio.Event) -> None:
        clock = self.node.clock
        step = clock.slot_seconds / TICKS_PER_SLOT
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("ticket distribution tick failed")
            try:
                await asyncio.wait_for(stop.wait(), step)
            except TimeoutError:
                pass
        for task in self._proving.values():
            task.cancel()

    async def tick(self) -> None:
        ctx, upcoming = self._contests()
        if ctx is None:
            return
        if ctx != self.ctx:
            await self._open(ctx)
        if upcoming is not None and upcoming != ctx and len(self.node.keyring) and upcoming not in self._proving:
            self._proving[upcoming] = asyncio.ensure_future(self._prove(upcoming))
        spec = self.node.spec
        now = self.node.clock.slot()
        if now < 0 or now // spec.epoch_length + 1 != ctx.epoch:
            return  # the clock is ahead of what the chain can tell us about this contest
        in_epoch = now % spec.epoch_length
        if in_epoch >= spec.ticket_submission_end:
            return  # the contest has closed (eq. 6.30)
        if in_epoch >= self.send_at and self.own:
            mine, self.own = self.own, []
            for tid, message in mine:
                self.node.background(self._send_to_proxy(ctx, tid, message))
        if in_epoch >= self.forward_at and self.forward:
            ticks_left = max(1, (self.forward_until - in_epoch) * TICKS_PER_SLOT)
            count = len(self.forward) if in_epoch >= self.forward_until else math.ceil(len(self.forward) / ticks_left)
            batch, self.forward = self.forward[:count], self.forward[count:]
            for message in batch:
                self.node.background(self._send_to_all(message))

    async def _open(self, ctx: TicketContext) -> None:
        """The contest `ctx` is running now: pool our tickets proved for it, prove the rest."""
        self.ctx = ctx
        self.own, self.forward = [], []
        self._seen = set()
        await self.node.in_worker(self.node.pools.tickets.contest, ctx, priority=NORMAL)
        for old in [c for c in self._proving if c.epoch < ctx.epoch]:
            self._proving.pop(old).cancel()
        for old in [c for c in self._proven if c.epoch < ctx.epoch]:
            del self._proven[old]
        for tid, envelope in list(self._proven.get(ctx, ())):
            await self._take_own(ctx, tid, envelope)
        if len(self.node.keyring) and ctx not in self._proving:
            self._proving[ctx] = asyncio.ensure_future(self._prove(ctx))

    async def _prove(self, ctx: TicketContext) -> None:
        """Our tickets for `ctx`, lowest id first, on the prover thread: at once while `ctx` runs,
        one per slot while it is the next epoch's."""
        clock = self.node.clock
        done = {tid for tid, _ in self._proven.get(ctx, ())}
        for tid, (keys, attempt) in sorted(our_ticket_ids(self.node.keyring, ctx.entropy, ctx.attempts).items()):
            if keys.bandersnatch not in ctx.ring or tid in done:
                continue
            while ctx != self.ctx and (clock.slot() <= self._last_proof_slot or self._current_unproved()):
                await asyncio.sleep(clock.slot_seconds / TICKS_PER_SLOT)  # the running contest's tickets first
            try:
                envelope: TicketEnvelope = await self.node.prover.prove(ctx, keys, attempt)
            except (ProverError, TicketRejected) as exc:
                log.warning("ticket proof for epoch %d failed: %s", ctx.epoch, exc)
                self._proving.pop(ctx, None)  # the next tick tries again
                return
            self._last_proof_slot = clock.slot()
            self._proven.setdefault(ctx, []).append((tid, envelope))
            self.proved += 1
            log.debug("proved ticket %s… (attempt %d) for epoch %d at slot %d", tid.hex()[:12], attempt, ctx.epoch,
                      self._last_proof_slot)
            if ctx == self.ctx:
                await self._take_own(ctx, tid, envelope)
        log.info("proved our tickets for epoch %d", ctx.epoch)

    def _current_unproved(self) -> bool:
        task = self._proving.get(self.ctx) if self.ctx is not None else None
        return task is not None and not task.done()

    async def _take_own(self, ctx: TicketContext, tid: bytes, envelope: TicketEnvelope) -> None:
        await self.node.in_worker(self.node.pools.tickets.insert, ctx, tid, envelope, priority=NORMAL)
        self._seen.add(_proof_hash(envelope))
        self.own.append((tid, TicketMessage(ctx.epoch, envelope)))

    # ------------------------------------------------------------------ sending

    def _proxy_key(self, tid: bytes, ctx: TicketContext) -> bytes | None:
        return self._ed25519.get(ctx.ring[proxy_index(tid, len(ctx.ring))])

    async def _send_to_proxy(self, ctx: TicketContext, tid: bytes, message: TicketMessage) -> None:
        proxy = self._proxy_key(tid, ctx)
        conn = self.node.network.connection(proxy)
        if proxy == self.node.identity_public or conn is None:
            self.forward.append(message)  # we are the proxy, or cannot reach it: distribute ourselves
            return
        try:
            await ticket_protocol.send(conn, self.node.spec, CE_TICKET_TO_PROXY, message)
        except StreamError as exc:
            if self.ctx == ctx:
                log.info("ticket to proxy %s refused or lost (%s); distributing it ourselves", conn.name, exc)
                self.forward.append(message)

    async def _send_to_all(self, message: TicketMessage) -> None:
        sends = []
        for key in self._current:
            conn = self.node.network.connection(key)
            if conn is not None and key != self.node.identity_public:
                sends.append(ticket_protocol.send(conn, self.node.spec, CE_TICKET_TO_ALL, message))
        results = await asyncio.gather(*sends, return_exceptions=True)
        self.forwarded += 1
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            log.debug("ticket forwarded to %d validators, %d failed", len(results) - len(failed), len(failed))

    # ------------------------------------------------------------------ receiving

    async def receive(self, kind: int, message: TicketMessage, conn: "Connection") -> bool:
        """A ticket from a peer: True if taken (FIN), False to reset the stream. A ticket that does
        not verify, or reaches a proxy that is not its proxy, also scores the peer down."""
        ctx, _ = self._contests()
        if ctx is not None and ctx != self.ctx:
            await self._open(ctx)
        ctx = self.ctx
        if ctx is None or message.epoch != ctx.epoch:
            return False  # we cannot tell this contest with certainty: reset, no fault
        h = _proof_hash(message.ticket)
        if h in self._seen:
            return True
        try:
            tid = await self.node.in_verifier(verify_ticket, ctx, message.ticket)
        except TicketRejected as exc:
            self.node.network.fault(conn, "bad_ticket", str(exc))
            return False
        if ctx != self.ctx:
            return False  # the contest moved on while we checked
        await self.node.in_worker(self.node.pools.tickets.insert, ctx, tid, message.ticket, priority=NORMAL)
        self._seen.add(h)
        self.received += 1
        if kind == CE_TICKET_TO_PROXY:
            if self._proxy_key(tid, ctx) != self.node.identity_public:
                self.node.network.fault(conn, "bad_ticket", "ticket sent to a validator that is not its proxy")
                return False
            self.forward.append(message)
        return True


def _proof_hash(envelope: TicketEnvelope) -> bytes:
    return hashlib.blake2b(bytes((envelope.attempt,)) + envelope.signature, digest_size=32).digest()

