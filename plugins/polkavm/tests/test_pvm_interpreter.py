"""PVM (GP appendix A): instruction classes, exits, memory faults, gas boundaries, blobs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jamliquor.execution import ExecuteRequest, ExitReason, HostOutcome, MemoryRegion, ProgramBlobError
from jamliquor.plugins import PluginHost

from jamliquor_polkavm.interpreter import M64
from jamliquor_polkavm.plugin import execute
from jamliquor_polkavm.program import deblob
from backends import require_compiled_backend
from pvm_asm import (
    HALT, blob, imm, branch_imm, branch_reg, ecalli, fallthrough, halt_via, jump, jump_ind, load_imm, load_imm_64,
    offset_of, reg_imm, standard, three_reg, trap, two_reg, two_reg_imm,
)


@pytest.fixture(autouse=True, params=["native", "compiled", "stepped"])
def vm_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test runs on the compiled (C) backend, and on the Python backend both with
    superblocks compiled on first visit and with single stepping only."""
    from jamliquor_polkavm import backend, cache, runloop

    require_compiled_backend()
    monkeypatch.setattr(backend, "_setting", "compiled" if request.param == "native" else "python")
    monkeypatch.setattr(runloop, "COMPILE_AFTER", 1 if request.param == "compiled" else 1 << 62)
    cache.clear()
    yield request.param
    cache.clear()


def run_raw(instructions: list[bytes], gas: int = 1000, registers: list[int] | None = None, host=None, jumps=()):
    return execute(ExecuteRequest(blob(instructions, jumps), gas, standard=False, registers=registers, host=host))


def compute(instructions: list[bytes], registers: list[int] | None = None) -> list[int]:
    result = run_raw(instructions + halt_via(12), registers=registers)
    assert result.exit is ExitReason.HALT, result
    return result.registers


@pytest.mark.parametrize(
    "op, a, b, want",
    [
        (200, 5, 7, 12), (201, 5, 7, (5 - 7) & M64), (202, 1 << 63, 2, 0), (203, 7, 0, M64), (203, 7, 2, 3),
        (204, (-7) & M64, 2, (-3) & M64), (204, 1 << 63, M64, 1 << 63), (205, 7, 0, 7), (206, (-7) & M64, 2, (-1) & M64),
        (206, 1 << 63, M64, 0), (207, 1, 65, 2), (208, 8, 2, 2), (209, (-8) & M64, 1, (-4) & M64),
        (190, 0xFFFFFFFF, 1, 0), (191, 0, 1, M64), (192, 0x10000, 0x10000, 0), (193, 1, 0, M64),
        (194, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFF80000000), (195, 9, 0, 9), (196, 0x80000000, 0xFFFFFFFF, 0),
        (197, 1, 31, 0xFFFFFFFF80000000), (198, 0x80000000, 31, 1), (199, 0x80000000, 31, M64),
        (210, 0b1100, 0b1010, 0b1000), (211, 0b1100, 0b1010, 0b0110), (212, 0b1100, 0b1010, 0b1110),
        (213, M64, M64, 0), (214, M64, M64, M64 - 1), (215, M64, 2, M64), (216, 1, 2, 1), (217, M64, 0, 1),
        (220, 1 << 63, 1, 1), (221, 0x80000000, 1, 1), (222, 1, 1, 1 << 63), (223, 1, 1, 0xFFFFFFFF80000000),
        (224, 0b1100, 0b1010, 0b0100), (225, 0, M64, 0), (226, 0, 0, M64), (227, M64, 1, 1), (228, M64, 1, M64),
        (229, M64, 1, M64), (230, M64, 1, 1),
    ],
)
def test_three_register_arithmetic(op: int, a: int, b: int, want: int) -> None:
    regs = compute([load_imm_64(1, a), load_imm_64(2, b), three_reg(op, 3, 1, 2)])
    assert regs[3] == want


@pytest.mark.parametrize(
    "op, b, x, want",
    [
        (131, 0xFFFFFFFF, 1, 0), (132, 0xFF, 0x0F, 0x0F), (134, 0xF0, 0x0F, 0xFF), (136, 1, 2, 1),
        (138, 1, 31, 0xFFFFFFFF80000000), (141, 1, 0, 0xFFFFFFFFFFFFFFFF), (149, 1, -1, 0), (150, 3, 3, 9),
        (151, 1, 63, 1 << 63), (153, 1 << 63, 63, M64), (154, 1, 3, 2), (158, 1, 1, 1 << 63),
    ],
)
def test_two_register_immediate_arithmetic(op: int, b: int, x: int, want: int) -> None:
    regs = compute([load_imm_64(2, b), two_reg_imm(op, 1, 2, x)])
    assert regs[1] == want


@pytest.mark.parametrize(
    "op, a, want",
    [(100, 9, 9), (102, M64, 64), (103, M64, 32), (104, 1, 63), (105, 1, 31), (106, 8, 3), (107, 0, 32),
     (108, 0x80, M64 - 0x7F), (109, 0x8000, M64 - 0x7FFF), (110, 0x12345, 0x2345), (111, 0x0102030405060708, 0x0807060504030201)],
)
def test_two_register_bit_operations(op: int, a: int, want: int) -> None:
    regs = compute([load_imm_64(2, a), two_reg(op, 1, 2)])
    assert regs[1] == want


def test_load_imm_sign_extends() -> None:
    assert compute([load_imm(1, -2)])[1] == M64 - 1


def test_trap_panics_and_charges_gas() -> None:
    result = run_raw([trap()], gas=10)
    assert result.exit is ExitReason.PANIC and result.gas_remaining == 9 and result.pc == 0


def test_running_off_the_end_panics() -> None:
    assert run_raw([fallthrough()]).exit is ExitReason.PANIC


def test_gas_exhaustion_at_exact_boundary() -> None:
    program = [load_imm(1, 1), load_imm(2, 2)] + halt_via(12)  # four instructions
    ok = run_raw(program, gas=4)
    assert ok.exit is ExitReason.HALT and ok.gas_remaining == 0 and ok.gas_used == 4
    short = run_raw(program, gas=3)
    assert short.exit is ExitReason.OUT_OF_GAS and short.gas_remaining == -1 and short.gas_used == 3
    assert short.pc == offset_of(program, 3)  # the instruction that could not be paid for
    assert run_raw(program, gas=0).exit is ExitReason.OUT_OF_GAS


def test_page_fault_reports_page_and_charges_the_faulting_instruction() -> None:
    # Gas follows the recorded 0.7.2 conformance session, which charges the faulting instruction.
    result = run_raw([load_imm(1, 7), reg_imm(59, 1, 0x20010)], gas=10)  # store_u8 to an unmapped page
    assert result.exit is ExitReason.FAULT and result.fault_address == 0x20000
    assert result.gas_remaining == 8 and result.pc == offset_of([load_imm(1, 7)], 1)
    low = run_raw([reg_imm(52, 1, 0x100)], gas=10)  # load_u8 below 2^16 panics
    assert low.exit is ExitReason.PANIC and low.gas_remaining == 9


def test_branches_taken_and_not_taken() -> None:
    prog = [load_imm(1, 3), load_imm(2, 3)]
    skip_over = [trap()]
    after = halt_via(12)
    branch = branch_reg(170, 1, 2, 0)  # branch_eq, offset patched below
    target = offset_of(prog + [branch] + skip_over, 4) - offset_of(prog, 2)
    program = prog + [branch_reg(170, 1, 2, target)] + skip_over + after
    assert run_raw(program).exit is ExitReason.HALT
    program = prog + [branch_reg(171, 1, 2, target)] + skip_over + after  # branch_ne: falls into trap
    assert run_raw(program).exit is ExitReason.PANIC
    imm_prog = [load_imm(1, 5), branch_imm(83, 1, 9, 0)]
    target = offset_of(imm_prog + [trap()], 3) - offset_of(imm_prog, 1)
    assert run_raw([load_imm(1, 5), branch_imm(83, 1, 9, target), trap()] + after).exit is ExitReason.HALT


def test_jump_to_non_block_panics() -> None:
    assert run_raw([jump(1), load_imm(1, 1)]).exit is ExitReason.PANIC  # offset 1 is mid-instruction


def test_dynamic_jump_through_table() -> None:
    body = [load_imm(1, 2), jump_ind(1), trap()]
    target = offset_of(body, 3)
    program = body + halt_via(12)
    assert run_raw(program, jumps=(target,)).exit is ExitReason.HALT
    bad = [load_imm(1, 3), jump_ind(1), trap()]  # misaligned dynamic address
    assert run_raw(bad, jumps=(0,)).exit is ExitReason.PANIC


def test_host_call_continue_and_halt() -> None:
    seen = []

    def handler(index, guest):
        seen.append(index)
        guest.registers[7] = 42
        guest.gas -= 10
        return HostOutcome.CONTINUE

    result = run_raw([ecalli(5)] + halt_via(12), gas=100, host=handler)
    assert result.exit is ExitReason.HALT and seen == [5] and result.registers[7] == 42
    assert result.gas_remaining == 100 - 3 - 10
    stop = run_raw([ecalli(1), trap()], host=lambda i, g: HostOutcome.HALT)
    assert stop.exit is ExitReason.HALT
    unhandled = run_raw([ecalli(9)])
    assert unhandled.exit is ExitReason.HOST and unhandled.host_call == 9 and unhandled.pc == 0


def test_standard_program_arguments_and_output() -> None:
    # Copy the first argument octet into read-write data, return 1 octet from there.
    code = blob([
        reg_imm(52, 1, (1 << 32) - (1 << 16) - (1 << 24)),  # load_u8 r1 <- args[0]
        reg_imm(59, 1, 2 * (1 << 16)),  # store_u8 rw[0] <- r1
        load_imm(7, 2 * (1 << 16)), load_imm(8, 1),
        jump_ind(0),  # ω_0 starts as the halt address
    ])
    req = ExecuteRequest(standard(code, rw=b"\x00"), gas=100, argument=b"\x2a")
    result = execute(req)
    assert result.exit is ExitReason.HALT and result.output == b"\x2a"


def test_sbrk_grows_heap_readable_writable_and_free_until_written() -> None:
    grow = 256 << 20  # 256 MiB of heap: far beyond the edge budget unless untouched pages are free
    value = 0x1122334455667788
    code = blob([
        load_imm(2, 0), two_reg(101, 3, 2),  # sbrk 0: ω_3 = the heap pointer
        load_imm(2, grow), two_reg(101, 4, 2),  # sbrk 256 MiB: ω_4 = the prior pointer
        load_imm(2, 0), two_reg(101, 8, 2),  # ω_8 = the new heap pointer
        load_imm_64(5, value), two_reg_imm(123, 5, 4, grow - 8),  # store_ind_u64 at the heap's last octets
        two_reg_imm(130, 6, 4, grow - 8),  # load_ind_u64 them back
        load_imm(7, 99), two_reg_imm(130, 7, 4, 4096 * 1000),  # an untouched grown page reads zero
        jump_ind(0),
    ])
    pages: list[int] = []
    request = ExecuteRequest(standard(code), gas=100, on_exit=lambda guest: pages.extend(guest.resident_pages()))
    result = execute(request)
    heap = 2 * (1 << 16)  # after the (empty) read-write data
    assert result.exit is ExitReason.HALT, result
    assert result.registers[3] == result.registers[4] == heap and result.registers[8] == heap + grow
    assert result.registers[6] == value and result.registers[7] == 0
    assert [p for p in pages if heap >> 12 <= p < (heap + grow) >> 12] == [(heap + grow - 8) >> 12]  # one page stored
    assert len(pages) == 1  # nothing else materialised: not the stack, not the empty sections


def test_sbrk_past_the_address_space_panics() -> None:
    code = blob([load_imm_64(2, 1 << 32), two_reg(101, 3, 2), jump_ind(0)])
    assert execute(ExecuteRequest(standard(code), gas=100)).exit is ExitReason.PANIC


def test_load_imm_jump_writes_the_register_even_when_the_jump_panics() -> None:
    # GP A.5.7 / A.5.12: ω'_A = ν_X unconditionally; Ψ returns the post-instruction registers on panic.
    bad_static = run_raw([bytes([80, 1 | 4 << 4]) + imm(1234) + imm(1)])  # target 1: mid-instruction
    assert bad_static.exit is ExitReason.PANIC and bad_static.registers[1] == 1234
    misaligned = run_raw([load_imm(2, 3), bytes([180, 2 | 2 << 4, 4]) + imm(1234) + imm(0)], jumps=(0,))
    assert misaligned.exit is ExitReason.PANIC and misaligned.registers[2] == 1234  # address from the prior ω_2
    halting = run_raw([load_imm_64(2, HALT), bytes([180, 3 | 2 << 4, 4]) + imm(77) + imm(0)])
    assert halting.exit is ExitReason.HALT and halting.registers[3] == 77


def test_malformed_blobs() -> None:
    with pytest.raises(ProgramBlobError):
        deblob(b"\x00\x04\x05abc")
    with pytest.raises(ProgramBlobError):
        deblob(b"")
    result = execute(ExecuteRequest(b"\x01\x02", gas=10))
    assert result.exit is ExitReason.PANIC and result.gas_used == 0


def test_through_the_kernel_hook() -> None:
    host = PluginHost(allow=["polkavm"])
    req = ExecuteRequest(blob([load_imm(1, 5)] + halt_via(12)), 50, standard=False)
    result = host.require("execute", "jamliquor-polkavm", request=req)
    assert result.exit is ExitReason.HALT and result.registers[1] == 5




def _copy_loop(tail: list[bytes]) -> bytes:
    """Copy rw[0..8] to rw[8..16] byte by byte, then run `tail`."""
    rw = 2 * (1 << 16)
    head = [load_imm(2, rw), load_imm(3, 8), fallthrough()]
    body = [two_reg_imm(124, 4, 2, 0), two_reg_imm(120, 4, 2, 8), two_reg_imm(149, 2, 2, 1), two_reg_imm(149, 3, 3, -1)]
    back = -offset_of(body, len(body))
    return standard(blob(head + body + [branch_imm(82, 3, 0, back)] + tail), rw=b"abcdefgh" + bytes(8))


def _on_path(compiled: bool, program: bytes, gas: int) -> tuple:
    """Run a standard program with every superblock compiled on first visit, or single-stepped only."""
    from jamliquor_polkavm import cache, runloop

    runloop.COMPILE_AFTER = 1 if compiled else 1 << 62  # the autouse fixture restores it
    cache.clear()
    r = execute(ExecuteRequest(program, gas=gas))
    return r.exit, r.pc, r.gas_remaining, r.registers, r.output, r.fault_address


@pytest.mark.parametrize("tail", [
    [jump_ind(0)],  # halt
    [load_imm(5, 1), reg_imm(59, 5, 0x5000_0000), load_imm(6, 2), trap()],  # page fault mid-segment
    [load_imm(5, 1), reg_imm(52, 5, 0x100), trap()],  # load below 2^16 panics mid-segment
])
def test_compiled_segments_match_single_stepping_at_every_gas_budget(
    vm_path: str, monkeypatch: pytest.MonkeyPatch, tail: list[bytes]
) -> None:
    from jamliquor_polkavm import runloop

    if vm_path != "compiled":
        pytest.skip("compares both paths itself")
    program = _copy_loop(tail)
    compiled_at: list[int] = []
    real_compile = runloop.compile_segment
    monkeypatch.setattr(runloop, "compile_segment", lambda prog, pc: compiled_at.append(pc) or real_compile(prog, pc))
    compiled = [_on_path(True, program, gas) for gas in range(0, 70)]
    assert compiled_at  # the fast path really ran
    compiled_at.clear()
    stepped = [_on_path(False, program, gas) for gas in range(0, 70)]
    assert not compiled_at  # and this one only single-stepped
    assert compiled == stepped
    assert compiled[-1][0] is not ExitReason.OUT_OF_GAS  # the largest budget runs to the end


def _random_instruction(draw) -> bytes:  # noqa: ANN001 - hypothesis draw
    from hypothesis import strategies as st

    from jamliquor_polkavm import interpreter as I

    reg = st.one_of(st.sampled_from([1, 2, 3, 9]), st.integers(0, 12))  # a few registers, so values flow
    dst = st.one_of(st.sampled_from([1, 2, 3, 4]), st.integers(0, 12))  # ω_9, the memory base, mostly kept
    imm32 = st.one_of(st.integers(-4, 70), st.integers(-2**31, 2**31 - 1))
    # mostly instructions that go on, so that runs are long; exits and jumps now and then
    kind = draw(st.sampled_from(["three"] * 16 + ["imm"] * 16 + ["two"] * 4 + ["load_imm", "load_imm_64", "mem", "mem",
                                 "branch", "branch_reg", "fall", "abs", "store_imm", "sbrk", "jumps", "ecalli"]))
    if kind == "three":
        return three_reg(draw(st.sampled_from(sorted(I.THREE_REG))), draw(dst), draw(reg), draw(reg))
    if kind == "imm":
        return two_reg_imm(draw(st.sampled_from(sorted(I.TWO_REG_IMM))), draw(dst), draw(reg), draw(imm32))
    if kind == "load_imm":
        return load_imm(draw(dst), draw(imm32))
    if kind == "load_imm_64":
        return load_imm_64(draw(dst), draw(st.integers(0, 2**64 - 1)))
    if kind == "mem":  # loads/stores around ω_9 (which points into read-write data), sometimes off the page
        return two_reg_imm(draw(st.sampled_from(range(120, 131))), draw(dst), 9, draw(st.one_of(st.integers(0, 63), st.integers(-8, 8200))))
    if kind == "abs":  # absolute loads/stores: read-write data, read-only data, unmapped, below 2^16
        address = draw(st.sampled_from([0x20000, 0x20038, 0x20ffc, 0x10000, 0x10ffe, 0x30000, 0x100, 0xFFFFFFFC]))
        return reg_imm(draw(st.sampled_from(range(52, 63))), draw(reg), address)
    if kind == "store_imm":
        op = draw(st.sampled_from([30, 31, 32, 33, 70, 71, 72, 73]))
        lx = 4
        if op < 40:
            return bytes([op, lx]) + imm(draw(st.sampled_from([0x20000, 0x20ffc, 0x10000, 0x40000]))) + imm(draw(imm32))
        return bytes([op, 9 | lx << 4]) + imm(draw(st.integers(-8, 4100))) + imm(draw(imm32))
    if kind == "branch":
        return branch_imm(draw(st.sampled_from(sorted(I.BRANCH_IMM))), draw(reg), draw(st.integers(-3, 3)), draw(st.integers(-60, 60)))
    if kind == "branch_reg":
        return branch_reg(draw(st.sampled_from(sorted(I.BRANCH_REG))), draw(reg), draw(reg), draw(st.integers(-60, 60)))
    if kind == "two":
        return two_reg(draw(st.sampled_from(sorted(I.TWO_REG))), draw(dst), draw(reg))
    if kind == "sbrk":
        return two_reg(101, draw(reg), draw(reg))
    if kind == "jumps":  # dynamic jumps, load_imm_jump(_ind), static jumps: valid, misaligned, halting or not
        op = draw(st.sampled_from([40, 50, 80, 180]))
        if op == 40:
            return jump(draw(st.integers(-60, 60)))
        if op == 50:
            return jump_ind(draw(reg), draw(st.sampled_from([0, 2, 4, 3, -2])))
        if op == 80:
            return bytes([80, draw(reg) | 4 << 4]) + imm(draw(imm32)) + imm(draw(st.integers(-60, 60)))
        return bytes([180, draw(reg) | draw(reg) << 4, 4]) + imm(draw(imm32)) + imm(draw(st.sampled_from([0, 2, 4, 3])))
    if kind == "ecalli":
        return ecalli(draw(st.integers(0, 6)))
    return fallthrough()


def _host(index: int, guest) -> HostOutcome:  # noqa: ANN001 - a deterministic host call touching all of GuestAccess
    r = guest.registers
    guest.gas -= 2
    r[7] = (r[7] * 3 + index) & M64
    r[10] = sum(r[7:9]) & M64  # slices, as host calls take several registers at once
    if guest.is_writable(r[9], 8):
        guest.write(r[9], r[7].to_bytes(8, "little"))
    if guest.is_readable(r[9] + 8, 4):
        r[8] = int.from_bytes(guest.read(r[9] + 8, 4), "little")
    return HostOutcome.HALT if index == 6 else HostOutcome.CONTINUE


def _outcome(path: str, program: bytes, gas: int, raw: bool = False) -> tuple:
    """Everything observable of one run on a backend/path: exit, pc, gas, registers, output,
    fault page, host call and the read-write and heap pages' contents."""
    from jamliquor_polkavm import backend, cache, runloop

    backend._setting = "compiled" if path == "native" else "python"  # the autouse fixture restores it
    runloop.COMPILE_AFTER = 1 if path == "compiled" else 1 << 62
    cache.clear()
    seen: list = []

    def on_exit(guest) -> None:  # noqa: ANN001
        for address in (0x20000, 0x21000, 0x10000, 0xFFFFE000):
            seen.append(guest.read(address, 4096) if guest.is_readable(address, 4096) else None)

    memory = (MemoryRegion(0x10000, 4096, False, b"\x07" * 100), MemoryRegion(0x20000, 8192, True, bytes(range(64))))
    request = (ExecuteRequest(program, gas, standard=False, registers=[0] * 9 + [0x20000] + [0] * 3, memory=memory,
                              host=_host, on_exit=on_exit) if raw else
               ExecuteRequest(program, gas=gas, host=_host, on_exit=on_exit))
    r = execute(request)
    return r.exit, r.pc, r.gas_remaining, r.gas_used, r.registers, r.output, r.fault_address, r.host_call, seen


def _random_program(draw) -> tuple[bytes, bool]:  # noqa: ANN001
    from hypothesis import strategies as st

    if draw(st.booleans()):  # assembled instructions in a standard program
        body = [_random_instruction(draw) for _ in range(draw(st.integers(1, 60)))]
        starts = [offset_of(body, i) + 6 for i in range(len(body))]  # after load_imm ω_9 (6 octets)
        jumps = tuple(draw(st.lists(st.sampled_from(starts + [0, 1, 10**6]), max_size=4)))
        code = blob([load_imm(9, 2 * (1 << 16))] + body + [jump_ind(0)], jumps)
        return standard(code, rw=bytes((i * 37 + 200) & 255 for i in range(64)), heap_pages=1), False
    # arbitrary octets and bitmask: the decoder on anything (deblob layout, plain Ψ)
    code = draw(st.binary(min_size=1, max_size=80))
    mask = draw(st.binary(min_size=(len(code) + 7) // 8, max_size=(len(code) + 7) // 8))
    jumps = draw(st.lists(st.integers(0, len(code) + 2), max_size=4))
    out = bytes([len(jumps), 1, len(code)]) + bytes(j & 255 for j in jumps) + code + mask
    return out, True


def test_random_programs_agree_on_every_backend(vm_path: str) -> None:
    """Hypothesis: the compiled backend, Python superblocks and Python single steps give the same
    exit, pc, gas, registers, output, fault page, host call and memory."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    if vm_path != "native":
        pytest.skip("compares every backend itself")

    @settings(max_examples=300, deadline=None)
    @given(st.composite(lambda draw: _random_program(draw))(), st.one_of(st.integers(0, 40), st.just(10_000)))
    def check(program: tuple[bytes, bool], gas: int) -> None:
        blob_, raw = program
        stepped = _outcome("stepped", blob_, gas, raw)
        assert _outcome("native", blob_, gas, raw) == stepped
        assert _outcome("compiled", blob_, gas, raw) == stepped

    check()


def test_program_cache_is_bounded_by_count_and_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from jamliquor_polkavm import cache

    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    cache.clear()
    for n in range(5):
        run_raw([load_imm(1, n)] + halt_via(12))
    assert len(cache.entries()) == 3  # the count bound
    monkeypatch.setattr(cache, "BUDGET_OCTETS", 5_000)
    run_raw([load_imm(1, 99)] * 200 + halt_via(12))  # 1200+ code octets: the memory bound evicts the rest
    assert len(cache.entries()) == 1


def test_a_program_caps_its_decoded_instructions_and_superblocks(vm_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from jamliquor_polkavm import cache, interpreter, runloop

    if vm_path == "native":
        pytest.skip("the Python backend's closures and superblocks")

    monkeypatch.setattr(interpreter, "MAX_DECODED", 8)
    monkeypatch.setattr(runloop, "MAX_SEGMENTS", 2)
    result = run_raw([load_imm(1, n) for n in range(40)] + [fallthrough()] * 5 + halt_via(12))
    assert result.exit is ExitReason.HALT and result.registers[1] == 39
    (entry,) = cache.entries()
    assert len(entry.python.decoded) <= 8 and len(entry.python.segments) <= 2
