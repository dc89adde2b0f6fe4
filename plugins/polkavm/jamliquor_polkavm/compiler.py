"""Straight-line segments compiled to Python functions: the PVM's fast path.

A segment is the run of instructions from some pc up to and including the next terminator or
`ecalli` (GP A.3 basic blocks, split at host calls). It is turned once into Python source, with
register and memory accesses inlined, and compiled; the run loop then pays one call per segment
instead of one per instruction. Semantics come from the same tables as the single-step closures
(`interpreter.THREE_REG` …), so the two paths cannot drift apart.

Gas stays per instruction (GP A.2): the loop charges a segment's whole cost only when the gas
covers it (otherwise it single-steps, so out-of-gas lands on the exact instruction); an exit
inside a segment carries the step `s` it happened at, and the loop refunds the steps not run.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import interpreter as I

MAX_STEPS = 128  # longer straight-line runs are split; a segment may start at any pc
ENDS = I.TERMINATORS | {10}  # terminators and ecalli (execution resumes after a host call)
_STRUCT_NAME = {2: "U16", 4: "U32", 8: "U64"}


class Segment:
    __slots__ = ("run", "cost", "pcs", "loop")

    def __init__(self, run: Callable, pcs: tuple[int, ...], loop: bool) -> None:
        # run(regs, mem) -> next pc; a loop segment (one that branches back to its own start)
        # is run(regs, mem, gas) -> (next pc, gas) and iterates while the gas covers a pass.
        # Exits raise with `.s` = the step index (and `.gas` for loops).
        self.run = run
        self.cost = len(pcs)  # every instruction costs 1 gas in GP v0.7.2
        self.pcs = pcs  # pc of each step
        self.loop = loop


def _uses(expr: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", expr) is not None


def _load(lines: list[str], k: int, ra: int, address: str, width: int, signed: bool) -> None:
    limit = 4096 - width
    lines += [f"s = {k}", f"A = {address}", "P = pg(A >> 12); O = A & 4095"]
    fast = "P[O]" if width == 1 else f"{_STRUCT_NAME[width]}(P, O)[0]"
    lines.append(f"v = {fast} if P is not None and O <= {limit} else mem.load(A, {width})")
    if signed and width < 8:
        bits = 8 * width
        lines.append(f"R[{ra}] = v + {(1 << 64) - (1 << bits)} if v >> {bits - 1} else v")
    else:
        lines.append(f"R[{ra}] = v")


def _store(lines: list[str], k: int, value: str, address: str, width: int) -> None:
    limit, mask = 4096 - width, (1 << (8 * width)) - 1
    lines += [f"s = {k}", f"A = {address}", f"V = {value}" + (f" & {mask}" if width < 8 else ""), "P = wg(A >> 12); O = A & 4095"]
    fast = "P[O] = V" if width == 1 else f"{_STRUCT_NAME[width]}W(P, O, V)"
    lines += [f"if P is not None and O <= {limit}: {fast}", f"else: mem.store(A, V, {width})"]


def _branch(lines: list[str], k: int, cond: str, target: int | None, nxt: int, start: int) -> None:
    if target == start:  # a loop: go round again while the gas covers another pass
        lines += [f"if not ({cond}): return {nxt}, gas", "if gas < COST: return START, gas", "gas -= COST", "continue"]
        return
    then = f"return {target}" if target is not None else f"s = {k}; raise Panic"
    lines += [f"if {cond}: {then}", f"return {nxt}"]


def _emit(prog: I.Program, pc: int, k: int, lines: list[str], env: dict, start: int) -> tuple[bool, int]:  # noqa: C901
    """Append the source of the instruction at `pc` (step k); return (ends segment, next pc)."""
    op, args, nxt = prog.operands(pc)
    if op in I.LOADS:
        ra, address = args
        _load(lines, k, ra, str(address), *I.LOADS[op])
    elif op in I.IND_LOADS:
        ra, rb, x = args
        _load(lines, k, ra, f"(R[{rb}] + {x}) & 4294967295", *I.IND_LOADS[op])
    elif op in I.STORES:
        ra, address = args
        _store(lines, k, f"R[{ra}]", str(address), I.STORES[op])
    elif op in I.IND_STORES:
        ra, rb, x = args
        _store(lines, k, f"R[{ra}]", f"(R[{rb}] + {x}) & 4294967295", I.IND_STORES[op])
    elif op in I.IMM_STORES:
        address, y = args
        _store(lines, k, str(y), str(address), I.IMM_STORES[op])
    elif op in I.IMM_IND_STORES:
        ra, x, y = args
        _store(lines, k, str(y), f"(R[{ra}] + {x}) & 4294967295", I.IMM_IND_STORES[op])
    elif op in (20, 51):
        ra, value = args
        lines.append(f"R[{ra}] = {value & I.M64}")
    elif op in I.THREE_REG:
        ra, rb, rd = args
        expr = I.THREE_REG[op]
        lines.append(f"a = R[{ra}]; b = R[{rb}]" + (f"; d = R[{rd}]" if _uses(expr, "d") else ""))
        lines.append(f"R[{rd}] = {expr}")
    elif op in I.TWO_REG_IMM:
        ra, rb, x = args
        expr = I.TWO_REG_IMM[op]
        lines.append(f"b = R[{rb}]; x = {x}" + (f"; a = R[{ra}]" if _uses(expr, "a") else ""))
        lines.append(f"R[{ra}] = {expr}")
    elif op in I.TWO_REG:
        rd, ra = args
        lines += [f"a = R[{ra}]", f"R[{rd}] = {I.TWO_REG[op]}"]
    elif op in I.BRANCH_IMM:
        ra, x, target = args
        lines.append(f"a = R[{ra}]; x = {x}")
        _branch(lines, k, I.BRANCH_IMM[op], target, nxt, start)
        return True, nxt
    elif op in I.BRANCH_REG:
        ra, rb, target = args
        lines.append(f"a = R[{ra}]; b = R[{rb}]")
        _branch(lines, k, I.BRANCH_REG[op], target, nxt, start)
        return True, nxt
    elif op == 40 and args[0] is not None:
        lines.append(f"return {args[0]}")
        return True, nxt
    elif op == 1:
        lines.append(f"return {nxt}")
        return True, nxt
    elif op in (50, 180):  # dynamic jumps: the common case inline, halt/panic through the closure
        env["JD"] = prog.jump_map
        env[f"F{k}"] = prog.instruction(pc)
        if op == 50:
            ra, x = args
            lines += [f"s = {k}; t = JD.get((R[{ra}] + {x}) & 4294967295)", "if t is not None: return t"]
        else:
            ra, rb, x, y = args
            lines += [f"s = {k}; t = JD.get((R[{rb}] + {y}) & 4294967295)", f"if t is not None: R[{ra}] = {x}; return t"]
        lines.append(f"return F{k}(R, mem)")
        return True, nxt
    else:  # rare or exiting instructions (trap, ecalli, sbrk, dynamic jumps …): the closure
        name = f"F{k}"
        env[name] = prog.instruction(pc)
        if op in ENDS:
            lines.append(f"s = {k}; return {name}(R, mem)")
            return True, nxt
        lines.append(f"s = {k}; {name}(R, mem)")
    return op in ENDS, nxt


def compile_segment(prog: I.Program, pc: int) -> Segment:
    """The segment starting at `pc` (any pc; an invalid one is a one-step `trap` segment)."""
    env = dict(I._ENV)
    env.update(U16=I._STRUCTS[2].unpack_from, U32=I._STRUCTS[4].unpack_from, U64=I._STRUCTS[8].unpack_from,
               U16W=I._STRUCTS[2].pack_into, U32W=I._STRUCTS[4].pack_into, U64W=I._STRUCTS[8].pack_into)
    lines: list[str] = []
    pcs: list[int] = []
    end = False
    start = pc
    while not end and len(pcs) < MAX_STEPS:
        pcs.append(pc)
        end, pc = _emit(prog, pc, len(pcs) - 1, lines, env, start)
    if not end:
        lines.append(f"return {pc}")
    loop = lines[-1] == "continue"
    env.update(COST=len(pcs), START=start)
    if loop:
        head, indent = "def segment(R, mem, gas):\n", "            "
        body = "        while True:\n" + "\n".join(indent + line for line in lines)
        save = "        e.s = s; e.gas = gas\n"
    else:
        head, indent = "def segment(R, mem):\n", "        "
        body = "\n".join(indent + line for line in lines)
        save = "        e.s = s\n"
    source = (
        f"{head}"
        "    s = 0\n"
        "    pg = mem.pages.get; wg = mem.writable.get\n"
        "    try:\n"
        f"{body}\n"
        "    except Exception as e:\n"
        f"{save}"
        "        raise\n"
    )
    exec(compile(source, f"<pvm segment @{start}>", "exec"), env)  # noqa: S102 - generated from our tables
    return Segment(env["segment"], tuple(pcs), loop)
