"""Program blobs and memory: GP appendix A.1 (deblob), A.7 (standard initialisation Y, eq. A.37–A.43)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from jamliquor.codec import CodecError, decode_natural
from jamliquor.execution import MemoryRegion, ProgramBlobError

PAGE = 1 << 12  # Z_P
ZONE = 1 << 16  # Z_Z
INPUT = 1 << 24  # Z_I
M32 = (1 << 32) - 1


class MemoryFault(Exception):
    """An access to an inaccessible address (the lowest such, modulo 2^32)."""

    def __init__(self, address: int) -> None:
        self.address = address


class Memory:
    """Sparse paged RAM (GP A.1 memory: 2^32 octets in 2^20 pages, each inaccessible, read-only
    or read-write).

    Accessibility is a short list of page ranges (`regions`); storage exists only for pages that
    hold data. `pages` maps every materialised page (index → 4 KiB); `writable` maps the
    materialised writable subset to the same page objects, so a store needs one lookup. An
    accessible page that was never written reads as zeros and costs nothing until its first
    write (sbrk can make hundreds of MB accessible that a service never touches: 128 MB edge
    budget)."""

    __slots__ = ("pages", "writable", "regions", "heap")

    def __init__(self) -> None:
        self.pages: dict[int, bytearray] = {}
        self.writable: dict[int, bytearray] = {}
        self.regions: list[list] = []  # [first page, end page (exclusive), writable], disjoint
        self.heap = 0  # sbrk's current heap pointer (GP `h` for standard programs, else 0)

    def map(self, start: int, length: int, data: bytes = b"", writable: bool = False) -> None:
        """Make the pages of [start, start+length) accessible, initialised with `data` (page-aligned
        start); only pages that `data` reaches are materialised."""
        assert start % PAGE == 0
        first, end = start // PAGE, (start + length + PAGE - 1) // PAGE
        self.allow(first, end, writable)
        for n in range(min(end - first, (len(data) + PAGE - 1) // PAGE)):
            chunk = data[n * PAGE : (n + 1) * PAGE]
            if any(chunk):
                page = self._materialise(first + n)
                page[: len(chunk)] = chunk

    def allow(self, first: int, end: int, writable: bool) -> None:
        """Pages [first, end) become accessible (no storage); extends an adjacent region of the
        same kind, so a heap grown by many sbrk calls stays one region."""
        if first >= end:
            return
        for region in self.regions:
            if region[2] == writable and region[1] == first:
                region[1] = end
                return
        self.regions.append([first, end, writable])

    def _region(self, page: int) -> list | None:
        for region in self.regions:
            if region[0] <= page < region[1]:
                return region
        return None

    def _materialise(self, page: int) -> bytearray:
        store = self.pages.get(page)
        if store is None:
            store = self.pages[page] = bytearray(PAGE)
            region = self._region(page)
            if region is not None and region[2]:
                self.writable[page] = store
        return store

    def page_allowed(self, page: int, write: bool) -> bool:
        if page in (self.writable if write else self.pages):
            return True
        region = self._region(page)
        return region is not None and (region[2] or not write)

    # -- checked access (faults name the lowest inaccessible address) -------------------------

    def check(self, address: int, length: int, write: bool) -> None:
        address &= M32
        length = min(length, 1 << 32)  # beyond that the range wraps onto itself
        while length > 0:
            if not self.page_allowed(address // PAGE, write):
                raise MemoryFault(address)
            step = min(length, PAGE - address % PAGE)
            address = (address + step) & M32
            length -= step

    def read(self, address: int, length: int) -> bytes:
        address &= M32
        off = address % PAGE
        page = self.pages.get(address // PAGE)
        if page is not None and off + length <= PAGE:
            return bytes(page[off : off + length])
        self.check(address, length, False)
        out = bytearray()
        while length > 0:
            step = min(length, PAGE - address % PAGE)
            page = self.pages.get(address // PAGE)
            off = address % PAGE
            out += page[off : off + step] if page is not None else bytes(step)
            address = (address + step) & M32
            length -= step
        return bytes(out)

    def write(self, address: int, data: bytes) -> None:
        address &= M32
        off = address % PAGE
        page = self.writable.get(address // PAGE)
        if page is not None and off + len(data) <= PAGE:
            page[off : off + len(data)] = data
            return
        self.check(address, len(data), True)
        view, pos = memoryview(data), 0
        while pos < len(data):
            step = min(len(data) - pos, PAGE - address % PAGE)
            off = address % PAGE
            self._materialise(address // PAGE)[off : off + step] = view[pos : pos + step]
            address = (address + step) & M32
            pos += step

    def load(self, address: int, length: int) -> int:
        address &= M32
        off = address % PAGE
        page = self.pages.get(address // PAGE)
        if page is not None and off + length <= PAGE:
            return int.from_bytes(page[off : off + length], "little")
        return int.from_bytes(self.read(address, length), "little")

    def store(self, address: int, value: int, length: int) -> None:
        self.write(address, (value & ((1 << (8 * length)) - 1)).to_bytes(length, "little"))

    def accessible(self, address: int, length: int, write: bool) -> bool:
        try:
            self.check(address, length, write)
        except MemoryFault:
            return False
        return True

    def is_readable(self, address: int, length: int) -> bool:
        return self.accessible(address, length, False)

    def is_writable(self, address: int, length: int) -> bool:
        return self.accessible(address, length, True)


@attrs.frozen
class Code:
    """deblob(p) = (c, k, j): instructions, opcode bitmask (one bool per octet), jump table."""

    code: bytes
    bitmask: bytes  # 1 where an instruction starts
    jump_table: tuple[int, ...]


_BITS = [bytes((octet >> i) & 1 for i in range(8)) for octet in range(256)]  # k's bits, least significant first


def deblob(blob: bytes) -> Code:
    """GP eq. (A.2): E(|j|) ‖ E_1(z) ‖ E(|c|) ‖ E_z(j) ‖ E(c) ‖ E(k), with |k| = |c| bits."""
    try:
        n_jumps, pos = decode_natural(blob, 0)
        if pos >= len(blob):
            raise ProgramBlobError("program blob truncated before the jump-table entry size")
        z = blob[pos]
        pos += 1
        code_len, pos = decode_natural(blob, pos)
    except CodecError as exc:
        raise ProgramBlobError(f"program blob header: {exc}") from exc
    if n_jumps and not 1 <= z <= 4:
        raise ProgramBlobError(f"jump-table entry size {z} (want 1..4)")
    mask_len = (code_len + 7) // 8
    end = pos + n_jumps * z + code_len + mask_len
    if end != len(blob):
        raise ProgramBlobError(f"program blob is {len(blob)} octets; its header implies {end}")
    jumps = tuple(int.from_bytes(blob[pos + i * z : pos + (i + 1) * z], "little") for i in range(n_jumps))
    pos += n_jumps * z
    code = bytes(blob[pos : pos + code_len])
    packed = blob[pos + code_len : end]
    bitmask = b"".join([_BITS[octet] for octet in packed])[:code_len]
    return Code(code, bitmask, jumps)


def _page_up(x: int) -> int:
    return -(-x // PAGE) * PAGE


def _zone_up(x: int) -> int:
    return -(-x // ZONE) * ZONE


@attrs.frozen
class Layout:
    """A machine's initial memory: accessible regions (with their data) and sbrk's heap pointer."""

    regions: tuple[MemoryRegion, ...]
    heap: int = 0


def python_memory(layout: Layout) -> Memory:
    mem = Memory()
    for r in layout.regions:
        mem.map(r.address, r.length, r.data, r.writable)
    mem.heap = layout.heap
    return mem


@attrs.frozen
class Standard:
    """The argument-independent part of Y(p, a) (GP eq. A.37–A.43): a standard program's code
    blob (deblob format) and memory sections, parsed once per program (`cache.Entry.standard`)."""

    code_blob: bytes
    ro: bytes
    rw: bytes
    heap_pages: int
    stack: int


def standard_parts(blob: bytes) -> Standard:
    """Split a standard program blob E_3(|o|) ‖ E_3(|w|) ‖ E_2(z) ‖ E_3(s) ‖ o ‖ w ‖ E_4(|c|) ‖ c."""
    if len(blob) < 11:
        raise ProgramBlobError("standard program blob shorter than its 11-octet header")
    ro_len = int.from_bytes(blob[0:3], "little")
    rw_len = int.from_bytes(blob[3:6], "little")
    heap_pages = int.from_bytes(blob[6:8], "little")
    stack = int.from_bytes(blob[8:11], "little")
    pos = 11
    ro = bytes(blob[pos : pos + ro_len])
    rw = bytes(blob[pos + ro_len : pos + ro_len + rw_len])
    pos += ro_len + rw_len
    if pos + 4 > len(blob):
        raise ProgramBlobError("standard program blob truncated before its code length")
    code_len = int.from_bytes(blob[pos : pos + 4], "little")
    pos += 4
    if pos + code_len != len(blob):
        raise ProgramBlobError(f"standard program code length {code_len} does not match the blob")
    if 5 * ZONE + _zone_up(ro_len) + _zone_up(rw_len + heap_pages * PAGE) + _zone_up(stack) + INPUT > 1 << 32:
        raise ProgramBlobError("standard program sections do not fit the 32-bit address space")
    return Standard(bytes(blob[pos:]), ro, rw, heap_pages, stack)


def standard_layout(parts: Standard, argument: bytes) -> tuple[list[int], Layout]:
    """GP eq. (A.37)–(A.43) Y(p, a) given the parsed program: initial registers and memory layout."""
    if len(argument) > INPUT:
        raise ProgramBlobError("argument data larger than Z_I")
    ro_len, rw_len = len(parts.ro), len(parts.rw)
    rw_start = 2 * ZONE + _zone_up(ro_len)
    rw_end = rw_start + _page_up(rw_len) + parts.heap_pages * PAGE
    stack_end = (1 << 32) - 2 * ZONE - INPUT
    arg_start = (1 << 32) - ZONE - INPUT
    layout = Layout((
        MemoryRegion(ZONE, _page_up(ro_len), False, parts.ro),
        MemoryRegion(rw_start, rw_end - rw_start, True, parts.rw),
        MemoryRegion(stack_end - _page_up(parts.stack), _page_up(parts.stack), True),
        MemoryRegion(arg_start, _page_up(len(argument)), False, bytes(argument)),
    ), heap=rw_end)

    registers = [0] * 13
    registers[0] = (1 << 32) - (1 << 16)
    registers[1] = stack_end
    registers[7] = arg_start
    registers[8] = len(argument)
    return registers, layout


def standard_init(blob: bytes, argument: bytes) -> tuple[bytes, list[int], Layout]:
    """GP eq. (A.37)–(A.43) Y(p, a): the code blob (deblob format), initial registers and memory
    layout of a standard program."""
    parts = standard_parts(blob)
    registers, layout = standard_layout(parts, argument)
    return parts.code_blob, registers, layout


def raw_layout(regions: Iterable[MemoryRegion]) -> Layout:
    """Plain Ψ: the caller's regions (page-aligned), heap pointer 0."""
    regions = tuple(regions)
    for r in regions:
        if r.address % PAGE or r.address < 0 or r.length < 0 or r.address + r.length > 1 << 32 or len(r.data) > r.length:
            raise ProgramBlobError(f"memory region at {r.address:#x} (+{r.length}) is not page-aligned within 2^32")
    return Layout(regions)
