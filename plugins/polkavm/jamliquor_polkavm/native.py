"""The compiled backend's side of the `execute` hook: Ψ on `_pvm.Machine`, host calls (Ψ_H)
through a `GuestAccess` whose registers are the machine's C array and whose memory reads and
writes are buffer copies."""

from __future__ import annotations

from jamliquor.execution import ExecuteRequest, ExecuteResult, ExitReason, GuestFault, HostOutcome

from .program import Layout

EXITS = (ExitReason.HALT, ExitReason.PANIC, ExitReason.OUT_OF_GAS, ExitReason.FAULT, ExitReason.HOST)
HOST_EXITS = {HostOutcome.HALT: ExitReason.HALT, HostOutcome.PANIC: ExitReason.PANIC, HostOutcome.OUT_OF_GAS: ExitReason.OUT_OF_GAS}
HOST, HOST_ENDED = 4, 5
GAS_LIMIT = (1 << 63) - 1  # the C machine counts gas in 64 signed bits; beyond, the Python backend runs


class NativeGuest:
    """`GuestAccess` over a `_pvm.Machine`."""

    __slots__ = ("registers", "gas", "_m", "_fault")

    def __init__(self, machine, gas: int, fault: type[Exception]) -> None:  # noqa: ANN001
        self.registers = machine.regs  # the C array itself: in-place reads and writes
        self.gas = gas
        self._m = machine
        self._fault = fault

    def read(self, address: int, length: int) -> bytes:
        try:
            return self._m.read(address & 0xFFFFFFFF, length)
        except self._fault as fault:
            raise GuestFault(fault.args[0]) from None

    def write(self, address: int, data: bytes) -> None:
        try:
            self._m.write(address & 0xFFFFFFFF, data)
        except self._fault as fault:
            raise GuestFault(fault.args[0]) from None

    def is_readable(self, address: int, length: int) -> bool:
        return self._m.is_readable(address & 0xFFFFFFFF, length)

    def is_writable(self, address: int, length: int) -> bool:
        return self._m.is_writable(address & 0xFFFFFFFF, length)

    def resident_pages(self) -> list[int]:
        """Indices of the pages that hold storage (written at least once); tests and tools."""
        return self._m.resident_pages()


def execute(pvm, program, request: ExecuteRequest, registers: list[int], layout: Layout) -> ExecuteResult:  # noqa: ANN001
    machine = pvm.Machine(program, registers)
    for r in layout.regions:
        machine.map(r.address, r.length, r.data, r.writable)
    machine.heap = layout.heap
    start_gas = gas = request.gas
    pc = request.pc
    host = request.host
    guest = NativeGuest(machine, gas, pvm.Fault)  # one view for every host call of this run
    # The machine makes host calls itself (no Python round trip per call) while they continue.
    kind, pc, gas, value = machine.run(pc, gas, host, guest, HostOutcome.CONTINUE) if host is not None else machine.run(pc, gas)
    if kind != HOST_ENDED:
        result = _result(machine, EXITS[kind], pc, gas, start_gas, request.standard)
        if kind == 3:
            result.fault_address = value
        elif kind == HOST:
            result.host_call = value
    else:  # a host call ended the run: its outcome, or the gas it left, says how
        if value is HostOutcome.CONTINUE and gas > GAS_LIMIT:
            raise OverflowError("a host call raised the gas counter beyond 2^63 - 1")
        exit_reason = ExitReason.OUT_OF_GAS if gas < 0 else HOST_EXITS.get(value, ExitReason.PANIC)
        result = _result(machine, exit_reason, pc, gas, start_gas, request.standard)
    if request.on_exit is not None:
        request.on_exit(NativeGuest(machine, result.gas_remaining, pvm.Fault))
    return result


def _result(machine, exit_reason: ExitReason, pc: int, gas: int, start_gas: int, standard: bool) -> ExecuteResult:  # noqa: ANN001
    registers = list(machine.regs)
    output = None
    if standard and exit_reason is ExitReason.HALT:
        address, length = registers[7], registers[8]  # Ψ_M: ω_7..ω_7+ω_8, or [] if not readable
        output = machine.read(address & 0xFFFFFFFF, length) if length and machine.is_readable(address & 0xFFFFFFFF, length) else b""
    return ExecuteResult(exit_reason, gas, start_gas - max(gas, 0), pc, registers, output)
