"""Size limits of every message the node reads (a peer may send no more) and how much a response
the node serves may hold."""

from __future__ import annotations

from ...spec import ChainSpec

MAX_LEAVES = 256  # leaves in a UP 0 handshake we accept (and send at most)
MAX_BLOCKS_PER_REQUEST = 128  # blocks we ask for / serve in one CE 128 response
BLOCK_RESPONSE_SOFT = 2 * 1024 * 1024  # we stop adding blocks to a response past this (one always fits)
BLOCK_RESPONSE_LIMIT = 16 * 1024 * 1024  # the largest CE 128 response we read
BLOCK_REQUEST_SIZE = 32 + 1 + 4
STATE_REQUEST_SIZE = 32 + 31 + 31 + 4
STATE_RESPONSE_LIMIT = 4 * 1024 * 1024  # the largest max-size we ask for or serve
TICKET_MESSAGE_SIZE = 4 + 1 + 784


def header_limit(spec: ChainSpec) -> int:
    """An upper bound on an encoded header: fixed fields, an epoch mark of V keys, a tickets mark
    of E tickets and V offenders."""
    return 512 + 64 * spec.validators_count + 33 * spec.epoch_length + 32 * spec.validators_count


def announcement_limit(spec: ChainSpec) -> int:
    return header_limit(spec) + 36


def handshake_limit() -> int:
    return 36 + 9 + 36 * MAX_LEAVES
