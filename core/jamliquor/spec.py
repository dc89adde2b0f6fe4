"""Chain-spec constants (GP v0.7.2 §"Constants", definitions.tex) for the `tiny` and `full` specs.

This is the only place protocol constants live. Code takes a `ChainSpec` (usually the one
selected by configuration) and never hard-codes a spec-dependent size. `full` carries the
Graypaper's values; `tiny` overrides the ones listed in the test vectors' README / lib/tiny-const.asn.
"""

from __future__ import annotations

import hashlib

import attrs

from .errors import JamLiquorError


@attrs.frozen(slots=True)
class ChainSpec:
    name: str
    validators_count: int  # V
    core_count: int  # C
    epoch_length: int  # E
    ticket_submission_end: int  # Y (contest duration): slot in the epoch at which ticket submission ends
    tickets_per_validator: int  # N
    max_tickets_per_block: int  # K
    rotation_period: int  # R
    preimage_expunge_period: int  # D
    max_block_gas: int  # G_T: total accumulation gas per block
    max_refine_gas: int  # G_R
    ec_piece_size: int  # W_E (octets)
    segment_ec_pieces: int  # W_P
    # Spec-independent GP constants (same in both specs, kept here so nothing is written twice).
    report_acc_gas: int = 10_000_000  # G_A
    package_auth_gas: int = 50_000_000  # G_I
    recent_history_len: int = 8  # H
    auth_pool_size: int = 8  # O
    auth_queue_size: int = 80  # Q
    max_package_items: int = 16  # I
    max_report_deps: int = 8  # J
    max_lookup_anchor_age: int = 14_400  # L
    assurance_timeout_period: int = 5  # U
    item_deposit: int = 10  # B_I
    byte_deposit: int = 1  # B_L
    base_deposit: int = 100  # B_S
    min_public_service_index: int = 2**16  # S
    max_package_extrinsics: int = 128  # T
    max_package_imports: int = 3_072  # W_M
    max_package_exports: int = 3_072  # W_X
    max_auth_code_size: int = 64_000  # W_A
    max_bundle_size: int = 13_791_360  # W_B
    max_service_code_size: int = 4_000_000  # W_C
    max_report_var_size: int = 48 * 2**10  # W_R
    memo_size: int = 128  # W_T
    slot_seconds: int = 6  # P
    pvm_dyn_addr_align: int = 2  # Z_A
    pvm_init_input_size: int = 2**24  # Z_I
    pvm_page_size: int = 2**12  # Z_P
    pvm_init_zone_size: int = 2**16  # Z_Z

    @property
    def segment_size(self) -> int:  # W_G = W_P * W_E = 4104
        return self.segment_ec_pieces * self.ec_piece_size

    @property
    def validators_super_majority(self) -> int:  # ⌊2V/3⌋ + 1
        return 2 * self.validators_count // 3 + 1

    @property
    def avail_bitfield_bytes(self) -> int:  # ⌈C/8⌉
        return (self.core_count + 7) // 8

    @property
    def validators_per_core(self) -> int:
        return self.validators_count // self.core_count


FULL = ChainSpec(
    name="full",
    validators_count=1023,
    core_count=341,
    epoch_length=600,
    ticket_submission_end=500,
    tickets_per_validator=2,
    max_tickets_per_block=16,
    rotation_period=10,
    preimage_expunge_period=19_200,
    max_block_gas=3_500_000_000,
    max_refine_gas=5_000_000_000,
    ec_piece_size=684,
    segment_ec_pieces=6,
)

TINY = ChainSpec(
    name="tiny",
    validators_count=6,
    core_count=2,
    epoch_length=12,
    ticket_submission_end=10,
    tickets_per_validator=3,
    max_tickets_per_block=3,
    rotation_period=4,
    preimage_expunge_period=32,
    max_block_gas=20_000_000,
    max_refine_gas=1_000_000_000,
    ec_piece_size=4,
    segment_ec_pieces=1026,
    max_lookup_anchor_age=24,  # L scaled like D (fuzz-proto README: "for the tiny spec … 24")
)

SPECS: dict[str, ChainSpec] = {"tiny": TINY, "full": FULL}


class UnknownSpecError(JamLiquorError, ValueError):
    """Raised for a chain-spec name other than those in `SPECS`."""


def get_spec(name: str) -> ChainSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise UnknownSpecError(f"unknown chain spec {name!r}; available: {', '.join(SPECS)}") from None


def spec_of_path(path: object) -> ChainSpec | None:
    """Guess the spec from a vector path (`.../tiny/...` or `.../full/...`); None if neither."""
    parts = str(path).replace("\\", "/").split("/")
    for name in ("tiny", "full"):
        if name in parts:
            return SPECS[name]
    return None


# GP B.5 fetch(ω_10 = 0): the protocol parameters as (octets, field), in the GP's order. JIP-4
# chainspec files carry the same encoding as `protocol_parameters`.
PARAMETER_LAYOUT: tuple[tuple[int, str], ...] = (
    (8, "item_deposit"), (8, "byte_deposit"), (8, "base_deposit"), (2, "core_count"),
    (4, "preimage_expunge_period"), (4, "epoch_length"), (8, "report_acc_gas"), (8, "package_auth_gas"),
    (8, "max_refine_gas"), (8, "max_block_gas"), (2, "recent_history_len"), (2, "max_package_items"),
    (2, "max_report_deps"), (2, "max_tickets_per_block"), (4, "max_lookup_anchor_age"),
    (2, "tickets_per_validator"), (2, "auth_pool_size"), (2, "slot_seconds"), (2, "auth_queue_size"),
    (2, "rotation_period"), (2, "max_package_extrinsics"), (2, "assurance_timeout_period"),
    (2, "validators_count"), (4, "max_auth_code_size"), (4, "max_bundle_size"), (4, "max_service_code_size"),
    (4, "ec_piece_size"), (4, "max_package_imports"), (4, "segment_ec_pieces"), (4, "max_report_var_size"),
    (4, "memo_size"), (4, "max_package_exports"), (4, "ticket_submission_end"),
)
PARAMETERS_SIZE = sum(n for n, _ in PARAMETER_LAYOUT)


class ParametersError(JamLiquorError, ValueError):
    """A protocol-parameters blob of the wrong size or with impossible values."""


def encode_parameters(spec: ChainSpec) -> bytes:
    """The GP B.5 encoding of `spec`'s protocol parameters."""
    return b"".join(getattr(spec, name).to_bytes(n, "little") for n, name in PARAMETER_LAYOUT)


def decode_parameters(blob: bytes, name: str | None = None) -> ChainSpec:
    """The chain spec a GP B.5 parameters blob describes: `tiny` or `full` when it is exactly
    theirs, else a spec named `name` or, by default, after the blob's hash (the codec caches
    per spec name, so distinct parameters must never share one)."""
    if len(blob) != PARAMETERS_SIZE:
        raise ParametersError(f"protocol parameters are {len(blob)} bytes, want {PARAMETERS_SIZE}")
    for known in SPECS.values():
        if encode_parameters(known) == blob:
            return known
    values, pos = {}, 0
    for n, field_name in PARAMETER_LAYOUT:
        values[field_name] = int.from_bytes(blob[pos : pos + n], "little")
        pos += n
    for field_name in ("validators_count", "core_count", "epoch_length", "tickets_per_validator", "slot_seconds"):
        if values[field_name] == 0:
            raise ParametersError(f"protocol parameter {field_name} is 0")
    if not values["ticket_submission_end"] <= values["epoch_length"]:
        raise ParametersError("ticket submission end Y lies beyond the epoch length E")
    label = name or "custom-" + hashlib.blake2b(blob, digest_size=4).hexdigest()
    return ChainSpec(name=label, **values)
