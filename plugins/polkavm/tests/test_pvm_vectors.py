"""`jamliquor conformance pvm` over ../shared/pvm-vectors (GP v0.7.2 appendix A instruction cases)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jamliquor.conformance import run_suite
from jamliquor.plugins import default_host
from jamliquor.conformance.suites.pvm import BLOCK_GAS_ON_FAULT

from backends import require_compiled_backend

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"


def pvm_vectors(shared: Path = SHARED) -> Path:
    """The cases directory; missing vectors fail (not skip) under CI or wherever ../shared exists."""
    programs = Path(os.environ.get("JAM_PVM_VECTORS", shared / "pvm-vectors")) / "pvm" / "programs"
    if programs.is_dir():
        return programs
    if os.environ.get("CI") == "true" or shared.exists():
        pytest.fail(f"PVM vectors missing at {programs} (../shared/pvm-vectors; or set JAM_PVM_VECTORS)")
    pytest.skip("PVM vectors not available (no ../shared; set JAM_PVM_VECTORS)")


@pytest.mark.parametrize("path", ["native", "compiled", "stepped"])
def test_pvm_vectors_pass_but_the_documented_gas_convention(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the compiled backend and on both paths of the Python backend."""
    from jamliquor_polkavm import backend, cache, runloop

    require_compiled_backend()
    default_host()  # created (and configured from the environment) before the backend is forced
    monkeypatch.setattr(backend, "_setting", "compiled" if path == "native" else "python")
    monkeypatch.setattr(runloop, "COMPILE_AFTER", 1 if path == "compiled" else 1 << 62)
    cache.clear()
    lines: list[str] = []
    passed, failed = run_suite("pvm", pvm_vectors(), emit=lines.append)
    ran = cache.entries()
    assert ran and all((e.native is not None, e.python is not None) == (path == "native", path != "native") for e in ran)
    cache.clear()
    assert (passed, failed) == (298, 0), "\n".join(lines[:8])
    known = {line.split(":")[0].removeprefix("KNOWN ") for line in lines if line.startswith("KNOWN ")}
    assert known == BLOCK_GAS_ON_FAULT
    assert lines[-1] == "298 passed, 0 failed, 9 known convention differences (KNOWN above)"


def test_missing_pvm_vectors_fail_where_shared_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAM_PVM_VECTORS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception):
        pvm_vectors(tmp_path)  # ../shared exists, pvm-vectors does not
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        pvm_vectors(tmp_path / "absent")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        pvm_vectors(tmp_path / "absent")


def test_conformance_pvm_command_exit_status() -> None:
    import subprocess
    import sys

    cli = Path(sys.executable).parent / "jamliquor"
    ok = subprocess.run([str(cli), "conformance", "pvm", str(pvm_vectors() / "inst_add_32.json")],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.strip().endswith("1 passed, 0 failed"), ok.stdout + ok.stderr
    known = subprocess.run([str(cli), "conformance", "pvm", str(pvm_vectors() / "inst_store_imm_u8_trap_inaccessible.json")],
                           capture_output=True, text=True, timeout=120)
    assert known.returncode == 0 and known.stdout.startswith("KNOWN "), known.stdout + known.stderr
