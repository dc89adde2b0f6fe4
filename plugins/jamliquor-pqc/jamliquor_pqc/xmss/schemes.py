"""XMSS and XMSS^MT as hook schemes (`xmss-sha2_10_256`, `xmssmt-sha2_20/2_256`, … every
RFC 8391 / SP 800-208 set).

`sign` is stateful: the index comes from the key's :class:`.state.IndexStore` in
``<data_dir>/xmss`` (the kernel config's `data_dir`), never from the caller; the secret's own
index field is only a floor (a key imported at index k never signs below k). Key generation
builds the whole (top) tree — seconds for height 10, minutes for 16 (see the README),
impractical for 20 in Python — and caches it there, so signing is a WOTS+ signature plus a
lookup (XMSS^MT also keeps its current lower trees in memory).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from jamliquor.config import load_config
from jamliquor.crypto.schemes import SchemeInputError

from . import scheme
from .params import PARAMS
from .state import CACHE_LEVELS, ExhaustedError, IndexStore, StateError, key_id

SCHEMES = tuple(PARAMS)
_stores: dict[Path, IndexStore] = {}
_stores_lock = threading.Lock()


def state_dir() -> Path:
    return load_config().data_dir / "xmss"


def store(directory: Path | None = None) -> IndexStore:
    directory = directory or state_dir()
    with _stores_lock:
        if directory not in _stores:
            _stores[directory] = IndexStore(directory)
        return _stores[directory]


def keygen(name: str, seed: bytes, workers: int | None = None) -> tuple[bytes, bytes] | None:
    params = PARAMS.get(name)
    if params is None:
        return None
    seed = seed or os.urandom(params.seed_bytes)
    if len(seed) != params.seed_bytes:
        raise SchemeInputError(f"{name} seed must be {params.seed_bytes} bytes (SK_SEED ‖ SK_PRF ‖ PUB_SEED), got {len(seed)}")
    cache_from = max(0, params.tree_height - CACHE_LEVELS)
    key, levels = scheme.keygen(params, seed, cache_from, workers)
    store().store_tree(key_id(key.public), levels)
    return key.public, key.encode()


def sign(name: str, secret: bytes, message: bytes, context: bytes) -> bytes | None:
    params = PARAMS.get(name)
    if params is None:
        return None
    if context:
        raise SchemeInputError(f"{name} takes no context string (got {len(context)} bytes)")
    try:
        key = scheme.decode_secret(params, secret)
    except scheme.XmssFormatError as exc:
        raise SchemeInputError(str(exc)) from None
    kid, st = key_id(key.public), store()
    levels = st.load_tree(kid, params, key.root)
    if levels is None:  # no cache (new machine, cleared state): rebuild it once
        levels = scheme.top_tree(params, key.sk_seed, key.pub_seed, max(0, params.tree_height - CACHE_LEVELS))
        if levels[-1] != key.root:
            raise SchemeInputError(f"{name} secret key is inconsistent: its seeds do not give its root")
        st.store_tree(kid, levels)
    try:
        index = st.reserve(kid, key.index, params.signatures)
    except (ExhaustedError, StateError) as exc:
        raise SchemeInputError(f"{name}: {exc}") from None
    return scheme.sign(key, index, message, levels)


def verify(name: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool | None:
    params = PARAMS.get(name)
    if params is None:
        return None
    return not context and scheme.verify(params, public, message, signature)


def remaining(name: str, public: bytes) -> int:
    """One-time signatures left to key `public` (from its state; all of them for a fresh key)."""
    return PARAMS[name].signatures - store().high_water(key_id(public))
