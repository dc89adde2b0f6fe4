"""Shared helpers for the node tests: dev chains authored in-process, and nodes run in the test's
event loop on loopback."""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path

import attrs

from jamliquor.author import author_block
from jamliquor.chainspec import ChainspecFile, dev_chainspec
from jamliquor.keys import Keyring
from jamliquor.node.clock import EXTRA_KEY
from jamliquor.node.service import Node, NodeConfig
from jamliquor.spec import TINY
from jamliquor.types import Block


@functools.lru_cache(maxsize=2)
def dev_chain(blocks: int, validators: int = 6) -> tuple[ChainspecFile, tuple[Block, ...], tuple]:
    """A dev chainspec (genesis time far in the past) and `blocks` blocks authored on it, each on
    the previous; also the posterior states."""
    chainspec = dev_chainspec(TINY, validators, base_port=1)
    keyring = Keyring.dev(validators)
    state = chainspec.state()
    out, states = [], []
    slot = 1
    while len(out) < blocks:
        authored = author_block(state, slot, keyring)
        slot += 1
        if authored is None:
            continue
        out.append(authored.block)
        states.append(authored.post_state)
        state = authored.post_state
    return chainspec, tuple(out), tuple(states)


def with_genesis_time(chainspec: ChainspecFile, t: float) -> ChainspecFile:
    return attrs.evolve(chainspec, extra={**chainspec.extra, EXTRA_KEY: {"genesis_time": t}})


async def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    """Poll `predicate` in the event loop until true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(step)
    return predicate()


class RunningNode:
    """A Node serving in the current event loop; `await stop()` shuts it down."""

    def __init__(self, config: NodeConfig) -> None:
        self.node = Node(config)
        self.task = asyncio.ensure_future(self.node.run())

    async def started(self, timeout: float = 10.0) -> "RunningNode":
        if self.node.config.listen is not None:
            await wait_for(lambda: self.node.network.endpoint.listening_port is not None or self.task.done(), timeout)
        if self.node.config.rpc is not None:
            await wait_for(lambda: self.node.rpc_server is not None or self.task.done(), timeout)
        if self.task.done():
            self.task.result()
        return self

    @property
    def port(self) -> int:
        return self.node.network.endpoint.listening_port

    async def stop(self) -> None:
        self.node.stop()
        await asyncio.wait_for(self.task, 30)


def node_config(chainspec: ChainspecFile, data_dir: Path, **kwargs) -> NodeConfig:
    kwargs.setdefault("listen", ("127.0.0.1", 0))
    return NodeConfig(chainspec, data_dir, **kwargs)
