"""Who may seal a slot, and the seal (GP §6.4–6.5, safrole.tex "Sealing and Entropy Accumulation",
"The Slot Key Sequence"; header.tex).

γ'_S[H_T mod E] names the slot's sealer: a ticket (eq. 6.15), held by whoever made it — we know our
ticket ids from our VRF outputs on X_T ‖ η'_3 ‖ attempt — or a Bandersnatch key in fallback mode
(eq. 6.16). The seal H_S is an IETF VRF signature over E_U(H) with that context; the entropy
source H_V signs X_E ‖ Y(H_S) with no message (eq. 6.17). Y(H_S) depends on the key and the
context only, so H_V is made first and is part of the message H_S signs.
"""

from __future__ import annotations

import attrs

from ..crypto import bandersnatch
from ..keys import Keyring, ValidatorKeys
from ..seal import X_ENTROPY, X_FALLBACK, X_TICKET
from ..spec import ChainSpec
from ..stf.slices import SafroleSlice
from ..types import Header, TicketBody, unsigned_header_encoding
from .tickets import ticket_owner


@attrs.frozen(slots=True)
class SlotClaim:
    """Our right to seal `slot`: the key, its index in κ' (H_I), and the ticket if γ'_S is tickets."""

    slot: int
    author_index: int
    keys: ValidatorKeys
    eta3: bytes  # η'_3
    ticket: TicketBody | None

    @property
    def ticketed(self) -> bool:
        return self.ticket is not None

    def seal_context(self) -> bytes:
        if self.ticket is not None:
            return X_TICKET + self.eta3 + bytes((self.ticket.attempt,))  # eq. (6.15)
        return X_FALLBACK + self.eta3  # eq. (6.16)

    def seal_output(self) -> bytes:
        """Y(H_S), known before the header is complete."""
        return bandersnatch.vrf_output(self.keys.bandersnatch_secret, self.seal_context())

    def entropy_source(self) -> tuple[bytes, bytes]:
        """H_V and Y(H_V) (eq. 6.17), the latter entering η'_0 (eq. 6.22)."""
        vrf_input = X_ENTROPY + self.seal_output()
        secret = self.keys.bandersnatch_secret
        return bandersnatch.ietf_sign(secret, vrf_input, b""), bandersnatch.vrf_output(secret, vrf_input)


def claim_slot(spec: ChainSpec, slot: int, safrole_post: SafroleSlice, keyring: Keyring) -> SlotClaim | None:
    """Our claim on `slot` given the Safrole posterior (γ'_S, η'_3, κ'), or None if none of our
    keys holds it."""
    sealer = safrole_post.gamma_s.value[slot % spec.epoch_length]
    eta3 = safrole_post.eta[3]
    if safrole_post.gamma_s.name == "tickets":
        keys, ticket = ticket_owner(keyring, eta3, sealer, spec.tickets_per_validator), sealer
    else:
        keys, ticket = keyring.by_bandersnatch(sealer), None
    if keys is None:
        return None
    for index, validator in enumerate(safrole_post.kappa):
        if validator.bandersnatch == keys.bandersnatch:
            return SlotClaim(slot, index, keys, eta3, ticket)
    return None  # a sealer outside κ' cannot author (H_I indexes κ', eq. 5.9)


def seal_header(header: Header, claim: SlotClaim, spec: ChainSpec) -> Header:
    """H_S: the claim's VRF signature over E_U(H) (the header must already carry H_V)."""
    message = unsigned_header_encoding(header, spec)
    return attrs.evolve(header, seal=bandersnatch.ietf_sign(claim.keys.bandersnatch_secret, claim.seal_context(), message))
