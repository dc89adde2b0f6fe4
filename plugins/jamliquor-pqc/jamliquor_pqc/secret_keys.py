"""Checks shared by ML-DSA and ML-KEM secrets: a FIPS seed, or the expanded key where the backend
takes one, and a key the library refuses reported as bad input rather than a library error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jamliquor.crypto.schemes import SchemeInputError

from .backend import Backend


def need_secret(backend: Backend, scheme: str, secret: bytes, what: str, seed: tuple[int, str],
                expanded: tuple[int, str]) -> None:
    """`secret` must be `seed` = (size, name) octets, or `expanded` = (size, name) ones where the
    backend imports expanded keys; else one `SchemeInputError` naming the accepted forms."""
    if len(secret) == seed[0] or (backend.expanded_keys and len(secret) == expanded[0]):
        return
    forms = f"{seed[0]} bytes ({seed[1]})" + (f" or {expanded[0]} bytes ({expanded[1]})" if backend.expanded_keys else "")
    raise SchemeInputError(f"{scheme} {what} must be {forms}, got {len(secret)}")


def with_key(scheme: str, key: str, call: Callable[..., Any], *args: Any) -> Any:
    """`call(*args)`, with a `key` the library refuses (ValueError) reported as bad input."""
    try:
        return call(*args)
    except ValueError as exc:
        raise SchemeInputError(f"{scheme}: invalid {key} ({exc})") from None
