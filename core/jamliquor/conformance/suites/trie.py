"""`jamliquor conformance trie PATH`: state-trie roots of `trie/trie.json` (list of {input, output}).

Note: the published `trie.json` follows an older, least-significant-bit-first `bits` convention;
GP v0.7.2 (notation.tex) and its block-import traces use most-significant-first, which is what
JamLiquor implements. Cases whose expected root differs only by that convention are reported as
such, so the failure names the cause.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from ...merkle.trie import state_root
from ...spec import ChainSpec
from .. import CaseResult, case_files, guarded


def _legacy_lsb_root(kv: dict[bytes, bytes]) -> bytes:
    """The root under the old least-significant-bit-first convention (diagnosis only)."""
    def h(b: bytes) -> bytes:
        return hashlib.blake2b(b, digest_size=32).digest()

    def bit(k: bytes, i: int) -> int:
        return (k[i >> 3] >> (i & 7)) & 1

    def m(items: list, d: int) -> bytes:
        if not items:
            return bytes(32)
        if len(items) == 1:
            k, v = items[0]
            if len(v) <= 32:
                return h(bytes((1 | len(v) << 2,)) + k + v + bytes(32 - len(v)))
            return h(b"\x03" + k + h(v))
        left = m([x for x in items if not bit(x[0], d)], d + 1)
        right = m([x for x in items if bit(x[0], d)], d + 1)
        return h(bytes((left[0] & 0xFE,)) + left[1:] + right)

    return m(sorted(kv.items()), 0)


def _check(case: dict) -> str | None:
    kv = {bytes.fromhex(k.removeprefix("0x"))[:31]: bytes.fromhex(v.removeprefix("0x")) for k, v in case["input"].items()}
    want = bytes.fromhex(case["output"].removeprefix("0x"))
    got = state_root(kv)
    if got == want:
        return None
    if _legacy_lsb_root(kv) == want:
        return "expected root follows an LSB-first bit order; GP v0.7.2 bits() is MSB-first, as are its traces"
    return f"root {got.hex()}, want {want.hex()}"


def run(path: Path, spec: ChainSpec | None) -> Iterator[CaseResult]:
    for file in case_files(path, ".json"):
        cases = json.loads(file.read_text())
        for i, case in enumerate(cases):
            yield guarded(f"{file.name}[{i}]", lambda case=case: _check(case))
