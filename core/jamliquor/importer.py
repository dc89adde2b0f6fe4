"""Block import: the GP v0.7.2 state-transition function Υ(σ, B) composed from the chapter STFs.

Order follows GP eq. (4.5)–(4.20) (overview.tex, "transition function composition"):
disputes → safrole (with seal and entropy checks) → assurances → reports → accumulation →
recent history → preimages → authorizations → statistics. Each chapter function works on its
own state slice; this module only moves slices between the serialized state and those
functions. A rejected block raises `BlockError` or `StateError` and the prior state (an
immutable `ChainState`) is untouched.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import attrs

from . import block as B
from .codec import Seq
from .seal import verify_entropy_source, verify_seal
from .spec import ChainSpec
from .state import ChainState
from .state.components import SafroleState
from .stf import StateError
from .types import Block


class MissingExecutionPlugin(StateError):
    """Accumulation needs the PVM (`execute` hook), and no installed plugin provides it."""

    code = "missing_execution_plugin"


def _slice(cls: type, *values: Any) -> Any:
    """Build an STF slice/input positionally, in its ASN field order."""
    return cls(*values)


def _fields(value: Any) -> tuple:
    return attrs.astuple(value, recurse=False)


def _seq_elem(cls: type, index: int) -> type:
    """The element class of the `index`-th field of `cls` (a `Seq` of structs)."""
    desc = cls.__jam_fields__[index][1]
    assert isinstance(desc, Seq)
    return desc.elem


def _epoch(spec: ChainSpec, slot: int) -> int:
    return slot // spec.epoch_length


@attrs.define
class StageTimer:
    """Optional per-stage wall-clock accounting (`jamliquor import --profile`)."""

    totals: dict[str, float] = attrs.field(factory=dict)

    def stage(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - start


def import_block(state: ChainState, block: Block, timer: StageTimer | None = None) -> ChainState:
    """Υ(σ, B): validate `block` against `state` and return the posterior state."""
    from .stf import assurances, authorizations, disputes, history, preimages, reports, safrole, statistics

    run = (timer or StageTimer()).stage
    spec = state.spec
    H, X = block.header, block.extrinsic

    # GP eq. (5.4), (5.7), (5.9): header-level checks that need no posterior state.
    if B.extrinsic_hash(X, spec) != H.extrinsic_hash:
        raise B.BadExtrinsicHash()
    tau = state["timeslot"]
    if H.slot <= tau:
        raise B.BadSlot(f"slot {H.slot} not after {tau}")
    if H.author_index >= spec.validators_count:
        raise B.BadAuthorIndex(str(H.author_index))

    # §10 disputes: ψ', ρ† and the offenders marker.
    kappa, lam = state["current_validators"], state["previous_validators"]
    d_post, d_out = run("disputes", lambda: disputes.transition(
        spec, _slice(disputes.State, state["disputes"], state["availability"], tau, kappa, lam), _slice(disputes.Input, X.disputes)))
    psi, rho_dagger = _fields(d_post)[:2]
    if tuple(H.offenders_mark) != tuple(_fields(d_out)[0]):
        raise B.BadOffendersMark()

    # §6 safrole. η'_0 needs Y(H_V), which needs the seal, which needs γ'_S and η'_3: run the
    # transition with a placeholder entropy, check the seal, then fold Y(H_V) into η'_0
    # (η'_0 is the only part of the posterior that depends on that input).
    gamma: SafroleState = state["safrole"]
    eta = state["entropy"]
    s_post, s_out = run("safrole", lambda: safrole.transition(spec, _slice(
        safrole.State, tau, eta, lam, kappa, gamma.pending, state["queued_validators"], gamma.ticket_accumulator,
        gamma.sealing_keys, gamma.ring_root, psi.offenders), _slice(safrole.Input, H.slot, bytes(32), X.tickets)))
    (_, eta_post, lam_post, kappa_post, pending, iota, accumulator, sealing, ring_root, _) = _fields(s_post)
    epoch_mark, tickets_mark = _fields(s_out)
    if H.epoch_mark != epoch_mark:
        raise B.BadEpochMark()
    if H.tickets_mark != tickets_mark:
        raise B.BadTicketsMark()
    author_key = kappa_post[H.author_index].bandersnatch
    seal_output, _ticketed = run("seal", lambda: verify_seal(H, spec, sealing, eta_post[3], author_key))
    vrf_output = run("seal", lambda: verify_entropy_source(H, author_key, seal_output))
    eta_post = (hashlib.blake2b(eta[0] + vrf_output, digest_size=32).digest(), *eta_post[1:])

    # §11 assurances: ρ‡ and the newly available reports W.
    a_post, a_out = run("assurances", lambda: assurances.transition(
        spec, _slice(assurances.State, rho_dagger, kappa_post), _slice(assurances.Input, X.assurances, H.slot, H.parent)))
    rho_ddagger = _fields(a_post)[0]
    available = tuple(_fields(a_out)[0])

    # §11 guarantees (reports): ρ'.
    stats = state["statistics"]
    recent = state["recent_blocks"]
    if X.guarantees:
        raise MissingExecutionPlugin("blocks with guarantees are not supported by this importer yet")
    rho_post = rho_ddagger

    # §12 accumulation: with nothing available and nothing ready, only the queues move on.
    if available or any(state["ready_queue"]) or state["privileges"].always_acc:
        raise MissingExecutionPlugin("accumulation requires the PVM plugin (jamliquor-polkavm)")
    from .stf.accumulate_queue import next_queues

    ready, accumulated = next_queues(spec, tau, H.slot, state["ready_queue"], state["accumulated"], (), ())
    accumulation_outputs: tuple = ()

    # §7 recent history β'.
    from .merkle.binary import well_balanced_root
    from .crypto.hashing import keccak_256

    accumulate_root = well_balanced_root([o.service.to_bytes(4, "little") + o.hash for o in accumulation_outputs], keccak_256)
    h_post, _ = run("history", lambda: history.transition(spec, _slice(history.State, recent), _slice(
        history.Input, B.header_hash(H, spec), H.parent_state_root, accumulate_root, ())))
    recent_post = _fields(h_post)[0]

    # §12.? preimages: none may be provided without a request; with an empty E_P nothing changes.
    if X.preimages:
        raise MissingExecutionPlugin("blocks with preimages are not supported by this importer yet")

    # §8 authorizations α'.
    z_post, _ = run("authorizations", lambda: authorizations.transition(spec, _slice(
        authorizations.State, state["auth_pools"], state["auth_queues"]), _slice(authorizations.Input, H.slot, ())))
    auth_pools = _fields(z_post)[0]

    # §13 statistics π'.
    v_post, _ = run("statistics", lambda: statistics.transition(spec, _slice(
        statistics.State, stats.vals_curr, stats.vals_last, tau, kappa_post), _slice(statistics.Input, H.slot, H.author_index, X)))
    vals_curr, vals_last = _fields(v_post)[:2]
    empty_core = stats.cores[0].__class__(*([0] * 8))
    stats_post = attrs.evolve(stats, vals_curr=vals_curr, vals_last=vals_last, cores=(empty_core,) * spec.core_count, services=())

    return state.updated({
        "timeslot": H.slot,
        "disputes": psi,
        "entropy": eta_post,
        "previous_validators": lam_post,
        "current_validators": kappa_post,
        "queued_validators": iota,
        "safrole": SafroleState(pending, ring_root, sealing, accumulator),
        "availability": rho_post,
        "ready_queue": ready,
        "accumulated": accumulated,
        "accumulation_outputs": accumulation_outputs,
        "recent_blocks": recent_post,
        "auth_pools": auth_pools,
        "statistics": stats_post,
    })


