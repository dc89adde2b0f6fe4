"""The PVM run loop Ψ (GP eq. A.1): compiled superblocks while the gas covers them, single steps otherwise."""

from __future__ import annotations

from .compiler import compile_segment
from .interpreter import Halt, HostCall, Panic, Program
from .program import Memory, MemoryFault


# Compiling a superblock costs as much as single-stepping it some hundred times (Python's
# compile()), so a pc is compiled from its COMPILE_AFTER-th visit; the counts persist with the
# cached program, so a service's hot code is compiled once per node.
COMPILE_AFTER = 16
MAX_SEGMENTS = 1024  # compiled superblocks a program keeps (~10 KiB each); beyond, it starts afresh


class _Cold:  # a pc not compiled yet: never affordable, so it is single-stepped
    cost = 1 << 62


COLD = _Cold()


class Outcome:
    __slots__ = ("kind", "pc", "gas", "address", "host_index")

    def __init__(self, kind: str, pc: int, gas: int, address: int | None = None, host_index: int | None = None) -> None:
        self.kind, self.pc, self.gas, self.address, self.host_index = kind, pc, gas, address, host_index


def run(prog: Program, pc: int, gas: int, regs: list[int], mem: Memory) -> Outcome:
    """GP eq. (A.1) Ψ: run until halt, panic, out-of-gas, page fault or host call."""
    decoded = prog.decoded
    if not 0 <= pc < prog.limit:  # every later pc is a decoded position or within a skip of the end
        return Outcome("out_of_gas", pc, gas - 1) if gas <= 0 else Outcome("panic", 0, gas - 1)
    segments = prog.segments
    heat = prog.heat
    seg = None
    try:
        while True:
            seg = segments.get(pc)
            if seg is None:
                visits = heat[pc] + 1
                if visits >= COMPILE_AFTER:
                    if len(segments) >= MAX_SEGMENTS:
                        segments.clear()  # a hard cap on this program's memory (cache.py)
                    seg = segments[pc] = compile_segment(prog, pc)
                else:
                    if visits < 256:
                        heat[pc] = visits
                    seg = COLD
            if gas >= seg.cost:
                pc, gas = seg.run(regs, mem, gas)
            else:  # not enough gas for the whole segment: step, so out-of-gas hits the exact instruction
                seg = None
                f = decoded.get(pc) or prog.instruction(pc)
                gas -= 1
                if gas < 0:
                    return Outcome("out_of_gas", pc, gas)
                pc = f(regs, mem)
    except (HostCall, Halt, Panic, MemoryFault) as exit_:
        if seg is not None:  # exited at step s of a superblock pass: steps 0..s are charged
            step = exit_.s
            gas = exit_.gas - step - 1
            pc = seg.pcs[step]
        if isinstance(exit_, HostCall):
            return Outcome("host", pc, gas, host_index=exit_.index)
        if isinstance(exit_, Halt):
            return Outcome("halt", 0, gas)
        if isinstance(exit_, Panic):
            return Outcome("panic", 0, gas)
        # The faulting instruction keeps its gas charge: GP ε^μ (A.2) literally leaves ϱ unchanged,
        # but the recorded 0.7.2 conformance session (no_forks, block 52) charges it.
        if exit_.address < 1 << 16:
            return Outcome("panic", 0, gas)
        return Outcome("fault", pc, gas, address=exit_.address & ~0xFFF)
