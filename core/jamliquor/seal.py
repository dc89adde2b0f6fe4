"""Block seal and entropy-source checks of GP §6.4 (eq. 6.15–6.17)."""

from __future__ import annotations

from .block import BadEntropySource, BadSeal
from .codec import Variant
from .crypto.bandersnatch import IETF, RING, BandersnatchError, ietf_verify, ietf_verify_many, verify_batch
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


def verify_block_vrfs(header: Header, tickets, spec: ChainSpec, preview) -> None:
    """Verify every VRF of a block in one parallel batch, before the chapters that own them.

    `preview` is the Safrole posterior computed without the block's tickets, which cannot change
    γ'_P, η'_2, γ'_S, η'_3 or κ' (safrole.tex): so the ticket proofs (against γ'_P with η'_2), the
    seal (γ'_S, η'_3, κ'[H_A]) and, for a ticket seal, the entropy source are all known up front
    and independent. A fallback seal's entropy source needs Y(H_S) first: the seal stays in this
    process and its entropy source is verified here right after it, while the worker still
    verifies its share. Results are memoised by the crypto layer; verdicts (and errors) are left
    to `verify_seal_and_entropy` and the Safrole STF, which find them there at once.
    """
    if header.author_index >= len(preview.kappa):
        return
    author_key = preview.kappa[header.author_index].bandersnatch
    ring = [k.bandersnatch for k in preview.gamma_k]
    checks = [(RING, ring, X_TICKET + preview.eta[2] + bytes((t.attempt,)), b"", t.signature) for t in tickets]
    slot_key = preview.gamma_s.value[header.slot % spec.epoch_length]
    message = unsigned_header_encoding(header, spec)
    if preview.gamma_s.name == "tickets":
        checks.append((IETF, author_key, X_TICKET + preview.eta[3] + bytes((slot_key.attempt,)), message, header.seal))
        checks.append((IETF, author_key, X_ENTROPY + slot_key.id, b"", header.entropy_source))
        local, meanwhile = (), None
    else:
        seal = (IETF, author_key, X_FALLBACK + preview.eta[3], message, header.seal)
        checks.append(seal)
        local = (len(checks) - 1,)

        def meanwhile() -> None:  # X_E ‖ Y(H_S): the seal's output (memoised just now) first
            try:
                verify_entropy_source(header, author_key, ietf_verify(*seal[1:]))
            except (BandersnatchError, BadEntropySource):
                pass  # reported by verify_seal_and_entropy, which checks both again

    if len(checks) >= 2:
        verify_batch(checks, local, meanwhile)
