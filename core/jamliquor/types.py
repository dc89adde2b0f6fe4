"""JAM protocol types of GP v0.7.2 (names and field order from the vectors' `lib/jam-types.asn`).

Encodings follow GP Appendix C (serialization.tex): fixed-width integers where the GP writes
E_n, compact naturals (`COMPACT`) where it writes a bare natural, `Seq(..)` for ↕ length-prefixed
sequences and `Seq(.., "<spec constant>")` for fixed-length ones. Byte-string aliases (hashes,
keys, signatures) are plain `bytes`; sequences decode to tuples.
"""

from __future__ import annotations

from typing import Any

from .codec import BLOB, BOOL, COMPACT, H32, U8, U16, U32, U64, Bytes, Choice, Opt, Seq, Variant, encode, field, struct

# Fixed-size byte strings (GP §3.8 cryptography)
BANDERSNATCH_PUBLIC = H32
ED25519_PUBLIC = H32
BLS_PUBLIC = Bytes(144)
BANDERSNATCH_VRF_SIGNATURE = Bytes(96)
BANDERSNATCH_RING_VRF_SIGNATURE = Bytes(784)
ED25519_SIGNATURE = Bytes(64)
BANDERSNATCH_RING_COMMITMENT = Bytes(144)
VALIDATOR_METADATA = Bytes(128)

# Fixed-length sequences sized by the chain spec
ENTROPY_BUFFER = Seq(H32, 4)  # η: GP eq. (6.21)


# ---------------------------------------------------------------------------- validators


@struct
class ValidatorData:
    """GP eq. (6.8) K: a validator's key set (Bandersnatch, Ed25519, BLS, metadata)."""

    bandersnatch: bytes = field(BANDERSNATCH_PUBLIC)
    ed25519: bytes = field(ED25519_PUBLIC)
    bls: bytes = field(BLS_PUBLIC)
    metadata: bytes = field(VALIDATOR_METADATA)


VALIDATORS_DATA = Seq(ValidatorData, "validators_count")


# ---------------------------------------------------------------------------- services


@struct
class ServiceInfo:
    """GP eq. (D.2) C(255, s): a service account's fixed-size fields (serialized in state)."""

    version: int = field(U8)
    code_hash: bytes = field(H32)
    balance: int = field(U64)
    min_item_gas: int = field(U64)
    min_memo_gas: int = field(U64)
    bytes: int = field(U64)
    deposit_offset: int = field(U64)
    items: int = field(U32)
    creation_slot: int = field(U32)
    last_accumulation_slot: int = field(U32)
    parent_service: int = field(U32)


# ---------------------------------------------------------------------------- refine context, authorizers


@struct
class RefineContext:
    """GP eq. (11.4) workcontext, encoded per GP C (lookup-anchor slot E_4, ↕prerequisites)."""

    anchor: bytes = field(H32)
    state_root: bytes = field(H32)
    beefy_root: bytes = field(H32)
    lookup_anchor: bytes = field(H32)
    lookup_anchor_slot: int = field(U32)
    prerequisites: tuple[bytes, ...] = field(Seq(H32))


@struct
class Authorizer:
    code_hash: bytes = field(H32)
    params: bytes = field(BLOB)


AUTH_POOL = Seq(H32)  # ↕ up to O hashes
AUTH_POOLS = Seq(AUTH_POOL, "core_count")
AUTH_QUEUE = Seq(H32, "auth_queue_size")
AUTH_QUEUES = Seq(AUTH_QUEUE, "core_count")


# ---------------------------------------------------------------------------- work packages


@struct
class ImportSpec:
    tree_root: bytes = field(H32)
    index: int = field(U16)


@struct
class ExtrinsicSpec:
    hash: bytes = field(H32)
    len: int = field(U32)


@struct
class WorkItem:
    """GP eq. (14.3) workitem."""

    service: int = field(U32)
    code_hash: bytes = field(H32)
    refine_gas_limit: int = field(U64)
    accumulate_gas_limit: int = field(U64)
    export_count: int = field(U16)
    payload: bytes = field(BLOB)
    import_segments: tuple[ImportSpec, ...] = field(Seq(ImportSpec))
    extrinsic: tuple[ExtrinsicSpec, ...] = field(Seq(ExtrinsicSpec))


@struct
class WorkPackage:
    """GP eq. (14.2) workpackage."""

    auth_code_host: int = field(U32)
    auth_code_hash: bytes = field(H32)
    context: RefineContext = field(RefineContext)
    authorization: bytes = field(BLOB)
    authorizer_config: bytes = field(BLOB)
    items: tuple[WorkItem, ...] = field(Seq(WorkItem))


# ---------------------------------------------------------------------------- work reports

# GP eq. (C.?) O(o): ok blob or an error; names as in jam-types.asn.
WORK_EXEC_RESULT = Choice(
    "WorkExecResult",
    {
        0: ("ok", BLOB),
        1: ("out_of_gas", None),
        2: ("panic", None),
        3: ("bad_exports", None),
        4: ("bad_code", None),
        5: ("code_oversize", None),
    },
)


@struct
class RefineLoad:
    """Refinement load of a work digest: compact naturals (GP C, work digest encoding)."""

    gas_used: int = field(COMPACT)
    imports: int = field(COMPACT)
    extrinsic_count: int = field(COMPACT)
    extrinsic_size: int = field(COMPACT)
    exports: int = field(COMPACT)


@struct
class WorkResult:
    """GP eq. (11.6) workdigest."""

    service_id: int = field(U32)
    code_hash: bytes = field(H32)
    payload_hash: bytes = field(H32)
    accumulate_gas: int = field(U64)
    result: Variant = field(WORK_EXEC_RESULT)
    refine_load: RefineLoad = field(RefineLoad)


@struct
class WorkPackageSpec:
    """GP eq. (11.5) availability specification."""

    hash: bytes = field(H32)
    length: int = field(U32)
    erasure_root: bytes = field(H32)
    exports_root: bytes = field(H32)
    exports_count: int = field(U16)


@struct
class SegmentRootLookupItem:
    work_package_hash: bytes = field(H32)
    segment_tree_root: bytes = field(H32)


@struct
class WorkReport:
    """GP eq. (11.2) workreport (core index and auth gas as compact naturals)."""

    package_spec: WorkPackageSpec = field(WorkPackageSpec)
    context: RefineContext = field(RefineContext)
    core_index: int = field(COMPACT)
    authorizer_hash: bytes = field(H32)
    auth_gas_used: int = field(COMPACT)
    auth_output: bytes = field(BLOB)
    segment_root_lookup: tuple[SegmentRootLookupItem, ...] = field(Seq(SegmentRootLookupItem))
    results: tuple[WorkResult, ...] = field(Seq(WorkResult))


@struct
class AvailabilityAssignment:
    """GP eq. (11.1) ρ entry: a pending report and the slot it was reported at."""

    report: WorkReport = field(WorkReport)
    timeout: int = field(U32)


AVAILABILITY_ASSIGNMENTS = Seq(Opt(AvailabilityAssignment), "core_count")


# ---------------------------------------------------------------------------- recent history


@struct
class Mmr:
    """GP eq. (E.8) Merkle mountain range: peaks, each optional."""

    peaks: tuple[bytes | None, ...] = field(Seq(Opt(H32)))


@struct
class ReportedWorkPackage:
    hash: bytes = field(H32)
    exports_root: bytes = field(H32)


@struct
class BlockInfo:
    """GP eq. (7.1) β_H entry."""

    header_hash: bytes = field(H32)
    beefy_root: bytes = field(H32)
    state_root: bytes = field(H32)
    reported: tuple[ReportedWorkPackage, ...] = field(Seq(ReportedWorkPackage))


@struct
class RecentBlocks:
    """GP eq. (7.1) β = (β_H, β_B)."""

    history: tuple[BlockInfo, ...] = field(Seq(BlockInfo))
    mmr: Mmr = field(Mmr)


# ---------------------------------------------------------------------------- statistics


@struct
class ValidatorActivityRecord:
    """GP eq. (13.2) per-validator counters (E_4 each in state)."""

    blocks: int = field(U32)
    tickets: int = field(U32)
    pre_images: int = field(U32)
    pre_images_size: int = field(U32)
    guarantees: int = field(U32)
    assurances: int = field(U32)


VALIDATORS_STATISTICS = Seq(ValidatorActivityRecord, "validators_count")


@struct
class CoreActivityRecord:
    """GP §13 core statistics (compact naturals)."""

    da_load: int = field(COMPACT)
    popularity: int = field(COMPACT)
    imports: int = field(COMPACT)
    extrinsic_count: int = field(COMPACT)
    extrinsic_size: int = field(COMPACT)
    exports: int = field(COMPACT)
    bundle_size: int = field(COMPACT)
    gas_used: int = field(COMPACT)


CORES_STATISTICS = Seq(CoreActivityRecord, "core_count")


@struct
class ServiceActivityRecord:
    """GP §13 service statistics (compact naturals)."""

    provided_count: int = field(COMPACT)
    provided_size: int = field(COMPACT)
    refinement_count: int = field(COMPACT)
    refinement_gas_used: int = field(COMPACT)
    imports: int = field(COMPACT)
    extrinsic_count: int = field(COMPACT)
    extrinsic_size: int = field(COMPACT)
    exports: int = field(COMPACT)
    accumulate_count: int = field(COMPACT)
    accumulate_gas_used: int = field(COMPACT)


@struct
class ServicesStatisticsMapEntry:
    id: int = field(U32)
    record: ServiceActivityRecord = field(ServiceActivityRecord)


SERVICES_STATISTICS = Seq(ServicesStatisticsMapEntry)


@struct
class Statistics:
    """GP eq. (13.1) π = (π_V, π_L, π_C, π_S)."""

    vals_curr: tuple[ValidatorActivityRecord, ...] = field(VALIDATORS_STATISTICS)
    vals_last: tuple[ValidatorActivityRecord, ...] = field(VALIDATORS_STATISTICS)
    cores: tuple[CoreActivityRecord, ...] = field(CORES_STATISTICS)
    services: tuple[ServicesStatisticsMapEntry, ...] = field(SERVICES_STATISTICS)


# ---------------------------------------------------------------------------- tickets


@struct
class TicketEnvelope:
    """GP eq. (6.29) ticket extrinsic entry: attempt and ring-VRF proof."""

    attempt: int = field(U8)
    signature: bytes = field(BANDERSNATCH_RING_VRF_SIGNATURE)


@struct
class TicketBody:
    """GP eq. (6.6) ticket: identifier (VRF output) and attempt."""

    id: bytes = field(H32)
    attempt: int = field(U8)


TICKETS_ACCUMULATOR = Seq(TicketBody)
TICKETS_OR_KEYS = Choice(
    "TicketsOrKeys",
    {0: ("tickets", Seq(TicketBody, "epoch_length")), 1: ("keys", Seq(BANDERSNATCH_PUBLIC, "epoch_length"))},
)
TICKETS_EXTRINSIC = Seq(TicketEnvelope)


# ---------------------------------------------------------------------------- disputes


@struct
class Judgement:
    vote: bool = field(BOOL)
    index: int = field(U16)
    signature: bytes = field(ED25519_SIGNATURE)


@struct
class Verdict:
    """GP eq. (10.2) verdict: a report hash, an epoch index and a super-majority of judgements."""

    target: bytes = field(H32)
    age: int = field(U32)
    votes: tuple[Judgement, ...] = field(Seq(Judgement, "validators_super_majority"))


@struct
class Culprit:
    target: bytes = field(H32)
    key: bytes = field(ED25519_PUBLIC)
    signature: bytes = field(ED25519_SIGNATURE)


@struct
class Fault:
    target: bytes = field(H32)
    vote: bool = field(BOOL)
    key: bytes = field(ED25519_PUBLIC)
    signature: bytes = field(ED25519_SIGNATURE)


@struct
class DisputesRecords:
    """GP eq. (10.1) ψ = (good, bad, wonky, offenders)."""

    good: tuple[bytes, ...] = field(Seq(H32))
    bad: tuple[bytes, ...] = field(Seq(H32))
    wonky: tuple[bytes, ...] = field(Seq(H32))
    offenders: tuple[bytes, ...] = field(Seq(ED25519_PUBLIC))


@struct
class DisputesExtrinsic:
    verdicts: tuple[Verdict, ...] = field(Seq(Verdict))
    culprits: tuple[Culprit, ...] = field(Seq(Culprit))
    faults: tuple[Fault, ...] = field(Seq(Fault))


# ---------------------------------------------------------------------------- preimages, assurances, guarantees


@struct
class Preimage:
    requester: int = field(U32)
    blob: bytes = field(BLOB)


PREIMAGES_EXTRINSIC = Seq(Preimage)


@struct
class AvailAssurance:
    """GP eq. (11.10) assurance: anchor, availability bitfield (⌈C/8⌉ octets), validator, signature."""

    anchor: bytes = field(H32)
    bitfield: bytes = field(Bytes("avail_bitfield_bytes"))
    validator_index: int = field(U16)
    signature: bytes = field(ED25519_SIGNATURE)


ASSURANCES_EXTRINSIC = Seq(AvailAssurance)


@struct
class ValidatorSignature:
    validator_index: int = field(U16)
    signature: bytes = field(ED25519_SIGNATURE)


@struct
class ReportGuarantee:
    """GP eq. (11.23) guarantee: report, slot, credentials."""

    report: WorkReport = field(WorkReport)
    slot: int = field(U32)
    signatures: tuple[ValidatorSignature, ...] = field(Seq(ValidatorSignature))


GUARANTEES_EXTRINSIC = Seq(ReportGuarantee)


# ---------------------------------------------------------------------------- accumulation


@struct
class ReadyRecord:
    """GP eq. (12.3) ω entry: a report and its unaccumulated dependencies."""

    report: WorkReport = field(WorkReport)
    dependencies: tuple[bytes, ...] = field(Seq(H32))


READY_QUEUE = Seq(Seq(ReadyRecord), "epoch_length")
ACCUMULATED_QUEUE = Seq(Seq(H32), "epoch_length")


@struct
class AlwaysAccumulateMapEntry:
    id: int = field(U32)
    gas: int = field(U64)


@struct
class Privileges:
    """GP eq. (9.9) χ: manager, assigners, delegator, registrar, always-accumulate."""

    bless: int = field(U32)
    assign: tuple[int, ...] = field(Seq(U32, "core_count"))
    designate: int = field(U32)
    register: int = field(U32)
    always_acc: tuple[AlwaysAccumulateMapEntry, ...] = field(Seq(AlwaysAccumulateMapEntry))


# ---------------------------------------------------------------------------- block


@struct
class EpochMarkValidatorKeys:
    bandersnatch: bytes = field(BANDERSNATCH_PUBLIC)
    ed25519: bytes = field(ED25519_PUBLIC)


@struct
class EpochMark:
    """GP eq. (6.27) H_E."""

    entropy: bytes = field(H32)
    tickets_entropy: bytes = field(H32)
    validators: tuple[EpochMarkValidatorKeys, ...] = field(Seq(EpochMarkValidatorKeys, "validators_count"))


TICKETS_MARK = Seq(TicketBody, "epoch_length")


@struct
class Header:
    """GP eq. (5.1) header; encoding GP eq. (C.22)/(C.23)."""

    parent: bytes = field(H32)
    parent_state_root: bytes = field(H32)
    extrinsic_hash: bytes = field(H32)
    slot: int = field(U32)
    epoch_mark: EpochMark | None = field(Opt(EpochMark))
    tickets_mark: tuple[TicketBody, ...] | None = field(Opt(TICKETS_MARK))
    author_index: int = field(U16)
    entropy_source: bytes = field(BANDERSNATCH_VRF_SIGNATURE)
    offenders_mark: tuple[bytes, ...] = field(Seq(ED25519_PUBLIC))
    seal: bytes = field(BANDERSNATCH_VRF_SIGNATURE)


@struct
class Extrinsic:
    """GP eq. (4.3) E = (E_T, E_P, E_G, E_A, E_D)."""

    tickets: tuple[TicketEnvelope, ...] = field(TICKETS_EXTRINSIC)
    preimages: tuple[Preimage, ...] = field(PREIMAGES_EXTRINSIC)
    guarantees: tuple[ReportGuarantee, ...] = field(GUARANTEES_EXTRINSIC)
    assurances: tuple[AvailAssurance, ...] = field(ASSURANCES_EXTRINSIC)
    disputes: DisputesExtrinsic = field(DisputesExtrinsic)


@struct
class Block:
    header: Header = field(Header)
    extrinsic: Extrinsic = field(Extrinsic)


def unsigned_header_encoding(header: Header, spec: Any) -> bytes:
    """GP eq. (C.23) E_U(H): the header encoding without the seal (the seal is its last 96 octets)."""
    return encode(header, spec)[:-96]
