"""Block-level commitments of GP §5: header hash (eq. 5.2) and extrinsic hash (eq. 5.4–5.6)."""

from __future__ import annotations

import hashlib

from .codec import encode, encode_natural
from .spec import ChainSpec
from .types import (
    ASSURANCES_EXTRINSIC,
    PREIMAGES_EXTRINSIC,
    TICKETS_EXTRINSIC,
    Block,
    DisputesExtrinsic,
    Extrinsic,
    Header,
    ValidatorSignature,
)
from .codec import Seq


def _blake(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def header_hash(header: Header, spec: ChainSpec) -> bytes:
    """H(E(H)): the identity of a block, referenced by its children's `parent`."""
    return _blake(encode(header, spec))


_CREDENTIALS = Seq(ValidatorSignature)


def extrinsic_hash(extrinsic: Extrinsic, spec: ChainSpec) -> bytes:
    """GP eq. (5.4): H(E(H#(a))) with a = [E_T, E_P, g, E_A, E_D], where g commits to each
    guarantee's report by hash (so a report's inclusion is provable on its own)."""
    g = bytearray()
    encode_natural(len(extrinsic.guarantees), g)
    for guarantee in extrinsic.guarantees:
        g += _blake(encode(guarantee.report, spec))
        g += guarantee.slot.to_bytes(4, "little")
        g += encode(guarantee.signatures, spec, _CREDENTIALS)
    parts = (
        encode(extrinsic.tickets, spec, TICKETS_EXTRINSIC),
        encode(extrinsic.preimages, spec, PREIMAGES_EXTRINSIC),
        bytes(g),
        encode(extrinsic.assurances, spec, ASSURANCES_EXTRINSIC),
        encode(extrinsic.disputes, spec, DisputesExtrinsic),
    )
    return _blake(b"".join(_blake(p) for p in parts))


def block_hash(block: Block, spec: ChainSpec) -> bytes:
    return header_hash(block.header, spec)
