"""XMSS parameter sets: RFC 8391 §5.3 and NIST SP 800-208 §5 (OIDs, hash, n, tree height).

Only what the sets fix is here; WOTS+ has w = 16 throughout (RFC 8391 §5.2), so
len1 = 2n, len2 = 3 and len = 2n + 3 for n ∈ {24, 32, 64}.
"""

from __future__ import annotations

import math

import attrs

W = 16
LOG_W = 4


@attrs.frozen(slots=True)
class Params:
    name: str  # scheme name as offered through the hooks, e.g. "xmss-sha2_10_256"
    oid: int
    func: str  # "sha2" (SHA-256, or SHA-512 for n = 64), "shake128", "shake256"
    n: int
    height: int  # total tree height h
    layers: int = 1  # d (XMSS^MT when > 1)
    padding: int = 0  # bytes of toByte(X, ·) before each hash: n, except 4 for n = 24 (SP 800-208)

    @property
    def tree_height(self) -> int:
        return self.height // self.layers

    @property
    def len1(self) -> int:
        return 8 * self.n // LOG_W

    @property
    def len2(self) -> int:
        return math.floor(math.log2(self.len1 * (W - 1)) / LOG_W) + 1

    @property
    def wots_len(self) -> int:
        return self.len1 + self.len2

    @property
    def index_bytes(self) -> int:
        return 4 if self.layers == 1 else math.ceil(self.height / 8)

    @property
    def signature_bytes(self) -> int:
        return self.index_bytes + self.n + self.layers * (self.wots_len + self.tree_height) * self.n

    @property
    def public_bytes(self) -> int:
        return 4 + 2 * self.n  # OID ‖ root ‖ PUB_SEED

    @property
    def secret_bytes(self) -> int:
        return 4 + self.index_bytes + 4 * self.n  # OID ‖ idx ‖ SK_SEED ‖ SK_PRF ‖ root ‖ PUB_SEED

    @property
    def seed_bytes(self) -> int:
        return 3 * self.n  # SK_SEED ‖ SK_PRF ‖ PUB_SEED

    @property
    def signatures(self) -> int:
        return 1 << self.height


def _xmss(name: str, oid: int, func: str, n: int, h: int) -> Params:
    return Params(f"xmss-{name}", oid, func, n, h, 1, 4 if n == 24 else n)


_SETS = [
    # RFC 8391 §5.3 (Table 2 OIDs)
    ("sha2_10_256", 0x01, "sha2", 32, 10), ("sha2_16_256", 0x02, "sha2", 32, 16), ("sha2_20_256", 0x03, "sha2", 32, 20),
    ("sha2_10_512", 0x04, "sha2", 64, 10), ("sha2_16_512", 0x05, "sha2", 64, 16), ("sha2_20_512", 0x06, "sha2", 64, 20),
    ("shake_10_256", 0x07, "shake128", 32, 10), ("shake_16_256", 0x08, "shake128", 32, 16), ("shake_20_256", 0x09, "shake128", 32, 20),
    ("shake_10_512", 0x0A, "shake256", 64, 10), ("shake_16_512", 0x0B, "shake256", 64, 16), ("shake_20_512", 0x0C, "shake256", 64, 20),
    # SP 800-208 §5
    ("sha2_10_192", 0x0D, "sha2", 24, 10), ("sha2_16_192", 0x0E, "sha2", 24, 16), ("sha2_20_192", 0x0F, "sha2", 24, 20),
    ("shake256_10_256", 0x10, "shake256", 32, 10), ("shake256_16_256", 0x11, "shake256", 32, 16), ("shake256_20_256", 0x12, "shake256", 32, 20),
    ("shake256_10_192", 0x13, "shake256", 24, 10), ("shake256_16_192", 0x14, "shake256", 24, 16), ("shake256_20_192", 0x15, "shake256", 24, 20),
]

_MT_SHAPES = [(20, 2), (20, 4), (40, 2), (40, 4), (40, 8), (60, 3), (60, 6), (60, 12)]
_MT_FAMILIES = [  # RFC 8391 §5.4 (OIDs 0x01–0x20), SP 800-208 §5 (0x21–0x38), eight shapes each
    ("sha2", "sha2", 32), ("sha2", "sha2", 64), ("shake", "shake128", 32), ("shake", "shake256", 64),
    ("sha2", "sha2", 24), ("shake256", "shake256", 32), ("shake256", "shake256", 24),
]


def _xmssmt() -> list[Params]:
    out = []
    for family, (prefix, func, n) in enumerate(_MT_FAMILIES):
        for k, (h, d) in enumerate(_MT_SHAPES):
            out.append(Params(f"xmssmt-{prefix}_{h}/{d}_{8 * n}", 8 * family + k + 1, func, n, h, d, 4 if n == 24 else n))
    return out


XMSS_PARAMS: dict[str, Params] = {p.name: p for p in (_xmss(*row) for row in _SETS)}
XMSSMT_PARAMS: dict[str, Params] = {p.name: p for p in _xmssmt()}
PARAMS: dict[str, Params] = {**XMSS_PARAMS, **XMSSMT_PARAMS}
BY_OID: dict[int, Params] = {p.oid: p for p in XMSS_PARAMS.values()}
