"""Merkle mountain ranges and belts, GP appendix E.2 (eq. E.8–E.10). Peaks are `bytes | None`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..codec import encode_natural
from ..crypto.hashing import keccak_256

Hash = Callable[[bytes], bytes]


def mmr_append(peaks: Sequence[bytes | None], leaf: bytes, hash_fn: Hash = keccak_256) -> tuple[bytes | None, ...]:
    """GP eq. (E.8) A(r, l, H): carry the new leaf up through occupied peaks (functional)."""
    out = list(peaks)
    carry = leaf
    for n in range(len(out)):
        if out[n] is None:
            out[n] = carry
            return tuple(out)
        carry = hash_fn(out[n] + carry)
        out[n] = None
    out.append(carry)
    return tuple(out)


def mmr_encode(peaks: Sequence[bytes | None]) -> bytes:
    """GP eq. (E.9) E_M(b): ↕ of optional peaks."""
    out = bytearray()
    encode_natural(len(peaks), out)
    for p in peaks:
        out += b"\x00" if p is None else b"\x01" + p
    return bytes(out)


def mmr_super_peak(peaks: Sequence[bytes | None]) -> bytes:
    """GP eq. (E.10) M_R(b): fold the non-empty peaks with H_K("peak" ‖ acc ‖ h)."""
    hs = [p for p in peaks if p is not None]
    if not hs:
        return bytes(32)
    acc = hs[0]
    for h in hs[1:]:
        acc = keccak_256(b"peak" + acc + h)
    return acc
