"""Superblocks compiled to Python functions: the PVM's fast path.

A superblock is the path of instructions from some pc that follows fall-throughs, not-taken
branches and static jumps, up to a dynamic jump, host call, trap or a revisited pc (GP A.3 basic
blocks, chained). It is turned once into Python source, with register and memory accesses
inlined, and compiled; taken branches are side exits, and a branch or jump back to the start is
a loop inside the function. The run loop then pays one call per superblock instead of one per
instruction. Semantics come from the same tables as the single-step closures
(`interpreter.THREE_REG` …), so the two paths cannot drift apart.

Gas stays per instruction (GP A.2): a superblock runs only when the gas covers its longest path
(otherwise the loop single-steps, so out-of-gas lands on the exact instruction); each exit
charges the steps it actually ran, and an exception carries the step `s` it happened at and the
gas `gas` at the start of the pass, so the loop charges steps 0..s.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import interpreter as I

MAX_STEPS = 64  # longer paths are split; a superblock may start at any pc
_STRUCT_NAME = {2: "U16", 4: "U32", 8: "U64"}


class Segment:
    __slots__ = ("run", "cost", "pcs")

    def __init__(self, run: Callable, pcs: tuple[int, ...]) -> None:
        self.run = run  # run(regs, mem, gas) -> (next pc, gas left)
        self.cost = len(pcs)  # the longest path; every instruction costs 1 gas in GP v0.7.2
        self.pcs = pcs  # pc of each step


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


def _exit(k: int, target: int | None, start: int) -> str:
    """Leave to `target` after step k (charging k + 1 gas), or loop when it is the start."""
    if target is None:
        return f"s = {k}; raise Panic"  # not a basic-block start (GP A.9)
    if target == start:
        return f"gas -= {k + 1}\nif gas < COST: return START, gas\ncontinue"
    return f"return {target}, gas - {k + 1}"


def _side_exit(lines: list[str], cond: str, action: str) -> None:
    body = action.split("\n")
    lines.append(f"if {cond}:")
    lines += ["    " + line for line in body]


def _emit(prog: I.Program, pc: int, k: int, lines: list[str], env: dict, start: int) -> int | None:  # noqa: C901
    """Append the source of the instruction at `pc` (step k); return the pc the path continues
    at, or None when the instruction always leaves the superblock."""
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
    elif op in I.BRANCH_IMM:  # taken: side exit; not taken: the path goes on
        ra, x, target = args
        lines.append(f"a = R[{ra}]; x = {x}")
        _side_exit(lines, I.BRANCH_IMM[op], _exit(k, target, start))
    elif op in I.BRANCH_REG:
        ra, rb, target = args
        lines.append(f"a = R[{ra}]; b = R[{rb}]")
        _side_exit(lines, I.BRANCH_REG[op], _exit(k, target, start))
    elif op == 40 and args[0] is not None:
        return args[0]  # static jump: the path continues at its target
    elif op == 80 and args[2] is not None:
        ra, x, target = args
        lines.append(f"R[{ra}] = {x}")
        return target
    elif op == 1:
        pass  # fallthrough
    elif op in (50, 180):  # dynamic jumps: the common case inline, halt/panic through the closure
        env["JD"] = prog.jump_map
        env[f"F{k}"] = prog.instruction(pc)
        if op == 50:
            ra, x = args
            lines += [f"s = {k}; t = JD.get((R[{ra}] + {x}) & 4294967295)", f"if t is not None: return t, gas - {k + 1}"]
        else:
            ra, rb, x, y = args
            lines += [f"s = {k}; t = JD.get((R[{rb}] + {y}) & 4294967295)",
                      f"if t is not None: R[{ra}] = {x}; return t, gas - {k + 1}"]
        lines.append(f"F{k}(R, mem)")  # raises: halt or panic
        return None
    else:  # trap, ecalli, sbrk and jumps to non-block targets: the closure (exits raise)
        env[f"F{k}"] = prog.instruction(pc)
        lines.append(f"s = {k}; F{k}(R, mem)")
        return None if op in (0, 10, 40, 80) else nxt
    return nxt


def compile_segment(prog: I.Program, pc: int) -> Segment:
    """The superblock starting at `pc` (any pc; an invalid one is a one-step `trap`)."""
    env = dict(I._ENV)
    env.update(U16=I._STRUCTS[2].unpack_from, U32=I._STRUCTS[4].unpack_from, U64=I._STRUCTS[8].unpack_from,
               U16W=I._STRUCTS[2].pack_into, U32W=I._STRUCTS[4].pack_into, U64W=I._STRUCTS[8].pack_into)
    lines: list[str] = []
    pcs: list[int] = []
    start = pc
    nxt: int | None = pc
    while nxt is not None and len(pcs) < MAX_STEPS and nxt not in pcs:
        pcs.append(nxt)
        nxt = _emit(prog, nxt, len(pcs) - 1, lines, env, start)
    if nxt is not None:  # the path runs on beyond this superblock (or back into it)
        lines += _exit(len(pcs) - 1, nxt, start).split("\n")
    env.update(COST=len(pcs), START=start)
    body = "\n".join("            " + line for line in lines)
    source = (
        "def segment(R, mem, gas):\n"
        "    s = 0\n"
        "    pg = mem.pages.get; wg = mem.writable.get\n"
        "    try:\n"
        "        while True:\n"
        f"{body}\n"
        "    except Exception as e:\n"
        "        e.s = s; e.gas = gas\n"
        "        raise\n"
    )
    exec(compile(source, f"<pvm superblock @{start}>", "exec"), env)  # noqa: S102 - generated from our tables
    return Segment(env["segment"], tuple(pcs))
