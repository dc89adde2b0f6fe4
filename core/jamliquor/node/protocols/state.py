"""CE 129 state request, both roles: a key range of a block's posterior state with the boundary
nodes (GP D.3/D.4 encodings) on the paths from the root to the start key and to the last key
returned, so a light client can check the pairs against the state root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...codec import CodecError, decode, encode
from ...merkle.trie import StateTrie, boundary_nodes
from ...spec import ChainSpec
from ..net.framing import ProtocolViolation, Stream
from .limits import STATE_REQUEST_SIZE, STATE_RESPONSE_LIMIT
from .messages import CE_STATE_REQUEST, KeyValue, StateRequest, decode_all, split_nodes

if TYPE_CHECKING:
    from ...state import ChainState
    from ..chain import Chain
    from ..net.connection import Connection

REQUEST_TIMEOUT = 10.0


def state_range(state: "ChainState", trie: StateTrie, start: bytes, end: bytes, max_size: int) -> tuple[list[bytes], list[KeyValue]]:
    """(boundary nodes, pairs): keys start ≤ k ≤ end in order, as many as fit `max_size` together
    with the boundary nodes (at least one pair if there is one)."""
    keys = sorted(k for k in state.kv if start <= k <= end)
    pairs: list[KeyValue] = []
    size = 0
    nodes = boundary_nodes(trie, [start])
    for key in keys:
        pair = KeyValue(key, state.kv[key])
        pair_size = len(encode(pair, state.spec))
        trial = boundary_nodes(trie, [start, key])
        if pairs and size + pair_size + 64 * len(trial) > max_size:
            break
        pairs.append(pair)
        size += pair_size
        nodes = trial
    return nodes, pairs


async def serve(chain: "Chain", stream: Stream) -> None:
    try:
        request = decode(StateRequest, await stream.read_message(STATE_REQUEST_SIZE), chain.spec)
    except CodecError as exc:
        raise ProtocolViolation(f"CE 129 request: {exc}") from None
    await stream.read_fin()
    state = chain.state(request.header_hash)
    if state is None:
        stream.reset()
        return
    nodes, pairs = state_range(state, state.trie(), request.start, request.end, min(request.max_size, STATE_RESPONSE_LIMIT))
    stream.write_message(b"".join(nodes))
    stream.write_message(b"".join(encode(p, chain.spec) for p in pairs), fin=True)


async def request(conn: "Connection", spec: ChainSpec, h: bytes, start: bytes, end: bytes,
                  max_size: int) -> tuple[list[bytes], list[KeyValue]]:
    """Ask for a state range; returns (boundary nodes, pairs) for the caller to verify."""
    max_size = min(max_size, STATE_RESPONSE_LIMIT)
    stream = conn.open_stream(CE_STATE_REQUEST, cap=2 * STATE_RESPONSE_LIMIT)
    try:
        stream.write_message(encode(StateRequest(h, start, end, max_size), spec), fin=True)
        nodes = await stream.read_message(STATE_RESPONSE_LIMIT, REQUEST_TIMEOUT)
        pairs = await stream.read_message(STATE_RESPONSE_LIMIT, REQUEST_TIMEOUT)
        await stream.read_fin(REQUEST_TIMEOUT)
    finally:
        stream.discard()
    try:
        return split_nodes(nodes), decode_all(KeyValue, pairs, spec)
    except CodecError as exc:
        raise ProtocolViolation(f"CE 129 response: {exc}") from None
