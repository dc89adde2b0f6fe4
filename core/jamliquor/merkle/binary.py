"""Binary Merkle trees of GP appendix E.1 (merklization.tex, "General Merklization")."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..crypto.hashing import blake2b_256

Hash = Callable[[bytes], bytes]
ZERO_HASH = bytes(32)


def node(items: Sequence[bytes], hash_fn: Hash = blake2b_256) -> bytes:
    """GP eq. (E.1) N(v, H): the zero hash, the lone item, or H("node" ‖ N(left) ‖ N(right))."""
    n = len(items)
    if n == 0:
        return ZERO_HASH
    if n == 1:
        return items[0]
    mid = (n + 1) // 2
    return hash_fn(b"node" + node(items[:mid], hash_fn) + node(items[mid:], hash_fn))


def well_balanced_root(items: Sequence[bytes], hash_fn: Hash = blake2b_256) -> bytes:
    """GP eq. (E.3) M_B(v, H): a lone item is hashed; otherwise N(v, H)."""
    if len(items) == 1:
        return hash_fn(items[0])
    return node(items, hash_fn)


def constant_depth_leaves(items: Sequence[bytes], hash_fn: Hash = blake2b_256) -> list[bytes]:
    """GP eq. (E.7) C(v, H): H("leaf" ‖ v_i), padded with zero hashes to a power of two."""
    size = 1
    while size < max(1, len(items)):
        size *= 2
    return [hash_fn(b"leaf" + x) for x in items] + [ZERO_HASH] * (size - len(items))


def constant_depth_root(items: Sequence[bytes], hash_fn: Hash = blake2b_256) -> bytes:
    """GP eq. (E.4) M(v, H) = N(C(v, H), H)."""
    return node(constant_depth_leaves(items, hash_fn), hash_fn)
