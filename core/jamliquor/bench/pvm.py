"""`jamliquor bench pvm`: PVM instructions per second on a CPU-bound guest, and program-load time.

Reaches the VM only through the `execute` hook (the jamliquor-polkavm plugin or any other).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..codec import decode_natural
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
    for path in case_paths(default_root() / "stf" / "accumulate" / "tiny")[:10]:
        case = load_case(TestCase, path, TINY)
        for account in case.pre_state.accounts:
            for p in account.data.preimage_blobs:
                if p.hash == account.data.service.code_hash and len(p.blob) > len(best):
                    best = p.blob
    if not best:
        return None
    meta_len, pos = decode_natural(best, 0)
    return best[pos + meta_len :]


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    host = PluginHost()
    iterations = 20_000 if quick else 250_000
    request = ExecuteRequest(_loop_program(iterations), gas=10**12, standard=False)
    try:
        start = time.perf_counter()
        result = host.require("execute", "jamliquor-polkavm", request=request)
    except MissingHookError as exc:
        yield f"skipped: {exc}", 0.0, ""
        return
    elapsed = time.perf_counter() - start
    assert result.exit is ExitReason.HALT, result.exit
    yield f"CPU-bound loop ({result.gas_used:,} instructions)", result.gas_used / elapsed, "instructions/s"

    code = _service_code()
    if code is not None:
        for label in ("first load + 1 step (decodes the program)", "repeat load + 1 step (decoded program cached)"):
            start = time.perf_counter()
            host.require("execute", "jamliquor-polkavm", request=ExecuteRequest(code, gas=1, argument=b""))
            yield f"service blob ({len(code):,} octets): {label}", (time.perf_counter() - start) * 1000, "ms"
