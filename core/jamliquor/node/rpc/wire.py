"""JIP-2's argument and result types on the wire: `Hash` and `Blob` as padded base64 (RFC 4648
§4), `Slot`, `ServiceId` and `u32` as JSON numbers in [0, 2^32 - 1], and `bool`.

A malformed argument is `invalid params` naming its position and what was wrong; base64 must be
canonical (padded, standard alphabet, zero unused bits) so one value has exactly one spelling.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from ..view import BlockRef
from .jsonrpc import invalid_params

HASH_SIZE = 32
U32_MAX = 2**32 - 1


def b64(data: bytes) -> str:
    """`Hash` / `Blob`: padded standard base64."""
    return base64.b64encode(data).decode("ascii")


def block_ref(ref: BlockRef) -> list[Any]:
    """The `Hash, Slot` pair of bestBlock, finalizedBlock and parent."""
    return [b64(ref.header_hash), ref.slot]


def blob_arg(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise invalid_params(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_params(f"{what} is not padded base64 (RFC 4648)") from None
    if b64(raw) != value:
        raise invalid_params(f"{what} is not canonical base64 (non-zero unused bits)")
    return raw


def hash_arg(value: Any, what: str) -> bytes:
    raw = blob_arg(value, what)
    if len(raw) != HASH_SIZE:
        raise invalid_params(f"{what} decodes to {len(raw)} bytes, a hash is {HASH_SIZE}")
    return raw


def u32_arg(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_params(f"{what} must be an integer")
    if not 0 <= value <= U32_MAX:
        raise invalid_params(f"{what} = {value} is outside 0..2^32-1")
    return value


def bool_arg(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_params(f"{what} must be true or false")
    return value


ARGUMENTS: dict[str, Callable[[Any, str], Any]] = {
    "Hash": hash_arg,
    "Blob": blob_arg,
    "Slot": u32_arg,
    "ServiceId": u32_arg,
    "u32": u32_arg,
    "bool": bool_arg,
}


def parse_args(params: list[Any], kinds: tuple[str, ...], optional_last: Any = None) -> list[Any]:
    """Positional arguments of the JIP-2 types `kinds`. With `optional_last` given, the last
    argument may be left out and takes that value."""
    if optional_last is not None and len(params) == len(kinds) - 1:
        params = [*params, optional_last]
    if len(params) != len(kinds):
        wanted = ", ".join(kinds) or "none"
        raise invalid_params(f"expected {len(kinds)} argument(s) ({wanted}), got {len(params)}")
    return [ARGUMENTS[kind](value, f"argument {i + 1} ({kind})") for i, (kind, value) in enumerate(zip(kinds, params))]
