"""The PVM execution interface (the `execute` hook's types): what the kernel asks of a PVM plugin.

The kernel never imports a PVM. It builds an `ExecuteRequest` and calls
`PluginHost.require("execute", "jamliquor-polkavm", request=...)`. The guest reaches chain state
only through the request's `host` handler, which receives a narrow `GuestAccess` view: the
registers, the gas counter and checked memory reads and writes (GP appendix A.8, Ψ_H).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

import attrs

from .codec import encode_natural
from .errors import JamLiquorError


class ExitReason(enum.Enum):
    """GP appendix A: how a PVM run ended (ε)."""

    HALT = "halt"
    PANIC = "panic"
    OUT_OF_GAS = "out_of_gas"
    FAULT = "fault"  # page fault; `ExecuteResult.fault_address` holds the page address
    HOST = "host"  # an ecalli not handled (no handler); `ExecuteResult.host_call` holds its index


class HostOutcome(enum.Enum):
    """What a host-call handler tells the machine to do next (GP Ψ_H's ε'')."""

    CONTINUE = "continue"
    HALT = "halt"
    PANIC = "panic"
    OUT_OF_GAS = "out_of_gas"


class GuestFault(Exception):
    """A host call touched guest memory it may not (the address is the inaccessible one)."""

    def __init__(self, address: int) -> None:
        self.address = address
        super().__init__(f"inaccessible guest memory at {address:#x}")


class GuestAccess(Protocol):
    """The guest machine as a host call sees it."""

    registers: list[int]  # ω, 13 unsigned 64-bit values; mutate in place
    gas: int  # ϱ, remaining gas; a handler charges by decreasing it

    def read(self, address: int, length: int) -> bytes:
        """Read guest memory; raises `GuestFault` if any byte is not readable."""

    def write(self, address: int, data: bytes) -> None:
        """Write guest memory; raises `GuestFault` if any byte is not writable."""

    def is_readable(self, address: int, length: int) -> bool: ...

    def is_writable(self, address: int, length: int) -> bool: ...


class HostCallHandler(Protocol):
    def __call__(self, index: int, guest: GuestAccess) -> HostOutcome:
        """Handle host call `index` (the ecalli immediate)."""


class ProgramBlobError(JamLiquorError, ValueError):
    """A program blob that cannot be decoded (GP deblob / standard initialization Y)."""


def program_blob(instructions: list[bytes], jumps: tuple[int, ...] = (), z: int = 4) -> bytes:
    """The inverse of deblob (GP eq. A.2): E(|j|) ‖ E_1(z) ‖ E(|c|) ‖ E_z(j) ‖ c ‖ k, with the
    opcode bitmask k set at each instruction's first octet. For building test and bench programs."""
    code = b"".join(instructions)
    mask = bytearray((len(code) + 7) // 8)
    pos = 0
    for ins in instructions:
        mask[pos >> 3] |= 1 << (pos & 7)
        pos += len(ins)
    out = bytearray()
    encode_natural(len(jumps), out)
    out.append(z)
    encode_natural(len(code), out)
    for j in jumps:
        out += j.to_bytes(z, "little")
    return bytes(out + code + mask)


@attrs.frozen(slots=True)
class MemoryRegion:
    """Accessible guest memory for plain Ψ: the pages of [address, address+length) (page-aligned
    address), read-only or read-write, holding `data` from `address` on and zeros after it."""

    address: int
    length: int
    writable: bool = False
    data: bytes = b""


@attrs.define(slots=True)
class ExecuteRequest:
    """One PVM invocation.

    `standard=True` (the default) is Ψ_M: `program` is a standard program (GP A.7: read-only
    data, read-write data, heap pages, stack size, code) initialised with `argument`; the output
    is read from ω_7.. ω_7+ω_8 on halt. `standard=False` is plain Ψ on a code blob (deblob format)
    with the given `registers` and the pages of `memory` (empty by default; tests, tools, the
    instruction-level conformance vectors). `on_exit`, if given, sees the guest (registers,
    memory) once the run has ended, before its memory is released (conformance checks, tools).
    """

    program: bytes
    gas: int
    pc: int = 0
    argument: bytes = b""
    host: HostCallHandler | None = None
    standard: bool = True
    registers: list[int] | None = None
    memory: tuple[MemoryRegion, ...] = ()
    on_exit: Callable[[GuestAccess], None] | None = None


@attrs.define(slots=True)
class ExecuteResult:
    exit: ExitReason
    gas_remaining: int  # may be negative after running out (GP ϱ' is signed)
    gas_used: int  # GP u = ϱ - max(ϱ', 0)
    pc: int
    registers: list[int]
    output: bytes | None = None  # Ψ_M: the returned blob on HALT (empty if unreadable)
    fault_address: int | None = None
    host_call: int | None = None
