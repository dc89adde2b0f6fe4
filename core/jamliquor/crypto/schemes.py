"""Signature and key-encapsulation schemes by name, answered by whichever plugin offers them.

Kernel code (sealing, signed plugin updates, the `pqc` conformance suite and bench, the CLI)
reaches every scheme — the built-in `ed25519`/`bandersnatch` and whatever plugins add, such as
`jamliquor-pqc`'s ML-DSA, XMSS and ML-KEM — only through the hooks of
:mod:`jamliquor.hookspecs`, via these functions. They turn "no plugin answered" into one
:class:`UnknownSchemeError` listing the schemes that are offered, and a plugin's
:class:`SchemeInputError` (wrong key size, over-long context, exhausted one-time keys) into that
error itself rather than a wrapped plugin failure. `verify` never raises: anything it cannot
check is simply not a valid signature.
"""

from __future__ import annotations

from typing import Any

from ..errors import JamLiquorError
from ..plugins import PluginCallError, PluginHost, default_host


class SchemeInputError(JamLiquorError, ValueError):
    """Input a scheme cannot take (wrong size, bad context, exhausted stateful key); plugins raise it."""


class UnknownSchemeError(JamLiquorError, KeyError):
    """No loaded plugin offers the scheme; the message lists those that are offered."""

    def __str__(self) -> str:
        return str(self.args[0])


def _host(host: PluginHost | None) -> PluginHost:
    return default_host() if host is None else host


def _unknown(kind: str, scheme: str, offered: list[str]) -> UnknownSchemeError:
    listed = ", ".join(offered) or "none (install a plugin such as jamliquor-pqc)"
    return UnknownSchemeError(f"unknown {kind} scheme {scheme!r}; offered: {listed}")


def _call(host: PluginHost, hook: str, kind: str, scheme: str, **kwargs: Any) -> Any:
    try:
        result = host.call(hook, scheme=scheme, **kwargs)
    except PluginCallError as exc:
        if isinstance(exc.__cause__, JamLiquorError):  # the caller's input, reported as such
            raise exc.__cause__ from None
        raise
    if result is None:
        offered = host.signature_schemes() if kind == "signature" else host.kem_schemes()
        raise _unknown(kind, scheme, offered)
    return result


def signature_schemes(host: PluginHost | None = None) -> list[str]:
    return _host(host).signature_schemes()


def kem_schemes(host: PluginHost | None = None) -> list[str]:
    return _host(host).kem_schemes()


def keygen(scheme: str, seed: bytes, host: PluginHost | None = None) -> tuple[bytes, bytes]:
    """(public, secret) of signature `scheme` derived from `seed`."""
    public, secret = _call(_host(host), "keygen", "signature", scheme, seed=bytes(seed))
    return bytes(public), bytes(secret)


def sign(scheme: str, secret: bytes, message: bytes, context: bytes = b"", host: PluginHost | None = None) -> bytes:
    return bytes(_call(_host(host), "sign", "signature", scheme, secret=bytes(secret), message=bytes(message), context=bytes(context)))


def verify(
    scheme: str, public: bytes, message: bytes, signature: bytes, context: bytes = b"", host: PluginHost | None = None
) -> bool:
    """True iff `signature` is valid; False for anything else (unknown scheme, malformed input)."""
    try:
        result = _host(host).call(
            "verify", scheme=scheme, public=bytes(public), message=bytes(message), signature=bytes(signature), context=bytes(context)
        )
    except (PluginCallError, TypeError, ValueError):  # fail closed
        return False
    return result is True


def kem_keygen(scheme: str, seed: bytes, host: PluginHost | None = None) -> tuple[bytes, bytes]:
    """(public, secret) of KEM `scheme` derived from `seed`."""
    public, secret = _call(_host(host), "kem_keygen", "KEM", scheme, seed=bytes(seed))
    return bytes(public), bytes(secret)


def kem_encapsulate(scheme: str, public: bytes, host: PluginHost | None = None) -> tuple[bytes, bytes]:
    """(ciphertext, shared secret) for `public`."""
    ciphertext, shared = _call(_host(host), "kem_encapsulate", "KEM", scheme, public=bytes(public))
    return bytes(ciphertext), bytes(shared)


def kem_decapsulate(scheme: str, secret: bytes, ciphertext: bytes, host: PluginHost | None = None) -> bytes:
    return bytes(_call(_host(host), "kem_decapsulate", "KEM", scheme, secret=bytes(secret), ciphertext=bytes(ciphertext)))
