"""`jamliquor conformance traces PATH`: replay block-import trace directories.

PATH is a trace directory (genesis.bin plus numbered steps) or a directory of them. For every
step: load its pre_state, import its block, and compare the posterior root with post_state's;
an invalid block must leave the state as it was. On a mismatch, name the differing keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...block import BlockError
from ...chainspec import load_chainspec
from ...codec import CodecError
from ...importer import import_block
from ...merkle.trie import state_root
from ...spec import TINY, ChainSpec
from ...state import ChainState
from ...stf import StateError
from ...vectors.traces import RawState, load_step, step_files
from .. import CaseResult, guarded


def _state(raw: RawState, spec: ChainSpec) -> ChainState:
    return ChainState.from_keyvals(((kv.key, kv.value) for kv in raw.keyvals), spec)


def key_diff(got: dict[bytes, bytes], want: dict[bytes, bytes], limit: int = 8) -> str:
    """Which state keys differ: missing, unexpected, or with another value."""
    keys = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    parts = []
    for k in keys[:limit]:
        kind = "missing" if k not in got else "unexpected" if k not in want else "differs"
        parts.append(f"{k.hex()} {kind}")
    more = f" (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return f"{len(keys)} keys differ: " + ", ".join(parts) + more


def check_step(path: Path, spec: ChainSpec) -> str | None:
    step = load_step(path, spec)
    pre = _state(step.pre_state, spec)
    if state_root(pre.kv) != step.pre_state.state_root:
        return "pre_state root does not match its key/values"
    try:
        post = import_block(pre, step.block)
    except (BlockError, StateError, CodecError) as exc:
        if step.post_state.state_root == step.pre_state.state_root:
            return None  # an invalid block, rightly rejected
        return f"block rejected ({type(exc).__name__}: {exc}) but the trace accepts it"
    root = state_root(post.kv)
    if root == step.post_state.state_root:
        return None
    want = {kv.key: kv.value for kv in step.post_state.keyvals}
    return f"post-state root {root.hex()[:16]}… != {step.post_state.state_root.hex()[:16]}…; {key_diff(post.kv, want)}"


def trace_dirs(path: Path) -> list[Path]:
    if step_files(path):
        return [path]
    return sorted(d for d in path.rglob("*") if d.is_dir() and step_files(d))


def trace_spec(directory: Path, spec: ChainSpec | None) -> ChainSpec:
    """The spec to replay a trace with: the forced one, else that of a JIP-4 `chainspec.json`
    beside the steps (as `jamliquor devchain` writes), else tiny (the official traces)."""
    if spec is not None:
        return spec
    document = directory / "chainspec.json"
    return load_chainspec(document).spec if document.exists() else TINY


def run(path: Path, spec: ChainSpec | None) -> Iterator[CaseResult]:
    root = path if path.is_dir() else path.parent
    for directory in trace_dirs(path):
        chain = trace_spec(directory, spec)
        for step_path in step_files(directory):
            yield guarded(str(step_path.relative_to(root)), lambda p=step_path: check_step(p, chain))
