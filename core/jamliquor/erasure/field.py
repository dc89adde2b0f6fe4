"""GF(2^16) of GP appendix H: x^16 + x^5 + x^3 + x^2 + 1, with words read in the Cantor basis."""

from __future__ import annotations

from array import array
from functools import lru_cache

POLY = 0x1002D  # x^16 + x^5 + x^3 + x^2 + 1
ORDER = 0xFFFF

# The Cantor basis v_0..v_15 as polynomials in α (the exponents that are set), GP appendix H.
CANTOR_BASIS_EXPONENTS = (
    (0,),
    (15, 13, 11, 10, 7, 6, 3, 1),
    (13, 12, 11, 10, 3, 2, 1),
    (12, 10, 9, 5, 4, 3, 2, 1),
    (15, 14, 10, 8, 7, 1),
    (15, 14, 13, 11, 10, 8, 5, 3, 2, 1),
    (15, 12, 8, 6, 3, 2),
    (14, 4, 1),
    (14, 13, 11, 10, 7, 4, 3),
    (12, 7, 6, 4, 3),
    (14, 13, 11, 9, 6, 5, 4, 1),
    (15, 13, 12, 11, 8),
    (15, 14, 13, 12, 11, 10, 8, 7, 5, 4, 3),
    (15, 14, 13, 12, 11, 9, 8, 5, 4, 2),
    (15, 14, 13, 12, 11, 10, 9, 8, 5, 4, 3),
    (15, 12, 11, 8, 4, 3, 2, 1),
)


class FieldError(ValueError):
    pass


@lru_cache(maxsize=1)
def tables() -> tuple[array, array, array, array]:
    """(exp, log, to_standard, from_standard): built once (≈ 1 MB)."""
    exp = array("H", [0]) * (2 * ORDER)
    log = array("H", [0]) * 65536
    x = 1
    for i in range(ORDER):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x & 0x10000:
            x ^= POLY
    if x != 1:
        raise FieldError("x^16+x^5+x^3+x^2+1 did not generate the multiplicative group")
    for i in range(ORDER, 2 * ORDER):
        exp[i] = exp[i - ORDER]
    basis = [sum(1 << e for e in exps) for exps in CANTOR_BASIS_EXPONENTS]
    to_std = array("H", [0]) * 65536
    for w in range(1, 65536):
        low = w & -w
        to_std[w] = to_std[w ^ low] ^ basis[low.bit_length() - 1]
    from_std = array("H", [0]) * 65536
    for w in range(65536):
        from_std[to_std[w]] = w
    return exp, log, to_std, from_std


def mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    exp, log, _, _ = tables()
    return exp[log[a] + log[b]]


def inv(a: int) -> int:
    if a == 0:
        raise ZeroDivisionError("zero has no inverse in GF(2^16)")
    exp, log, _, _ = tables()
    return exp[(ORDER - log[a]) % ORDER]
