"""Fisher–Yates shuffle driven by entropy, GP appendix F (utilities.tex, eq. F.1–F.3)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def numbers_from_hash(entropy: bytes, count: int) -> list[int]:
    """GP eq. (F.2) Q_l(h): l 32-bit numbers, eight from each blake2b(h ‖ E_4(⌊i/8⌋))."""
    out: list[int] = []
    for block in range((count + 7) // 8):
        digest = hashlib.blake2b(entropy + struct.pack("<I", block), digest_size=32).digest()
        out.extend(struct.unpack("<8I", digest))
    return out[:count]


def shuffle_with(seq: Sequence[T], numbers: Sequence[int]) -> list[T]:
    """GP eq. (F.1): take s[r_0 mod l], move the last element into its place, recurse on the rest."""
    s = list(seq)
    out: list[T] = []
    for r in numbers[: len(s)]:
        l = len(s)
        i = r % l
        out.append(s[i])
        s[i] = s[l - 1]
        s.pop()
    return out


def shuffle(seq: Sequence[T], entropy: bytes) -> list[T]:
    """GP eq. (F.3) F(s, h): shuffle `seq` with numbers derived from the 32-byte `entropy`."""
    return shuffle_with(seq, numbers_from_hash(bytes(entropy), len(seq)))
