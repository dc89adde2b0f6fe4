"""State-key constructor C of GP eq. (D.1): 31-octet keys for components and service data."""

from __future__ import annotations

import hashlib
import struct

KEY_SIZE = 31
SERVICE_INFO = 255  # C(255, s): a service account's fixed fields
_STORAGE_PREFIX = struct.pack("<I", 2**32 - 1)  # C(s, E_4(2^32-1) ‖ k): storage item
_PREIMAGE_PREFIX = struct.pack("<I", 2**32 - 2)  # C(s, E_4(2^32-2) ‖ h): preimage blob


def component_key(i: int) -> bytes:
    """C(i) = [i, 0, 0, …]."""
    return bytes((i,)) + bytes(KEY_SIZE - 1)


def service_info_key(service: int, i: int = SERVICE_INFO) -> bytes:
    """C(i, s) = [i, n0, 0, n1, 0, n2, 0, n3, 0, 0, …] with n = E_4(s)."""
    n = struct.pack("<I", service)
    return bytes((i, n[0], 0, n[1], 0, n[2], 0, n[3])) + bytes(KEY_SIZE - 8)


def service_data_key(service: int, h: bytes) -> bytes:
    """C(s, h) = [n0, a0, n1, a1, n2, a2, n3, a3, a4, …, a26] with n = E_4(s), a = H(h)."""
    n = struct.pack("<I", service)
    a = hashlib.blake2b(h, digest_size=32).digest()
    return bytes((n[0], a[0], n[1], a[1], n[2], a[2], n[3], a[3])) + a[4:27]


def storage_key(service: int, key: bytes) -> bytes:
    """GP eq. (D.2): where service `service`'s storage item `key` lives."""
    return service_data_key(service, _STORAGE_PREFIX + key)


def preimage_key(service: int, blob_hash: bytes) -> bytes:
    """GP eq. (D.2): where the preimage of `blob_hash` provided to `service` lives."""
    return service_data_key(service, _PREIMAGE_PREFIX + blob_hash)


def request_key(service: int, blob_hash: bytes, length: int) -> bytes:
    """GP eq. (D.2): where the lookup-request status of (`blob_hash`, `length`) lives."""
    return service_data_key(service, struct.pack("<I", length) + blob_hash)


def service_of_info_key(key: bytes) -> int | None:
    """The service index of a C(255, s) key, or None if `key` is not one."""
    if len(key) == KEY_SIZE and key[0] == SERVICE_INFO and key[2] == key[4] == key[6] == 0 and not any(key[8:]):
        return key[1] | key[3] << 8 | key[5] << 16 | key[7] << 24
    return None


def service_of_data_key(key: bytes) -> int:
    """The service index interleaved in a C(s, h) key (octets 0, 2, 4, 6)."""
    return key[0] | key[2] << 8 | key[4] << 16 | key[6] << 24
