"""JAMNP-S message contents as codec types (GP Appendix C encoding, as the spec says), one per
message of the stream kinds the node speaks. Framing (E_4 size ‖ content) is `net.framing`'s.

Messages that are a bare sequence without `len++` ("[Block]", "[Boundary Node]",
"[Key ++ Value]") take their length from the message size; `decode_all` reads such a message
element by element until it is used up.
"""

from __future__ import annotations

from typing import Any

from ...codec import BLOB, H32, U8, U32, Bytes, CodecError, Seq, decode_prefix, field, struct
from ...spec import ChainSpec
from ...types import Header, TicketEnvelope

# Stream kinds (the single byte opening a stream).
UP_BLOCK_ANNOUNCEMENT = 0
CE_BLOCK_REQUEST = 128
CE_STATE_REQUEST = 129
CE_TICKET_TO_PROXY = 131
CE_TICKET_TO_ALL = 132
KNOWN_KINDS = frozenset({UP_BLOCK_ANNOUNCEMENT, CE_BLOCK_REQUEST, CE_STATE_REQUEST, CE_TICKET_TO_PROXY, CE_TICKET_TO_ALL})

ASCENDING_EXCLUSIVE = 0
DESCENDING_INCLUSIVE = 1

STATE_KEY = Bytes(31)  # "Key = [u8; 31]" (the merklization ignores a 32nd octet)
TRIE_NODE_SIZE = 64  # B/L of GP eq. (D.3)/(D.4)


@struct
class BlockRef:
    """`Header Hash ++ Slot`: UP 0's Final and Leaf."""

    header_hash: bytes = field(H32)
    slot: int = field(U32)


@struct
class Handshake:
    """UP 0: `Final ++ len++[Leaf]`."""

    final: BlockRef = field(BlockRef)
    leaves: tuple[BlockRef, ...] = field(Seq(BlockRef))


@struct
class Announcement:
    """UP 0: `Header ++ Final`."""

    header: Header = field(Header)
    final: BlockRef = field(BlockRef)


@struct
class BlockRequest:
    """CE 128: `Header Hash ++ Direction ++ Maximum Blocks`."""

    header_hash: bytes = field(H32)
    direction: int = field(U8)
    max_blocks: int = field(U32)


@struct
class StateRequest:
    """CE 129: `Header Hash ++ Key (Start) ++ Key (End) ++ Maximum Size`."""

    header_hash: bytes = field(H32)
    start: bytes = field(STATE_KEY)
    end: bytes = field(STATE_KEY)
    max_size: int = field(U32)


@struct
class KeyValue:
    """CE 129 response element: `Key ++ Value` with `Value = len++[u8]`."""

    key: bytes = field(STATE_KEY)
    value: bytes = field(BLOB)


@struct
class TicketMessage:
    """CE 131/132: `Epoch Index ++ Ticket`, the epoch being the one the ticket is used in."""

    epoch: int = field(U32)
    ticket: TicketEnvelope = field(TicketEnvelope)


def decode_all(desc: Any, data: bytes, spec: ChainSpec, limit: int | None = None) -> list[Any]:
    """A message that is a bare sequence of `desc` (no length prefix): decode elements until the
    message is used up; at most `limit` of them (more is a CodecError)."""
    out, pos = [], 0
    while pos < len(data):
        if limit is not None and len(out) >= limit:
            raise CodecError(f"more than {limit} elements in a message", pos)
        value, pos = decode_prefix(desc, data, spec, pos)
        out.append(value)
    return out


def split_nodes(data: bytes) -> list[bytes]:
    """CE 129's `[Boundary Node]`: 64-octet nodes back to back."""
    if len(data) % TRIE_NODE_SIZE:
        raise CodecError(f"boundary nodes message of {len(data)} octets is not a multiple of {TRIE_NODE_SIZE}", len(data))
    return [data[i : i + TRIE_NODE_SIZE] for i in range(0, len(data), TRIE_NODE_SIZE)]
