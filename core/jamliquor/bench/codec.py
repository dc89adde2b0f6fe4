"""`jamliquor bench codec`: encode/decode throughput on the largest block and state in the trace vectors."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..codec import decode, encode
from ..spec import TINY
from ..types import Block
from ..vectors import default_root
from ..vectors.traces import RawState, TraceStep, step_files


def _rate(fn, size: int, min_seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return size * n / elapsed / 1e6


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    root = default_root() / "traces"
    if not root.exists():
        raise SystemExit(f"no trace vectors at {root} (set JAM_TEST_VECTORS)")
    steps = [p for d in sorted(root.iterdir()) if d.is_dir() for p in step_files(d)]
    if quick:
        steps = steps[::25]
    decoded = [decode(TraceStep, p.read_bytes(), TINY) for p in steps]
    block = max((s.block for s in decoded), key=lambda b: len(encode(b, TINY)))
    state = max((s.post_state for s in decoded), key=lambda s: len(encode(s, TINY)))
    seconds = 0.05 if quick else 1.0
    for label, value, desc in (("largest block", block, Block), ("largest state (key/values)", state, RawState)):
        data = encode(value, TINY)
        yield f"{label}: size", len(data) / 1024, "KiB"
        yield f"{label}: decode", _rate(lambda: decode(desc, data, TINY), len(data), seconds), "MB/s"
        yield f"{label}: encode", _rate(lambda: encode(value, TINY), len(data), seconds), "MB/s"
