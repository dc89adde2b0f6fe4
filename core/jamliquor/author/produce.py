"""Block production: the importer's Υ (GP eq. 4.5–4.20) run forwards. For a slot one of our keys
holds, choose each chapter's extrinsic in the importer's order — disputes (§10), tickets (§6.7),
assurances (§11.2), guarantees (§11.4), preimages (§12.4) — checking candidates with the same
chapter functions, build the header (GP §5: parent, parent state root, extrinsic hash, slot, the
epoch/winning-tickets/offenders markers, author index, entropy source) and seal it (§6.4). The
author then imports its own block with the kernel importer: the posterior state and root it
computes are what every other node must reach.
"""

from __future__ import annotations

import hashlib
import logging
import time

import attrs

from ..block import BlockError, extrinsic_hash, header_hash
from ..errors import JamLiquorError
from ..importer import import_block
from ..keys import Keyring
from ..plugins import default_host
from ..predict.cost import CostPredictor
from ..profiles import DEFAULT_PROFILE, DEVICE_PROFILES, AuthorBudget
from ..state import ChainState
from ..stf import StateError, history, safrole
from ..stf import slices as S
from ..types import Block, DisputesExtrinsic, Extrinsic, Header
from .log import AuthoringLog, BudgetMeter
from .pools import ExtrinsicPools
from .sealing import SlotClaim, claim_slot, seal_header
from .select import reports_context, select_assurances, select_disputes, select_guarantees, select_preimages
from .tickets import TicketContext, contest_of, select_tickets
from .timing import fit_predicted_time, unit_seconds

logger = logging.getLogger(__name__)


class AuthoringError(JamLiquorError):
    """Our own block, even with no pooled extrinsics, failed our own import (a JamLiquor bug)."""


@attrs.frozen(slots=True)
class AuthoredBlock:
    block: Block
    post_state: ChainState  # as the author's import of its own block computed it
    log: AuthoringLog

    @property
    def header_hash(self) -> bytes:
        return self.log.header_hash


def _safrole(state: ChainState, slot: int, offenders) -> tuple[S.SafroleSlice, S.SafroleOutput]:
    """§6 on `state` for `slot` with no tickets: γ'_S, η'_1..3, κ', λ', γ'_P, γ'_Z and the markers
    (none of which depend on this block's tickets or entropy source)."""
    gamma = state["safrole"]
    slice_ = S.SafroleSlice(state["timeslot"], state["entropy"], state["previous_validators"], state["current_validators"],
                            gamma.pending, state["queued_validators"], gamma.ticket_accumulator, gamma.sealing_keys,
                            gamma.ring_root, tuple(offenders))
    return safrole.transition(state.spec, slice_, S.SafroleInput(slot, bytes(32), ()))


def claim(state: ChainState, slot: int, keyring: Keyring) -> SlotClaim | None:
    """Whether one of our keys may author `slot` on `state` (cheap: no extrinsics are looked at)."""
    if slot <= state["timeslot"]:
        return None
    post, _ = _safrole(state, slot, state["disputes"].offenders)
    return claim_slot(state.spec, slot, post, keyring)


def contest_at(state: ChainState, slot: int) -> TicketContext:
    """The ticket contest a block at `slot` on `state` takes tickets for (η'_2 and γ'_P of that
    block): where a node files tickets arriving before it has imported a block of the new epoch."""
    post, _ = _safrole(state, slot, state["disputes"].offenders)
    return contest_of(state.spec, slot, post.eta, post.gamma_k)


def author_block(state: ChainState, slot: int, keyring: Keyring, pools: ExtrinsicPools | None = None,
                 budget: AuthorBudget | None = None, *, parent: bytes | None = None, host=None) -> AuthoredBlock | None:
    """A sealed block for `slot` on `state` if one of our keys holds the slot, else None.

    `parent` defaults to the last block recorded in β_H (the state's own block). Extrinsics come
    from `pools`, within `budget` (default: the edge profile's) and the spec's limits."""
    started = time.perf_counter()
    spec = state.spec
    E, Y = spec.epoch_length, spec.ticket_submission_end
    slot_claim = claim(state, slot, keyring)
    if slot_claim is None:
        return None
    pools = pools if pools is not None else ExtrinsicPools(spec)
    budget = (budget or DEVICE_PROFILES[DEFAULT_PROFILE]).limited_by(spec.max_block_gas)
    log = AuthoringLog(slot, slot_claim.author_index, slot_claim.ticketed, budget)
    meter = BudgetMeter(budget, log)
    if parent is None:
        history_ = state["recent_blocks"].history
        if not history_:
            raise AuthoringError("the state's recent history names no block to build on; pass `parent`")
        parent = history_[-1].header_hash
    prior_root = state.root()

    # §10 disputes: ψ', ρ† and the offenders marker; then §6 with the posterior offenders (Φ, eq. 6.14).
    disputes_x, psi, rho_dagger, offenders_mark = select_disputes(spec, state, pools.disputes, meter)
    s_post, s_out = _safrole(state, slot, psi.offenders)
    entropy_source, entropy_output = slot_claim.entropy_source()
    eta_post = (hashlib.blake2b(state["entropy"][0] + entropy_output, digest_size=32).digest(), *s_post.eta[1:])  # eq. (6.22)

    # §6.7 tickets for the contest running at this slot, while it is open (eq. 6.30).
    contest = contest_of(spec, slot, eta_post, s_post.gamma_k)
    pools.tickets.contest(contest)
    limit = spec.max_tickets_per_block if slot % E < Y else 0
    tickets = select_tickets(pools.tickets, contest, s_post.gamma_a, limit, E, meter)

    # §11 assurances (signed by κ) and guarantees (assigned by κ', λ', η').
    assurances_x, rho_ddagger, _available = select_assurances(
        spec, rho_dagger, state["current_validators"], slot, parent, pools.assurances.candidates(parent), meter)
    recent_dagger = history.with_parent_state_root(state["recent_blocks"], prior_root)
    guarantees = select_guarantees(state, slot, pools.guarantees.candidates(), meter, lambda gs: reports_context(
        state, rho_ddagger, s_post.kappa, s_post.lambda_, eta_post, psi.offenders, recent_dagger, gs))

    # §12.4 preimages, against the prior state.
    preimages = select_preimages(state, pools.preimages.candidates(), meter)

    def unsealed(extrinsic: Extrinsic, offenders: tuple) -> Block:
        header = Header(parent, prior_root, extrinsic_hash(extrinsic, spec), slot, s_out.epoch_mark, s_out.tickets_mark,
                        slot_claim.author_index, entropy_source, offenders, bytes(96))
        return Block(header, extrinsic)

    def assemble(extrinsic: Extrinsic, offenders: tuple) -> Block:
        block = unsealed(extrinsic, offenders)
        return Block(seal_header(block.header, slot_claim, spec), extrinsic)

    # The predicted import time on the budget's device, when a cost model is installed (timing.py).
    chosen = {"tickets": list(tickets), "preimages": list(preimages), "guarantees": list(guarantees),
              "assurances": list(assurances_x)}

    def extrinsic_of() -> Extrinsic:
        return Extrinsic(tuple(chosen["tickets"]), tuple(chosen["preimages"]), tuple(chosen["guarantees"]),
                         tuple(chosen["assurances"]), disputes_x)

    predictor = CostPredictor(host if host is not None else default_host())
    predicted = fit_predicted_time(state, budget, predictor, chosen, lambda: unsealed(extrinsic_of(), offenders_mark), meter)
    block = assemble(extrinsic_of(), offenders_mark)
    try:
        post = import_block(state, block, host=host)
    except (BlockError, StateError) as exc:  # a check above missed something: fall back to an empty block
        log.notes.append(f"own block rejected ({type(exc).__name__}: {exc}); authored without extrinsics")
        for k in log.kinds.values():
            k.invalid, k.included, k.bytes = k.invalid + k.included, 0, 0
        log.bytes_used = log.items_used = log.gas_used = 0
        block = assemble(Extrinsic((), (), (), (), DisputesExtrinsic((), (), ())), ())
        try:
            post = import_block(state, block, host=host)
        except (BlockError, StateError) as exc2:
            raise AuthoringError(f"slot {slot}: our own empty block fails import: {type(exc2).__name__}: {exc2}") from exc2
    log.header_hash = header_hash(block.header, spec)
    if predicted is not None and predicted[0].units * unit_seconds(budget) > budget.seconds:
        first, final = (p.units * unit_seconds(budget) for p in predicted)
        note = (f"predicted import {first:.3f} s exceeds the budget of {budget.seconds:.3f} s; "
                f"{final:.3f} s after {log.cut_by('time')} cuts")
        log.notes.append(note)
        logger.warning("block 0x%s (slot %d): %s", log.header_hash.hex(), slot, note)
    log.state_root = post.root()
    log.seconds = time.perf_counter() - started
    return AuthoredBlock(block, post, log)
