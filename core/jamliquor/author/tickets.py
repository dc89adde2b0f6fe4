"""Safrole tickets (GP §6.7, safrole.tex "The Extrinsic and Tickets", eq. 6.29–6.35): making our
own, pooling everyone's, and choosing those a block carries.

A ticket contest runs in epoch e for the tickets *used* in epoch e+1 (JAMNP-S names a ticket by
that epoch). Its `TicketContext` is fixed by any block of epoch e: the entropy η'_2 and the ring
of pending keys γ'_P (eq. 6.29). A ticket's id is the VRF output of its proof, which depends on
the secret and the input only, so ids are cheap (one VRF evaluation) and known before the
expensive ring proof (~0.7–2 s) exists; proofs are made once and kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

import attrs

from ..crypto import bandersnatch
from ..errors import JamLiquorError
from ..keys import Keyring, ValidatorKeys
from ..seal import X_TICKET
from ..spec import ChainSpec
from ..state import ChainState
from ..types import TicketBody, TicketEnvelope
from .log import BudgetMeter

ENVELOPE_SIZE = 1 + 784  # E(attempt) ‖ ring proof


class TicketRejected(JamLiquorError, ValueError):
    """A ticket that cannot enter the pool: unknown contest, bad attempt or an invalid proof."""


@attrs.frozen(slots=True)
class TicketContext:
    """One ticket contest: the epoch its tickets will be used in, η'_2, the ring γ'_P (Bandersnatch keys)."""

    epoch: int
    entropy: bytes
    ring: tuple[bytes, ...]
    attempts: int  # N

    def vrf_input(self, attempt: int) -> bytes:
        """X_T ‖ η'_2 ‖ attempt (eq. 6.29); at sealing time η'_3 equals this η'_2 (eq. 6.15)."""
        return X_TICKET + self.entropy + bytes((attempt,))


def contest_of(spec: ChainSpec, slot: int, entropy: Sequence[bytes], pending: Sequence) -> TicketContext:
    """The contest running at `slot`, given the posterior η' and γ'_P of a block at that slot."""
    return TicketContext(slot // spec.epoch_length + 1, entropy[2], tuple(k.bandersnatch for k in pending), spec.tickets_per_validator)


def contest_of_state(state: ChainState) -> TicketContext:
    """The contest of the epoch `state` (a posterior state) is in."""
    return contest_of(state.spec, state["timeslot"], state["entropy"], state["safrole"].pending)


@functools.lru_cache(maxsize=4)
def our_ticket_ids(keyring: Keyring, entropy: bytes, attempts: int) -> dict[bytes, tuple[ValidatorKeys, int]]:
    """id → (our key, attempt) for every ticket our keys can make with this entropy (per-epoch
    work, cached: the contest needs it in epoch e, ticket sealing again in e+1 with η'_3 = η_2)."""
    out = {}
    for keys in keyring:
        for attempt in range(attempts):
            out[bandersnatch.vrf_output(keys.bandersnatch_secret, X_TICKET + entropy + bytes((attempt,)))] = (keys, attempt)
    return out


def ticket_owner(keyring: Keyring, eta3: bytes, ticket: TicketBody, attempts: int) -> ValidatorKeys | None:
    """Which of our keys made `ticket` (its id is our VRF output on X_T ‖ η'_3 ‖ attempt), if any."""
    found = our_ticket_ids(keyring, eta3, attempts).get(ticket.id)
    return found[0] if found is not None and found[1] == ticket.attempt else None


def prove_ticket(ctx: TicketContext, keys: ValidatorKeys, attempt: int) -> TicketEnvelope:
    """Our ring-VRF ticket proof for `attempt` (eq. 6.29) against the contest's ring."""
    try:
        index = ctx.ring.index(keys.bandersnatch)
    except ValueError:
        raise TicketRejected(f"key {keys.bandersnatch.hex()[:16]}… is not in the epoch {ctx.epoch} ring") from None
    proof = bandersnatch.ring_sign(ctx.ring, index, keys.bandersnatch_secret, ctx.vrf_input(attempt), b"")
    return TicketEnvelope(attempt, proof)


def make_tickets(ctx: TicketContext, keyring: Keyring) -> list[tuple[bytes, TicketEnvelope]]:
    """All our tickets for the contest, proved now (a node makes them once per epoch and sends them out)."""
    ids = our_ticket_ids(keyring, ctx.entropy, ctx.attempts)
    return [(tid, prove_ticket(ctx, keys, attempt)) for tid, (keys, attempt) in sorted(ids.items())
            if keys.bandersnatch in ctx.ring]


def verify_ticket(ctx: TicketContext, envelope: TicketEnvelope) -> bytes:
    """The id of a ticket whose ring proof verifies for contest `ctx` (eq. 6.29); else TicketRejected."""
    if envelope.attempt >= ctx.attempts:
        raise TicketRejected(f"ticket attempt {envelope.attempt} ≥ N = {ctx.attempts}")
    try:
        return bandersnatch.ring_verify(ctx.ring, ctx.vrf_input(envelope.attempt), b"", envelope.signature)
    except bandersnatch.BandersnatchError:
        raise TicketRejected(f"ticket proof does not verify for epoch {ctx.epoch}") from None


@attrs.define(slots=True)
class PooledTicket:
    """A pooled ticket: its attempt and proof, or how to make the proof (`get` makes it once)."""

    attempt: int
    envelope: TicketEnvelope | None
    prove: Callable[[], TicketEnvelope] | None = None

    def get(self) -> TicketEnvelope:
        if self.envelope is None:
            self.envelope = self.prove()
            self.prove = None
        return self.envelope


class TicketPool:
    """Tickets awaiting inclusion, per contest: from peers (checked on arrival, `add`) and our own
    (`add_own`, proved when a block first takes them). Holds the current and next contests only,
    each at most V·N tickets (no more valid ones exist)."""

    def __init__(self, keep_contests: int = 2) -> None:
        self._contests: dict[TicketContext, dict[bytes, PooledTicket]] = {}
        self._keep = keep_contests

    def contest(self, ctx: TicketContext) -> dict[bytes, PooledTicket]:
        """Register (or find) a contest; older epochs' contests are dropped."""
        entries = self._contests.get(ctx)
        if entries is None:
            entries = self._contests[ctx] = {}
            for old in [c for c in self._contests if c.epoch < ctx.epoch]:
                del self._contests[old]
            while len(self._contests) > self._keep:  # forks: keep the latest epochs' contests
                del self._contests[min(self._contests, key=lambda c: c.epoch)]
        return entries

    def add(self, epoch: int, envelope: TicketEnvelope) -> bytes:
        """A ticket from a peer (JAMNP-S CE 131/132) for use in `epoch`: verify its proof against
        that contest's ring and entropy and pool it; return its id."""
        contexts = [c for c in self._contests if c.epoch == epoch]
        if not contexts:
            raise TicketRejected(f"no known ticket contest for epoch {epoch}")
        for ctx in contexts:
            try:
                tid = verify_ticket(ctx, envelope)
            except TicketRejected:
                if ctx is contexts[-1]:
                    raise
                continue
            self._contests[ctx].setdefault(tid, PooledTicket(envelope.attempt, envelope))
            return tid
        raise TicketRejected(f"ticket proof does not verify for epoch {epoch}")

    def insert(self, ctx: TicketContext, tid: bytes, envelope: TicketEnvelope) -> None:
        """Pool a ticket whose proof `verify_ticket` already checked against `ctx` (a node verifies
        off the thread that authors, then pools it here)."""
        self.contest(ctx).setdefault(tid, PooledTicket(envelope.attempt, envelope))

    def add_own(self, ctx: TicketContext, keyring: Keyring, prove_now: bool = False) -> list[tuple[bytes, PooledTicket]]:
        """Pool every ticket our keys can make in this contest and return the new ones. Proofs
        are made when a block first takes a ticket, or here with `prove_now` (a node proves its
        N tickets at once to send them to peers: `entry.get()`)."""
        entries = self.contest(ctx)
        added = []
        for tid, (keys, attempt) in sorted(our_ticket_ids(keyring, ctx.entropy, ctx.attempts).items()):
            if tid not in entries and keys.bandersnatch in ctx.ring:
                entry = entries[tid] = PooledTicket(attempt, None, functools.partial(prove_ticket, ctx, keys, attempt))
                if prove_now:
                    entry.get()
                added.append((tid, entry))
        return added

    def __len__(self) -> int:
        return sum(len(e) for e in self._contests.values())

    def candidates(self, ctx: TicketContext, exclude: Iterable[bytes] = ()) -> list[bytes]:
        """Ids pooled for the contest, lowest first, without `exclude` (those already accumulated)."""
        skip = set(exclude)
        return sorted(tid for tid in self._contests.get(ctx, {}) if tid not in skip)

    def envelope(self, ctx: TicketContext, tid: bytes) -> TicketEnvelope:
        return self._contests[ctx][tid].get()

    def prune(self, ctx: TicketContext, accumulator: Sequence[TicketBody], epoch_length: int) -> None:
        """After a block: drop tickets on chain, and those that can no longer enter a full accumulator."""
        entries = self._contests.get(ctx)
        if entries is None:
            return
        on_chain = {t.id for t in accumulator}
        worst = max(on_chain) if len(accumulator) >= epoch_length else None
        for tid in [t for t in entries if t in on_chain or (worst is not None and t > worst)]:
            del entries[tid]


def select_tickets(pool: TicketPool, ctx: TicketContext, base: Sequence[TicketBody], limit: int, epoch_length: int,
                   meter: BudgetMeter) -> list[TicketEnvelope]:
    """E_T for a block (eq. 6.30–6.35): the lowest pooled ids not in the accumulator γ_A (`base`),
    each of which still enters the posterior accumulator, at most `limit` (K, or 0 once the
    contest has closed), in id order, as far as the budget admits."""
    candidates = pool.candidates(ctx, (t.id for t in base))
    meter.log.kinds["tickets"].offered = len(candidates)
    base_ids = sorted(t.id for t in base)
    eligible, below = [], 0
    for tid in candidates:  # ids only grow: once one would fall out of the accumulator, all do
        while below < len(base_ids) and base_ids[below] < tid:
            below += 1
        if below + len(eligible) >= epoch_length:
            break
        eligible.append(tid)
    chosen: list[TicketEnvelope] = []
    for n, tid in enumerate(eligible):
        if len(chosen) >= limit:
            meter.cut("tickets", "per-block", len(eligible) - n)
            break
        why = meter.check(ENVELOPE_SIZE)
        if why is not None:  # the budget stops us within the per-block limit; beyond it, K does
            meter.cut("tickets", why, min(limit, len(eligible)) - n)
            if len(eligible) > limit:
                meter.cut("tickets", "per-block", len(eligible) - limit)
            break
        meter.take("tickets", ENVELOPE_SIZE)
        chosen.append(pool.envelope(ctx, tid))
    return chosen
