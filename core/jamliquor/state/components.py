"""The state components σ of GP eq. (4.4) and their serialization T(σ) of GP eq. (D.2)."""

from __future__ import annotations

from ..codec import H32, U32, Seq, field, struct
from .. import types as T


@struct
class SafroleState:
    """γ = (γ_P pending keys, γ_Z ring root, γ_S sealing-key series, γ_A ticket accumulator); C(4)."""

    pending: tuple = field(T.VALIDATORS_DATA)
    ring_root: bytes = field(T.BANDERSNATCH_RING_COMMITMENT)
    sealing_keys: object = field(T.TICKETS_OR_KEYS)
    ticket_accumulator: tuple = field(T.TICKETS_ACCUMULATOR)


@struct
class AccumulationOutput:
    """θ entry: a service and the hash it yielded from accumulation; C(16)."""

    service: int = field(U32)
    hash: bytes = field(H32)


# name → (C(i) index, descriptor). Names are the GP's symbols spelled out.
COMPONENTS: dict[str, tuple[int, object]] = {
    "auth_pools": (1, T.AUTH_POOLS),  # α
    "auth_queues": (2, T.AUTH_QUEUES),  # φ
    "recent_blocks": (3, T.RecentBlocks),  # β
    "safrole": (4, SafroleState),  # γ
    "disputes": (5, T.DisputesRecords),  # ψ
    "entropy": (6, T.ENTROPY_BUFFER),  # η
    "queued_validators": (7, T.VALIDATORS_DATA),  # ι
    "current_validators": (8, T.VALIDATORS_DATA),  # κ
    "previous_validators": (9, T.VALIDATORS_DATA),  # λ
    "availability": (10, T.AVAILABILITY_ASSIGNMENTS),  # ρ
    "timeslot": (11, U32),  # τ
    "privileges": (12, T.Privileges),  # χ
    "statistics": (13, T.Statistics),  # π
    "ready_queue": (14, T.READY_QUEUE),  # ω (ϑ)
    "accumulated": (15, T.ACCUMULATED_QUEUE),  # ξ
    "accumulation_outputs": (16, Seq(AccumulationOutput)),  # θ
}
