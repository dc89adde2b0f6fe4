"""Built-in signature schemes: `ed25519` (ZIP-215 verification) and `bandersnatch` (IETF VRF)."""

from __future__ import annotations

from ..hookspecs import hookimpl, split_vrf_message

SCHEMES = ("bandersnatch", "ed25519")


@hookimpl
def jamliquor_signature_schemes() -> tuple[str, ...]:
    return SCHEMES


@hookimpl
def jamliquor_sign(scheme: str, secret: bytes, message: bytes) -> bytes | None:
    if scheme == "ed25519":
        from ..crypto import ed25519

        return ed25519.sign(secret, message)
    if scheme == "bandersnatch":
        from ..crypto import bandersnatch

        vrf_input, aux = split_vrf_message(message)
        return bandersnatch.ietf_sign(secret, vrf_input, aux)
    return None


@hookimpl
def jamliquor_verify(scheme: str, public: bytes, message: bytes, signature: bytes) -> bool | None:
    if scheme == "ed25519":
        from ..crypto import ed25519

        return ed25519.verify(public, message, signature)
    if scheme == "bandersnatch":
        from ..crypto import bandersnatch

        vrf_input, aux = split_vrf_message(message)
        try:
            bandersnatch.ietf_verify(public, vrf_input, aux, signature)
        except bandersnatch.BandersnatchError:
            return False
        return True
    return None
