"""Benchmarks: `jamliquor bench NAME`.

A benchmark is a module `jamliquor.bench.<name>` defining

    def run(quick: bool) -> Iterable[tuple[str, float, str]]

yielding (label, value, unit) rows, printed as a table. `quick` shrinks the work (for tests).
Numbers are measured here, never asserted on in tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable


def available_benchmarks() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load_benchmark(name: str):
    if name not in available_benchmarks():
        raise KeyError(f"unknown benchmark {name!r}; available: {', '.join(available_benchmarks()) or 'none'}")
    return importlib.import_module(f"{__name__}.{name}")


def ops_per_second(fn: Callable[[], object], seconds: float) -> float:
    """How many times `fn` runs per second, timed for at least `seconds`."""
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed
