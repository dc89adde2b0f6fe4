"""Scheme key files: one line `SCHEME:HEX`, for any signature or KEM scheme the hooks offer.

`jamliquor pqc keygen SCHEME --out KEY` writes the secret to `KEY` (mode 0600) and the public
key to `KEY.pub`. The public line is also the form `trusted_plugin_keys` takes in the config
and `keys seal --to` reads, so `$(cat KEY.pub)` can be pasted where a public key is wanted.
"""

from __future__ import annotations

import string
from pathlib import Path

from ..errors import JamLiquorError
from ..files import write_private


class KeyFileError(JamLiquorError, ValueError):
    """Not a `SCHEME:HEX` key line (or file)."""


def format_key(scheme: str, key: bytes) -> str:
    return f"{scheme}:{key.hex()}"


def parse_key(text: str, where: str = "key") -> tuple[str, bytes]:
    scheme, sep, hexpart = text.strip().partition(":")
    if not sep or not scheme:
        raise KeyFileError(f"{where}: expected SCHEME:HEX, got {text.strip()[:40]!r}")
    try:
        return scheme, bytes.fromhex(hexpart)
    except ValueError:
        raise KeyFileError(f"{where}: the part after {scheme!r}: is not hex") from None


def read_key(path: Path) -> tuple[str, bytes]:
    return parse_key(Path(path).read_text(), str(path))


def public_key_arg(value: str) -> tuple[str, bytes]:
    """A public key given as a `SCHEME:HEX` line or as the path of a file holding one."""
    _, sep, rest = value.strip().partition(":")
    if sep and rest and all(c in string.hexdigits for c in rest):
        return parse_key(value, "public key")
    return read_key(Path(value))


def write_keypair(path: Path, scheme: str, public: bytes, secret: bytes) -> Path:
    """Write `path` (secret, 0600) and `path.pub`; return the public file's path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, (format_key(scheme, secret) + "\n").encode())
    pub = path.with_name(path.name + ".pub")
    pub.write_text(format_key(scheme, public) + "\n")
    return pub
