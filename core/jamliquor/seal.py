"""Block seal and entropy-source checks of GP §6.4 (eq. 6.15–6.17)."""

from __future__ import annotations

from .block import BadEntropySource, BadSeal
from .codec import Variant
from .crypto.bandersnatch import BandersnatchError, ietf_verify, ietf_verify_many
from .spec import ChainSpec
from .types import Header, unsigned_header_encoding

# Context strings (GP §"Constants", X_E, X_F, X_T); the vectors use them without the "$".
X_ENTROPY = b"jam_entropy"
X_FALLBACK = b"jam_fallback_seal"
X_TICKET = b"jam_ticket_seal"


def verify_seal(header: Header, spec: ChainSpec, sealing_keys: Variant, eta3: bytes, author_key: bytes) -> tuple[bytes, bool]:
    """Check H_S against γ'_S[H_T mod E] and η'_3; return (Y(H_S), whether the block is ticketed)."""
    slot_key = sealing_keys.value[header.slot % spec.epoch_length]
    message = unsigned_header_encoding(header, spec)
    if sealing_keys.name == "tickets":  # eq. (6.15): sealed with the slot's winning ticket
        context = X_TICKET + eta3 + bytes((slot_key.attempt,))
    else:  # eq. (6.16): fallback key sequence; the slot's key must be the author's
        if slot_key != author_key:
            raise BadSeal(f"slot key {slot_key.hex()} is not the author's key")
        context = X_FALLBACK + eta3
    try:
        output = ietf_verify(author_key, context, message, header.seal)
    except BandersnatchError as exc:
        raise BadSeal(str(exc)) from exc
    if sealing_keys.name == "tickets" and output != slot_key.id:
        raise BadSeal("seal VRF output is not the slot's ticket id")
    return output, sealing_keys.name == "tickets"


def verify_entropy_source(header: Header, author_key: bytes, seal_output: bytes) -> bytes:
    """GP eq. (6.17): H_V signs X_E ‖ Y(H_S) with empty message; return Y(H_V) for η'_0."""
    try:
        return ietf_verify(author_key, X_ENTROPY + seal_output, b"", header.entropy_source)
    except BandersnatchError as exc:
        raise BadEntropySource(str(exc)) from exc


def verify_seal_and_entropy(header: Header, spec: ChainSpec, sealing_keys: Variant, eta3: bytes,
                            author_key: bytes) -> tuple[bytes, bytes]:
    """Both checks of GP §6.4: (Y(H_S), Y(H_V)). For a ticket-sealed block Y(H_S) must be the
    slot's ticket id, so H_V's input X_E ‖ Y(H_S) is known before the seal is checked and the two
    independent VRFs are verified in parallel; a fallback seal's output is learnt by verifying it."""
    if sealing_keys.name != "tickets":
        output, _ = verify_seal(header, spec, sealing_keys, eta3, author_key)
        return output, verify_entropy_source(header, author_key, output)
    ticket = sealing_keys.value[header.slot % spec.epoch_length]
    seal, entropy = ietf_verify_many([
        (author_key, X_TICKET + eta3 + bytes((ticket.attempt,)), unsigned_header_encoding(header, spec), header.seal),
        (author_key, X_ENTROPY + ticket.id, b"", header.entropy_source),
    ])
    if isinstance(seal, BandersnatchError):
        raise BadSeal(str(seal))
    if seal != ticket.id:
        raise BadSeal("seal VRF output is not the slot's ticket id")
    if isinstance(entropy, BandersnatchError):
        raise BadEntropySource(str(entropy))
    return seal, entropy
