"""Block-level differential runs: the accumulate vectors, every trace category and both recorded
fuzz sessions pass on each PVM backend, forced in-process (`pvm_backend`). The kernel's own
suites run on the configured backend (`auto`: compiled where built); this module runs each
backend explicitly, once."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from jamliquor.codec import decode, encode
from jamliquor.conformance import run_suite
from jamliquor.fuzz.messages import MESSAGE
from jamliquor.fuzz.target import FuzzTarget
from jamliquor.plugins import default_host
from jamliquor.spec import TINY
from jamliquor.store import StateStore

from backends import require_compiled_backend

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
EXAMPLES = SHARED / "fuzz-proto" / "examples" / "0.7.2"
CATEGORIES = ["fallback", "safrole", "storage", "storage_light", "preimages", "preimages_light"]


def _needed(path: Path, what: str) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI") == "true" or SHARED.exists():
        pytest.fail(f"{what} missing at {path}")
    pytest.skip(f"{what} not available")


def _vectors() -> Path:
    env = os.environ.get("JAM_TEST_VECTORS")
    return _needed(Path(env) if env else REPO / ".jam-vectors", "JAM test vectors (make vectors)")


@pytest.fixture(params=["compiled", "python"])
def pvm_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from jamliquor_polkavm import backend, cache

    if request.param == "compiled":
        require_compiled_backend()
    default_host()  # created (and configured from the environment) before the backend is forced
    monkeypatch.setattr(backend, "_setting", request.param)
    cache.clear()
    yield request.param
    ran = cache.entries()  # the forced backend really ran (and only it)
    assert all((e.native is not None, e.python is not None) == (request.param == "compiled", request.param == "python") for e in ran)
    cache.clear()


def test_accumulate_vectors(pvm_backend: str) -> None:
    lines: list[str] = []
    passed, failed = run_suite("accumulate", _vectors() / "stf" / "accumulate" / "tiny", emit=lines.append)
    assert failed == 0 and passed > 0, "\n".join(lines[:5])


@pytest.mark.parametrize("category", CATEGORIES)
def test_trace_category(pvm_backend: str, category: str) -> None:
    lines: list[str] = []
    passed, failed = run_suite("traces", _vectors() / "traces" / category, emit=lines.append)
    assert (passed, failed) == (100, 0), "\n".join(lines[:5])


@pytest.mark.parametrize("session", ["no_forks", "forks"])
def test_recorded_fuzz_session(pvm_backend: str, session: str) -> None:
    """Every reply of the recorded session, byte for byte (in-process, no socket)."""
    directory = _needed(EXAMPLES / session, "recorded fuzz session")
    requests = sorted(p for p in directory.glob("*.bin") if "_fuzzer_" in p.name)
    replies = sorted(p for p in directory.glob("*.bin") if "_target_" in p.name)
    assert len(requests) == len(replies) > 100
    with tempfile.TemporaryDirectory() as tmp:
        target = FuzzTarget(StateStore(tmp), TINY)
        for request, reply in zip(requests, replies):
            got = encode(target.handle(decode(MESSAGE, request.read_bytes(), TINY)), TINY, MESSAGE)
            want = reply.read_bytes()
            if want[0] in (0, 255):  # PeerInfo and Error: only the kind must match (texts differ)
                assert got[0] == want[0], f"{request.name}: reply kind {got[0]}, want {want[0]}"
            else:
                assert got == want, f"{request.name}: reply differs"
