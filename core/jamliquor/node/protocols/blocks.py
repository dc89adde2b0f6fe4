"""CE 128 block request, both roles: ascending exclusive (children of the given block onwards)
or descending inclusive (the block and its ancestors), never blocks that cannot be finalized."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...block import header_hash
from ...codec import CodecError, decode, encode
from ...spec import ChainSpec
from ...types import Block
from ..net.framing import ProtocolViolation, Stream
from .limits import BLOCK_REQUEST_SIZE, BLOCK_RESPONSE_LIMIT, BLOCK_RESPONSE_SOFT, MAX_BLOCKS_PER_REQUEST
from .messages import ASCENDING_EXCLUSIVE, CE_BLOCK_REQUEST, DESCENDING_INCLUSIVE, BlockRequest, decode_all

if TYPE_CHECKING:
    from ..chain import Chain
    from ..net.connection import Connection

REQUEST_TIMEOUT = 10.0


async def serve(chain: "Chain", stream: Stream) -> None:
    """Answer one request: `[Block]` then FIN, or reset if the block cannot be finalized."""
    try:
        request = decode(BlockRequest, await stream.read_message(BLOCK_REQUEST_SIZE), chain.spec)
    except CodecError as exc:
        raise ProtocolViolation(f"CE 128 request: {exc}") from None
    await stream.read_fin()
    if request.direction not in (ASCENDING_EXCLUSIVE, DESCENDING_INCLUSIVE):
        raise ProtocolViolation(f"CE 128 direction {request.direction}")
    limit = min(request.max_blocks, MAX_BLOCKS_PER_REQUEST)
    walk = chain.ascending if request.direction == ASCENDING_EXCLUSIVE else chain.descending
    hashes = walk(request.header_hash, limit) if limit else []
    if hashes is None:
        stream.reset()  # unknown, or cannot be finalized from our point of view
        return
    out = bytearray()
    for h in hashes:
        body = chain.block_bytes(h)
        if body is None or (out and len(out) + len(body) > BLOCK_RESPONSE_SOFT):
            break
        out += body
    stream.write_message(bytes(out), fin=True)


async def request(conn: "Connection", spec: ChainSpec, h: bytes, direction: int, max_blocks: int) -> list[Block]:
    """Ask `conn` for blocks; check they are the chain asked for (hash and parent links)."""
    stream = conn.open_stream(CE_BLOCK_REQUEST, cap=BLOCK_RESPONSE_LIMIT + 64)
    try:
        stream.write_message(encode(BlockRequest(h, direction, max_blocks), spec), fin=True)
        data = await stream.read_message(BLOCK_RESPONSE_LIMIT, REQUEST_TIMEOUT)
        await stream.read_fin(REQUEST_TIMEOUT)
    finally:
        stream.discard()
    try:
        blocks = decode_all(Block, data, spec, limit=max_blocks)
    except CodecError as exc:
        raise ProtocolViolation(f"CE 128 response: {exc}") from None
    expected = h
    for block in blocks:
        got = header_hash(block.header, spec)
        if direction == DESCENDING_INCLUSIVE:
            if got != expected:
                raise ProtocolViolation(f"CE 128 response: block {got.hex()[:16]}… is not {expected.hex()[:16]}…")
            expected = block.header.parent
        else:
            if block.header.parent != expected:
                raise ProtocolViolation(f"CE 128 response: block {got.hex()[:16]}… is not a child of {expected.hex()[:16]}…")
            expected = got
    return blocks
