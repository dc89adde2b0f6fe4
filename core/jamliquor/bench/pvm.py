"""`jamliquor bench pvm`: PVM instructions per second on a CPU-bound guest and program-load
time, for the compiled and the Python backend side by side in one run.

Reaches the VM only through the `execute` hook (the jamliquor-polkavm plugin or any other); the
backend is chosen with the `pvm_backend` setting, handed over through the `configure` hook.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import attrs

from ..codec import decode_natural
from ..config import load_config
from ..execution import ExecuteRequest, ExitReason, program_blob
from ..plugins import MissingHookError, PluginHost
from ..spec import TINY
from ..vectors import default_root

HALT = (1 << 32) - (1 << 16)


def _loop_program(iterations: int) -> bytes:
    """r1 = n; loop: r2 += r1; r3 ^= r2; r1 -= 1; branch_ne r1, r0(=0) → loop; halt.
    Four instructions per iteration (add_64, xor, add_imm_64, branch_ne_imm)."""
    def imm(v: int, n: int = 4) -> bytes:
        return (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little")

    ins = [
        bytes([51, 1]) + imm(iterations),  # load_imm r1, n
        bytes([200, 2 | 1 << 4, 2]),  # add_64 r2 = r2 + r1
        bytes([211, 3 | 2 << 4, 3]),  # xor r3 = r3 ^ r2
        bytes([149, 1 | 1 << 4]) + imm(-1),  # add_imm_64 r1 = r1 - 1
        bytes([82, 1 | 4 << 4]) + imm(0) + imm(-(3 + 3 + 6)),  # branch_ne_imm r1, 0 → add_64
        bytes([20, 12]) + imm(HALT, 8),  # load_imm_64 r12, halt address
        bytes([50, 12]) + imm(0),  # jump_ind r12
    ]
    # the loop head must start a basic block: put a fallthrough before it
    ins.insert(1, bytes([1]))
    return program_blob(ins)


def _service_code() -> bytes | None:
    """The largest service code blob in the accumulate vectors (a preimage E(↕m, c))."""
    from ..stf.accumulate_types import TestCase
    from ..vectors.stf import case_paths, load_case

    best = b""
    for path in case_paths(default_root() / "stf" / "accumulate" / "tiny"):
        case = load_case(TestCase, path, TINY)
        for account in case.pre_state.accounts:
            for p in account.data.preimage_blobs:
                if p.hash == account.data.service.code_hash and len(p.blob) > len(best):
                    best = p.blob
    if not best:
        return None
    meta_len, pos = decode_natural(best, 0)
    return best[pos + meta_len :]


def _host(backend: str, host: PluginHost | None = None) -> PluginHost:
    """A host whose PVM runs on `backend` from now on (the plugin reads `pvm_backend`, handed
    over through `configure`; the setting is the plugin's, so it holds for every host)."""
    host = host or PluginHost()
    host.configure(attrs.evolve(load_config(), pvm_backend=backend))
    return host


def _loop_rate(host: PluginHost, backend: str, iterations: int, repeat: int = 3) -> tuple[int, float]:
    """Instructions per second, the best of `repeat` runs (the machine may be shared)."""
    _host(backend, host)
    request = ExecuteRequest(_loop_program(iterations), gas=10**12, standard=False)
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        result = host.require("execute", "jamliquor-polkavm", request=request)
        elapsed = time.perf_counter() - start
        assert result.exit is ExitReason.HALT, result.exit
        best = max(best, result.gas_used / elapsed)
    return result.gas_used, best


_COLD = """
import sys, time
from jamliquor.bench.pvm import _host, _service_code
from jamliquor.execution import ExecuteRequest
code = _service_code()
host = _host(sys.argv[1])
for _ in range(2):
    start = time.perf_counter()
    host.require("execute", "jamliquor-polkavm", request=ExecuteRequest(code, gas=1, argument=b""))
    print((time.perf_counter() - start) * 1000)
"""


def _load_times(backend: str) -> tuple[float, float] | None:
    """(cold, cached) ms to load the largest service blob and run one instruction, in a fresh
    process so that nothing about the blob is cached yet."""
    out = subprocess.run([sys.executable, "-c", _COLD, backend], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"service-blob load on the {backend} backend failed: {out.stderr.strip()[-500:]}")
    cold, cached = (float(x) for x in out.stdout.split())
    return cold, cached


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    host = PluginHost()
    try:
        _loop_rate(host, "python", 10, repeat=1)
    except MissingHookError as exc:
        yield f"skipped: {exc}", 0.0, ""
        return
    status = _host("compiled", host).status("polkavm") or ""
    compiled = status.startswith("pvm backend: compiled")
    if not compiled:
        yield f"compiled backend unavailable ({status}); python only", 0.0, ""
    rates = {}
    for backend, iterations in (("python", 20_000 if quick else 250_000), ("compiled", 200_000 if quick else 10_000_000)):
        if backend == "compiled" and not compiled:
            continue
        n, rate = _loop_rate(host, backend, iterations)
        rates[backend] = rate
        yield f"CPU-bound loop, {backend} backend ({n:,} instructions, best of 3)", rate, "instructions/s"
    if len(rates) == 2:
        yield "CPU-bound loop: compiled / python", rates["compiled"] / rates["python"], "x"

    code = _service_code()
    if code is None:
        return
    for backend in rates:
        cold, cached = _load_times(backend)
        yield f"service blob ({len(code):,} octets), {backend}: cold load (deblob + decode) + 1 step", cold, "ms"
        yield f"service blob ({len(code):,} octets), {backend}: cached load + 1 step", cached, "ms"
