"""Decoded programs, kept per program blob and bounded by an estimate of the memory they hold.

A service's code is parsed (standard programs: Y's sections), deblobbed and decoded once, not at
every invocation. Entries are keyed by the program blob the request carries, so a caller that
hands over the same blob object again (the kernel keeps a service's code slice) is found
without rehashing it. Each entry holds what
a backend built from it (the Python backend's `Program` with its decoded closures and compiled
superblocks; the compiled backend's `_pvm.Program`, which reports its own size); the cache evicts least recently used entries while the estimated total exceeds
`BUDGET_OCTETS`, and each Python `Program` caps its own closures and superblocks
(`interpreter.MAX_DECODED`, `runloop.MAX_SEGMENTS`), so the bound holds by construction, even
for one huge program inside one invocation (128 MB edge budget).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .interpreter import MAX_DECODED, Program
from .program import Code, Standard, deblob, standard_parts
from .runloop import MAX_SEGMENTS

# Measured with tracemalloc on the recorded fuzz sessions' services (CPython 3.11).
CODE_OCTET_COST = 24  # code, ζ, bitmask, skips, heat, block starts, the key
CLOSURE_COST = 720  # one decoded instruction closure
SEGMENT_COST = 10 * 1024  # one compiled superblock (code object, constants, closures)
BUDGET_OCTETS = 32 << 20
MAX_ENTRIES = 16


def python_cost(prog: Program) -> int:
    return len(prog.code) * CODE_OCTET_COST + len(prog.decoded) * CLOSURE_COST + len(prog.segments) * SEGMENT_COST


# A single program's worst case must fit the budget, or it could not be kept at all.
assert MAX_DECODED * CLOSURE_COST + MAX_SEGMENTS * SEGMENT_COST < BUDGET_OCTETS * 2 // 3


class Entry:
    __slots__ = ("program", "is_standard", "_standard", "_code", "python", "native")

    def __init__(self, program: bytes, is_standard: bool) -> None:
        self.program = program  # a standard program blob (Ψ_M) or a code blob in deblob format (Ψ)
        self.is_standard = is_standard
        self._standard: Standard | None = None
        self._code: Code | None = None
        self.python: Program | None = None
        self.native: Any = None  # the compiled backend's decoded program (`_pvm.Program`)

    def standard(self) -> Standard:
        """A standard program's sections, parsed once; raises ProgramBlobError for a malformed blob."""
        if self._standard is None:
            self._standard = standard_parts(self.program)
        return self._standard

    def code(self) -> Code:
        """deblob(p), once; raises ProgramBlobError for a malformed blob."""
        if self._code is None:
            self._code = deblob(self.standard().code_blob if self.is_standard else self.program)
        return self._code

    def cost(self) -> int:
        # the blob, and deblob's code and one-octet-per-octet bitmask; a standard program's sections
        total = len(self.program) * (4 if self.is_standard else 3)
        if self.python is not None:
            total += python_cost(self.python)
        if self.native is not None:
            total += self.native.nbytes
        return total

    def python_program(self) -> Program:
        if self.python is None:
            self.python = Program(self.code())
        return self.python

    def native_program(self, pvm: Any) -> Any:
        if self.native is None:
            code = self.code()
            self.native = pvm.Program(code.code, code.bitmask, code.jump_table)
        return self.native


_ENTRIES: OrderedDict[tuple[bool, bytes], Entry] = OrderedDict()


def entry_for(program: bytes, is_standard: bool) -> Entry:
    """The cache entry of a program blob (standard, or a code blob in deblob format), most
    recently used from now on."""
    key = (is_standard, program)
    entry = _ENTRIES.get(key)
    if entry is None:
        entry = _ENTRIES[key] = Entry(program, is_standard)
    else:
        _ENTRIES.move_to_end(key)
    return entry


def discard(program: bytes, is_standard: bool) -> None:
    """Forget a program (a malformed one: nothing decoded is worth keeping)."""
    _ENTRIES.pop((is_standard, program), None)


def trim() -> None:
    """Evict least recently used entries (never the newest) until the estimate fits the budget."""
    total = sum(e.cost() for e in _ENTRIES.values())
    while len(_ENTRIES) > 1 and (len(_ENTRIES) > MAX_ENTRIES or total > BUDGET_OCTETS):
        _, evicted = _ENTRIES.popitem(last=False)
        total -= evicted.cost()


def clear() -> None:
    _ENTRIES.clear()


def entries() -> list[Entry]:
    return list(_ENTRIES.values())
