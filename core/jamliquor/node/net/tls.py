"""JAMNP-S identities: a self-signed X.509 certificate on the node's Ed25519 key whose single
alternative name is N(k) ("Encryption and handshake", "Alternative name"), the check both sides
run on the peer's certificate, and the ALPN protocol id `jamnp-s/0/H`."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from ...errors import JamLiquorError
from ...keys.names import key_name

PROTOCOL_VERSION = 0


class CertificateError(JamLiquorError):
    """A peer certificate that JAMNP-S forbids: missing, not Ed25519, or not named N(k) of its key."""


def alpn(genesis_hash: bytes, builder: bool = False) -> str:
    """`jamnp-s/V/H`: H is the first 8 nibbles of the genesis header hash, lower-case hex."""
    return f"jamnp-s/{PROTOCOL_VERSION}/{genesis_hash[:4].hex()}" + ("/builder" if builder else "")


def node_certificate(ed25519_secret: bytes) -> tuple[Ed25519PrivateKey, x509.Certificate]:
    """Our TLS key and self-signed certificate: Ed25519, with the single alternative name N(k)."""
    key = Ed25519PrivateKey.from_private_bytes(ed25519_secret)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key_name(public))])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(public[:16], "big") >> 1 or 1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(key_name(public))]), critical=False)
        .sign(key, None)
    )
    return key, cert


def peer_key(cert: x509.Certificate | None, expected: bytes | None = None) -> bytes:
    """The peer's Ed25519 key if its certificate meets JAMNP-S (Ed25519 signature algorithm and
    key, exactly one alternative name, N(k) of that key; and the key we dialled, if we know it);
    else CertificateError. Self-signedness need not be verified (the spec)."""
    if cert is None:
        raise CertificateError("the peer sent no certificate")
    if cert.signature_algorithm_oid != SignatureAlgorithmOID.ED25519:
        raise CertificateError(f"certificate signature algorithm {cert.signature_algorithm_oid.dotted_string} is not Ed25519")
    public = cert.public_key()
    if not isinstance(public, Ed25519PublicKey):
        raise CertificateError("certificate key is not Ed25519")
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise CertificateError("certificate has no alternative name") from None
    general = list(names)
    if len(general) != 1:
        raise CertificateError(f"certificate has {len(general)} alternative names, not one")
    if not isinstance(general[0], x509.DNSName) or general[0].value != key_name(raw):
        raise CertificateError(f"certificate alternative name {general[0].value!r} is not N(k) of its key")
    if expected is not None and raw != expected:
        raise CertificateError(f"peer key {key_name(raw)} is not the {key_name(expected)} we dialled")
    return raw
