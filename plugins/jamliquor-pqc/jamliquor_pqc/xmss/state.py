"""Crash-safe one-time-key indices and the cached trees of XMSS keys.

An XMSS signature made twice at one index can leak the secret, so the index a signature uses
is *durably reserved before the signature exists*: under an exclusive `flock` on
``<key>.lock``, the high-water mark in ``<key>.idx`` is advanced by a batch (written to a
temporary file, fsync'd, renamed over the old one, directory fsync'd), and only then are the
batch's indices handed out in this process. A crash — SIGKILL at any instant — loses at most
the rest of a batch, never repeats an index; concurrent processes get disjoint batches. The
state directory is tied to the key: copying a secret key to a machine without its
``<key>.idx`` would restart at the key's encoded index, so move both together.

``<key>.tree`` caches the key's top tree (see :mod:`.tree`), so signing is a lookup instead of
a rebuild; it is checked against the key's root on load and rebuilt if absent or wrong.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from jamliquor.files import write_private

from . import tree as trees
from .params import Params

BATCH = 16  # indices reserved per fsync; a crash forfeits at most this many
CACHE_LEVELS = 16  # keep the top 16 levels of a tree (4 MiB for n = 32); lower ones recomputed
_TREES_IN_MEMORY = 2


class ExhaustedError(Exception):
    """Every one-time key of this XMSS key has been reserved."""


class StateError(Exception):
    """The state file of a key cannot be read (corrupt or unreadable): refuse rather than guess."""


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:32]


class IndexStore:
    """Hands out each one-time-key index of each key at most once, across crashes and processes."""

    def __init__(self, directory: Path, batch: int = BATCH) -> None:
        self.directory = Path(directory)
        self.batch = batch
        self._lock = threading.Lock()
        self._batches: dict[str, list[int]] = {}  # key id -> [next, end) reserved in this process
        self._trees: OrderedDict[str, trees.Levels] = OrderedDict()

    def _path(self, kid: str, suffix: str) -> Path:
        return self.directory / f"{kid}{suffix}"

    def high_water(self, kid: str) -> int:
        """The first index not yet reserved by anyone (0 for a fresh key)."""
        path = self._path(kid, ".idx")
        try:
            text = path.read_text()
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise StateError(f"cannot read XMSS state {path}: {exc}") from exc
        try:
            return int(text.strip())
        except ValueError:
            raise StateError(f"corrupt XMSS state {path}: {text[:40]!r}") from None

    def _reserve_batch(self, kid: str, floor: int, limit: int) -> list[int]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self._path(kid, ".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            start = max(self.high_water(kid), floor)
            if start >= limit:
                raise ExhaustedError(f"all {limit} one-time keys of XMSS key {kid} are used; make a new key")
            end = min(start + self.batch, limit)
            write_private(self._path(kid, ".idx"), f"{end}\n".encode(), sync_dir=True)
            return [start, end]

    def reserve(self, kid: str, floor: int, limit: int) -> int:
        """An index in [floor, limit) that was never handed out before, durably recorded as used."""
        with self._lock:
            batch = self._batches.get(kid)
            if batch is None or batch[0] >= batch[1] or batch[0] < floor:
                batch = self._batches[kid] = self._reserve_batch(kid, floor, limit)
            index = batch[0]
            batch[0] += 1
            return index

    # ------------------------------------------------------------------ tree cache

    def store_tree(self, kid: str, levels: trees.Levels) -> None:
        cache_from = next(j for j, lv in enumerate(levels) if lv is not None)
        self.directory.mkdir(parents=True, exist_ok=True)
        write_private(self._path(kid, ".tree"), bytes([cache_from]) + b"".join(levels[cache_from:]), sync_dir=True)
        self._remember(kid, levels)

    def _remember(self, kid: str, levels: trees.Levels) -> None:
        self._trees[kid] = levels
        self._trees.move_to_end(kid)
        while len(self._trees) > _TREES_IN_MEMORY:
            self._trees.popitem(last=False)

    def load_tree(self, kid: str, params: Params, root: bytes) -> trees.Levels | None:
        """The cached top tree of key `kid`, or None if absent or not matching `root`."""
        with self._lock:
            if kid in self._trees:
                self._trees.move_to_end(kid)
                return self._trees[kid]
        try:
            data = self._path(kid, ".tree").read_bytes()
        except OSError:
            return None
        n, th = params.n, params.tree_height
        cache_from = data[0] if data else 255
        sizes = [(1 << (th - j)) * n for j in range(cache_from, th + 1)]
        if cache_from > th or len(data) != 1 + sum(sizes):
            return None
        levels: trees.Levels = [None] * cache_from
        pos = 1
        for size in sizes:
            levels.append(data[pos : pos + size])
            pos += size
        if levels[-1] != root:
            return None
        with self._lock:
            self._remember(kid, levels)
        return levels
