"""Erasure coding of GP appendix H: systematic Reed–Solomon over GF(2^16) in the Cantor basis.

A piece of k_d = W_E/2 words (342 full, 2 tiny) is read as evaluations of a polynomial at the
points 0̃ … (k_d−1)̃. As in the Lin–Chung–Han transform the GP cites (and as the vectors require),
the message is zero-padded to the power-of-two domain D ≥ k_d (512 full, 2 tiny): p has degree
< D, p(ĩ) = 0 for k_d ≤ i < D, and chunk j ≥ k_d is p at the point D + (j − k_d). (For tiny, D =
k_d and this is exactly the GP's plain interpolation.) Encoding and recovery are Lagrange
interpolation with barycentric weights cached per point set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from ..spec import ChainSpec
from .field import inv, mul, tables

__all__ = ["ErasureError", "encode", "reconstruct", "data_shards"]


class ErasureError(ValueError):
    """Too few chunks, chunks of unequal or odd size, or indices out of range."""


def data_shards(spec: ChainSpec) -> int:
    """k_d: words per piece, W_E / 2 (342 full, 2 tiny): the chunks needed to recover."""
    return spec.ec_piece_size // 2


@lru_cache(maxsize=16)
def _matrix(sources: tuple[int, ...], targets: tuple[int, ...]) -> tuple[tuple[tuple[int, int], ...], ...]:
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
    rows = []
    for t in targets:
        xt = to_std[t]
        if xt in xs:  # the target is one of the known points: copy it
            rows.append(((xs.index(xt), 0),))
            continue
        total = 1  # ℓ(x_t) = Π_l (x_t − x_l)
        for xl in xs:
            total = mul(total, xt ^ xl)
        row = []
        for i, xi in enumerate(xs):  # L_i(x_t) = w_i · ℓ(x_t) / (x_t − x_i)
            c = mul(mul(weights[i], total), inv(xt ^ xi))
            if c:
                row.append((i, log[c]))
        rows.append(tuple(row))
    return tuple(rows)


def _interpolate(words: Sequence[int], sources: tuple[int, ...], targets: tuple[int, ...]) -> list[int]:
    """Values (Cantor representation) at `targets` of the polynomial through (sources, words)."""
    exp, log, to_std, from_std = tables()
    logs = [log[to_std[w]] if w else -1 for w in words]
    out = []
    for row in _matrix(sources, targets):
        acc = 0
        for i, lc in row:
            lw = logs[i]
            if lw >= 0:
                acc ^= exp[lw + lc]
        out.append(from_std[acc])
    return out


def _domain(kd: int) -> int:
    return 1 << (kd - 1).bit_length()


def _point(j: int, kd: int) -> int:
    """The evaluation point index of chunk j."""
    return j if j < kd else _domain(kd) + j - kd


def encode(data: bytes, spec: ChainSpec) -> list[bytes]:
    """GP eq. (H.4) C_k: pad `data` to a multiple of 2·k_d octets and return the V chunks of 2k octets."""
    n, kd = spec.validators_count, data_shards(spec)
    piece = 2 * kd
    if len(data) % piece:
        data = data + bytes(piece - len(data) % piece)
    k = max(1, len(data) // piece)
    if not data:
        data = bytes(piece)
    padding = [0] * (_domain(kd) - kd)
    sources = tuple(range(_domain(kd)))
    targets = tuple(_point(j, kd) for j in range(kd, n))
    chunks = [bytearray() for _ in range(n)]
    for p in range(k):  # piece p: word i sits at d[2k·i + 2p]
        words = [data[2 * k * i + 2 * p] | data[2 * k * i + 2 * p + 1] << 8 for i in range(kd)]
        for i, w in enumerate(words):
            chunks[i] += w.to_bytes(2, "little")
        for j, w in zip(range(kd, n), _interpolate(words + padding, sources, targets)):
            chunks[j] += w.to_bytes(2, "little")
    return [bytes(c) for c in chunks]


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
    k = len(chunks[chosen[0]]) // 2
    zeros = tuple(range(kd, _domain(kd)))  # the padding points are known to be zero
    sources = tuple(_point(j, kd) for j in chosen) + zeros
    targets = tuple(range(kd))
    out = bytearray(2 * kd * k)
    for p in range(k):
        words = [chunks[i][2 * p] | chunks[i][2 * p + 1] << 8 for i in chosen] + [0] * len(zeros)
        values = words[:kd] if sources[:kd] == targets else _interpolate(words, sources, targets)
        for i, w in enumerate(values):
            out[2 * k * i + 2 * p : 2 * k * i + 2 * p + 2] = w.to_bytes(2, "little")
    data = bytes(out)
    return data if size is None else data[:size]


