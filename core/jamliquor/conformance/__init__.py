"""Conformance runner: `jamliquor conformance SUITE PATH`.

A suite is a module `jamliquor.conformance.suites.<name>` defining

    def run(path: pathlib.Path, spec: ChainSpec | None) -> Iterable[CaseResult]

which yields one `CaseResult` per case found under PATH (any directory in the official
test-vector layout). `spec` is the chain spec forced by the user, or None to let the suite
infer it from the path (see `jamliquor.spec.spec_of_path`). Every suite shares one output
contract: a line per failing case naming the first difference (and a KNOWN line per documented
convention difference), then `N passed, M failed`.
A suite that cannot run some cases (the implementation's interface cannot express them) yields
one `CaseResult` per such group with `skipped` saying why and `count` cases: a `SKIP` line
each, and `, K skipped` on the closing line. A suite whose prerequisites are missing raises
`ConformanceError` from `run` itself, before yielding anything.
"""

from __future__ import annotations

import importlib
import pkgutil
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from ..errors import JamLiquorError
from ..spec import ChainSpec
from . import suites as _suites_pkg


@attrs.frozen(slots=True)
class CaseResult:
    name: str
    error: str | None = None  # None: passed; otherwise why it failed (first differing field)
    # A documented convention difference between the vectors and JamLiquor (what differs and
    # why): reported as KNOWN, counted neither passed nor failed.
    known: str | None = None
    skipped: str | None = None  # not run, and why (then `count` cases were not run)
    count: int = 1

    @property
    def passed(self) -> bool:
        return self.error is None and self.known is None and self.skipped is None


class ConformanceError(JamLiquorError):
    """The suite could not run at all (unknown suite, missing path)."""


def available_suites() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(_suites_pkg.__path__) if not m.name.startswith("_"))


def load_suite(name: str):
    if name not in available_suites():
        raise ConformanceError(f"unknown suite {name!r}; available: {', '.join(available_suites())}")
    return importlib.import_module(f"{_suites_pkg.__name__}.{name}")


def run_suite(
    name: str, path: Path, spec: ChainSpec | None = None, emit: Callable[[str], None] = print
) -> tuple[int, int]:
    """Run suite `name` over `path`, emit a line per failure and the closing line; return (passed, failed)."""
    suite = load_suite(name)
    path = Path(path)
    if not path.exists():
        raise ConformanceError(f"path does not exist: {path}")
    passed = failed = known = skipped = 0
    results: Iterable[CaseResult] = suite.run(path, spec)
    try:
        for result in results:
            if result.skipped is not None:
                skipped += result.count
                emit(f"SKIP {result.name}: {result.skipped}")
            elif result.known is not None and result.error is None:
                known += 1
                emit(f"KNOWN {result.name}: {result.known}")
            elif result.passed:
                passed += 1
            else:
                failed += 1
                emit(f"FAIL {result.name}: {result.error}")
    except Exception as exc:  # a suite bug must still produce the contract's closing line
        failed += 1
        emit(f"FAIL <suite {name}>: {type(exc).__name__}: {exc}")
        emit(traceback.format_exc().rstrip())
    emit(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
         + (f", {known} known convention differences (KNOWN above)" if known else ""))
    return passed, failed


def guarded(name: str, check: Callable[[], str | None]) -> CaseResult:
    """Run one case's check; an unexpected exception is that case's failure, not the suite's."""
    try:
        return CaseResult(name, check())
    except Exception as exc:
        return CaseResult(name, f"{type(exc).__name__}: {exc}")


def case_files(path: Path, suffix: str) -> list[Path]:
    """Case files under `path` (a file or a directory, searched recursively), sorted."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob(f"*{suffix}") if p.is_file())
