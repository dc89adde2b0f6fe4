"""The PVM single-step semantics Ψ_1 (GP appendix A.2–A.6).

Each instruction is decoded once into a closure `f(regs, mem) -> next_pc` (cached per program),
with its operands bound; `runloop.py` charges gas and calls them (or the superblocks that
`compiler.py` builds from the same tables). Exits are raised as exceptions (rare). The semantics
are written once, as the expression tables below, and turned into closure factories at import
time."""

from __future__ import annotations

import struct
from collections.abc import Callable

from .program import Code, Memory, MemoryFault

M8, M16, M32, M64 = 0xFF, 0xFFFF, (1 << 32) - 1, (1 << 64) - 1
HALT_ADDRESS = (1 << 32) - (1 << 16)
JUMP_ALIGN = 2  # Z_A
MAX_DECODED = 12288  # decoded closures a program keeps (~720 octets each); beyond, it starts afresh


class Panic(Exception):
    pass


class Halt(Exception):
    pass


class HostCall(Exception):
    def __init__(self, index: int, next_pc: int) -> None:
        self.index = index
        self.next_pc = next_pc


# ---------------------------------------------------------------------------- arithmetic helpers


def sx32(x: int) -> int:
    """X_4 of GP eq. (A.16): sign-extend a 32-bit value to 64 bits (unsigned)."""
    x &= M32
    return x | 0xFFFFFFFF00000000 if x & 0x80000000 else x


def sx(n: int, x: int) -> int:
    """X_n: sign-extend an n-octet value."""
    if n == 0:
        return 0
    if x >> (8 * n - 1):
        return x + (1 << 64) - (1 << (8 * n))
    return x


def s32(x: int) -> int:
    return x - (1 << 32) if x & 0x80000000 else x


def s64(x: int) -> int:
    return x - (1 << 64) if x >> 63 else x


def rtz_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def smod(a: int, b: int) -> int:
    if b == 0:
        return a
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def div_s32(a: int, b: int) -> int:
    x, y = s32(a & M32), s32(b & M32)
    if y == 0:
        return M64
    if x == -(1 << 31) and y == -1:
        return x & M64
    return rtz_div(x, y) & M64


def rem_s32(a: int, b: int) -> int:
    x, y = s32(a & M32), s32(b & M32)
    if x == -(1 << 31) and y == -1:
        return 0
    return smod(x, y) & M64


def div_s64(a: int, b: int) -> int:
    if b == 0:
        return M64
    x, y = s64(a), s64(b)
    if x == -(1 << 63) and y == -1:
        return a
    return rtz_div(x, y) & M64


def rem_s64(a: int, b: int) -> int:
    x, y = s64(a), s64(b)
    if x == -(1 << 63) and y == -1:
        return 0
    return smod(x, y) & M64


def rotr64(a: int, n: int) -> int:
    n &= 63
    return ((a >> n) | (a << (64 - n))) & M64


def rotl64(a: int, n: int) -> int:
    n &= 63
    return ((a << n) | (a >> (64 - n))) & M64


def rotr32(a: int, n: int) -> int:
    a &= M32
    n &= 31
    return ((a >> n) | (a << (32 - n))) & M32


def rotl32(a: int, n: int) -> int:
    a &= M32
    n &= 31
    return ((a << n) | (a >> (32 - n))) & M32


def ctz(x: int, width: int) -> int:
    return (x & -x).bit_length() - 1 if x else width


# ---------------------------------------------------------------------------- semantics tables
# Names: a, b = ω_A, ω_B (or ω_D for the destination's prior value as `d`); x, y = immediates.

THREE_REG = {  # ω'_D = f(ω_A, ω_B, ω_D)  (GP A.5.13)
    190: "sx32(a + b)", 191: "sx32(a - b)", 192: "sx32(a * b)",
    193: "M64 if b & M32 == 0 else sx32((a & M32) // (b & M32))", 194: "div_s32(a, b)",
    195: "sx32(a) if b & M32 == 0 else sx32((a & M32) % (b & M32))", 196: "rem_s32(a, b)",
    197: "sx32(a << (b & 31))", 198: "sx32((a & M32) >> (b & 31))", 199: "(s32(a & M32) >> (b & 31)) & M64",
    200: "(a + b) & M64", 201: "(a - b) & M64", 202: "(a * b) & M64", 203: "M64 if b == 0 else a // b",
    204: "div_s64(a, b)", 205: "a if b == 0 else a % b", 206: "rem_s64(a, b)", 207: "(a << (b & 63)) & M64",
    208: "a >> (b & 63)", 209: "(s64(a) >> (b & 63)) & M64", 210: "a & b", 211: "a ^ b", 212: "a | b",
    213: "((s64(a) * s64(b)) >> 64) & M64", 214: "(a * b) >> 64", 215: "((s64(a) * b) >> 64) & M64",
    216: "int(a < b)", 217: "int(s64(a) < s64(b))", 218: "a if b == 0 else d", 219: "a if b != 0 else d",
    220: "rotl64(a, b)", 221: "sx32(rotl32(a, b))", 222: "rotr64(a, b)", 223: "sx32(rotr32(a, b))",
    224: "a & ~b & M64", 225: "(a | ~b) & M64", 226: "~(a ^ b) & M64", 227: "max(s64(a), s64(b)) & M64",
    228: "max(a, b)", 229: "min(s64(a), s64(b)) & M64", 230: "min(a, b)",
}

TWO_REG_IMM = {  # ω'_A = f(ω_B, ν_X, ω_A)  (GP A.5.10)
    131: "sx32(b + x)", 132: "b & x", 133: "b ^ x", 134: "b | x", 135: "sx32(b * x)", 136: "int(b < x)",
    137: "int(s64(b) < s64(x))", 138: "sx32(b << (x & 31))", 139: "sx32((b & M32) >> (x & 31))",
    140: "(s32(b & M32) >> (x & 31)) & M64", 141: "sx32(x - b)", 142: "int(b > x)", 143: "int(s64(b) > s64(x))",
    144: "sx32(x << (b & 31))", 145: "sx32((x & M32) >> (b & 31))", 146: "(s32(x & M32) >> (b & 31)) & M64",
    147: "x if b == 0 else a", 148: "x if b != 0 else a", 149: "(b + x) & M64", 150: "(b * x) & M64",
    151: "(b << (x & 63)) & M64", 152: "b >> (x & 63)", 153: "(s64(b) >> (x & 63)) & M64", 154: "(x - b) & M64",
    155: "(x << (b & 63)) & M64", 156: "x >> (b & 63)", 157: "(s64(x) >> (b & 63)) & M64", 158: "rotr64(b, x)",
    159: "rotr64(x, b)", 160: "sx32(rotr32(b, x))", 161: "sx32(rotr32(x, b))",
}

TWO_REG = {  # ω'_D = f(ω_A)  (GP A.5.9; sbrk is separate)
    100: "a", 102: "a.bit_count()", 103: "(a & M32).bit_count()", 104: "64 - a.bit_length()",
    105: "32 - (a & M32).bit_length()", 106: "ctz(a, 64)", 107: "ctz(a & M32, 32)", 108: "sx(1, a & M8)",
    109: "sx(2, a & M16)", 110: "a & M16", 111: "int.from_bytes(a.to_bytes(8, 'little'), 'big')",
}

BRANCH_IMM = {  # branch(ν_Y, f(ω_A, ν_X))  (GP A.5.8)
    81: "a == x", 82: "a != x", 83: "a < x", 84: "a <= x", 85: "a >= x", 86: "a > x",
    87: "s64(a) < s64(x)", 88: "s64(a) <= s64(x)", 89: "s64(a) >= s64(x)", 90: "s64(a) > s64(x)",
}

BRANCH_REG = {  # branch(ν_X, f(ω_A, ω_B))  (GP A.5.11)
    170: "a == b", 171: "a != b", 172: "a < b", 173: "s64(a) < s64(b)", 174: "a >= b", 175: "s64(a) >= s64(b)",
}

LOADS = {52: (1, False), 53: (1, True), 54: (2, False), 55: (2, True), 56: (4, False), 57: (4, True), 58: (8, False)}
IND_LOADS = {124: (1, False), 125: (1, True), 126: (2, False), 127: (2, True), 128: (4, False), 129: (4, True), 130: (8, False)}
STORES = {59: 1, 60: 2, 61: 4, 62: 8}
IND_STORES = {120: 1, 121: 2, 122: 4, 123: 8}
IMM_STORES = {30: 1, 31: 2, 32: 4, 33: 8}
IMM_IND_STORES = {70: 1, 71: 2, 72: 4, 73: 8}

TERMINATORS = {0, 1, 40, 50, 80, 180, *BRANCH_IMM, *BRANCH_REG}
VALID = {
    0, 1, 10, 20, 30, 31, 32, 33, 40, 50, 51, *LOADS, *STORES, 70, 71, 72, 73, 80, *BRANCH_IMM, 101,
    *TWO_REG, *IND_STORES, *IND_LOADS, *TWO_REG_IMM, *BRANCH_REG, 180, *THREE_REG,
}

_ENV = {k: v for k, v in globals().items() if not k.startswith("__")}


def _factory(src: str, name: str) -> Callable:
    namespace = dict(_ENV)
    exec(src, namespace)  # noqa: S102 - our own constant tables, compiled once at import
    return namespace[name]


def _three_reg(expr: str) -> Callable:
    return _factory(
        f"def make(ra, rb, rd, nxt):\n"
        f"    def f(regs, mem):\n"
        f"        a = regs[ra]; b = regs[rb]; d = regs[rd]\n"
        f"        regs[rd] = {expr}\n"
        f"        return nxt\n"
        f"    return f\n",
        "make",
    )


def _two_reg_imm(expr: str) -> Callable:
    return _factory(
        f"def make(ra, rb, x, nxt):\n"
        f"    def f(regs, mem):\n"
        f"        a = regs[ra]; b = regs[rb]\n"
        f"        regs[ra] = {expr}\n"
        f"        return nxt\n"
        f"    return f\n",
        "make",
    )


def _two_reg(expr: str) -> Callable:
    return _factory(
        f"def make(rd, ra, nxt):\n"
        f"    def f(regs, mem):\n"
        f"        a = regs[ra]\n"
        f"        regs[rd] = {expr}\n"
        f"        return nxt\n"
        f"    return f\n",
        "make",
    )


def _branch(expr: str, operands: str) -> Callable:
    # `target` is None when the static target is not a basic-block start: taking it panics.
    return _factory(
        f"def make(ra, {operands}, target, nxt):\n"
        f"    def f(regs, mem):\n"
        f"        a = regs[ra]\n"
        f"        {'b = regs[rb]' if 'rb' in operands else 'pass'}\n"
        f"        if {expr}:\n"
        f"            if target is None:\n"
        f"                raise Panic\n"
        f"            return target\n"
        f"        return nxt\n"
        f"    return f\n",
        "make",
    )


MAKE_THREE_REG = {op: _three_reg(e) for op, e in THREE_REG.items()}
MAKE_TWO_REG_IMM = {op: _two_reg_imm(e) for op, e in TWO_REG_IMM.items()}
MAKE_TWO_REG = {op: _two_reg(e) for op, e in TWO_REG.items()}
MAKE_BRANCH_IMM = {op: _branch(e, "x") for op, e in BRANCH_IMM.items()}
MAKE_BRANCH_REG = {op: _branch(e, "rb") for op, e in BRANCH_REG.items()}


# ---------------------------------------------------------------------------- decoding


class Program:
    """A deblobbed program with its skip table, basic blocks and lazily decoded instructions."""

    __slots__ = ("code", "zeta", "bitmask", "jump_table", "skips", "blocks", "limit", "decoded", "segments", "heat",
                 "jump_map")

    def __init__(self, code: Code) -> None:
        self.code = code.code
        self.zeta = code.code + bytes(32)  # ζ: c with zeros appended (GP eq. A.4)
        self.bitmask = code.bitmask
        self.jump_table = code.jump_table
        n = len(self.code)
        # skip(i): distance to the next set bit of k ⌢ [1, 1, …], capped at 24 (GP eq. A.3)
        skips = bytearray(n)  # one octet each: a program's tables stay small (edge memory budget)
        nxt = n
        for i in range(n - 1, -1, -1):
            skips[i] = min(24, nxt - i - 1)
            if self.bitmask[i]:
                nxt = i
        self.skips = bytes(skips)
        # ϖ: basic-block starts (GP eq. A.5)
        blocks = {0} if n and self.bitmask[0] and self.code[0] in VALID else set()
        for i in range(n):
            if self.bitmask[i] and self.code[i] in TERMINATORS:
                j = i + 1 + skips[i]
                if j < n and self.bitmask[j] and self.code[j] in VALID:
                    blocks.add(j)
        self.blocks = blocks
        self.limit = n + 64  # pc can run past the end by a skip; beyond this it never gets
        # Sparse by pc: only executed instructions are decoded and only hot superblocks compiled.
        self.decoded: dict[int, Callable] = {}
        self.segments: dict = {}  # compiled superblocks by start pc (compiler.py)
        self.heat = bytearray(n + 64)  # visits of each pc not compiled yet, saturating (runloop.py)
        # the dynamic-jump addresses that land on a basic block (GP eq. A.9), address → target
        self.jump_map = {
            (i + 1) * JUMP_ALIGN: t
            for i, t in enumerate(self.jump_table)
            if t in blocks and (i + 1) * JUMP_ALIGN != HALT_ADDRESS
        }

    def skip(self, i: int) -> int:
        return self.skips[i] if i < len(self.skips) else 0

    def instruction(self, pc: int) -> Callable:
        if not 0 <= pc < self.limit:
            return _trap
        f = self.decoded.get(pc)
        if f is None:
            if len(self.decoded) >= MAX_DECODED:
                self.decoded.clear()  # a hard cap on this program's memory; hot code is re-decoded
            f = self.decoded[pc] = self._decode(pc)
        return f

    def _imm(self, start: int, length: int) -> int:
        return sx(length, int.from_bytes(self.zeta[start : start + length], "little"))

    def _offset(self, pc: int, start: int, length: int) -> int | None:
        raw = int.from_bytes(self.zeta[start : start + length], "little")
        if length and raw >> (8 * length - 1):
            raw -= 1 << (8 * length)
        target = pc + raw
        return target if target in self.blocks else None

    def operands(self, pc: int) -> tuple[int, tuple, int]:  # noqa: C901 - one branch per GP instruction class
        """(opcode, operands, next pc) of the instruction at `pc` (GP A.5); anything that is not a
        valid instruction start decodes as `trap`. Immediates are sign-extended (ν), jump targets
        are None when not a basic-block start."""
        n = len(self.code)
        op = self.code[pc] if pc < n and self.bitmask[pc] and self.code[pc] in VALID else 0
        l = self.skip(pc)
        nxt = pc + 1 + l
        z = self.zeta
        r1 = z[pc + 1]
        ra, rb = min(12, r1 & 15), min(12, r1 >> 4)

        if op in (0, 1):
            return op, (), nxt
        if op == 10:
            return op, (self._imm(pc + 1, min(4, l)),), nxt
        if op == 20:
            return op, (ra, int.from_bytes(z[pc + 2 : pc + 10], "little")), nxt
        if op in IMM_STORES:
            lx = min(4, r1 & 7)
            x = self._imm(pc + 2, lx) & M32
            return op, (x, self._imm(pc + 2 + lx, min(4, max(0, l - lx - 1)))), nxt
        if op == 40:
            return op, (self._offset(pc, pc + 1, min(4, l)),), nxt
        if 50 <= op <= 62:
            x = self._imm(pc + 2, min(4, max(0, l - 1)))
            return op, (ra, x if op in (50, 51) else x & M32), nxt
        if op in IMM_IND_STORES:
            lx = min(4, (r1 >> 4) & 7)
            return op, (ra, self._imm(pc + 2, lx), self._imm(pc + 2 + lx, min(4, max(0, l - lx - 1)))), nxt
        if op == 80 or op in BRANCH_IMM:
            lx = min(4, (r1 >> 4) & 7)
            target = self._offset(pc, pc + 2 + lx, min(4, max(0, l - lx - 1)))
            return op, (ra, self._imm(pc + 2, lx), target), nxt
        if op == 101 or op in TWO_REG:
            return op, (ra, rb), nxt  # ω_D = low nibble, source ω_A = high nibble
        if 120 <= op <= 161:
            return op, (ra, rb, self._imm(pc + 2, min(4, max(0, l - 1)))), nxt
        if op in BRANCH_REG:
            return op, (ra, rb, self._offset(pc, pc + 2, min(4, max(0, l - 1)))), nxt
        if op == 180:
            lx = min(4, z[pc + 2] & 7)
            return op, (ra, rb, self._imm(pc + 3, lx), self._imm(pc + 3 + lx, min(4, max(0, l - lx - 2)))), nxt
        return op, (ra, rb, min(12, z[pc + 2])), nxt  # three registers

    def _decode(self, pc: int) -> Callable:
        """The instruction at `pc` as a closure `f(regs, mem) -> next pc`."""
        op, args, nxt = self.operands(pc)
        if op == 0:
            return _trap
        if op == 1:
            return lambda regs, mem: nxt
        if op == 10:
            return _ecalli(args[0], nxt)
        if op in (20, 51):
            return _set(*args, nxt)
        if op in IMM_STORES:
            return _store_const(*args, IMM_STORES[op], nxt)
        if op == 40:
            return _jump(*args)
        if op == 50:
            return _djump_reg(self, *args)
        if op in LOADS:
            return _load_abs(*args, *LOADS[op], nxt)
        if op in STORES:
            return _store_abs(*args, STORES[op], nxt)
        if op in IMM_IND_STORES:
            return _store_const_ind(*args, IMM_IND_STORES[op], nxt)
        if op == 80:
            return _load_imm_jump(*args)
        if op in BRANCH_IMM:
            return MAKE_BRANCH_IMM[op](*args, nxt)
        if op == 101:
            return _sbrk(*args, nxt)
        if op in MAKE_TWO_REG:
            return MAKE_TWO_REG[op](*args, nxt)
        if op in IND_STORES:
            return _store_ind(*args, IND_STORES[op], nxt)
        if op in IND_LOADS:
            return _load_ind(*args, *IND_LOADS[op], nxt)
        if op in MAKE_TWO_REG_IMM:
            return MAKE_TWO_REG_IMM[op](*args, nxt)
        if op in BRANCH_REG:
            return MAKE_BRANCH_REG[op](*args, nxt)
        if op == 180:
            return _load_imm_jump_ind(self, *args)
        return MAKE_THREE_REG[op](*args, nxt)

    def djump(self, address: int) -> int:
        """GP eq. (A.9): dynamic jump through the jump table (halts at the magic return address)."""
        if address == HALT_ADDRESS:
            raise Halt
        if address == 0 or address > len(self.jump_table) * JUMP_ALIGN or address % JUMP_ALIGN:
            raise Panic
        target = self.jump_table[address // JUMP_ALIGN - 1]
        if target not in self.blocks:
            raise Panic
        return target


# ---------------------------------------------------------------------------- closure factories


def _trap(regs: list[int], mem: Memory) -> int:
    raise Panic


def _ecalli(index: int, nxt: int) -> Callable:
    def f(regs: list[int], mem: Memory) -> int:
        raise HostCall(index, nxt)

    return f


def _set(ra: int, value: int, nxt: int) -> Callable:
    def f(regs: list[int], mem: Memory) -> int:
        regs[ra] = value
        return nxt

    return f


def _jump(target: int | None) -> Callable:
    def f(regs: list[int], mem: Memory) -> int:
        if target is None:
            raise Panic
        return target

    return f


def _load_imm_jump(ra: int, x: int, target: int | None) -> Callable:
    def f(regs: list[int], mem: Memory) -> int:
        regs[ra] = x  # GP A.5.7: ω'_A = ν_X whatever the jump does; Ψ returns ω' on panic
        if target is None:
            raise Panic
        return target

    return f


def _djump_reg(prog: Program, ra: int, x: int) -> Callable:
    def f(regs: list[int], mem: Memory) -> int:
        return prog.djump((regs[ra] + x) & M32)

    return f


def _load_imm_jump_ind(prog: Program, ra: int, rb: int, x: int, y: int) -> Callable:
    def f(regs: list[int], mem: Memory) -> int:
        address = (regs[rb] + y) & M32  # ω_B before ω'_A is written (they may be one register)
        regs[ra] = x  # GP A.5.12: ω'_A = ν_X whatever the jump does; Ψ returns ω' on panic
        return prog.djump(address)

    return f


_STRUCTS = {1: struct.Struct("<B"), 2: struct.Struct("<H"), 4: struct.Struct("<I"), 8: struct.Struct("<Q")}


def _loader(width: int, signed: bool) -> Callable[[Memory, int], int]:
    """A load of `width` octets at an address: one page lookup and `unpack_from` when in one page."""
    unpack = _STRUCTS[width].unpack_from
    limit = 4096 - width

    def load(mem: Memory, address: int) -> int:
        page = mem.pages.get(address >> 12)
        off = address & 4095
        v = unpack(page, off)[0] if page is not None and off <= limit else mem.load(address, width)
        return sx(width, v) if signed else v

    return load


def _storer(width: int) -> Callable[[Memory, int, int], None]:
    pack = _STRUCTS[width].pack_into
    limit = 4096 - width
    mask = (1 << (8 * width)) - 1

    def store(mem: Memory, address: int, value: int) -> None:
        page = mem.writable.get(address >> 12)
        off = address & 4095
        if page is not None and off <= limit:
            pack(page, off, value & mask)
        else:
            mem.store(address, value, width)

    return store


def _load_abs(ra: int, address: int, width: int, signed: bool, nxt: int) -> Callable:
    load = _loader(width, signed)

    def f(regs: list[int], mem: Memory) -> int:
        regs[ra] = load(mem, address)
        return nxt

    return f


def _load_ind(ra: int, rb: int, x: int, width: int, signed: bool, nxt: int) -> Callable:
    load = _loader(width, signed)

    def f(regs: list[int], mem: Memory) -> int:
        regs[ra] = load(mem, (regs[rb] + x) & M32)
        return nxt

    return f


def _store_abs(ra: int, address: int, width: int, nxt: int) -> Callable:
    store = _storer(width)

    def f(regs: list[int], mem: Memory) -> int:
        store(mem, address, regs[ra])
        return nxt

    return f


def _store_ind(ra: int, rb: int, x: int, width: int, nxt: int) -> Callable:
    store = _storer(width)

    def f(regs: list[int], mem: Memory) -> int:
        store(mem, (regs[rb] + x) & M32, regs[ra])
        return nxt

    return f


def _store_const(address: int, y: int, width: int, nxt: int) -> Callable:
    store = _storer(width)

    def f(regs: list[int], mem: Memory) -> int:
        store(mem, address, y)
        return nxt

    return f


def _store_const_ind(ra: int, x: int, y: int, width: int, nxt: int) -> Callable:
    store = _storer(width)

    def f(regs: list[int], mem: Memory) -> int:
        store(mem, (regs[ra] + x) & M32, y)
        return nxt

    return f


def _sbrk(rd: int, ra: int, nxt: int) -> Callable:
    """sbrk (GP A.5.9): grow the heap by ω_A octets, returning the prior heap pointer; with
    ω_A = 0 just report it. New pages become writable (per the traces README's guidance), as
    zero pages that take storage only when first written (`Memory.allow`)."""

    def f(regs: list[int], mem: Memory) -> int:
        size = regs[ra]
        current = mem.heap
        if size:
            new_top = current + size
            if new_top > 1 << 32:
                raise Panic
            mem.allow(-(-current // 4096), -(-new_top // 4096), True)  # no storage until written
            mem.heap = new_top
        regs[rd] = current
        return nxt

    return f
