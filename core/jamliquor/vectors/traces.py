"""Block-import trace containers (`traces/schema.asn`): raw key/value states, steps, genesis."""

from __future__ import annotations

from pathlib import Path

from ..codec import BLOB, H32, Bytes, Seq, decode, encode, field, struct
from ..spec import TINY, ChainSpec
from ..types import Block, Header


@struct
class KeyValue:
    key: bytes = field(Bytes(31))
    value: bytes = field(BLOB)


@struct
class RawState:
    state_root: bytes = field(H32)
    keyvals: tuple[KeyValue, ...] = field(Seq(KeyValue))


@struct
class TraceStep:
    pre_state: RawState = field(RawState)
    block: Block = field(Block)
    post_state: RawState = field(RawState)


@struct
class Genesis:
    header: Header = field(Header)
    state: RawState = field(RawState)


def load_step(path: Path, spec: ChainSpec = TINY) -> TraceStep:
    return decode(TraceStep, path.read_bytes(), spec)


def load_genesis(path: Path, spec: ChainSpec = TINY) -> Genesis:
    return decode(Genesis, path.read_bytes(), spec)


def step_files(trace_dir: Path) -> list[Path]:
    """The numbered step files of a trace directory, in order (genesis excluded)."""
    return sorted(p for p in trace_dir.glob("*.bin") if p.stem.isdigit())


def raw_state(root: bytes, kv: dict[bytes, bytes]) -> RawState:
    return RawState(root, tuple(KeyValue(k, v) for k, v in sorted(kv.items())))


def step_name(index: int) -> str:
    """The official layout's step file name: eight decimal digits, from 00000001."""
    return f"{index:08d}.bin"


def write_genesis(path: Path, header: Header, root: bytes, kv: dict[bytes, bytes], spec: ChainSpec) -> None:
    path.write_bytes(encode(Genesis(header, raw_state(root, kv)), spec))


def write_step(path: Path, pre: RawState, block: Block, post: RawState, spec: ChainSpec) -> None:
    path.write_bytes(encode(TraceStep(pre, block, post), spec))
