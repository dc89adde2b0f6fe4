"""Safrole ticket distribution over CE 131/132 (JAMNP-S), so tickets reach the authors of the
submission window.

When a contest opens (the tickets used in epoch e+1 are contested in epoch e; the node predicts
the contest from its best state as soon as the wall clock enters epoch e), a validator proves its
tickets (N ring-VRF proofs per key, lowest ids first, off the event loop). Each ticket goes to its
proxy — index = the last 4 octets of its id (the VRF output) as a big-endian integer mod V in the
next epoch's set γ'_P — over CE 131 once max(⌊E/30⌋, 1) + max(⌊E/60⌋, 1) slots of the epoch have
passed (connectivity changes, then the first step). A proxy verifies the proof and that it is the
proxy, then forwards over CE 132 to every current validator (κ), evenly spaced from
max(⌊E/30⌋, 1) + max(⌊E/20⌋, 1) slots until half-way through the submission period (Y/2). A
generator that is its own proxy, or whose proxy is not connected (e.g. a seat without a node in
a dev network), forwards itself. Every verified ticket enters the node's ticket pool, from which
its authorer fills blocks.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from typing import TYPE_CHECKING

from ..author import TicketContext, TicketRejected, contest_at, contest_of_state, our_ticket_ids, prove_ticket
from ..types import TicketEnvelope
from .net.framing import StreamError
from .protocols import tickets as ticket_protocol
from .protocols.messages import CE_TICKET_TO_ALL, CE_TICKET_TO_PROXY, TicketMessage

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
        self._prover: asyncio.Task | None = None
        self._contest_key: tuple[bytes, int] | None = None
        self.proved = self.received = self.forwarded = 0

    # ------------------------------------------------------------------ the contest

    def _contest(self) -> TicketContext | None:
        """The contest running now, from the best state (predicted if the clock is in a later epoch)."""
        chain, spec = self.node.chain, self.node.spec
        head = chain.blocks[chain.best_hash]
        now = self.node.clock.slot()
        key = (head.hash, now // spec.epoch_length)
        if key == self._contest_key and self.ctx is not None:
            return self.ctx
        state = chain.state(head.hash)
        if state is None:
            return self.ctx
        if now // spec.epoch_length > head.slot // spec.epoch_length and now > head.slot:
            ctx = contest_at(state, now)
        else:
            ctx = contest_of_state(state)
        self._contest_key = key
        validators = [*state["previous_validators"], *state["current_validators"], *state["safrole"].pending,
                      *state["queued_validators"]]
        self._ed25519 = {v.bandersnatch: v.ed25519 for v in validators if any(v.ed25519)}
        self._current = [v.ed25519 for v in state["current_validators"]]
        return ctx

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
        if self._prover is not None:
            self._prover.cancel()

    async def tick(self) -> None:
        ctx = self._contest()
        if ctx is None:
            return
        if ctx != self.ctx:
            await self._open(ctx)
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
                await self._send_to_proxy(tid, message)
        if in_epoch >= self.forward_at and self.forward:
            ticks_left = max(1, (self.forward_until - in_epoch) * TICKS_PER_SLOT)
            count = len(self.forward) if in_epoch >= self.forward_until else math.ceil(len(self.forward) / ticks_left)
            batch, self.forward = self.forward[:count], self.forward[count:]
            for message in batch:
                await self._send_to_all(message)

    async def _open(self, ctx: TicketContext) -> None:
        self.ctx = ctx
        self.own, self.forward = [], []
        self._seen = set()
        pools = self.node.pools
        await self.node.in_worker(pools.tickets.contest, ctx)
        if self._prover is not None:
            self._prover.cancel()
        if len(self.node.keyring):
            self._prover = asyncio.ensure_future(self._prove(ctx))

    async def _prove(self, ctx: TicketContext) -> None:
        """Our tickets, lowest id first, one ring proof at a time on the prover thread."""
        ours = sorted(our_ticket_ids(self.node.keyring, ctx.entropy, ctx.attempts).items())
        for tid, (keys, attempt) in ours:
            if keys.bandersnatch not in ctx.ring:
                continue
            envelope: TicketEnvelope = await self.node.in_prover(prove_ticket, ctx, keys, attempt)
            if self.ctx != ctx:
                return
            tid = await self.node.in_worker(self.node.pools.tickets.add, ctx.epoch, envelope)
            self._seen.add(_proof_hash(envelope))
            self.own.append((tid, TicketMessage(ctx.epoch, envelope)))
            self.proved += 1
        log.info("proved our tickets for epoch %d", ctx.epoch)

    # ------------------------------------------------------------------ sending

    def _proxy_key(self, tid: bytes, ctx: TicketContext) -> bytes | None:
        return self._ed25519.get(ctx.ring[proxy_index(tid, len(ctx.ring))])

    async def _send_to_proxy(self, tid: bytes, message: TicketMessage) -> None:
        proxy = self._proxy_key(tid, self.ctx)
        conn = self.node.network.connection(proxy)
        if proxy == self.node.identity_public or conn is None:
            self.forward.append(message)  # we are the proxy, or cannot reach it: distribute ourselves
            return
        try:
            await ticket_protocol.send(conn, self.node.spec, CE_TICKET_TO_PROXY, message)
        except StreamError as exc:
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
        ctx = self._contest()
        if ctx is not None and ctx != self.ctx:
            await self._open(ctx)
        ctx = self.ctx
        if ctx is None or message.epoch != ctx.epoch:
            return False  # we cannot tell this contest with certainty: reset, no fault
        h = _proof_hash(message.ticket)
        if h in self._seen:
            return True
        try:
            tid = await self.node.in_worker(self.node.pools.tickets.add, message.epoch, message.ticket)
        except TicketRejected as exc:
            self.node.network.fault(conn, "bad_ticket", str(exc))
            return False
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

