"""Work-report guarantees E_G (GP §11.4–11.5, reporting_assurance.tex eq. 11.22–11.43).

Checks each guarantee's structure, credentials and signatures against the guarantor
assignments, the report's authorization, gas and size limits and its context against recent
history, then places the reports on their cores (ρ') and accounts their refinement load in the
core and service statistics (GP §13).
"""

from __future__ import annotations

import attrs

from ..codec import encode
from ..crypto import ed25519
from ..crypto.hashing import blake2b_256
from ..spec import ChainSpec
from ..types import AvailabilityAssignment, ServiceActivityRecord, ServicesStatisticsMapEntry, WorkReport
from . import StateError, error_classes
from .guarantors import assignments, previous_assignments
from .slices import REPORTS_ERRORS, TEST_CASES, ReportedPackage, ReportsInput, ReportsOutput, ReportsSlice

TestCase = TEST_CASES["reports"]
State, Input = ReportsSlice, ReportsInput

X_GUARANTEE = b"jam_guarantee"


class ReportsError(StateError):
    """A guarantees extrinsic the GP rejects."""


ERRORS = error_classes(ReportsError, REPORTS_ERRORS)
_EMPTY_SERVICE = ServiceActivityRecord(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def report_hash(report: WorkReport, spec: ChainSpec) -> bytes:
    return blake2b_256(encode(report, spec))


def _check_report_shape(spec: ChainSpec, report: WorkReport, services: dict) -> None:
    """GP eq. (11.2)/(11.3) and (11.30): results present, dependencies ≤ J, size ≤ W_R, gas."""
    if not report.results:
        raise ERRORS["missing_work_results"]()
    if len(report.context.prerequisites) + len(report.segment_root_lookup) > spec.max_report_deps:
        raise ERRORS["too_many_dependencies"]()
    size = len(report.auth_output) + sum(len(r.result.value) for r in report.results if r.result.name == "ok")
    if size > spec.max_report_var_size:
        raise ERRORS["work_report_too_big"](f"{size} octets")
    if sum(r.accumulate_gas for r in report.results) > spec.report_acc_gas:
        raise ERRORS["work_report_gas_too_high"]()
    for r in report.results:
        info = services.get(r.service_id)
        if info is None:
            raise ERRORS["bad_service_id"](str(r.service_id))
        if r.accumulate_gas < info.min_item_gas:
            raise ERRORS["service_item_gas_too_low"](str(r.service_id))


def _check_credentials(spec: ChainSpec, state: ReportsSlice, guarantee, slot: int, current, previous) -> list[bytes]:
    """GP eq. (11.24)/(11.25): 2–3 ascending credentials by validators assigned to the core, with
    valid signatures; returns their Ed25519 keys (for the reporters set R)."""
    report = guarantee.report
    if len(guarantee.signatures) < 2:
        raise ERRORS["insufficient_guarantees"]()
    indices = [s.validator_index for s in guarantee.signatures]
    if any(a >= b for a, b in zip(indices, indices[1:])) or len(guarantee.signatures) > 3:
        raise ERRORS["not_sorted_or_unique_guarantors"]()
    R = spec.rotation_period
    if guarantee.slot > slot:
        raise ERRORS["future_report_slot"]()
    if guarantee.slot < R * (slot // R - 1):
        raise ERRORS["report_epoch_before_last"]()
    cores, keys = current if guarantee.slot // R == slot // R else previous
    message = X_GUARANTEE + report_hash(report, spec)
    reporters = []
    offenders = set(state.offenders)
    for s in guarantee.signatures:
        if s.validator_index >= spec.validators_count:
            raise ERRORS["bad_validator_index"](str(s.validator_index))
        key = keys[s.validator_index].ed25519
        if key in offenders or not any(key):
            raise ERRORS["banned_validator"](str(s.validator_index))
        if cores[s.validator_index] != report.core_index:
            raise ERRORS["wrong_assignment"](f"validator {s.validator_index} not on core {report.core_index}")
        if not ed25519.verify(key, message, s.signature):
            raise ERRORS["bad_signature"](f"guarantor {s.validator_index}")
        reporters.append(key)
    return reporters


def _check_context(spec: ChainSpec, state: ReportsSlice, report: WorkReport, slot: int) -> None:
    """GP eq. (11.33)/(11.34): the anchor is a recent block with matching roots; the lookup
    anchor is not too old."""
    ctx = report.context
    entry = next((b for b in state.recent_blocks.history if b.header_hash == ctx.anchor), None)
    if entry is None:
        raise ERRORS["anchor_not_recent"](ctx.anchor.hex())
    if entry.state_root != ctx.state_root:
        raise ERRORS["bad_state_root"]()
    if entry.beefy_root != ctx.beefy_root:
        raise ERRORS["bad_beefy_mmr_root"]()
    if ctx.lookup_anchor_slot + spec.max_lookup_anchor_age < slot:
        raise ERRORS["lookup_anchor_not_recent"]()


def transition(spec: ChainSpec, state: ReportsSlice, inp: ReportsInput) -> tuple[ReportsSlice, ReportsOutput]:
    slot = inp.slot
    services = {e.id: e.data.service for e in state.accounts}
    current = assignments(spec, slot, state.entropy, state.curr_validators, state.offenders)
    previous = previous_assignments(spec, slot, state.entropy, state.curr_validators, state.prev_validators, state.offenders)

    last_core = -1
    reporters: list[bytes] = []
    for g in inp.guarantees:  # eq. (11.23): one per core, ascending
        report = g.report
        if report.core_index >= spec.core_count:
            raise ERRORS["bad_core_index"](str(report.core_index))
        if report.core_index <= last_core:
            raise ERRORS["out_of_order_guarantee"]()
        last_core = report.core_index
        _check_report_shape(spec, report, services)
        reporters += _check_credentials(spec, state, g, slot, current, previous)
        if state.avail_assignments[report.core_index] is not None:  # eq. (11.29)
            raise ERRORS["core_engaged"](str(report.core_index))
        if report.authorizer_hash not in state.auth_pools[report.core_index]:
            raise ERRORS["core_unauthorized"](str(report.core_index))
        _check_context(spec, state, report, slot)

    reports = [g.report for g in inp.guarantees]
    packages = [r.package_spec.hash for r in reports]
    if len(set(packages)) != len(packages):  # eq. (11.32)
        raise ERRORS["duplicate_package"]()
    recent = {p.hash: p.exports_root for b in state.recent_blocks.history for p in b.reported}
    known = set(inp.known_packages) | set(recent)
    if any(p in known for p in packages):  # eq. (11.36)
        raise ERRORS["duplicate_package"]()
    in_block = {r.package_spec.hash: r.package_spec.exports_root for r in reports}
    for r in reports:  # eq. (11.37)/(11.39)
        for p in r.context.prerequisites:
            if p not in in_block and p not in recent:
                raise ERRORS["dependency_missing"](p.hex())
        for x in r.segment_root_lookup:  # an unknown package or a wrong root: the lookup is invalid
            root = in_block.get(x.work_package_hash, recent.get(x.work_package_hash))
            if root != x.segment_tree_root:
                raise ERRORS["segment_root_lookup_invalid"](x.work_package_hash.hex())
        for d in r.results:  # eq. (11.42)
            if d.code_hash != services[d.service_id].code_hash:
                raise ERRORS["bad_code_hash"](str(d.service_id))

    # eq. (11.43): ρ' — and GP §13 statistics of the incoming reports.
    rho = list(state.avail_assignments)
    cores = list(state.cores_statistics)
    service_stats = {e.id: e.record for e in state.services_statistics}
    for r in reports:
        rho[r.core_index] = AvailabilityAssignment(r, slot)
        c = cores[r.core_index]
        loads = [d.refine_load for d in r.results]
        cores[r.core_index] = attrs.evolve(
            c,
            imports=c.imports + sum(l.imports for l in loads),
            extrinsic_count=c.extrinsic_count + sum(l.extrinsic_count for l in loads),
            extrinsic_size=c.extrinsic_size + sum(l.extrinsic_size for l in loads),
            exports=c.exports + sum(l.exports for l in loads),
            gas_used=c.gas_used + sum(l.gas_used for l in loads),
            bundle_size=c.bundle_size + r.package_spec.length,
        )
        for d in r.results:
            s = service_stats.get(d.service_id, _EMPTY_SERVICE)
            l = d.refine_load
            service_stats[d.service_id] = attrs.evolve(
                s,
                refinement_count=s.refinement_count + 1,
                refinement_gas_used=s.refinement_gas_used + l.gas_used,
                imports=s.imports + l.imports,
                extrinsic_count=s.extrinsic_count + l.extrinsic_count,
                extrinsic_size=s.extrinsic_size + l.extrinsic_size,
                exports=s.exports + l.exports,
            )
    post = attrs.evolve(
        state,
        avail_assignments=tuple(rho),
        cores_statistics=tuple(cores),
        services_statistics=tuple(ServicesStatisticsMapEntry(k, v) for k, v in sorted(service_stats.items())),
    )
    reported = tuple(sorted((ReportedPackage(r.package_spec.hash, r.package_spec.exports_root) for r in reports), key=lambda p: p.work_package_hash))
    return post, ReportsOutput(reported, tuple(sorted(set(reporters))))


