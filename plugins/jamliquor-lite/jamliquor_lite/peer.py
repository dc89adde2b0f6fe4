"""What the light client asks of a peer (JAMNP-S CE 128 and CE 129), and a peer backed by a trace.

A peer is anything with the two requests below; the networked one speaks JAMNP-S, `TracePeer`
serves a dev chain written in the trace layout (`jamliquor devchain --out DIR`), building CE 129
answers from the full posterior states it holds. Nothing a peer returns is trusted: blocks are
checked by `chain.LightChain`, state by `proof.verify_range`.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Protocol

from jamliquor.block import header_hash
from jamliquor.spec import ChainSpec
from jamliquor.types import Block
from jamliquor.vectors.traces import load_genesis, load_step, step_files

from .errors import PeerError
from .proof import build_proof

ASCENDING_EXCLUSIVE = 0  # CE 128 directions
DESCENDING_INCLUSIVE = 1


class Peer(Protocol):
    name: str

    async def state_range(self, block_hash: bytes, start: bytes, end: bytes, max_size: int) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
        """CE 129: boundary nodes and the key/values in [start, end] of `block_hash`'s posterior state."""

    async def blocks(self, header_hash: bytes, direction: int, max_blocks: int) -> list[Block]:
        """CE 128: children of `header_hash` onwards (ascending exclusive) or it and its ancestors (descending inclusive)."""


class TracePeer:
    """A peer serving a trace directory's chain: its blocks (CE 128) and posterior states (CE 129)."""

    def __init__(self, trace_dir: Path, spec: ChainSpec, name: str = "trace", cache: int = 4) -> None:
        self.name = name
        self.spec = spec
        genesis = load_genesis(trace_dir / "genesis.bin", spec)
        self.genesis_hash = header_hash(genesis.header, spec)
        self._files = step_files(trace_dir)
        self._genesis_path = trace_dir / "genesis.bin"
        self.chain: list[bytes] = [self.genesis_hash]  # header hashes in order
        self.blocks_by_hash: dict[bytes, Block] = {}
        self._index: dict[bytes, int] = {self.genesis_hash: 0}
        for i, path in enumerate(self._files, 1):
            block = load_step(path, spec).block
            h = header_hash(block.header, spec)
            self.chain.append(h)
            self.blocks_by_hash[h] = block
            self._index[h] = i
        self._states: OrderedDict[bytes, dict[bytes, bytes]] = OrderedDict()
        self._cache = cache

    def state_of(self, block_hash: bytes) -> dict[bytes, bytes]:
        """The full posterior state of a block of the trace."""
        kv = self._states.get(block_hash)
        if kv is None:
            i = self._index.get(block_hash)
            if i is None:
                raise PeerError(f"{self.name}: no state for unknown block {block_hash.hex()}")
            raw = load_genesis(self._genesis_path, self.spec).state if i == 0 else load_step(self._files[i - 1], self.spec).post_state
            kv = {item.key: item.value for item in raw.keyvals}
            self._states[block_hash] = kv
            while len(self._states) > self._cache:
                self._states.popitem(last=False)
        return kv

    async def state_range(self, block_hash: bytes, start: bytes, end: bytes, max_size: int) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
        return build_proof(self.state_of(block_hash), start, end, max_size)

    async def blocks(self, header_hash: bytes, direction: int, max_blocks: int) -> list[Block]:
        i = self._index.get(header_hash)
        if i is None:
            raise PeerError(f"{self.name}: unknown block {header_hash.hex()}")
        if direction == ASCENDING_EXCLUSIVE:
            hashes = self.chain[i + 1 : i + 1 + max_blocks]
        else:
            hashes = self.chain[max(1, i - max_blocks + 1) : i + 1][::-1]
        return [self.blocks_by_hash[h] for h in hashes]
