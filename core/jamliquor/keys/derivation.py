"""Validator secret keys from a 32-byte seed, exactly as JIP-5 (`specs/JIP-5.md`) says.

    ed25519_secret_seed      = blake2b-256("jam_val_key_ed25519" ‖ seed)
    bandersnatch_secret_seed = blake2b-256("jam_val_key_bandersnatch" ‖ seed)

The Bandersnatch secret scalar is derived from its seed by the VRF library (bandersnatch-vrf
spec, appendix A.1). `trivial_seed(i)` gives the well-known development keys.
"""

from __future__ import annotations

import hashlib
import struct

import attrs

from ..crypto import bandersnatch, ed25519
from ..errors import JamLiquorError
from ..types import ValidatorData

ED25519_CONTEXT = b"jam_val_key_ed25519"
BANDERSNATCH_CONTEXT = b"jam_val_key_bandersnatch"
SEED_SIZE = 32


class SeedError(JamLiquorError, ValueError):
    """A seed that is not 32 bytes."""


def trivial_seed(i: int) -> bytes:
    """JIP-5 trivial_seed(i): E_4(i) repeated 8 times (for testing only)."""
    return struct.pack("<I", i) * 8


@attrs.frozen(slots=True, repr=False)
class ValidatorKeys:
    """One validator's secrets and public keys. The repr shows public keys only."""

    seed: bytes
    ed25519_seed: bytes  # JIP-5 ed25519_secret_seed (the Ed25519 secret key)
    bandersnatch_seed: bytes  # JIP-5 bandersnatch_secret_seed
    bandersnatch_secret: bytes  # the secret scalar derived from bandersnatch_seed
    ed25519: bytes  # public
    bandersnatch: bytes  # public

    def __repr__(self) -> str:
        return f"ValidatorKeys(bandersnatch={self.bandersnatch.hex()}, ed25519={self.ed25519.hex()})"

    def validator_data(self, metadata: bytes = bytes(128)) -> ValidatorData:
        """This validator's entry in a validator set (GP eq. 6.8); JIP-5 derives no BLS key, so it is zero."""
        return ValidatorData(self.bandersnatch, self.ed25519, bytes(144), metadata.ljust(128, b"\0")[:128])


def derive(seed: bytes) -> ValidatorKeys:
    """JIP-5: every validator key from one 32-byte seed."""
    seed = bytes(seed)
    if len(seed) != SEED_SIZE:
        raise SeedError(f"a validator seed is {SEED_SIZE} bytes, got {len(seed)}")
    ed_seed = hashlib.blake2b(ED25519_CONTEXT + seed, digest_size=32).digest()
    bs_seed = hashlib.blake2b(BANDERSNATCH_CONTEXT + seed, digest_size=32).digest()
    bs_secret = bandersnatch.secret_from_seed(bs_seed)
    return ValidatorKeys(seed, ed_seed, bs_seed, bs_secret, ed25519.public_key(ed_seed), bandersnatch.public_from_secret(bs_secret))


def dev_keys(count: int) -> tuple[ValidatorKeys, ...]:
    """The development validators trivial_seed(0 .. count-1)."""
    return tuple(derive(trivial_seed(i)) for i in range(count))
