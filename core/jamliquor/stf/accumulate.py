"""Accumulation (GP §12, accumulation.tex): running the Accumulate code of reported services.

W* (queueing, `accumulate_queue`) → Δ* sequential accumulation under the block gas budget →
Δ+ per-round service-parallel accumulation → Δ1 one service via Ψ_A on the PVM (through the
`execute` hook; the kernel names `jamliquor-polkavm` if no plugin provides it) → final state
integration: privileges, staging keys, auth queues, accounts, θ', statistics, ϑ', ξ'.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

import attrs

from ..codec import encode, encode_natural
from ..crypto.hashing import keccak_256
from ..execution import ExecuteRequest, ExitReason
from ..merkle.binary import well_balanced_root
from ..plugins import default_host
from ..spec import ChainSpec
from ..types import WORK_EXEC_RESULT, ServiceActivityRecord, ServicesStatisticsMapEntry, WorkReport
from . import StateError
from .accounts import Account, DeferredTransfer, Implications, PartialState, partial_state
from .accumulate_queue import accumulatable, next_queues
from .accumulate_types import (
    AccountsMapEntry,
    Input,
    PreimagesBlobMapEntry,
    PreimagesRequestsMapEntry,
    PreimagesRequestsMapKey,
    ServiceAccount,
    State,
    StorageMapEntry,
    TestCase,
)
from .host_calls import AccumulateHost, next_service_id

__all__ = ["TestCase", "State", "Input", "transition", "accumulate", "DeferredTransfer"]

ACCUMULATE_ENTRY = 5  # Ψ_A enters the service code at instruction 5 (GP eq. B.9)


class AccumulateError(StateError):
    code = "accumulate_error"


def operand_encoding(report: WorkReport, digest, spec: ChainSpec) -> bytes:
    """GP C: 0 ‖ E_U(o) for an operand tuple (package hash, segment root, authorizer, payload hash,
    gas limit, result, ↕auth trace)."""
    out = bytearray(b"\x00")
    out += report.package_spec.hash + report.package_spec.exports_root + report.authorizer_hash + digest.payload_hash
    encode_natural(digest.accumulate_gas, out)
    out += encode(digest.result, spec, WORK_EXEC_RESULT)
    encode_natural(len(report.auth_output), out)
    out += report.auth_output
    return bytes(out)


@attrs.define
class ServiceOutcome:
    """GP eq. (12.19) O: posterior state, transfers, yield, gas used, provisions."""

    state: PartialState
    transfers: list
    yield_hash: bytes | None
    gas_used: int
    provisions: list


def _initial_next_id(spec: ChainSpec, service: int, entropy: bytes, slot: int, accounts: dict) -> int:
    """GP eq. (B.9) I: check((E_4⁻¹(H(E(s, η'_0, H_T))) mod (2^32 − S − 2^8)) + S)."""
    S = spec.min_public_service_index
    data = bytearray()
    encode_natural(service, data)
    data += entropy
    encode_natural(slot, data)
    h = hashlib.blake2b(bytes(data), digest_size=32).digest()
    return next_service_id(struct.unpack_from("<I", h)[0] % (2**32 - S - 2**8) + S, accounts, spec)


def accumulate_one(
    spec: ChainSpec, host, state: PartialState, transfers: Sequence[DeferredTransfer], reports: Sequence[WorkReport],
    free: dict[int, int], service: int, slot: int, entropy: bytes,
) -> ServiceOutcome:
    """GP eq. (12.20) Δ1 and (B.9) Ψ_A for `service`."""
    incoming = [t for t in transfers if t.dest == service]
    gas = free.get(service, 0) + sum(t.gas for t in incoming)
    inputs = [t.encode() for t in incoming]
    for r in reports:
        for d in r.results:
            if d.service_id == service:
                gas += d.accumulate_gas
                inputs.append(operand_encoding(r, d, spec))
    work = state.clone()
    account = work.accounts.get(service)
    if account is not None:  # GP eq. (B.9): the post-transfer state s, code or not
        account.balance += sum(t.amount for t in incoming)
    code = account.code(spec) if account is not None else None
    if code is None or len(code) > spec.max_service_code_size:
        return ServiceOutcome(work, [], None, 0, [])
    x = Implications(service, work, _initial_next_id(spec, service, entropy, slot, work.accounts))
    handler = AccumulateHost(spec, x, slot, entropy, inputs)
    args = bytearray()
    for v in (slot, service, len(inputs)):
        encode_natural(v, args)
    request = ExecuteRequest(code, gas, pc=ACCUMULATE_ENTRY, argument=bytes(args), host=handler)
    result = host.require("execute", "jamliquor-polkavm", request=request)
    if result.exit in (ExitReason.PANIC, ExitReason.OUT_OF_GAS, ExitReason.FAULT, ExitReason.HOST):
        y = handler.y
        return ServiceOutcome(y.state, y.transfers, y.yield_hash, result.gas_used, y.provisions)
    x = handler.x
    output = result.output or b""
    yielded = output if len(output) == 32 else x.yield_hash
    return ServiceOutcome(x.state, x.transfers, yielded, result.gas_used, x.provisions)


def _choose(original: int, manager_view: int, own_view: int) -> int:
    """GP eq. (12.18) R: the manager's change wins; otherwise the privileged service's own."""
    return own_view if manager_view == original else manager_view


def accumulate_parallel(
    spec: ChainSpec, host, state: PartialState, transfers: Sequence[DeferredTransfer], reports: Sequence[WorkReport],
    free: dict[int, int], slot: int, entropy: bytes,
) -> tuple[PartialState, list, set[tuple[int, bytes]], list[tuple[int, int]]]:
    """GP eq. (12.17) Δ+: accumulate every involved service on the same prior state, then merge.

    The yields b are a *set* of (service, hash) pairs (eq. 12.17), not a map: a service
    accumulated in several rounds of Δ* may yield several hashes, and each stays."""
    services: list[int] = []
    for r in reports:
        for d in r.results:
            if d.service_id not in services:
                services.append(d.service_id)
    for s in (*free, *(t.dest for t in transfers)):
        if s not in services:
            services.append(s)
    outcomes = {s: accumulate_one(spec, host, state, transfers, reports, free, s, slot, entropy) for s in services}

    def run(s: int) -> ServiceOutcome:  # privileged services not otherwise accumulating still "run" (no-op)
        if s not in outcomes:
            outcomes[s] = accumulate_one(spec, host, state, transfers, reports, free, s, slot, entropy)
        return outcomes[s]

    gas_used = [(s, outcomes[s].gas_used) for s in services]
    yields = {(s, outcomes[s].yield_hash) for s in services if outcomes[s].yield_hash is not None}
    new_transfers = [t for s in services for t in outcomes[s].transfers]

    accounts = dict(state.accounts)
    removed: set[int] = set()
    for s in services:
        post = outcomes[s].state.accounts
        removed |= set(state.accounts) - set(post)
        for k, v in post.items():
            if k == s or k not in state.accounts:
                accounts[k] = v
    for k in removed:
        accounts.pop(k, None)
    for s in services:
        for service, blob in outcomes[s].provisions:
            a = accounts.get(service)
            h = hashlib.blake2b(blob, digest_size=32).digest()
            if a is not None and a.requests.get((h, len(blob))) == ():
                a = accounts[service] = a.clone()
                a.set_request(h, len(blob), (slot,))
                a.preimages[h] = blob

    manager_post = run(state.manager).state
    assigners = tuple(
        _choose(state.assigners[c], manager_post.assigners[c], run(state.assigners[c]).state.assigners[c])
        for c in range(spec.core_count)
    )
    delegator = _choose(state.delegator, manager_post.delegator, run(state.delegator).state.delegator)
    registrar = _choose(state.registrar, manager_post.registrar, run(state.registrar).state.registrar)
    staging = run(state.delegator).state.staging
    queues = tuple(run(state.assigners[c]).state.auth_queues[c] for c in range(spec.core_count))
    merged = PartialState(accounts, staging, queues, manager_post.manager, assigners, delegator, registrar,
                          dict(manager_post.always_acc))
    return merged, new_transfers, yields, gas_used


def accumulate_sequential(
    spec: ChainSpec, host, gas: int, transfers: Sequence[DeferredTransfer], reports: Sequence[WorkReport],
    state: PartialState, free: dict[int, int], slot: int, entropy: bytes,
) -> tuple[int, PartialState, set[tuple[int, bytes]], list[tuple[int, int]]]:
    """GP eq. (12.16) Δ*: as many reports as the gas allows, then recurse with the new transfers;
    the yields of all rounds are united (b* ∪ b)."""
    i, total = 0, 0
    for r in reports:
        need = sum(d.accumulate_gas for d in r.results)
        if total + need > gas:
            break
        total += need
        i += 1
    if len(transfers) + i + len(free) == 0:
        return 0, state, set(), []
    state_1, transfers_1, yields_1, used_1 = accumulate_parallel(spec, host, state, transfers, reports[:i], free, slot, entropy)
    budget = gas + sum(t.gas for t in transfers) - sum(u for _, u in used_1)
    j, state_2, yields_2, used_2 = accumulate_sequential(spec, host, budget, transfers_1, reports[i:], state_1, {}, slot, entropy)
    return i + j, state_2, yields_1 | yields_2, used_1 + used_2


def accumulate(
    spec: ChainSpec, host, slot: int, prior_slot: int, entropy: bytes, available: Sequence[WorkReport],
    ready: Sequence, accumulated: Sequence, state: PartialState,
) -> tuple[PartialState, tuple, tuple, tuple[tuple[int, bytes], ...], dict[int, tuple[int, int]]]:
    """GP eq. (12.21)–(12.26): returns (posterior partial state, ϑ', ξ', θ', accumulation stats).

    θ' (eq. 12.23, the accumulation output log) is the set b of (service, hash) pairs as a
    sequence, in the GP's order for a set made a sequence: ascending by service, then hash."""
    wstar, queued = accumulatable(spec, slot, available, ready, accumulated)
    budget = max(spec.max_block_gas, spec.report_acc_gas * spec.core_count + sum(state.always_acc.values()))
    n, post, yields, used = accumulate_sequential(spec, host, budget, [], wstar, state, dict(state.always_acc), slot, entropy)
    stats: dict[int, tuple[int, int]] = {}
    for s, u in used:
        g, c = stats.get(s, (0, 0))
        stats[s] = (g + u, c)
    for r in wstar[:n]:
        for d in r.results:
            g, c = stats.get(d.service_id, (0, 0))
            stats[d.service_id] = (g, c + 1)
    stats = {s: v for s, v in stats.items() if v != (0, 0)}
    for s in stats:  # GP eq. (12.23): the last-accumulation slot of every accumulated service
        if s in post.accounts:
            post.accounts[s] = a = post.accounts[s].clone()
            a.last_acc = slot
    new_ready, new_accumulated = next_queues(spec, prior_slot, slot, ready, accumulated, queued, wstar[:n])
    return post, new_ready, new_accumulated, tuple(sorted(yields)), stats


def accumulation_root(outputs: Sequence[tuple[int, bytes]]) -> bytes:
    """GP eq. (7.6)–(7.7): M_B of [E_4(s) ‖ h for (s, h) in θ'], with keccak."""
    return well_balanced_root([struct.pack("<I", s) + h for s, h in outputs], keccak_256)


# ---------------------------------------------------------------------------- the vectors' slice


def _account_from_vector(entry: AccountsMapEntry) -> Account:
    data = entry.data
    a = Account.from_info(data.service)
    a.storage = {e.key: e.value for e in data.storage}
    a.preimages = {e.hash: e.blob for e in data.preimage_blobs}
    a.requests = {(e.key.hash, e.key.length): tuple(e.value) for e in data.preimage_requests}
    return a


def _account_to_vector(service: int, a: Account) -> AccountsMapEntry:
    return AccountsMapEntry(service, ServiceAccount(
        a.info(),
        tuple(StorageMapEntry(k, v) for k, v in sorted(a.storage.items())),
        tuple(PreimagesBlobMapEntry(h, b) for h, b in sorted(a.preimages.items())),
        tuple(PreimagesRequestsMapEntry(PreimagesRequestsMapKey(h, l), v) for (h, l), v in sorted(a.requests.items())),
    ))


def transition(spec: ChainSpec, state: State, inp: Input, host=None) -> tuple[State, bytes]:
    """The accumulate STF as the vectors frame it (staging keys and auth queues are not in the slice)."""
    host = host or default_host()
    accounts = {e.id: _account_from_vector(e) for e in state.accounts}
    partial = partial_state(accounts, (), tuple(() for _ in range(spec.core_count)), state.privileges)
    partial.auth_queues = tuple((bytes(32),) * spec.auth_queue_size for _ in range(spec.core_count))
    post, ready, accumulated, yields, stats = accumulate(
        spec, host, inp.slot, state.slot, state.entropy, inp.reports, state.ready_queue, state.accumulated, partial)
    # π_S is a per-block statistic (GP §13): only this block's accumulation appears.
    records = {s: ServiceActivityRecord(0, 0, 0, 0, 0, 0, 0, 0, count, gas) for s, (gas, count) in stats.items()}
    posterior = State(
        slot=inp.slot,
        entropy=state.entropy,
        ready_queue=ready,
        accumulated=accumulated,
        privileges=post.privileges(),
        statistics=tuple(ServicesStatisticsMapEntry(s, r) for s, r in sorted(records.items())),
        accounts=tuple(_account_to_vector(s, a) for s, a in sorted(post.accounts.items())),
    )
    return posterior, accumulation_root(yields)


