"""The JIP-2 methods (`specs/JIP-2.md`), each a function of the node's `ChainView` and its
parsed arguments to a JSON-ready result.

Service data is read from the posterior state's serialization (GP v0.7.2 eq. (D.1)–(D.2)):
service info at C(255, s), storage at C(s, E_4(2^32-1) ‖ k), preimages at C(s, E_4(2^32-2) ‖ h),
lookup requests at C(s, E_4(l) ‖ h). Values are returned as stored ("encoded as per the GP").
Results with several items are JSON arrays in JIP-2's order (`bestBlock` → `[Hash, Slot]`);
single-item results are the bare value; `null` where JIP-2 says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ...codec import U32, Seq, decode, encode
from ...crypto.hashing import blake2b_256
from ...errors import JamLiquorError
from ...spec import ChainSpec
from ...state import ChainState
from ...state.components import COMPONENTS
from ...state.keys import component_key, preimage_key, request_key, service_info_key, service_of_info_key, storage_key
from ..view import ChainView
from .jsonrpc import BLOCK_UNAVAILABLE, PREIMAGE_REFUSED, RpcError
from .wire import b64, block_ref, parse_args

STATISTICS_KEY = component_key(COMPONENTS["statistics"][0])  # C(13): π
_TIMESLOTS = Seq(U32)


def parameters_v1(spec: ChainSpec) -> dict[str, int]:
    """JIP-2 "Chain Parameters" (version 1) from the chain spec, by the GP symbol each names."""
    return {
        "deposit_per_account": spec.base_deposit,  # B_S
        "deposit_per_item": spec.item_deposit,  # B_I
        "deposit_per_byte": spec.byte_deposit,  # B_L
        "min_turnaround_period": spec.preimage_expunge_period,  # D
        "epoch_period": spec.epoch_length,  # E
        "max_accumulate_gas": spec.report_acc_gas,  # G_A
        "max_is_authorized_gas": spec.package_auth_gas,  # G_I
        "max_refine_gas": spec.max_refine_gas,  # G_R
        "block_gas_limit": spec.max_block_gas,  # G_T
        "recent_block_count": spec.recent_history_len,  # H
        "max_work_items": spec.max_package_items,  # I
        "max_dependencies": spec.max_report_deps,  # J
        "max_tickets_per_block": spec.max_tickets_per_block,  # K
        "max_lookup_anchor_age": spec.max_lookup_anchor_age,  # L
        "tickets_attempts_number": spec.tickets_per_validator,  # N
        "auth_window": spec.auth_pool_size,  # O
        "auth_queue_len": spec.auth_queue_size,  # Q
        "rotation_period": spec.rotation_period,  # R
        "max_extrinsics": spec.max_package_extrinsics,  # T
        "availability_timeout": spec.assurance_timeout_period,  # U
        "val_count": spec.validators_count,  # V
        "max_input": spec.max_bundle_size,  # W_B
        "max_refine_code_size": spec.max_service_code_size,  # W_C
        "basic_piece_len": spec.ec_piece_size,  # W_E
        "max_imports": spec.max_package_imports,  # W_M
        "max_is_authorized_code_size": spec.max_auth_code_size,  # W_A in the GP, W_I in JIP-2
        "max_exports": spec.max_package_exports,  # W_X
    }


def _state_or_error(view: ChainView, header_hash: bytes) -> ChainState:
    state = view.state(header_hash)
    if state is None:
        raise RpcError(BLOCK_UNAVAILABLE, "block unknown or its posterior state pruned", b64(header_hash))
    return state


def _optional_b64(raw: bytes | None) -> str | None:
    return None if raw is None else b64(raw)


# --------------------------------------------------------------------------- chain


def parameters(view: ChainView) -> dict[str, Any]:
    return {"V1": parameters_v1(view.spec)}


def best_block(view: ChainView) -> list[Any]:
    return block_ref(view.best())


def finalized_block(view: ChainView) -> list[Any]:
    return block_ref(view.finalized())


def parent(view: ChainView, header_hash: bytes) -> list[Any] | None:
    ref = view.parent(header_hash)
    return None if ref is None else block_ref(ref)


def state_root(view: ChainView, header_hash: bytes) -> str | None:
    """M_σ (GP eq. (D.5)) of the block's posterior state."""
    state = view.state(header_hash)
    return None if state is None else b64(state.root())


def statistics(view: ChainView, header_hash: bytes) -> str | None:
    """π (GP eq. (13.1)) of the posterior state, as serialized at C(13)."""
    state = view.state(header_hash)
    if state is not None:
        raw = state.kv.get(STATISTICS_KEY)
        return _optional_b64(raw)
    stats = view.statistics(header_hash)  # a node may keep π for blocks whose state it pruned
    return None if stats is None else b64(encode(stats, view.spec))


def beefy_root(view: ChainView, header_hash: bytes) -> str | None:
    """The block's BEEFY root: the accumulation-output belt's super-peak its own β_H entry
    records in the posterior state (GP `eq:recenthistorydef`, recent_history.tex)."""
    state = view.state(header_hash)
    if state is None:
        return None
    for entry in reversed(state["recent_blocks"].history):
        if entry.header_hash == header_hash:
            return b64(entry.beefy_root)
    return None


# --------------------------------------------------------------------------- services


def service_data(view: ChainView, header_hash: bytes, service: int) -> str | None:
    """The service's info as serialized at C(255, s) (GP eq. (D.2)); null if the state or the
    service is unknown (JIP-2's `None` and `Some(None)` are both `null` in JSON)."""
    state = view.state(header_hash)
    return None if state is None else _optional_b64(state.kv.get(service_info_key(service)))


def service_value(view: ChainView, header_hash: bytes, service: int, key: bytes) -> str | None:
    return _optional_b64(_state_or_error(view, header_hash).kv.get(storage_key(service, key)))


def service_preimage(view: ChainView, header_hash: bytes, service: int, blob_hash: bytes) -> str | None:
    return _optional_b64(_state_or_error(view, header_hash).kv.get(preimage_key(service, blob_hash)))


def request_slots(state: ChainState, service: int, blob_hash: bytes, length: int) -> list[int] | None:
    """The lookup-request history a_l[(h, l)] (GP eq. (9.3)): up to three slots, or None."""
    raw = state.kv.get(request_key(service, blob_hash, length))
    return None if raw is None else list(decode(_TIMESLOTS, raw, state.spec))


def service_request(view: ChainView, header_hash: bytes, service: int, blob_hash: bytes, length: int) -> list[int] | None:
    return request_slots(_state_or_error(view, header_hash), service, blob_hash, length)


def list_services(view: ChainView, header_hash: bytes) -> list[int]:
    """Every service with an info key C(255, s) in the posterior state, ascending."""
    state = _state_or_error(view, header_hash)
    return sorted(s for s in map(service_of_info_key, state.kv) if s is not None)


def submit_preimage(view: ChainView, service: int, blob: bytes, anchor: bytes) -> None:
    """Offer `blob` for `service`'s outstanding request. Refused unless `anchor` is on the best
    chain (at most L blocks below its head) and, in its posterior state, the service requests
    (H(blob), |blob|) and has not had it provided: the request history is [] (GP eq. (12.37) Y)."""
    header = view.header(anchor)
    if header is None:
        raise RpcError(BLOCK_UNAVAILABLE, "anchor block unknown", b64(anchor))
    if not _on_best_chain(view, anchor, header.slot):
        raise RpcError(PREIMAGE_REFUSED, f"anchor block is not on the best chain within {view.spec.max_lookup_anchor_age} blocks of its head")
    state = _state_or_error(view, anchor)
    if state.service_info(service) is None:
        raise RpcError(PREIMAGE_REFUSED, f"service {service} does not exist at the anchor block")
    if request_slots(state, service, blake2b_256(blob), len(blob)) != []:
        raise RpcError(PREIMAGE_REFUSED, f"service {service} has no outstanding request for this preimage at the anchor block")
    try:
        view.submit_preimage(service, blob)
    except RpcError:
        raise
    except JamLiquorError as exc:  # the pool's typed refusal (e.g. larger than the whole pool)
        raise RpcError(PREIMAGE_REFUSED, f"preimage refused: {exc}") from None
    return None


def _on_best_chain(view: ChainView, header_hash: bytes, slot: int) -> bool:
    """Whether the block is the best head or one of its last L ancestors (slots only decrease)."""
    ref = view.best()
    for _ in range(view.spec.max_lookup_anchor_age + 1):
        if ref.header_hash == header_hash:
            return True
        if ref.slot <= slot:
            return False
        parent_ref = view.parent(ref.header_hash)
        if parent_ref is None:
            return False
        ref = parent_ref
    return False


# --------------------------------------------------------------------------- table


@attrs.frozen(slots=True)
class Method:
    """A JIP-2 method: its argument types and the function answering it."""

    args: tuple[str, ...]
    answer: Callable[..., Any]

    def __call__(self, view: ChainView, params: list[Any]) -> Any:
        return self.answer(view, *parse_args(params, self.args))


METHODS: dict[str, Method] = {
    "parameters": Method((), parameters),
    "bestBlock": Method((), best_block),
    "finalizedBlock": Method((), finalized_block),
    "parent": Method(("Hash",), parent),
    "stateRoot": Method(("Hash",), state_root),
    "statistics": Method(("Hash",), statistics),
    "beefyRoot": Method(("Hash",), beefy_root),
    "serviceData": Method(("Hash", "ServiceId"), service_data),
    "serviceValue": Method(("Hash", "ServiceId", "Blob"), service_value),
    "servicePreimage": Method(("Hash", "ServiceId", "Hash"), service_preimage),
    "serviceRequest": Method(("Hash", "ServiceId", "Hash", "u32"), service_request),
    "listServices": Method(("Hash",), list_services),
    "submitPreimage": Method(("ServiceId", "Blob", "Hash"), submit_preimage),
}
