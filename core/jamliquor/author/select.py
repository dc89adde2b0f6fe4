"""Choosing a block's non-ticket extrinsics: each candidate is checked with the chapter function
the importer runs, on the same state slice, and dropped if it would be rejected; what passes is
admitted against the budget in the GP's order. Per chapter:

* disputes (§10, eq. 10.2–10.20): grouped by report hash (a verdict with its culprits and faults
  must go together), each group tried on top of the groups already taken;
* assurances (§11.2, eq. 11.10–11.17): anchored on the parent, one per validator, each checked
  alone (they do not interact), signatures by κ (`eq:assurancesig` has no prime);
* guarantees (§11.4, eq. 11.23–11.42): by core, each checked alone and then together;
* preimages (§12.4, eq. 12.35–12.38): solicited and not yet provided in the prior state δ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from ..codec import U32, Seq, decode, encode
from ..spec import ChainSpec
from ..state import ChainState
from ..state.keys import preimage_key, request_key
from ..stf import StateError
from ..stf import assurances as A
from ..stf import disputes as D
from ..stf import reports as R
from ..stf import slices as S
from ..types import (
    AvailAssurance, CoreActivityRecord, DisputesExtrinsic, Preimage, ReportGuarantee,
)
from .log import BudgetMeter
from .pools import DisputePool

_TIMESLOTS = Seq(U32)


def _passes(check: Callable[[], Any]) -> bool:
    try:
        check()
    except StateError:
        return False
    return True


def select_disputes(spec: ChainSpec, state: ChainState, pool: DisputePool, meter: BudgetMeter):
    """E_D and what it implies: (extrinsic, ψ', ρ†, offenders marker)."""
    rho, tau = state["availability"], state["timeslot"]
    kappa, lam = state["current_validators"], state["previous_validators"]

    def run(x: DisputesExtrinsic):
        return D.transition(spec, S.DisputesSlice(state["disputes"], rho, tau, kappa, lam), S.DisputesInput(x))

    targets = sorted({*pool.verdicts, *(k[0] for k in pool.culprits), *(k[0] for k in pool.faults)})
    log = meter.log.kinds["disputes"]
    log.offered = len(pool)
    verdicts, culprits, faults = [], [], []
    for target in targets:
        group = ([pool.verdicts[target]] if target in pool.verdicts else [],
                 [c for k, c in pool.culprits.items() if k[0] == target], [f for k, f in pool.faults.items() if k[0] == target])
        trial = DisputesExtrinsic(tuple(sorted(verdicts + group[0], key=lambda v: v.target)),
                                  tuple(sorted(culprits + group[1], key=lambda c: c.key)),
                                  tuple(sorted(faults + group[2], key=lambda f: f.key)))
        count = sum(map(len, group))
        if not _passes(lambda: run(trial)):
            log.invalid += count
            continue
        size = sum(len(encode(item, spec)) for part in group for item in part)
        if meter.admit("disputes", size, items=count):
            verdicts, culprits, faults = list(trial.verdicts), list(trial.culprits), list(trial.faults)
    extrinsic = DisputesExtrinsic(tuple(verdicts), tuple(culprits), tuple(faults))
    post, out = run(extrinsic)
    return extrinsic, post.psi, post.rho, tuple(out.offenders_mark)


def select_assurances(spec: ChainSpec, rho_dagger: Sequence, kappa: Sequence, slot: int, parent: bytes,
                      candidates: Sequence[AvailAssurance], meter: BudgetMeter):
    """E_A and what it implies: (extrinsic, ρ‡, the reports made available W)."""
    slice_ = S.AssurancesSlice(tuple(rho_dagger), tuple(kappa))
    log = meter.log.kinds["assurances"]
    log.offered = len(candidates)
    chosen: list[AvailAssurance] = []
    seen: set[int] = set()
    for a in candidates:  # by validator index (the pool's order)
        if a.validator_index in seen or not _passes(lambda: A.transition(spec, slice_, S.AssurancesInput((a,), slot, parent))):
            log.invalid += 1
            continue
        if meter.admit("assurances", len(encode(a, spec))):
            chosen.append(a)
            seen.add(a.validator_index)
    post, out = A.transition(spec, slice_, S.AssurancesInput(tuple(chosen), slot, parent))
    return tuple(chosen), post.avail_assignments, tuple(out.reported)


def reports_context(state: ChainState, rho_ddagger: Sequence, kappa_post: Sequence, lambda_post: Sequence,
                    eta_post: Sequence[bytes], offenders: Sequence[bytes], recent_dagger, guarantees: Sequence[ReportGuarantee]):
    """The reports slice the importer builds (§11.4) for `guarantees`, and the known packages."""
    spec = state.spec
    known = {r.report.package_spec.hash for group in state["ready_queue"] for r in group}
    known |= {h for group in state["accumulated"] for h in group}
    known |= {a.report.package_spec.hash for a in state["availability"] if a is not None}
    services = {d.service_id for g in guarantees for d in g.report.results}
    accounts = tuple(S.ReportsAccountsMapEntry(s, S.ReportsAccount(info)) for s in sorted(services)
                     if (info := state.service_info(s)) is not None)
    zero_cores = (CoreActivityRecord(0, 0, 0, 0, 0, 0, 0, 0),) * spec.core_count
    slice_ = S.ReportsSlice(tuple(rho_ddagger), tuple(kappa_post), tuple(lambda_post), tuple(eta_post), tuple(offenders),
                            recent_dagger, state["auth_pools"], accounts, zero_cores, ())
    return slice_, tuple(sorted(known))


def select_guarantees(state: ChainState, slot: int, candidates: Sequence[ReportGuarantee], meter: BudgetMeter,
                      context: Callable[[Sequence[ReportGuarantee]], tuple]) -> tuple[ReportGuarantee, ...]:
    """E_G: guarantees the reports chapter accepts, one per core in core order, within budget
    (their work digests' declared accumulate gas counts against it)."""
    spec = state.spec
    log = meter.log.kinds["guarantees"]
    log.offered = len(candidates)

    def accepted(gs: Sequence[ReportGuarantee]) -> bool:
        slice_, known = context(gs)
        return _passes(lambda: R.transition(spec, slice_, S.ReportsInput(tuple(gs), slot, known)))

    by_core: dict[int, ReportGuarantee] = {}
    for g in candidates:  # one per core (eq. 11.24); the pool's first
        if g.report.core_index in by_core:
            log.invalid += 1
        else:
            by_core[g.report.core_index] = g
    ordered = [by_core[c] for c in sorted(by_core)]
    gas_of = {id(g): sum(d.accumulate_gas for d in g.report.results) for g in ordered}
    size_of = {id(g): len(encode(g, spec)) for g in ordered}
    total = (sum(size_of.values()), len(ordered), sum(gas_of.values()))
    if ordered and meter.check(*total) is None and accepted(ordered):  # the usual case: all of them, one check
        for g in ordered:
            meter.take("guarantees", size_of[id(g)], gas=gas_of[id(g)])
        return tuple(ordered)
    # Otherwise grow the set guarantee by guarantee; one may depend on another's package
    # (eq. 11.39), so retry the rejected until nothing more fits.
    chosen: list[ReportGuarantee] = []
    pending = ordered
    while pending:
        rejected = []
        for g in pending:
            trial = sorted(chosen + [g], key=lambda x: x.report.core_index)
            if not accepted(trial):
                rejected.append(g)
            elif meter.admit("guarantees", size_of[id(g)], gas=gas_of[id(g)]):
                chosen = trial
        if len(rejected) == len(pending):
            break
        pending = rejected
    log.invalid += len(pending)
    return tuple(chosen)


def select_preimages(state: ChainState, candidates: Sequence[Preimage], meter: BudgetMeter) -> tuple[Preimage, ...]:
    """E_P: preimages the prior state δ solicits and lacks (R(δ, s, H(p), |p|), eq. 12.37), in
    (service, blob) order without duplicates (eq. 12.36)."""
    log = meter.log.kinds["preimages"]
    log.offered = len(candidates)
    chosen: list[Preimage] = []
    for p in candidates:
        h = hashlib.blake2b(p.blob, digest_size=32).digest()
        raw = state.kv.get(request_key(p.requester, h, len(p.blob)))
        wanted = raw is not None and decode(_TIMESLOTS, raw, state.spec) == () and preimage_key(p.requester, h) not in state.kv
        if not wanted or (chosen and (chosen[-1].requester, chosen[-1].blob) >= (p.requester, p.blob)):
            log.invalid += 1
            continue
        if meter.admit("preimages", len(encode(p, state.spec))):
            chosen.append(p)
    return tuple(chosen)


