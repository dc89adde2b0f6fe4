"""`jamliquor bench erasure`: erasure encode / reconstruct throughput (GP appendix H)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..erasure import data_shards, encode, reconstruct
from ..spec import FULL, TINY


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    size = 4104 * 8 if quick else 4104 * 64
    data = bytes(i * 7 % 251 for i in range(size))
    for spec in (TINY, FULL):
        encode(data[:64], spec)  # build the cached tables outside the timing
        start = time.perf_counter()
        chunks = encode(data, spec)
        yield f"encode {size:,} B, {spec.name}", size / (time.perf_counter() - start) / 1e6, "MB/s"
        n, kd = spec.validators_count, data_shards(spec)
        parity = {i: chunks[i] for i in range(n - kd, n)}
        reconstruct({i: c[:4] for i, c in parity.items()}, spec)  # warm the recovery weights
        start = time.perf_counter()
        assert reconstruct(parity, spec, size) == data
        yield f"reconstruct {size:,} B from parity only, {spec.name}", size / (time.perf_counter() - start) / 1e6, "MB/s"
