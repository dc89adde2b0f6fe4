"""Safrole block-production consensus state (GP §6, safrole.tex): τ, η, γ, κ, λ.

Covers the timeslot (6.1), key rotation with the offender filter Φ (6.13/6.14), entropy
(6.22/6.23), the sealing-key series γ'_S (6.24–6.26), the markers (6.27/6.28) and the ticket
accumulator γ'_A fed by ring-VRF ticket proofs (6.29–6.35). Seal and entropy-source signature
checks need the block header and live in `jamliquor.seal`.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

from ..codec import Variant
from ..crypto import bandersnatch
from ..spec import ChainSpec
from ..types import EpochMark, EpochMarkValidatorKeys, TicketBody, ValidatorData
from . import StateError, error_classes
from .slices import SAFROLE_ERRORS, TEST_CASES, SafroleInput, SafroleOutput, SafroleSlice

TestCase = TEST_CASES["safrole"]
State, Input = SafroleSlice, SafroleInput

X_TICKET = b"jam_ticket_seal"  # X_T (the vectors use the context strings without "$")


class SafroleError(StateError):
    """A block the Safrole rules reject."""


ERRORS = error_classes(SafroleError, SAFROLE_ERRORS)
BadSlot = ERRORS["bad_slot"]
UnexpectedTicket = ERRORS["unexpected_ticket"]
BadTicketOrder = ERRORS["bad_ticket_order"]
BadTicketProof = ERRORS["bad_ticket_proof"]
BadTicketAttempt = ERRORS["bad_ticket_attempt"]
DuplicateTicket = ERRORS["duplicate_ticket"]

_NULL_KEY = ValidatorData(bytes(32), bytes(32), bytes(144), bytes(128))


def blacklist_filter(keys: Sequence[ValidatorData], offenders: Sequence[bytes]) -> tuple[ValidatorData, ...]:
    """GP eq. (6.14) Φ(k): offenders' keys become the null key."""
    bad = set(offenders)
    return tuple(_NULL_KEY if k.ed25519 in bad else k for k in keys)


def outside_in(tickets: Sequence[TicketBody]) -> tuple[TicketBody, ...]:
    """GP eq. (6.25) Z: s_0, s_{n-1}, s_1, s_{n-2}, …"""
    out = []
    lo, hi = 0, len(tickets) - 1
    while lo <= hi:
        out.append(tickets[lo])
        if lo != hi:
            out.append(tickets[hi])
        lo, hi = lo + 1, hi - 1
    return tuple(out)


def fallback_keys(spec: ChainSpec, entropy: bytes, keys: Sequence[ValidatorData]) -> tuple[bytes, ...]:
    """GP eq. (6.26) F(r, k): the i-th slot's key is k[E_4⁻¹(H(r ‖ E_4(i))_{..4}) mod |k|]."""
    out = []
    for i in range(spec.epoch_length):
        digest = hashlib.blake2b(entropy + struct.pack("<I", i), digest_size=32).digest()
        out.append(keys[struct.unpack_from("<I", digest)[0] % len(keys)].bandersnatch)
    return tuple(out)


def ring_root(keys: Sequence[ValidatorData]) -> bytes:
    """GP eq. (6.13) z = O([k_b | k ∈ γ'_P]) (cached per key set by the crypto layer)."""
    return bandersnatch.ring_commitment([k.bandersnatch for k in keys])


def _new_tickets(spec: ChainSpec, state: SafroleSlice, inp: SafroleInput, pending: Sequence[ValidatorData], eta2: bytes) -> list[TicketBody]:
    """GP eq. (6.29)–(6.32): check each envelope's attempt and ring proof; ids in order, unique."""
    keys = [k.bandersnatch for k in pending]
    tickets = []
    for envelope in inp.extrinsic:
        if envelope.attempt >= spec.tickets_per_validator:
            raise BadTicketAttempt(f"attempt {envelope.attempt}")
    proofs = [(X_TICKET + eta2 + bytes((e.attempt,)), b"", e.signature) for e in inp.extrinsic]
    for envelope, ticket_id in zip(inp.extrinsic, bandersnatch.ring_verify_many(keys, proofs)):  # independent: in parallel
        if isinstance(ticket_id, bandersnatch.BandersnatchError):
            raise BadTicketProof(str(ticket_id))
        tickets.append(TicketBody(ticket_id, envelope.attempt))
    if any(a.id >= b.id for a, b in zip(tickets, tickets[1:])):
        raise BadTicketOrder()
    return tickets


def transition(spec: ChainSpec, state: SafroleSlice, inp: SafroleInput) -> tuple[SafroleSlice, SafroleOutput]:
    E, Y = spec.epoch_length, spec.ticket_submission_end
    if inp.slot <= state.tau:  # GP eq. (5.7)/(6.1)
        raise BadSlot(f"slot {inp.slot} not after {state.tau}")
    e, m = divmod(state.tau, E)
    e_post, m_post = divmod(inp.slot, E)
    new_epoch = e_post > e
    limit = spec.max_tickets_per_block if m_post < Y else 0  # `eq:enforceticketlimit`: K, or 0 in the tail
    if len(inp.extrinsic) > limit:
        raise UnexpectedTicket(f"{len(inp.extrinsic)} tickets at slot phase {m_post} (at most {limit})")

    eta = state.eta
    # eq. (6.13): key rotation; eq. (6.23): entropy history.
    if new_epoch:
        pending = blacklist_filter(state.iota, state.post_offenders)
        kappa, lambda_, gamma_z = state.gamma_k, state.kappa, ring_root(pending)
        eta1, eta2, eta3 = eta[0], eta[1], eta[2]
    else:
        pending, kappa, lambda_, gamma_z = state.gamma_k, state.kappa, state.lambda_, state.gamma_z
        eta1, eta2, eta3 = eta[1], eta[2], eta[3]
    eta0 = hashlib.blake2b(eta[0] + inp.entropy, digest_size=32).digest()  # eq. (6.22)

    # eq. (6.24): the sealing-key series.
    if e_post == e + 1 and m >= Y and len(state.gamma_a) == E:
        sealing = Variant("tickets", outside_in(state.gamma_a))
    elif not new_epoch:
        sealing = state.gamma_s
    else:
        sealing = Variant("keys", fallback_keys(spec, eta2, kappa))

    # eq. (6.29)–(6.35): tickets, verified against the posterior ring (γ'_Z of γ'_P) and η'_2.
    tickets = _new_tickets(spec, state, inp, pending, eta2)
    base = () if new_epoch else state.gamma_a
    known = {t.id for t in base}
    if any(t.id in known for t in tickets):
        raise DuplicateTicket()
    accumulator = tuple(sorted((*base, *tickets), key=lambda t: t.id)[:E])
    kept = {t.id for t in accumulator}
    if any(t.id not in kept for t in tickets):  # eq. (6.35): no useless tickets
        raise BadTicketOrder("a submitted ticket does not enter the accumulator")

    # eq. (6.27)/(6.28): markers.
    epoch_mark = None
    if new_epoch:
        epoch_mark = EpochMark(eta[0], eta[1], tuple(EpochMarkValidatorKeys(k.bandersnatch, k.ed25519) for k in pending))
    tickets_mark = None
    if not new_epoch and m < Y <= m_post and len(state.gamma_a) == E:
        tickets_mark = outside_in(state.gamma_a)

    post = SafroleSlice(
        tau=inp.slot,
        eta=(eta0, eta1, eta2, eta3),
        lambda_=lambda_,
        kappa=kappa,
        gamma_k=pending,
        iota=state.iota,
        gamma_a=accumulator,
        gamma_s=sealing,
        gamma_z=gamma_z,
        post_offenders=state.post_offenders,
    )
    return post, SafroleOutput(epoch_mark, tickets_mark)
