"""Program blobs and memory: GP appendix A.1 (deblob), A.7 (standard initialisation Y, eq. A.37–A.43)."""

from __future__ import annotations

import functools

import attrs
from jamliquor.codec import CodecError, decode_natural
from jamliquor.execution import ProgramBlobError

PAGE = 1 << 12  # Z_P
ZONE = 1 << 16  # Z_Z
INPUT = 1 << 24  # Z_I
M32 = (1 << 32) - 1


class MemoryFault(Exception):
    """An access to an inaccessible address (the lowest such, modulo 2^32)."""

    def __init__(self, address: int) -> None:
        self.address = address


class Memory:
    """Paged RAM: `pages` maps readable pages (index → 4 KiB); `writable` maps the writable subset
    to the same page objects, so a store needs one lookup."""

    __slots__ = ("pages", "writable", "heap")

    def __init__(self) -> None:
        self.pages: dict[int, bytearray] = {}
        self.writable: dict[int, bytearray] = {}
        self.heap = 0  # sbrk's current heap pointer (GP `h` for standard programs, else 0)

    def map(self, start: int, length: int, data: bytes = b"", writable: bool = False) -> None:
        """Make the pages of [start, start+length) accessible, initialised with `data` (page-aligned start)."""
        assert start % PAGE == 0
        for n, p in enumerate(range(start // PAGE, (start + length + PAGE - 1) // PAGE)):
            page = self.pages.setdefault(p, bytearray(PAGE))
            chunk = data[n * PAGE : (n + 1) * PAGE]
            page[: len(chunk)] = chunk
            if writable:
                self.writable[p] = page

    # -- checked access (faults name the lowest inaccessible address) -------------------------

    def check(self, address: int, length: int, write: bool) -> None:
        allowed = self.writable if write else self.pages
        for i in range(length):
            a = (address + i) & M32
            if a // PAGE not in allowed:
                raise MemoryFault(a)

    def read(self, address: int, length: int) -> bytes:
        address &= M32
        off = address % PAGE
        page = self.pages.get(address // PAGE)
        if page is not None and off + length <= PAGE:
            return bytes(page[off : off + length])
        self.check(address, length, False)
        return bytes(self.pages[((address + i) & M32) // PAGE][((address + i) & M32) % PAGE] for i in range(length))

    def write(self, address: int, data: bytes) -> None:
        address &= M32
        off = address % PAGE
        page = self.writable.get(address // PAGE)
        if page is not None and off + len(data) <= PAGE:
            page[off : off + len(data)] = data
            return
        self.check(address, len(data), True)
        for i, b in enumerate(data):
            a = (address + i) & M32
            self.pages[a // PAGE][a % PAGE] = b

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


@functools.lru_cache(maxsize=64)  # a service's code is deblobbed once, not at every invocation
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


def standard_init(blob: bytes, argument: bytes) -> tuple[Code, list[int], Memory]:
    """GP eq. (A.37)–(A.43) Y(p, a): the code, initial registers and memory of a standard program."""
    if len(blob) < 11:
        raise ProgramBlobError("standard program blob shorter than its 11-octet header")
    ro_len = int.from_bytes(blob[0:3], "little")
    rw_len = int.from_bytes(blob[3:6], "little")
    heap_pages = int.from_bytes(blob[6:8], "little")
    stack = int.from_bytes(blob[8:11], "little")
    pos = 11
    ro = blob[pos : pos + ro_len]
    rw = blob[pos + ro_len : pos + ro_len + rw_len]
    pos += ro_len + rw_len
    if pos + 4 > len(blob):
        raise ProgramBlobError("standard program blob truncated before its code length")
    code_len = int.from_bytes(blob[pos : pos + 4], "little")
    pos += 4
    if pos + code_len != len(blob):
        raise ProgramBlobError(f"standard program code length {code_len} does not match the blob")
    if len(argument) > INPUT:
        raise ProgramBlobError("argument data larger than Z_I")
    if 5 * ZONE + _zone_up(ro_len) + _zone_up(rw_len + heap_pages * PAGE) + _zone_up(stack) + INPUT > 1 << 32:
        raise ProgramBlobError("standard program sections do not fit the 32-bit address space")
    code = deblob(bytes(blob[pos:]))

    mem = Memory()
    mem.map(ZONE, _page_up(ro_len), ro)
    rw_start = 2 * ZONE + _zone_up(ro_len)
    rw_end = rw_start + _page_up(rw_len) + heap_pages * PAGE
    mem.map(rw_start, rw_end - rw_start, rw, writable=True)
    mem.heap = rw_end
    stack_end = (1 << 32) - 2 * ZONE - INPUT
    mem.map(stack_end - _page_up(stack), _page_up(stack), writable=True)
    arg_start = (1 << 32) - ZONE - INPUT
    mem.map(arg_start, _page_up(len(argument)), argument)

    registers = [0] * 13
    registers[0] = (1 << 32) - (1 << 16)
    registers[1] = stack_end
    registers[7] = arg_start
    registers[8] = len(argument)
    return code, registers, mem
