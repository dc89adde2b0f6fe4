"""A tiny assembler for PVM test programs (raw deblob format and standard programs)."""

from __future__ import annotations

from jamliquor.execution import program_blob

HALT = (1 << 32) - (1 << 16)


def imm(value: int, n: int = 4) -> bytes:
    return (value & ((1 << (8 * n)) - 1)).to_bytes(n, "little")


blob = program_blob  # raw (deblob-format) program from encoded instructions


def standard(code_blob: bytes, ro: bytes = b"", rw: bytes = b"", heap_pages: int = 0, stack: int = 4096) -> bytes:
    return (len(ro).to_bytes(3, "little") + len(rw).to_bytes(3, "little") + heap_pages.to_bytes(2, "little")
            + stack.to_bytes(3, "little") + ro + rw + len(code_blob).to_bytes(4, "little") + code_blob)


def offset_of(instructions: list[bytes], index: int) -> int:
    return sum(len(i) for i in instructions[:index])


# encoders by instruction class (GP A.5)
def trap() -> bytes: return bytes([0])
def fallthrough() -> bytes: return bytes([1])
def ecalli(index: int) -> bytes: return bytes([10]) + imm(index)
def load_imm_64(ra: int, value: int) -> bytes: return bytes([20, ra]) + imm(value, 8)
def load_imm(ra: int, value: int) -> bytes: return bytes([51, ra]) + imm(value)
def jump_ind(ra: int, x: int = 0) -> bytes: return bytes([50, ra]) + imm(x)
def reg_imm(op: int, ra: int, x: int) -> bytes: return bytes([op, ra]) + imm(x)
def two_reg(op: int, rd: int, ra: int) -> bytes: return bytes([op, rd | ra << 4])
def two_reg_imm(op: int, ra: int, rb: int, x: int) -> bytes: return bytes([op, ra | rb << 4]) + imm(x)
def three_reg(op: int, rd: int, ra: int, rb: int) -> bytes: return bytes([op, ra | rb << 4, rd])
def jump(offset: int) -> bytes: return bytes([40]) + imm(offset)
def branch_reg(op: int, ra: int, rb: int, offset: int) -> bytes: return bytes([op, ra | rb << 4]) + imm(offset)
def branch_imm(op: int, ra: int, x: int, offset: int) -> bytes: return bytes([op, ra | 4 << 4]) + imm(x) + imm(offset)
def halt_via(r: int = 0) -> list[bytes]: return [load_imm_64(r, HALT), jump_ind(r)]
