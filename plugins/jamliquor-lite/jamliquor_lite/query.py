"""Proved queries: a service's account, storage item or preimage, each with the header it was
proved against (GP appendix D.2 keys, eq. D.1/D.2).

An answer for the verified header N is an entry of the state after N's parent, proved against
N's prior-state root: the value, or None for a proved absence. JIP-2 asks for the posterior state
of a block by its hash; the light client can answer for block P exactly when it holds a verified
child of P (`anchor_for`).
"""

from __future__ import annotations

import attrs

from jamliquor.codec import CodecError, decode
from jamliquor.state.keys import preimage_key, service_info_key, storage_key
from jamliquor.types import ServiceInfo

from .chain import LightChain, Verified
from .errors import InconsistentState, LightError
from .peer import Peer


@attrs.frozen(slots=True)
class ProvedEntry:
    """A state entry and what proves it: `anchor`'s prior-state root, the state after its parent."""

    key: bytes
    value: bytes | None
    anchor: Verified

    @property
    def block(self) -> bytes:
        """The block whose posterior state holds the entry (the anchor's parent)."""
        return self.anchor.header.parent

    def describe(self) -> str:
        a = self.anchor
        return (f"proved against header {a.hash.hex()} (slot {a.header.slot}): the posterior state of block "
                f"{a.header.parent.hex()}, state root {a.header.parent_state_root.hex()}")


class NotProvable(LightError):
    """No verified header commits to the requested block's posterior state."""


def anchor_for(chain: LightChain, block_hash: bytes | None = None) -> Verified:
    """The verified header whose prior-state root commits `block_hash`'s posterior state (default:
    the best head, i.e. the state after its parent). Genesis answers from the chainspec."""
    if block_hash is None:
        return chain.best
    if block_hash == chain.genesis.hash and chain.best is chain.genesis:
        return chain.genesis
    for record in chain.records.values():  # a child on any verified fork will do
        if record.header.parent == block_hash and record is not chain.genesis:
            return record
    raise NotProvable(f"no verified header commits the posterior state of block {block_hash.hex()}")


async def entry(chain: LightChain, peer: Peer, key: bytes, anchor: Verified | None = None) -> ProvedEntry:
    anchor = anchor or chain.best
    proved = await chain.prove(peer, anchor, [key])
    return ProvedEntry(key, proved[key], anchor)


async def service(chain: LightChain, peer: Peer, service_id: int, anchor: Verified | None = None) -> tuple[ProvedEntry, ServiceInfo | None]:
    """C(255, s): the service account's fixed fields (GP eq. D.2), decoded."""
    found = await entry(chain, peer, service_info_key(service_id), anchor)
    if found.value is None:
        return found, None
    try:
        return found, decode(ServiceInfo, found.value, chain.spec)
    except CodecError as exc:
        raise InconsistentState(f"proved service {service_id} info does not decode: {exc}") from exc


async def storage(chain: LightChain, peer: Peer, service_id: int, key: bytes, anchor: Verified | None = None) -> ProvedEntry:
    """C(s, E_4(2^32-1) ‖ k): a storage item."""
    return await entry(chain, peer, storage_key(service_id, key), anchor)


async def preimage(chain: LightChain, peer: Peer, service_id: int, blob_hash: bytes, anchor: Verified | None = None) -> ProvedEntry:
    """C(s, E_4(2^32-2) ‖ h): a preimage blob."""
    return await entry(chain, peer, preimage_key(service_id, blob_hash), anchor)
