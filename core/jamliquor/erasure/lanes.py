"""GF(2^16) linear maps applied to many words at once ("lanes" of one Python integer).

Word p of a run of n words sits in bits 16p … 16p+15 of one int (exactly `int.from_bytes` of
the little-endian words), so one big-integer operation acts on all n words. Multiplying by a
constant is GF(2)-linear, so each source is expanded once into nibble tables of its multiples
(method of the four Russians); a target is then the XOR of one table entry per (source, nibble
of its coefficient), done by `functools.reduce` over a precomputed index array — no Python loop
per word or per piece. This is what makes erasure coding practical in pure Python.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from functools import lru_cache, reduce
from operator import xor

from .field import POLY, tables

_NIBBLES = 4  # a 16-bit coefficient is four 4-bit table lookups


def _ones(lanes: int) -> int:
    """Bit 0 of every lane set."""
    return ((1 << (16 * lanes)) - 1) // 0xFFFF


def _linear(x: int, images: list[int], ones: int) -> int:
    """Apply the GF(2)-linear map with `images[b]` = image of bit b to every lane of x."""
    acc = 0
    for b, image in enumerate(images):
        if image:
            acc ^= ((x >> b) & ones) * image
    return acc


@lru_cache(maxsize=1)
def _basis_images() -> tuple[list[int], list[int]]:
    """Images of the 16 unit words under Cantor → standard and standard → Cantor."""
    _, _, to_std, from_std = tables()
    return [to_std[1 << b] for b in range(16)], [from_std[1 << b] for b in range(16)]


def _multiples_table(x_std: int, ones: int) -> list[int]:
    """For one source (standard representation): 16 entries per nibble position q, entry n =
    (n · α^{4q}) · x, so c · x is the XOR of entry ((c >> 4q) & 15) over q."""
    keep = ones * 0x7FFF
    low_poly = POLY & 0xFFFF
    powers = [x_std]  # α^e · x for e = 0 … 15
    for _ in range(15):
        y = powers[-1]
        powers.append(((y & keep) << 1) ^ (((y >> 15) & ones) * low_poly))
    table: list[int] = []
    for q in range(_NIBBLES):
        row = [0] * 16
        for n in range(1, 16):
            low = n & -n
            row[n] = row[n ^ low] ^ powers[4 * q + low.bit_length() - 1]
        table += row
    return table


def index_arrays(rows: Iterable[tuple[tuple[int, int], ...]], live: int) -> tuple[array, ...]:
    """Per target, the flat table indices of its (source, coefficient-nibble) terms; sources
    at positions ≥ `live` are known to be zero and dropped. `rows` holds (source, log c) pairs."""
    exp = tables()[0]
    out = []
    for row in rows:
        idx = array("H")
        for i, log_c in row:
            if i >= live:
                continue
            c = exp[log_c]
            for q in range(_NIBBLES):
                nibble = (c >> (4 * q)) & 15
                if nibble:
                    idx.append((i * _NIBBLES + q) * 16 + nibble)
        out.append(idx)
    return tuple(out)


def apply(sources: list[int], indices: tuple[array, ...], lanes: int) -> list[int]:
    """Targets (Cantor words, lane-packed) from lane-packed Cantor `sources` and `index_arrays`."""
    to_std_images, from_std_images = _basis_images()
    ones = _ones(lanes)
    flat: list[int] = []
    for x in sources:
        flat += _multiples_table(_linear(x, to_std_images, ones), ones)
    lookup = flat.__getitem__
    return [_linear(reduce(xor, map(lookup, idx), 0), from_std_images, ones) for idx in indices]
