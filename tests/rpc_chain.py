"""An in-memory `ChainView` over an official block-import trace, for the JIP-2 RPC tests.

The chain is the trace's genesis followed by its first blocks; each block's posterior state is
the one the trace records (so service data, preimages and requests are real). The best head
starts at genesis and moves one block per `advance()`, publishing events through an EventHub;
the finalized block trails it by `finality_lag` blocks.
"""

from __future__ import annotations

from pathlib import Path

from jamliquor.block import header_hash
from jamliquor.errors import JamLiquorError
from jamliquor.node.view import BlockRef, ChainEvent, EventHub
from jamliquor.spec import TINY, ChainSpec
from jamliquor.state import ChainState
from jamliquor.types import Block, Header, Statistics
from jamliquor.vectors.traces import load_genesis, load_step, step_files


class PoolRefused(JamLiquorError):
    pass


class TraceView:
    def __init__(self, trace_dir: Path, blocks: int = 8, spec: ChainSpec = TINY, finality_lag: int = 2) -> None:
        self.spec = spec
        self.finality_lag = finality_lag
        genesis = load_genesis(trace_dir / "genesis.bin", spec)
        self.chain: list[BlockRef] = []
        self.headers: dict[bytes, Header] = {}
        self.blocks: dict[bytes, Block] = {}
        self.states: dict[bytes, ChainState] = {}
        self.recorded_roots: dict[bytes, bytes] = {}
        self._add(genesis.header, None, ChainState.from_keyvals(((kv.key, kv.value) for kv in genesis.state.keyvals), spec))
        self.steps = [load_step(path, spec) for path in step_files(trace_dir)[:blocks]]
        for step in self.steps:
            state = ChainState.from_keyvals(((kv.key, kv.value) for kv in step.post_state.keyvals), spec)
            h = self._add(step.block.header, step.block, state)
            self.recorded_roots[h] = step.post_state.state_root
        self.best_index = 0
        self.hub = EventHub(limit=16)
        self.submitted: list[tuple[int, bytes]] = []
        self.refuse_pool = False

    def _add(self, header: Header, block: Block | None, state: ChainState) -> bytes:
        h = header_hash(header, self.spec)
        self.chain.append(BlockRef(h, header.slot))
        self.headers[h] = header
        if block is not None:
            self.blocks[h] = block
        self.states[h] = state
        return h

    # ------------------------------------------------------------------ test controls

    def advance(self) -> BlockRef:
        """Move the best head one block on; publish "best" (and "finalized" when it moves)."""
        self.best_index += 1
        self.hub.publish(ChainEvent("imported", self.best()))
        self.hub.publish(ChainEvent("best", self.best()))
        if self.best_index >= self.finality_lag:
            self.hub.publish(ChainEvent("finalized", self.finalized()))
        return self.best()

    # ------------------------------------------------------------------ ChainView

    def best(self) -> BlockRef:
        return self.chain[self.best_index]

    def finalized(self) -> BlockRef:
        return self.chain[max(0, self.best_index - self.finality_lag)]

    def header(self, h: bytes) -> Header | None:
        return self.headers.get(h)

    def block(self, h: bytes) -> Block | None:
        return self.blocks.get(h)

    def parent(self, h: bytes) -> BlockRef | None:
        header = self.headers.get(h)
        if header is None or header.parent not in self.headers:
            return None
        return BlockRef(header.parent, self.headers[header.parent].slot)

    def state(self, h: bytes) -> ChainState | None:
        return self.states.get(h)

    def statistics(self, h: bytes) -> Statistics | None:
        state = self.states.get(h)
        return None if state is None else state["statistics"]

    def subscribe(self):
        return self.hub.subscribe()

    def unsubscribe(self, queue) -> None:
        self.hub.unsubscribe(queue)

    def submit_preimage(self, requester: int, blob: bytes) -> None:
        if self.refuse_pool:
            raise PoolRefused("the pool is full")
        self.submitted.append((requester, blob))
