"""Block import: the GP v0.7.2 state-transition function Υ(σ, B) composed from the chapter STFs.

Order follows GP eq. (4.5)–(4.20) (overview.tex): header checks → disputes → safrole (with seal
and entropy checks) → assurances → reports → accumulation → recent history → preimages →
authorizations → statistics. Each chapter function works on its own state slice; this module
only moves slices between the serialized state and those functions. A rejected block raises
`BlockError` or `StateError` and the prior state (an immutable `ChainState`) is untouched.
Accumulation runs service code through the `execute` hook (plugin `jamliquor-polkavm`); blocks
that accumulate nothing never need it.

Prior or posterior: which κ, λ, η, τ, ψ each check reads (GP v0.7.2; primed = posterior):

- header (header.tex): H_T > τ; H_A indexes κ' and the author's key is κ'[H_A]; the seal
  (`eq:ticketconditiontrue` / `eq:ticketconditionfalse`) uses γ'_S and η'_3, and Y(H_V)
  (`eq:vrfsigcheck`) is folded into the prior η_0 to give η'_0 (`eq:entropycomposition`).
- disputes (judgments.tex): verdict signatures by κ when the verdict's epoch is ⌊τ/E⌋, else λ
  (both prior); culprit and fault keys from λ ∪ κ minus the prior offenders ψ_O.
- safrole (safrole.tex): the prior τ, η, γ, κ, λ, ι with ψ'_O (the offenders after disputes,
  `eq:blacklistfilter`); ticket proofs against γ'_Z with η'_2 (`eq:ticketsextrinsic`).
- assurances: signatures by κ, the prior set (`eq:assurancesig` writes κ unprimed), anchored on
  H_P; report timeouts against τ' = H_T.
- guarantees: assignments from (η'_2, κ') for the current rotation and (η'_2 or η'_3, κ' or λ')
  for the previous one (`eq:priorassignments`, `eq:guarantorsig`), offenders ψ'_O excluded;
  anchors against β† (the parent's state root filled in).
- accumulation: τ' and η'_0 (`eq:finalstateaccumulation`); E_P is checked against the prior δ
  and integrated at τ'.
- statistics (statistics.tex): epoch rollover decided on τ vs τ'; reporters map into κ'.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

import attrs

from . import block as B
from .codec import U32, Seq, decode, encode
from .plugins import default_host
from .seal import verify_block_vrfs, verify_seal_and_entropy
from .spec import ChainSpec
from .state import ChainState
from .state.components import AccumulationOutput, SafroleState
from .state.keys import preimage_key, request_key
from .state.services import account_changes, load_account, load_accounts, service_keys
from .stf import StateError, assurances, authorizations, disputes, history, reports, safrole, statistics
from .stf import preimages as P
from .stf import slices as S
from .stf.accounts import partial_state
from .stf.accumulate import accumulate, accumulation_root
from .stf.accumulate_queue import next_queues
from .stf.accumulate_types import PreimagesBlobMapEntry, PreimagesRequestsMapEntry, PreimagesRequestsMapKey
from .types import CoreActivityRecord, ReportedWorkPackage, ServiceActivityRecord, ServicesStatisticsMapEntry, Statistics

_EMPTY_SERVICE = ServiceActivityRecord(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


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


def _fields(value: Any) -> tuple:
    return attrs.astuple(value, recurse=False)


def import_block(state: ChainState, block, timer: StageTimer | None = None, host=None) -> ChainState:
    """Υ(σ, B): validate `block` against `state` and return the posterior state."""

    run = (timer or StageTimer()).stage
    spec = state.spec
    H, X = block.header, block.extrinsic

    # GP eq. (5.4), (5.7), (5.8), (5.9): header-level checks that need no posterior state.
    if B.extrinsic_hash(X, spec) != H.extrinsic_hash:
        raise B.BadExtrinsicHash()
    if H.parent_state_root != state.root():  # H_R = M_σ(σ), the prior state's root (header.tex)
        raise B.BadParentStateRoot(f"H_R {H.parent_state_root.hex()}, prior state root {state.root().hex()}")
    tau = state["timeslot"]
    if H.slot <= tau:
        raise B.BadSlot(f"slot {H.slot} not after {tau}")
    if H.author_index >= spec.validators_count:
        raise B.BadAuthorIndex(str(H.author_index))

    # §10 disputes: ψ', ρ† and the offenders marker.
    kappa, lam = state["current_validators"], state["previous_validators"]
    rho = state["availability"]
    d_post, d_out = run("disputes", lambda: disputes.transition(
        spec, S.DisputesSlice(state["disputes"], rho, tau, kappa, lam), S.DisputesInput(X.disputes)))
    psi, rho_dagger = d_post.psi, d_post.rho
    if tuple(H.offenders_mark) != tuple(d_out.offenders_mark):
        raise B.BadOffendersMark()

    # §6 safrole. η'_0 needs Y(H_V), which needs the seal, which needs γ'_S and η'_3: run the
    # transition with a placeholder entropy, check the seal, then fold Y(H_V) into η'_0 (the only
    # part of the posterior that depends on that input).
    gamma: SafroleState = state["safrole"]
    eta = state["entropy"]
    safrole_slice = S.SafroleSlice(tau, eta, lam, kappa, gamma.pending, state["queued_validators"],
                                   gamma.ticket_accumulator, gamma.sealing_keys, gamma.ring_root, psi.offenders)
    if X.tickets:  # the block's VRFs (tickets, seal, entropy) verified together, in parallel
        run("vrf", lambda: _verify_vrfs_ahead(spec, H, X.tickets, safrole_slice))
    s_post, s_out = run("safrole", lambda: safrole.transition(spec, safrole_slice, S.SafroleInput(H.slot, bytes(32), X.tickets)))
    if H.epoch_mark != s_out.epoch_mark:
        raise B.BadEpochMark()
    if H.tickets_mark != s_out.tickets_mark:
        raise B.BadTicketsMark()
    kappa_post = s_post.kappa
    author_key = kappa_post[H.author_index].bandersnatch
    _, vrf_output = run("seal", lambda: verify_seal_and_entropy(H, spec, s_post.gamma_s, s_post.eta[3], author_key))
    eta_post = (hashlib.blake2b(eta[0] + vrf_output, digest_size=32).digest(), *s_post.eta[1:])

    # §11 assurances: ρ‡ and the newly available reports W.
    a_post, a_out = run("assurances", lambda: assurances.transition(
        spec, S.AssurancesSlice(rho_dagger, kappa), S.AssurancesInput(X.assurances, H.slot, H.parent)))
    available = tuple(a_out.reported)

    # §11 guarantees (reports): ρ', the reported packages and the reporters R.
    recent = state["recent_blocks"]
    recent_dagger = history.with_parent_state_root(recent, H.parent_state_root)
    ready_queue, accumulated = state["ready_queue"], state["accumulated"]
    known = {r.report.package_spec.hash for group in ready_queue for r in group}
    known |= {h for group in accumulated for h in group}
    known |= {a.report.package_spec.hash for a in rho if a is not None}
    services = {d.service_id for g in X.guarantees for d in g.report.results}
    accounts = tuple(S.ReportsAccountsMapEntry(s, S.ReportsAccount(info)) for s in sorted(services)
                     if (info := state.service_info(s)) is not None)
    zero_cores = (CoreActivityRecord(0, 0, 0, 0, 0, 0, 0, 0),) * spec.core_count
    r_post, r_out = run("reports", lambda: reports.transition(spec, S.ReportsSlice(
        a_post.avail_assignments, kappa_post, s_post.lambda_, eta_post, psi.offenders, recent_dagger, state["auth_pools"],
        accounts, zero_cores, ()), S.ReportsInput(X.guarantees, H.slot, tuple(sorted(known)))))

    # §12 accumulation (the PVM plugin runs service code), then §12.4 preimages.
    changes, acc = run("accumulate", lambda: _accumulate(state, spec, H.slot, tau, eta_post[0], available, host))
    ready, accumulated, yields, acc_stats, staging, auth_queues, privileges = acc
    provided = run("preimages", lambda: _preimages(state, spec, X.preimages, H.slot, changes))

    # §7 recent history β'.
    work_packages = tuple(sorted((ReportedWorkPackage(p.work_package_hash, p.segment_tree_root) for p in r_out.reported),
                                 key=lambda p: p.hash))
    h_post, _ = run("history", lambda: history.transition(spec, S.HistorySlice(recent), S.HistoryInput(
        B.header_hash(H, spec), H.parent_state_root, accumulation_root(yields), work_packages)))

    # §8 authorizations α'.
    auths = tuple(S.CoreAuthorizer(g.report.core_index, g.report.authorizer_hash) for g in X.guarantees)
    z_post, _ = run("authorizations", lambda: authorizations.transition(
        spec, S.AuthorizationsSlice(state["auth_pools"], auth_queues), S.AuthorizationsInput(H.slot, auths)))

    # §13 statistics π'.
    stats_post = run("statistics", lambda: _statistics(
        spec, state, H, X, tau, kappa_post, r_out.reporters, r_post, available, provided, acc_stats))

    return state.updated({
        "timeslot": H.slot,
        "disputes": psi,
        "entropy": eta_post,
        "previous_validators": s_post.lambda_,
        "current_validators": kappa_post,
        "queued_validators": staging,
        "safrole": SafroleState(s_post.gamma_k, s_post.gamma_z, s_post.gamma_s, s_post.gamma_a),
        "availability": r_post.avail_assignments,
        "ready_queue": ready,
        "accumulated": accumulated,
        "accumulation_outputs": tuple(AccumulationOutput(s, h) for s, h in yields),
        "recent_blocks": h_post.beta,
        "auth_pools": z_post.auth_pools,
        "auth_queues": auth_queues,
        "privileges": privileges,
        "statistics": stats_post,
    }, raw=changes)


def _verify_vrfs_ahead(spec: ChainSpec, H, tickets, safrole_slice) -> None:
    """Preview the Safrole posterior without the tickets (they cannot change the keys and entropy
    the checks use) and verify every VRF of the block in one parallel batch; the chapters below
    then find each verdict memoised. An invalid preview is left for the real transition to report."""
    try:
        preview, _ = safrole.transition(spec, safrole_slice, S.SafroleInput(H.slot, bytes(32), ()))
    except StateError:
        return
    verify_block_vrfs(H, tickets, spec, preview)


def _accumulate(state: ChainState, spec: ChainSpec, slot: int, prior_slot: int, entropy: bytes, available, host):
    """GP §12 on the serialized state; returns (state key changes, accumulation results)."""

    ready, accumulated, privileges = state["ready_queue"], state["accumulated"], state["privileges"]
    staging, queues = state["queued_validators"], state["auth_queues"]
    if not available and not any(ready) and not privileges.always_acc:
        ready, accumulated = next_queues(spec, prior_slot, slot, ready, accumulated, (), ())
        return {}, (ready, accumulated, (), {}, staging, queues, privileges)
    if host is None:
        host = default_host()
    accounts = load_accounts(state)
    partial = partial_state(accounts, staging, queues, privileges)
    post, ready, accumulated, yields, stats = accumulate(spec, host, slot, prior_slot, entropy, available, ready, accumulated, partial)
    changes: dict[bytes, bytes | None] = {}
    for service in set(accounts) - set(post.accounts):  # ejected services leave nothing behind
        changes.update({k: None for k in service_keys(state.kv, service)})
    for service, account in post.accounts.items():
        changes.update(account_changes(service, account, spec))
    result = (ready, accumulated, yields, stats, post.staging, post.auth_queues, post.privileges())
    return changes, result


def _preimages(state: ChainState, spec: ChainSpec, preimages, slot: int, changes: dict) -> dict[int, tuple[int, int]]:
    """GP eq. (12.35)–(12.38): validate E_P against the prior state, integrate into δ‡ (`changes`);
    return the provided (count, size) per service."""
    if not preimages:
        return {}

    entries = {}
    for p in preimages:  # the prior-state slice the check needs: each item's request and blob
        h = hashlib.blake2b(p.blob, digest_size=32).digest()
        account = load_account(state, p.requester)
        if account is None:
            continue
        blobs, requests = entries.setdefault(p.requester, ([], []))
        status = account.requests.get((h, len(p.blob)))
        if status is not None:
            requests.append(PreimagesRequestsMapEntry(PreimagesRequestsMapKey(h, len(p.blob)), status))
        if h in account.preimages:
            blobs.append(PreimagesBlobMapEntry(h, account.preimages[h]))
    slice_ = S.PreimagesSlice(tuple(S.PreimagesAccountMapEntry(s, S.PreimagesAccount(tuple(b), tuple(r)))
                                    for s, (b, r) in entries.items()), ())
    _, _ = P.transition(spec, slice_, S.PreimagesInput(tuple(preimages), slot))  # raises if invalid


    provided: dict[int, tuple[int, int]] = {}
    timeslots = Seq(U32)
    for p in preimages:  # I(δ‡, E_P): integrate what is still requested after accumulation
        h = hashlib.blake2b(p.blob, digest_size=32).digest()
        rkey = request_key(p.requester, h, len(p.blob))
        raw = changes[rkey] if rkey in changes else state.kv.get(rkey)
        if raw is not None and decode(timeslots, raw, spec) == ():
            changes[rkey] = encode((slot,), spec, timeslots)
            changes[preimage_key(p.requester, h)] = p.blob
        count, size = provided.get(p.requester, (0, 0))
        provided[p.requester] = (count + 1, size + len(p.blob))
    return provided


def _statistics(spec, state, H, X, tau, kappa_post, reporters, r_post, available, provided, acc_stats) -> Statistics:
    """GP §13: validator records (eq. 13.3–13.5), per-block core and service records (13.6–13.9)."""

    stats = state["statistics"]
    v_post, _ = statistics.transition(spec, S.StatisticsSlice(stats.vals_curr, stats.vals_last, tau, kappa_post),
                                      S.StatisticsInput(H.slot, H.author_index, X), set(reporters))
    cores = list(r_post.cores_statistics)
    for c in range(spec.core_count):
        popularity = sum((a.bitfield[c >> 3] >> (c & 7)) & 1 for a in X.assurances)
        da_load = sum(r.package_spec.length + spec.segment_size * math.ceil(r.package_spec.exports_count * 65 / 64)
                      for r in available if r.core_index == c)
        cores[c] = attrs.evolve(cores[c], popularity=popularity, da_load=da_load)
    services = {e.id: e.record for e in r_post.services_statistics}
    for s, (count, size) in provided.items():
        r = services.get(s, _EMPTY_SERVICE)
        services[s] = attrs.evolve(r, provided_count=count, provided_size=size)
    for s, (gas, count) in acc_stats.items():
        r = services.get(s, _EMPTY_SERVICE)
        services[s] = attrs.evolve(r, accumulate_count=count, accumulate_gas_used=gas)
    return Statistics(v_post.vals_curr_stats, v_post.vals_last_stats, tuple(cores),
                      tuple(ServicesStatisticsMapEntry(s, r) for s, r in sorted(services.items())))
