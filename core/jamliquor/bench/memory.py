"""`jamliquor bench memory`: peak RSS and mean ImportBlock time of `jamliquor fuzz-target` per
workload — the recorded 0.7.2 fuzzer sessions (`../shared/fuzz-proto/examples/0.7.2`, whose
"fuzzy" service grows its heap by hundreds of MB) and every official trace category — each in a
fresh target process, so each peak is that workload's own. The edge budget is 128 MB.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..fuzz.client import TargetProcess, recorded_session, replay, trace_session
from ..spec import TINY
from ..vectors import default_root


def sessions_root() -> Path:
    """The recorded sessions: `$JAM_FUZZ_EXAMPLES`, else `../shared/fuzz-proto/examples/0.7.2`."""
    env = os.environ.get("JAM_FUZZ_EXAMPLES")
    return Path(env) if env else Path.cwd().parent / "shared" / "fuzz-proto" / "examples" / "0.7.2"


CATEGORIES = ("fallback", "safrole", "storage", "storage_light", "preimages", "preimages_light")


def workloads(quick: bool) -> Iterator[tuple[str, Iterator]]:
    sessions = sessions_root()
    if sessions.is_dir():
        for name in ("no_forks",) if quick else ("no_forks", "forks"):
            yield f"session {name}", recorded_session(sessions / name)
    traces = default_root() / "traces"
    for category in CATEGORIES[:1] if quick else CATEGORIES:
        if (traces / category).is_dir():
            yield f"trace {category}", trace_session(traces / category, TINY)


def measure(messages: Iterator) -> tuple[float, float, float, int]:
    """(peak RSS MB with the VRF verifier child, of the target alone, mean ImportBlock ms, blocks)
    of one workload in a fresh target."""
    with tempfile.TemporaryDirectory(prefix="jamliquor-bench-") as tmp:
        target = TargetProcess(Path(tmp), TINY)
        try:
            times = replay(target, messages)
            return target.peak_rss_mb(), target.own_peak_rss_mb(), statistics.mean(times) if times else 0.0, len(times)
        finally:
            target.close()


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    for label, messages in workloads(quick):
        rss, own, mean_ms, blocks = measure(messages)
        yield f"{label}: peak RSS (with the VRF verifier child)", rss, "MB"
        yield f"{label}: peak RSS (target process alone)", own, "MB"
        yield f"{label}: mean ImportBlock ({blocks} blocks)", mean_ms, "ms"
