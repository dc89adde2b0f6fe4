"""Erasure coding of GP appendix H: systematic Reed–Solomon over GF(2^16) in the Cantor basis.

A piece of k_d = W_E/2 words (342 full, 2 tiny) is read as evaluations of a polynomial at the
points 0̃ … (k_d−1)̃. As in the Lin–Chung–Han transform the GP cites (and as the vectors require),
the message is zero-padded to the power-of-two domain D ≥ k_d (512 full, 2 tiny): p has degree
< D, p(ĩ) = 0 for k_d ≤ i < D, and chunk j ≥ k_d is p at the point D + (j − k_d). (For tiny, D =
k_d and this is exactly the GP's plain interpolation.) Encoding and recovery are Lagrange
interpolation with barycentric weights cached per point set, applied to all pieces at once
(`lanes.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache

from ..errors import JamLiquorError
from ..spec import ChainSpec
from . import lanes
from .field import inv, mul, tables

__all__ = ["ErasureError", "encode", "reconstruct", "data_shards"]


class ErasureError(JamLiquorError, ValueError):
    """Too few chunks, chunks of unequal or odd size, or indices out of range."""


def data_shards(spec: ChainSpec) -> int:
    """k_d: words per piece, W_E / 2 (342 full, 2 tiny): the chunks needed to recover."""
    return spec.ec_piece_size // 2


def _matrix(sources: tuple[int, ...], targets: tuple[int, ...]) -> Iterator[tuple[tuple[int, int], ...]]:
    """For each target point, the (source position, log of Lagrange coefficient) pairs."""
    exp, log, to_std, _ = tables()
    xs = [to_std[s] for s in sources]
    weights = []
    for i, xi in enumerate(xs):  # w_i = 1 / Π_{l≠i} (x_i − x_l)
        d = 1
        for l, xl in enumerate(xs):
            if l != i:
                d = mul(d, xi ^ xl)
        weights.append(inv(d))
    for t in targets:
        xt = to_std[t]
        if xt in xs:  # the target is one of the known points: copy it
            yield ((xs.index(xt), 0),)
            continue
        total = 1  # ℓ(x_t) = Π_l (x_t − x_l)
        for xl in xs:
            total = mul(total, xt ^ xl)
        row = []
        for i, xi in enumerate(xs):  # L_i(x_t) = w_i · ℓ(x_t) / (x_t − x_i)
            c = mul(mul(weights[i], total), inv(xt ^ xi))
            if c:
                row.append((i, log[c]))
        yield tuple(row)


@lru_cache(maxsize=8)
def _indices(sources: tuple[int, ...], targets: tuple[int, ...], live: int) -> tuple:
    """The lane tables' index arrays for interpolating from `sources` (only the first `live` of
    them non-zero) to `targets`; cached per point set (≈ 2 MB for the full spec)."""
    return lanes.index_arrays(_matrix(sources, targets), live)


def _domain(kd: int) -> int:
    return 1 << (kd - 1).bit_length()


def _point(j: int, kd: int) -> int:
    """The evaluation point index of chunk j."""
    return j if j < kd else _domain(kd) + j - kd


BATCH = 256  # pieces processed together (each source's tables then take ~45 KB × 64)


def _batches(k: int) -> list[tuple[int, int]]:
    return [(p, min(k, p + BATCH)) for p in range(0, k, BATCH)]


def encode(data: bytes, spec: ChainSpec) -> list[bytes]:
    """GP eq. (H.4) C_k: pad `data` to a multiple of 2·k_d octets and return the V chunks of 2k octets."""
    n, kd = spec.validators_count, data_shards(spec)
    piece = 2 * kd
    if len(data) % piece:
        data = data + bytes(piece - len(data) % piece)
    if not data:
        data = bytes(piece)
    k = len(data) // piece  # word i of piece p sits at d[2k·i + 2p]: chunk i is d[2k·i : 2k·(i+1)]
    chunks = [data[2 * k * i : 2 * k * (i + 1)] for i in range(kd)]
    # the padding points beyond k_d are zero
    indices = _indices(tuple(range(_domain(kd))), tuple(_point(j, kd) for j in range(kd, n)), kd)
    parity = [bytearray() for _ in range(kd, n)]
    for p0, p1 in _batches(k):
        words = [int.from_bytes(c[2 * p0 : 2 * p1], "little") for c in chunks]
        for out, value in zip(parity, lanes.apply(words, indices, p1 - p0)):
            out += value.to_bytes(2 * (p1 - p0), "little")
    return chunks + [bytes(c) for c in parity]


def reconstruct(chunks: Mapping[int, bytes], spec: ChainSpec, size: int | None = None) -> bytes:
    """GP eq. (H.5) R_k: the data from any k_d chunks (index → chunk); `size` trims the padding."""
    n, kd = spec.validators_count, data_shards(spec)
    if len(chunks) < kd:
        raise ErasureError(f"{len(chunks)} chunks; at least {kd} are needed")
    chosen = sorted(chunks)[:kd]
    if any(not 0 <= i < n for i in chosen):
        raise ErasureError(f"chunk index out of range 0..{n - 1}")
    lengths = {len(chunks[i]) for i in chosen}
    if len(lengths) != 1 or lengths.pop() % 2:
        raise ErasureError("chunks must all have the same even length")
    if chosen == list(range(kd)):  # the systematic chunks are the data
        data = b"".join(bytes(chunks[i]) for i in chosen)
        return data if size is None else data[:size]
    k = len(chunks[chosen[0]]) // 2
    zeros = tuple(range(kd, _domain(kd)))  # the padding points are known to be zero
    indices = _indices(tuple(_point(j, kd) for j in chosen) + zeros, tuple(range(kd)), kd)
    out = [bytearray() for _ in range(kd)]
    for p0, p1 in _batches(k):
        words = [int.from_bytes(chunks[i][2 * p0 : 2 * p1], "little") for i in chosen]
        for target, value in zip(out, lanes.apply(words, indices, p1 - p0)):
            target += value.to_bytes(2 * (p1 - p0), "little")
    data = b"".join(out)
    return data if size is None else data[:size]
