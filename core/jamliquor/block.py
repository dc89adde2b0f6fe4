"""Block-level commitments of GP §5: header hash (eq. 5.2) and extrinsic hash (eq. 5.4–5.6)."""

from __future__ import annotations

import hashlib

from .codec import Seq, encode, encode_natural
from .errors import JamLiquorError
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


class BlockError(JamLiquorError, ValueError):
    """A block rejected by a header-level check (GP §5, §6.4); `check` names the failed rule."""

    check = "block"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{self.check}: {detail}" if detail else self.check)


def _block_error(check: str, doc: str) -> type[BlockError]:
    name = "".join(p.capitalize() for p in check.split("_"))
    return type(name, (BlockError,), {"check": check, "__doc__": doc, "__module__": __name__})


BadParentStateRoot = _block_error("bad_parent_state_root", "H_R is not the prior state's root (GP eq. 5.8).")
BadExtrinsicHash = _block_error("bad_extrinsic_hash", "H_X does not commit to the extrinsic (GP eq. 5.4).")
BadSlot = _block_error("bad_slot", "H_T not after the parent's slot (GP eq. 5.7).")
BadAuthorIndex = _block_error("bad_author_index", "H_I is not an index into κ' (GP eq. 5.9).")
BadSeal = _block_error("bad_seal", "H_S is not a valid seal by the slot's sealing key (GP eq. 6.15/6.16).")
BadEntropySource = _block_error("bad_entropy_source", "H_V is not a valid entropy VRF signature (GP eq. 6.17).")
BadEpochMark = _block_error("bad_epoch_mark", "H_E differs from the epoch marker the state implies (GP eq. 6.27).")
BadTicketsMark = _block_error("bad_tickets_mark", "H_W differs from the winning-tickets marker (GP eq. 6.28).")
BadOffendersMark = _block_error("bad_offenders_mark", "H_O differs from the offenders of the disputes (GP eq. 10.20).")
