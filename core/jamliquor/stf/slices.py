"""State slices, inputs and outputs of the chapter STFs, exactly as `stf/<name>/<name>.asn` define them.

These are the interfaces of the transition functions (one per GP chapter) and, through
`TEST_CASES`, the containers of the official STF vectors. Field order is the ASN's; Greek
state names are spelled out as in the vectors' JSON (`lambda` becomes `lambda_` in Python).
"""

from __future__ import annotations

from .. import types as T
from ..codec import H32, NULL, U16, U32, Opt, Seq, field, struct
from ..vectors.stf import output_choice, test_case
from .accumulate_types import PreimagesBlobMapEntry, PreimagesRequestsMapEntry

# ---------------------------------------------------------------------------- safrole (GP §6)


@struct(json_names={"lambda_": "lambda"})
class SafroleSlice:
    tau: int = field(U32)
    eta: tuple = field(T.ENTROPY_BUFFER)
    lambda_: tuple = field(T.VALIDATORS_DATA)
    kappa: tuple = field(T.VALIDATORS_DATA)
    gamma_k: tuple = field(T.VALIDATORS_DATA)
    iota: tuple = field(T.VALIDATORS_DATA)
    gamma_a: tuple = field(T.TICKETS_ACCUMULATOR)
    gamma_s: object = field(T.TICKETS_OR_KEYS)
    gamma_z: bytes = field(T.BANDERSNATCH_RING_COMMITMENT)
    post_offenders: tuple = field(Seq(T.ED25519_PUBLIC))


@struct
class SafroleInput:
    slot: int = field(U32)
    entropy: bytes = field(H32)  # Y(H_V)
    extrinsic: tuple = field(T.TICKETS_EXTRINSIC)


@struct
class SafroleOutput:
    epoch_mark: T.EpochMark | None = field(Opt(T.EpochMark))
    tickets_mark: tuple | None = field(Opt(T.TICKETS_MARK))


SAFROLE_ERRORS = ["bad_slot", "unexpected_ticket", "bad_ticket_order", "bad_ticket_proof", "bad_ticket_attempt", "reserved", "duplicate_ticket"]

# ---------------------------------------------------------------------------- disputes (GP §10)


@struct(json_names={"lambda_": "lambda"})
class DisputesSlice:
    psi: T.DisputesRecords = field(T.DisputesRecords)
    rho: tuple = field(T.AVAILABILITY_ASSIGNMENTS)
    tau: int = field(U32)
    kappa: tuple = field(T.VALIDATORS_DATA)
    lambda_: tuple = field(T.VALIDATORS_DATA)


@struct
class DisputesInput:
    disputes: T.DisputesExtrinsic = field(T.DisputesExtrinsic)


@struct
class DisputesOutput:
    offenders_mark: tuple = field(Seq(T.ED25519_PUBLIC))


DISPUTES_ERRORS = [
    "already_judged", "bad_vote_split", "verdicts_not_sorted_unique", "judgements_not_sorted_unique",
    "culprits_not_sorted_unique", "faults_not_sorted_unique", "not_enough_culprits", "not_enough_faults",
    "culprits_verdict_not_bad", "fault_verdict_wrong", "offender_already_reported", "bad_judgement_age",
    "bad_validator_index", "bad_signature", "bad_guarantor_key", "bad_auditor_key",
]

# ---------------------------------------------------------------------------- assurances (GP §11.2)


@struct
class AssurancesSlice:
    avail_assignments: tuple = field(T.AVAILABILITY_ASSIGNMENTS)
    curr_validators: tuple = field(T.VALIDATORS_DATA)


@struct
class AssurancesInput:
    assurances: tuple = field(T.ASSURANCES_EXTRINSIC)
    slot: int = field(U32)
    parent: bytes = field(H32)


@struct
class AssurancesOutput:
    reported: tuple = field(Seq(T.WorkReport))


ASSURANCES_ERRORS = ["bad_attestation_parent", "bad_validator_index", "core_not_engaged", "bad_signature", "not_sorted_or_unique_assurers"]

# ---------------------------------------------------------------------------- reports (GP §11.4)


@struct
class ReportsAccount:
    service: T.ServiceInfo = field(T.ServiceInfo)


@struct
class ReportsAccountsMapEntry:
    id: int = field(U32)
    data: ReportsAccount = field(ReportsAccount)


@struct
class ReportsSlice:
    avail_assignments: tuple = field(T.AVAILABILITY_ASSIGNMENTS)
    curr_validators: tuple = field(T.VALIDATORS_DATA)
    prev_validators: tuple = field(T.VALIDATORS_DATA)
    entropy: tuple = field(T.ENTROPY_BUFFER)
    offenders: tuple = field(Seq(T.ED25519_PUBLIC))
    recent_blocks: T.RecentBlocks = field(T.RecentBlocks)
    auth_pools: tuple = field(T.AUTH_POOLS)
    accounts: tuple = field(Seq(ReportsAccountsMapEntry))
    cores_statistics: tuple = field(T.CORES_STATISTICS)
    services_statistics: tuple = field(T.SERVICES_STATISTICS)


@struct
class ReportsInput:
    guarantees: tuple = field(T.GUARANTEES_EXTRINSIC)
    slot: int = field(U32)
    known_packages: tuple = field(Seq(H32))


@struct
class ReportedPackage:
    work_package_hash: bytes = field(H32)
    segment_tree_root: bytes = field(H32)


@struct
class ReportsOutput:
    reported: tuple = field(Seq(ReportedPackage))
    reporters: tuple = field(Seq(T.ED25519_PUBLIC))


REPORTS_ERRORS = [
    "bad_core_index", "future_report_slot", "report_epoch_before_last", "insufficient_guarantees",
    "out_of_order_guarantee", "not_sorted_or_unique_guarantors", "wrong_assignment", "core_engaged",
    "anchor_not_recent", "bad_service_id", "bad_code_hash", "dependency_missing", "duplicate_package",
    "bad_state_root", "bad_beefy_mmr_root", "core_unauthorized", "bad_validator_index",
    "work_report_gas_too_high", "service_item_gas_too_low", "too_many_dependencies",
    "segment_root_lookup_invalid", "bad_signature", "work_report_too_big", "banned_validator",
    "lookup_anchor_not_recent", "missing_work_results",
]

# ---------------------------------------------------------------------------- history (GP §7)


@struct
class HistorySlice:
    beta: T.RecentBlocks = field(T.RecentBlocks)


@struct
class HistoryInput:
    header_hash: bytes = field(H32)
    parent_state_root: bytes = field(H32)
    accumulate_root: bytes = field(H32)
    work_packages: tuple = field(Seq(T.ReportedWorkPackage))


# ---------------------------------------------------------------------------- authorizations (GP §8)


@struct
class AuthorizationsSlice:
    auth_pools: tuple = field(T.AUTH_POOLS)
    auth_queues: tuple = field(T.AUTH_QUEUES)


@struct
class CoreAuthorizer:
    core: int = field(U16)
    auth_hash: bytes = field(H32)


@struct
class AuthorizationsInput:
    slot: int = field(U32)
    auths: tuple = field(Seq(CoreAuthorizer))


# ---------------------------------------------------------------------------- preimages (GP §12.4)


@struct
class PreimagesAccount:
    preimage_blobs: tuple = field(Seq(PreimagesBlobMapEntry))
    preimage_requests: tuple = field(Seq(PreimagesRequestsMapEntry))


@struct
class PreimagesAccountMapEntry:
    id: int = field(U32)
    data: PreimagesAccount = field(PreimagesAccount)


@struct
class PreimagesSlice:
    accounts: tuple = field(Seq(PreimagesAccountMapEntry))
    statistics: tuple = field(T.SERVICES_STATISTICS)


@struct
class PreimagesInput:
    preimages: tuple = field(T.PREIMAGES_EXTRINSIC)
    slot: int = field(U32)


PREIMAGES_ERRORS = ["preimage_unneeded", "preimages_not_sorted_unique"]

# ---------------------------------------------------------------------------- statistics (GP §13)


@struct
class StatisticsSlice:
    vals_curr_stats: tuple = field(T.VALIDATORS_STATISTICS)
    vals_last_stats: tuple = field(T.VALIDATORS_STATISTICS)
    slot: int = field(U32)
    curr_validators: tuple = field(T.VALIDATORS_DATA)


@struct
class StatisticsInput:
    slot: int = field(U32)
    author_index: int = field(U16)
    extrinsic: T.Extrinsic = field(T.Extrinsic)


# ---------------------------------------------------------------------------- vector containers

TEST_CASES = {
    "safrole": test_case(SafroleSlice, SafroleInput, output_choice("Safrole", SafroleOutput, SAFROLE_ERRORS)),
    "disputes": test_case(DisputesSlice, DisputesInput, output_choice("Disputes", DisputesOutput, DISPUTES_ERRORS)),
    "assurances": test_case(AssurancesSlice, AssurancesInput, output_choice("Assurances", AssurancesOutput, ASSURANCES_ERRORS)),
    "reports": test_case(ReportsSlice, ReportsInput, output_choice("Reports", ReportsOutput, REPORTS_ERRORS)),
    "history": test_case(HistorySlice, HistoryInput, NULL),
    "authorizations": test_case(AuthorizationsSlice, AuthorizationsInput, NULL),
    "preimages": test_case(PreimagesSlice, PreimagesInput, output_choice("Preimages", NULL, PREIMAGES_ERRORS)),
    "statistics": test_case(StatisticsSlice, StatisticsInput, NULL),
}

