"""Detached signatures on plugin distributions (wheels), for authenticated hot-swaps.

`jamliquor plugins sign DIST --key KEY` writes `DIST.sig`, a small JSON document:

    {"format": "jamliquor-plugin-signature/1", "scheme": "ml-dsa-65",
     "sha256": "<hex of the file>", "signature": "<hex>"}

The signed message is ``"JAMLIQUOR-PLUGIN-DISTRIBUTION/1\\0" ‖ SHA-256(file)``: one fixed-size
message for every scheme (XMSS and the composite included), domain-separated from any other use
of the same key. With `trusted_plugin_keys` set, a distribution loads only if its `.sig`
verifies under one of those keys (`SCHEME:HEX`, e.g. ML-DSA, XMSS or `ed25519+ml-dsa-65`).

Verification goes through the host's `verify` hook (so the plugin offering the scheme, normally
`jamliquor-pqc`, must be loaded); this module imports no scheme code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import JamLiquorError

FORMAT = "jamliquor-plugin-signature/1"
DOMAIN = b"JAMLIQUOR-PLUGIN-DISTRIBUTION/1\0"
SUFFIX = ".sig"


class PluginSignatureError(JamLiquorError):
    """A distribution's signature is missing, malformed or not valid under any trusted key."""


def file_digest(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").digest()


def signed_message(path: Path) -> bytes:
    return DOMAIN + file_digest(path)


def signature_path(dist: Path) -> Path:
    return Path(dist).with_name(Path(dist).name + SUFFIX)


def write_signature(dist: Path, scheme: str, signature: bytes, out: Path | None = None) -> Path:
    out = out or signature_path(dist)
    doc = {"format": FORMAT, "scheme": scheme, "sha256": file_digest(dist).hex(), "signature": signature.hex()}
    out.write_text(json.dumps(doc, indent=1) + "\n")
    return out


def _read(sig_file: Path, dist: Path) -> dict[str, Any]:
    try:
        doc = json.loads(sig_file.read_text())
    except FileNotFoundError:
        raise PluginSignatureError(
            f"{dist.name} has no signature ({sig_file.name}); trusted_plugin_keys is set, so unsigned plugins are refused"
        ) from None
    except (OSError, ValueError) as exc:
        raise PluginSignatureError(f"unreadable signature {sig_file}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not all(isinstance(doc.get(k), str) for k in ("scheme", "sha256", "signature")):
        raise PluginSignatureError(f"{sig_file} is not a {FORMAT} document")
    return doc


def verify_distribution(host: Any, dist: Path, trusted: Sequence[tuple[str, bytes]], sig_file: Path | None = None) -> str:
    """Check `dist` against its detached signature; return the scheme that verified it.
    Raises :class:`PluginSignatureError` naming what is wrong. `host` is a PluginHost."""
    dist = Path(dist)
    doc = _read(sig_file or signature_path(dist), dist)
    digest = file_digest(dist)
    if doc["sha256"] != digest.hex():
        raise PluginSignatureError(f"signature of {dist.name} is for another file (SHA-256 differs)")
    try:
        signature = bytes.fromhex(doc["signature"])
    except ValueError:
        raise PluginSignatureError(f"signature of {dist.name} is not hex") from None
    scheme = doc["scheme"]
    keys = [public for s, public in trusted if s == scheme]
    if not keys:
        schemes = sorted({s for s, _ in trusted})
        raise PluginSignatureError(f"{dist.name} is signed with {scheme}, but no trusted plugin key is ({', '.join(schemes)})")
    for public in keys:
        if host.call("verify", scheme=scheme, public=public, message=DOMAIN + digest, signature=signature) is True:
            return scheme
    if scheme not in host.signature_schemes():
        raise PluginSignatureError(f"no loaded plugin verifies {scheme} signatures (install/enable jamliquor-pqc)")
    raise PluginSignatureError(f"signature of {dist.name} is not valid under any of the {len(keys)} trusted {scheme} key(s)")
