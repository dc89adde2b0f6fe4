"""Validator key files: JSON holding the JIP-5 seed (and the public keys, for humans), readable
only by their owner. A file others can read is refused, as ssh refuses a loose private key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from ..errors import JamLiquorError
from ..sealing import SealingError, open_key_file
from .derivation import SeedError, ValidatorKeys, derive
from .names import key_name

FORMAT = "jamliquor-validator-key/1"


class KeyFileError(JamLiquorError, ValueError):
    """A key file that is missing, malformed, inconsistent or readable by others."""


def write_key_file(path: Path, keys: ValidatorKeys, overwrite: bool = False) -> None:
    """Write `keys` to a new file of mode 0600 (an existing file only with `overwrite`)."""
    document = {
        "format": FORMAT,
        "seed": keys.seed.hex(),
        "ed25519": keys.ed25519.hex(),
        "bandersnatch": keys.bandersnatch.hex(),
        "name": key_name(keys.ed25519),
    }
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} exists; refusing to overwrite a key file") from None
    try:
        os.fchmod(fd, 0o600)  # an overwritten file keeps its old mode otherwise
        os.write(fd, (json.dumps(document, indent=2) + "\n").encode())
    finally:
        os.close(fd)


def read_key_file(path: Path, kem_key: tuple[str, bytes] | None = None) -> ValidatorKeys:
    """Load a key file; refuse one that group or others may read, or whose public keys do not
    match its seed. A sealed file (`jamliquor keys seal`) opens with `kem_key` = (KEM scheme,
    secret), see :func:`jamliquor.sealing.open_key_file`."""
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path} is accessible by others (mode {stat.S_IMODE(mode):o}); run chmod 600 {path}")
    try:
        data = open_key_file(path, kem_key)
    except SealingError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    try:
        document = json.loads(data)
        seed = bytes.fromhex(document["seed"])
        keys = derive(seed)
    except (ValueError, KeyError, TypeError, SeedError) as exc:
        raise KeyFileError(f"{path} is not a validator key file: {exc}") from None
    for field in ("ed25519", "bandersnatch"):
        if field in document and document[field] != getattr(keys, field).hex():
            raise KeyFileError(f"{path}: the {field} public key does not match the seed")
    return keys
