"""Superblocks compiled to Python functions: the PVM's fast path.

A superblock is the path of instructions from some pc that follows fall-throughs, not-taken
branches and static jumps, up to a dynamic jump, host call, trap or a revisited pc (GP A.3 basic
blocks, chained). It is turned once into Python source and compiled: the registers it touches
live in local variables (written back to ω at every exit), memory accesses are inlined, taken
branches are side exits, and a branch or jump back to the start is a loop inside the function.
The run loop then pays one call per superblock instead of one per instruction. Semantics come
from the same tables as the single-step closures (`interpreter.THREE_REG` …), so the two paths
cannot drift apart.

Gas stays per instruction (GP A.2): a superblock runs only when the gas covers its longest path
(otherwise the loop single-steps, so out-of-gas lands on the exact instruction); each exit
charges the steps it actually ran, and an exception carries the step `s` it happened at and the
gas `gas` at the start of the pass, so the loop charges steps 0..s.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import interpreter as I

MAX_STEPS = 32  # longer paths are split; a superblock may start at any pc
WRITE_BACK = "@WB"  # placeholder line: store the cached registers back into ω
_STRUCT_NAME = {2: "U16", 4: "U32", 8: "U64"}
_ADDRESS_MASK = 4294967295


# Names every superblock's source may use: the semantics helpers and struct accessors.
_BASE_ENV = dict(
    I._ENV,
    U16=I._STRUCTS[2].unpack_from, U32=I._STRUCTS[4].unpack_from, U64=I._STRUCTS[8].unpack_from,
    U16W=I._STRUCTS[2].pack_into, U32W=I._STRUCTS[4].pack_into, U64W=I._STRUCTS[8].pack_into,
)


class Segment:
    __slots__ = ("run", "cost", "pcs")

    def __init__(self, run: Callable, pcs: tuple[int, ...]) -> None:
        self.run = run  # run(regs, mem, gas) -> (next pc, gas left)
        self.cost = len(pcs)  # the longest path; every instruction costs 1 gas in GP v0.7.2
        self.pcs = pcs  # pc of each step


class _Source:
    """The lines of one superblock and the registers it reads or writes."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.regs: set[int] = set()

    def r(self, n: int) -> str:
        self.regs.add(n)
        return f"r{n}"

    def expr(self, template: str, **names: str) -> str:
        """A table expression with its operand names (a, b, d, x) substituted."""
        return re.sub(r"\b[abdx]\b", lambda m: names.get(m.group(0), m.group(0)), template)


def _load(src: _Source, k: int, ra: int, address: str, width: int, signed: bool) -> None:
    limit = 4096 - width
    fast = "P[O]" if width == 1 else f"{_STRUCT_NAME[width]}(P, O)[0]"
    src.lines += [
        f"s = {k}; A = {address}; P = pg(A >> 12); O = A & 4095",
        f"v = {fast} if P is not None and O <= {limit} else mem.load(A, {width})",
    ]
    if signed and width < 8:
        bits = 8 * width
        src.lines.append(f"{src.r(ra)} = v + {(1 << 64) - (1 << bits)} if v >> {bits - 1} else v")
    else:
        src.lines.append(f"{src.r(ra)} = v")


def _store(src: _Source, k: int, value: str, address: str, width: int) -> None:
    limit, mask = 4096 - width, (1 << (8 * width)) - 1
    fast = "P[O] = V" if width == 1 else f"{_STRUCT_NAME[width]}W(P, O, V)"
    src.lines += [
        f"s = {k}; A = {address}; V = {value}" + (f" & {mask}" if width < 8 else "") + "; P = wg(A >> 12); O = A & 4095",
        f"if P is not None and O <= {limit}: {fast}",
        f"else: mem.store(A, V, {width})",
    ]


def _exit(k: int, target: int | None, start: int) -> list[str]:
    """Leave to `target` after step k (charging k + 1 gas), or loop when it is the start."""
    if target is None:
        return [f"s = {k}", "raise Panic"]  # not a basic-block start (GP A.9); the handler writes back
    if target == start:  # the registers stay in their locals for the next pass
        return [f"gas -= {k + 1}", f"if gas < COST: {WRITE_BACK}; return START, gas", "continue"]
    return [WRITE_BACK, f"return {target}, gas - {k + 1}"]


def _side_exit(src: _Source, cond: str, action: list[str]) -> None:
    src.lines.append(f"if {cond}:")
    src.lines += ["    " + line for line in action]


def _call(src: _Source, env: dict, prog: I.Program, pc: int, k: int) -> None:
    """Run the instruction's closure on ω (sbrk, trap, ecalli, …): registers written back first."""
    env[f"F{k}"] = prog.instruction(pc)
    src.lines += [WRITE_BACK, f"s = {k}; F{k}(R, mem)"]


def _emit(prog: I.Program, pc: int, k: int, src: _Source, env: dict, start: int) -> int | None:  # noqa: C901
    """Append the source of the instruction at `pc` (step k); return the pc the path continues
    at, or None when the instruction always leaves the superblock."""
    op, args, nxt = prog.operands(pc)
    r = src.r
    if op in I.LOADS:
        ra, address = args
        _load(src, k, ra, str(address), *I.LOADS[op])
    elif op in I.IND_LOADS:
        ra, rb, x = args
        _load(src, k, ra, f"({r(rb)} + {x}) & {_ADDRESS_MASK}", *I.IND_LOADS[op])
    elif op in I.STORES:
        ra, address = args
        _store(src, k, r(ra), str(address), I.STORES[op])
    elif op in I.IND_STORES:
        ra, rb, x = args
        _store(src, k, r(ra), f"({r(rb)} + {x}) & {_ADDRESS_MASK}", I.IND_STORES[op])
    elif op in I.IMM_STORES:
        address, y = args
        _store(src, k, str(y), str(address), I.IMM_STORES[op])
    elif op in I.IMM_IND_STORES:
        ra, x, y = args
        _store(src, k, str(y), f"({r(ra)} + {x}) & {_ADDRESS_MASK}", I.IMM_IND_STORES[op])
    elif op in (20, 51):
        ra, value = args
        src.lines.append(f"{r(ra)} = {value & I.M64}")
    elif op in I.THREE_REG:
        ra, rb, rd = args
        src.lines.append(f"{r(rd)} = " + src.expr(I.THREE_REG[op], a=r(ra), b=r(rb), d=r(rd)))
    elif op in I.TWO_REG_IMM:
        ra, rb, x = args
        src.lines.append(f"{r(ra)} = " + src.expr(I.TWO_REG_IMM[op], a=r(ra), b=r(rb), x=str(x)))
    elif op in I.TWO_REG:
        rd, ra = args
        src.lines.append(f"{r(rd)} = " + src.expr(I.TWO_REG[op], a=r(ra)))
    elif op in I.BRANCH_IMM:  # taken: side exit; not taken: the path goes on
        ra, x, target = args
        _side_exit(src, src.expr(I.BRANCH_IMM[op], a=r(ra), x=str(x)), _exit(k, target, start))
    elif op in I.BRANCH_REG:
        ra, rb, target = args
        _side_exit(src, src.expr(I.BRANCH_REG[op], a=r(ra), b=r(rb)), _exit(k, target, start))
    elif op == 40 and args[0] is not None:
        return args[0]  # static jump: the path continues at its target
    elif op == 80:  # ω'_A = ν_X even when the target is not a block start (then: panic)
        ra, x, target = args
        src.lines.append(f"{r(ra)} = {x & I.M64}")
        if target is None:
            src.lines += [f"s = {k}", "raise Panic"]
            return None
        return target
    elif op == 1:
        pass  # fallthrough
    elif op in (50, 180):  # dynamic jumps: the common case inline, halt/panic through the closure
        env["JD"] = prog.jump_map
        if op == 50:
            ra, x = args
            src.lines += [f"t = JD.get(({r(ra)} + {x}) & {_ADDRESS_MASK})",
                          f"if t is not None: {WRITE_BACK}; return t, gas - {k + 1}"]
            _call(src, env, prog, pc, k)  # raises: halt or panic
            return None
        ra, rb, x, y = args  # the address uses ω_B before ω'_A = ν_X is written, unconditionally
        env["DJ"] = prog.djump
        src.lines += [f"A = ({r(rb)} + {y}) & {_ADDRESS_MASK}; {r(ra)} = {x & I.M64}; t = JD.get(A)",
                      f"if t is not None: {WRITE_BACK}; return t, gas - {k + 1}",
                      f"s = {k}; DJ(A)"]  # raises: halt or panic
        return None
    elif op == 101:  # sbrk: through the closure, then reload its destination
        rd = args[0]
        r(rd)
        _call(src, env, prog, pc, k)
        src.lines.append(f"r{rd} = R[{rd}]")
    else:  # trap, ecalli and jumps to non-block targets: the closure raises
        _call(src, env, prog, pc, k)
        return None
    return nxt


def compile_segment(prog: I.Program, pc: int) -> Segment:
    """The superblock starting at `pc` (any pc; an invalid one is a one-step `trap`)."""
    env = dict(_BASE_ENV)  # plus this superblock's closures and constants
    src = _Source()
    pcs: list[int] = []
    start = pc
    nxt: int | None = pc
    while nxt is not None and len(pcs) < MAX_STEPS and nxt not in pcs:
        pcs.append(nxt)
        nxt = _emit(prog, nxt, len(pcs) - 1, src, env, start)
    if nxt is not None:  # the path runs on beyond this superblock (or back into it)
        src.lines += _exit(len(pcs) - 1, nxt, start)
    env.update(COST=len(pcs), START=start)
    regs = sorted(src.regs)
    write_back = "; ".join(f"R[{n}] = r{n}" for n in regs) or "pass"
    load = "; ".join(f"r{n} = R[{n}]" for n in regs) or "pass"
    body = "\n".join("            " + line.replace(WRITE_BACK, write_back) for line in src.lines)
    source = (
        "def segment(R, mem, gas):\n"
        f"    s = 0; {load}\n"
        "    pg = mem.pages.get; wg = mem.writable.get\n"
        "    try:\n"
        "        while True:\n"
        f"{body}\n"
        "    except Exception as e:\n"
        f"        {write_back}\n"
        "        e.s = s; e.gas = gas\n"
        "        raise\n"
    )
    exec(compile(source, f"<pvm superblock @{start}>", "exec"), env)  # noqa: S102 - generated from our tables
    return Segment(env["segment"], tuple(pcs))
