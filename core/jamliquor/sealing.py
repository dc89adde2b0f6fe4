"""Sealed key files: any key file's bytes, encrypted at rest to a KEM public key.

Format-agnostic on purpose (validator key files, scheme key files, anything): a sealed file is

    "JAMLIQUOR-SEALED/1\\n" ‖ u8 |scheme| ‖ scheme ‖ u16 |ct| ‖ ct ‖ nonce (12) ‖ AEAD(plaintext)

`ct` encapsulates a fresh shared secret to the recipient's public key through the
`kem_encapsulate` hook — normally the hybrid `x25519+ml-kem-768` (X-Wing) of `jamliquor-pqc`,
so the file stays sealed unless *both* X25519 and ML-KEM-768 fall. The AEAD is
ChaCha20-Poly1305 (`cryptography`; fast without AES instructions on small devices) under
key = HKDF-SHA256(shared secret, info = "JAMLIQUOR-SEALED/1" ‖ scheme), with everything before
the nonce as associated data: header, scheme and ciphertext cannot be swapped or edited without
the tag failing. The key is used once, and the nonce is random anyway.

A node starts from a possibly sealed key file with :func:`open_key_file` and the KEM secret.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .crypto import schemes
from .errors import JamLiquorError
from .plugins import PluginHost

MAGIC = b"JAMLIQUOR-SEALED/1\n"
NONCE_BYTES = 12
DEFAULT_SCHEME = "x25519+ml-kem-768"


class SealingError(JamLiquorError):
    """A sealed file that cannot be opened: malformed, another scheme, wrong key, or tampered with."""


def _key(shared: bytes, scheme: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=MAGIC.rstrip(b"\n") + scheme.encode()).derive(shared)


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def seal(data: bytes, scheme: str, public: bytes, host: PluginHost | None = None) -> bytes:
    """Encrypt `data` to KEM `public` of `scheme`."""
    name = scheme.encode()
    ciphertext, shared = schemes.kem_encapsulate(scheme, public, host=host)
    if len(name) > 255 or len(ciphertext) > 0xFFFF:
        raise SealingError(f"scheme name or ciphertext too long to seal with {scheme}")
    header = MAGIC + bytes([len(name)]) + name + len(ciphertext).to_bytes(2, "big") + ciphertext
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + ChaCha20Poly1305(_key(shared, scheme)).encrypt(nonce, bytes(data), header)


def parse(sealed: bytes) -> tuple[str, bytes, bytes, bytes, bytes]:
    """(scheme, KEM ciphertext, header, nonce, AEAD ciphertext) of a sealed file."""
    if not is_sealed(sealed):
        raise SealingError("not a sealed key file (no JAMLIQUOR-SEALED/1 header)")
    pos = len(MAGIC)
    try:
        size = sealed[pos]
        scheme = sealed[pos + 1 : pos + 1 + size].decode("ascii")
        pos += 1 + size
        ct_size = int.from_bytes(sealed[pos : pos + 2], "big")
        ciphertext = sealed[pos + 2 : pos + 2 + ct_size]
        pos += 2 + ct_size
    except (IndexError, UnicodeDecodeError):
        raise SealingError("truncated or malformed sealed key file") from None
    if len(ciphertext) != ct_size or len(sealed) < pos + NONCE_BYTES + 16:
        raise SealingError("truncated sealed key file")
    return scheme, ciphertext, sealed[:pos], sealed[pos : pos + NONCE_BYTES], sealed[pos + NONCE_BYTES :]


def unseal(sealed: bytes, scheme: str, secret: bytes, host: PluginHost | None = None) -> bytes:
    """Decrypt a sealed file with the KEM `secret` of `scheme`."""
    sealed_scheme, ciphertext, header, nonce, body = parse(sealed)
    if sealed_scheme != scheme:
        raise SealingError(f"the file is sealed with {sealed_scheme}, the key given is {scheme}")
    try:
        shared = schemes.kem_decapsulate(scheme, secret, ciphertext, host=host)
    except schemes.SchemeInputError as exc:
        raise SealingError(f"cannot unseal: {exc}") from None
    try:
        return ChaCha20Poly1305(_key(shared, scheme)).decrypt(nonce, body, header)
    except InvalidTag:
        raise SealingError("cannot unseal: wrong KEM secret, or the sealed file was modified") from None


def open_key_file(path: Path, kem_key: tuple[str, bytes] | None = None, host: PluginHost | None = None) -> bytes:
    """The bytes of key file `path`, unsealed with `kem_key` = (scheme, secret) if it is sealed.
    What a node calls at start-up to read its validator keys."""
    data = Path(path).read_bytes()
    if not is_sealed(data):
        return data
    if kem_key is None:
        raise SealingError(f"{path} is sealed; give the KEM secret key that opens it")
    return unseal(data, kem_key[0], kem_key[1], host=host)

