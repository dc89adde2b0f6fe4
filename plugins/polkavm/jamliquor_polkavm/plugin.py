"""The `execute` hook: Ψ (raw code), Ψ_H (host calls through the request's handler) and Ψ_M
(standard programs with arguments and output), GP appendix A.6–A.8, on the backend chosen per
call (`backend.py`): the compiled one (`_pvm.c`, `native.py`) or the Python one (`runloop.py`)."""

from __future__ import annotations

from jamliquor.execution import (
    ExecuteRequest,
    ExecuteResult,
    ExitReason,
    GuestFault,
    HostOutcome,
    ProgramBlobError,
)
from jamliquor.hookspecs import hookimpl

from . import backend, cache, native
from .program import Memory, MemoryFault, python_memory, raw_layout, standard_layout
from .runloop import run


class Guest:
    """The `GuestAccess` view a host call gets: registers, gas and checked memory."""

    __slots__ = ("registers", "gas", "_mem")

    def __init__(self, registers: list[int], gas: int, mem: Memory) -> None:
        self.registers = registers
        self.gas = gas
        self._mem = mem

    def read(self, address: int, length: int) -> bytes:
        try:
            return self._mem.read(address, length)
        except MemoryFault as fault:
            raise GuestFault(fault.address) from None

    def write(self, address: int, data: bytes) -> None:
        try:
            self._mem.check(address, len(data), True)
        except MemoryFault as fault:
            raise GuestFault(fault.address) from None
        self._mem.write(address, data)

    def is_readable(self, address: int, length: int) -> bool:
        return self._mem.is_readable(address, length)

    def is_writable(self, address: int, length: int) -> bool:
        return self._mem.is_writable(address, length)

    def resident_pages(self) -> list[int]:
        """Indices of the pages that hold storage (written at least once); tests and tools."""
        return sorted(self._mem.pages)


_EXITS = {"halt": ExitReason.HALT, "panic": ExitReason.PANIC, "out_of_gas": ExitReason.OUT_OF_GAS,
          "fault": ExitReason.FAULT, "host": ExitReason.HOST}
_HOST_EXITS = {HostOutcome.HALT: ExitReason.HALT, HostOutcome.PANIC: ExitReason.PANIC, HostOutcome.OUT_OF_GAS: ExitReason.OUT_OF_GAS}


def execute(request: ExecuteRequest) -> ExecuteResult:
    start_gas = request.gas
    try:
        program = request.program if type(request.program) is bytes else bytes(request.program)
        entry = cache.entry_for(program, request.standard)
        if request.standard:
            registers, layout = standard_layout(entry.standard(), request.argument)
        else:
            layout = raw_layout(request.memory)
            registers = list(request.registers or [0] * 13)
        entry.code()  # deblob once per program; a malformed one panics below
    except ProgramBlobError:
        # GP Ψ / Ψ_M: an undecodable program panics (and Ψ_M reports no gas used).
        cache.discard(program, request.standard)
        return ExecuteResult(ExitReason.PANIC, start_gas, 0, 0, list(request.registers or [0] * 13))
    try:
        if backend.active() == "compiled" and -native.GAS_LIMIT <= start_gas <= native.GAS_LIMIT:
            return native.execute(backend._pvm, entry.native_program(backend._pvm), request, registers, layout)
        mem = python_memory(layout)
        result = _run(entry.python_program(), request, registers, mem)
        if request.on_exit is not None:
            request.on_exit(Guest(registers, result.gas_remaining, mem))
        return result
    finally:
        cache.trim()


def _run(prog, request: ExecuteRequest, registers: list[int], mem: Memory) -> ExecuteResult:
    pc, gas, start_gas = request.pc, request.gas, request.gas
    while True:
        out = run(prog, pc, gas, registers, mem)
        gas = out.gas
        if out.kind != "host" or request.host is None:
            break
        guest = Guest(registers, gas, mem)
        outcome = request.host(out.host_index, guest)
        gas = guest.gas
        if outcome is HostOutcome.CONTINUE and gas >= 0:
            pc = out.pc + 1 + prog.skip(out.pc)
            continue
        exit_reason = ExitReason.OUT_OF_GAS if gas < 0 else _HOST_EXITS.get(outcome, ExitReason.PANIC)
        return _result(exit_reason, out.pc, gas, start_gas, registers, mem, request.standard)
    result = _result(_EXITS[out.kind], out.pc, gas, start_gas, registers, mem, request.standard)
    result.fault_address = out.address
    result.host_call = out.host_index
    return result


def _result(exit_reason: ExitReason, pc: int, gas: int, start_gas: int, registers: list[int], mem: Memory, standard: bool) -> ExecuteResult:
    output = None
    if standard and exit_reason is ExitReason.HALT:
        address, length = registers[7], registers[8]  # Ψ_M: ω_7..ω_7+ω_8, or [] if not readable
        output = mem.read(address, length) if length and mem.is_readable(address, length) else b""
    return ExecuteResult(exit_reason, gas, start_gas - max(gas, 0), pc, registers, output)


@hookimpl
def jamliquor_execute(request: ExecuteRequest) -> ExecuteResult:
    return execute(request)


@hookimpl
def jamliquor_configure(config) -> None:  # noqa: ANN001 - jamliquor.config.Config
    backend.set_backend(config.pvm_backend)


@hookimpl
def jamliquor_status() -> str:
    return backend.status()
