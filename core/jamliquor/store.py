"""Persistent, fork-aware state store on LMDB (embedded, crash-safe).

States are addressed by header hash. Each stored state is its serialization (GP D.2 key/value
set); values are content-addressed and reference-counted, so the many states of a chain and
its forks share every unchanged value instead of copying whole states. Every mutation is one
LMDB write transaction: a process killed mid-import leaves the last committed state intact.

Layout (LMDB sub-databases):
  blocks  header_hash → parent_hash ‖ E_4(slot) ‖ state_root
  states  header_hash → concatenated (key31 ‖ value_hash32) entries, sorted by key
  values  value_hash  → value
  refs    value_hash  → E_4(reference count)
  meta    b"recent"   → header hashes of the stored states, oldest first (pruning order)

Blocks (for a networked node; stores written before these tables existed open unchanged):
  bodies  header_hash → the encoded block (kept for every imported block, forks included)
  index   header_hash → an opaque per-block record (the node's chain: parent, slot, weight …)
  by_slot E_4^BE(slot) ‖ header_hash → b"" (every indexed block, in slot order)
  canon   E_4^BE(slot) → header_hash of the finalized chain
  meta    b"finalized" → the latest finalized header hash; other small node facts by name

Pruning keeps the `keep` most recently stored states (default 32 ≥ the 24-entry ancestry of the
fuzz protocol), which covers the head, its recent ancestry and shallow forks. A pruned node
(`prune_blocks`, driven by the chain's `keep_blocks`) also forgets blocks below a slot horizon.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path

import cbor2
import lmdb

from .errors import JamLiquorError

_ENTRY = 31 + 32
_U32 = struct.Struct("<I")
_BE32 = struct.Struct(">I")
SNAPSHOT_MAGIC = "jamliquor-state-snapshot/1"


class StoreError(JamLiquorError):
    """The store cannot do what was asked (unknown header hash, unreadable data directory, …)."""


class UnknownStateError(StoreError, KeyError):
    """No state is stored under the given header hash."""


class SnapshotError(StoreError):
    """A snapshot file that is missing, truncated or not a JamLiquor snapshot."""


def _vhash(value: bytes) -> bytes:
    return hashlib.blake2b(value, digest_size=32).digest()


class StateStore:
    """States by header hash, with parent links, pruning and snapshots."""

    def __init__(self, path: Path | str, keep: int = 32, map_size: int = 1 << 32) -> None:
        if keep < 1:
            raise StoreError("the store must keep at least one state")
        self.path = Path(path)
        self.keep = keep
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self.env = lmdb.open(str(self.path), max_dbs=10, map_size=map_size, subdir=True, lock=True)
        except (OSError, lmdb.Error) as exc:
            raise StoreError(f"cannot open state store at {self.path}: {exc}") from exc
        self._blocks = self.env.open_db(b"blocks")
        self._states = self.env.open_db(b"states")
        self._values = self.env.open_db(b"values")
        self._refs = self.env.open_db(b"refs")
        self._meta = self.env.open_db(b"meta")
        self._bodies = self.env.open_db(b"bodies")
        self._index = self.env.open_db(b"index")
        self._by_slot = self.env.open_db(b"by_slot")
        self._canon = self.env.open_db(b"canon")

    def close(self) -> None:
        self.env.close()

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reads

    def has(self, header_hash: bytes) -> bool:
        with self.env.begin() as txn:
            return txn.get(header_hash, db=self._states) is not None

    def block_info(self, header_hash: bytes) -> tuple[bytes, int, bytes]:
        """(parent hash, slot, state root) of a stored state."""
        with self.env.begin() as txn:
            raw = txn.get(header_hash, db=self._blocks)
        if raw is None:
            raise UnknownStateError(f"no state stored for header {header_hash.hex()}")
        return raw[:32], _U32.unpack_from(raw, 32)[0], raw[36:68]

    def get_state(self, header_hash: bytes) -> dict[bytes, bytes]:
        """The key/value set stored for `header_hash`."""
        with self.env.begin() as txn:
            index = txn.get(header_hash, db=self._states)
            if index is None:
                raise UnknownStateError(f"no state stored for header {header_hash.hex()}")
            get = txn.get
            values = self._values
            return {
                bytes(index[i : i + 31]): bytes(get(index[i + 31 : i + _ENTRY], db=values))
                for i in range(0, len(index), _ENTRY)
            }

    def recent(self) -> list[bytes]:
        """Header hashes of the stored states, oldest first."""
        with self.env.begin() as txn:
            return self._recent(txn)

    def ancestry(self, header_hash: bytes, limit: int) -> list[tuple[int, bytes]]:
        """Up to `limit` (slot, header hash) pairs from `header_hash` back through stored parents."""
        out: list[tuple[int, bytes]] = []
        with self.env.begin() as txn:
            h = header_hash
            while len(out) < limit:
                raw = txn.get(h, db=self._blocks)
                if raw is None:
                    break
                out.append((_U32.unpack_from(raw, 32)[0], h))
                h = bytes(raw[:32])
        return out

    # ------------------------------------------------------------------ writes

    def put_state(
        self, header_hash: bytes, parent_hash: bytes, slot: int, state_root: bytes, kv: Mapping[bytes, bytes]
    ) -> None:
        """Store `kv` as the state of `header_hash` (one atomic transaction), pruning the oldest beyond `keep`."""
        if len(header_hash) != 32 or len(parent_hash) != 32 or len(state_root) != 32:
            raise StoreError("header hash, parent hash and state root must be 32 bytes")
        entries = self._entries(kv)
        with self.env.begin(write=True) as txn:
            self._put_state(txn, header_hash, parent_hash, slot, state_root, entries)

    def _entries(self, kv: Mapping[bytes, bytes]) -> list[tuple[bytes, bytes, bytes]]:
        entries = []
        for key in sorted(kv):
            if len(key) != 31:
                raise StoreError(f"state key of {len(key)} bytes")
            entries.append((key, kv[key], _vhash(kv[key])))
        return entries

    def _put_state(self, txn: lmdb.Transaction, header_hash: bytes, parent_hash: bytes, slot: int, state_root: bytes,
                   entries: list[tuple[bytes, bytes, bytes]]) -> None:
        if txn.get(header_hash, db=self._states) is not None:
            self._release(txn, header_hash)
        for _, value, vh in entries:
            count = txn.get(vh, db=self._refs)
            n = _U32.unpack(count)[0] if count is not None else 0
            if n == 0:
                txn.put(vh, value, db=self._values)
            txn.put(vh, _U32.pack(n + 1), db=self._refs)
        txn.put(header_hash, b"".join(k + vh for k, _, vh in entries), db=self._states)
        txn.put(header_hash, parent_hash + _U32.pack(slot) + state_root, db=self._blocks)
        recent = [h for h in self._recent(txn) if h != header_hash] + [header_hash]
        for old in recent[: max(0, len(recent) - self.keep)]:
            self._release(txn, old)
        self._set_recent(txn, recent[-self.keep :])

    # ------------------------------------------------------------------ blocks

    def put_block(self, header_hash: bytes, slot: int, record: bytes, body: bytes | None = None,
                  state: tuple[bytes, bytes, Mapping[bytes, bytes]] | None = None) -> None:
        """Index a block (`record` is the caller's), keep its encoded `body`, and store its
        posterior state (`(parent_hash, state_root, kv)`), all in one atomic transaction."""
        if len(header_hash) != 32:
            raise StoreError("header hash must be 32 bytes")
        entries = self._entries(state[2]) if state is not None else None
        with self.env.begin(write=True) as txn:
            if body is not None:
                txn.put(header_hash, body, db=self._bodies)
            txn.put(header_hash, record, db=self._index)
            txn.put(_BE32.pack(slot) + header_hash, b"", db=self._by_slot)
            if state is not None:
                self._put_state(txn, header_hash, state[0], slot, state[1], entries)

    def get_block(self, header_hash: bytes) -> bytes | None:
        """The encoded block stored for `header_hash`, or None."""
        with self.env.begin() as txn:
            raw = txn.get(header_hash, db=self._bodies)
            return None if raw is None else bytes(raw)

    def block_record(self, header_hash: bytes) -> bytes | None:
        with self.env.begin() as txn:
            raw = txn.get(header_hash, db=self._index)
            return None if raw is None else bytes(raw)

    def records_from(self, slot: int) -> list[tuple[bytes, bytes]]:
        """(header hash, record) of every indexed block at `slot` or later, in slot order."""
        out = []
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._by_slot)
            if cursor.set_range(_BE32.pack(slot)):
                for key, _ in cursor:
                    h = bytes(key[4:])
                    raw = txn.get(h, db=self._index)
                    if raw is not None:
                        out.append((h, bytes(raw)))
        return out

    def finalize(self, chain: Iterable[tuple[int, bytes]]) -> None:
        """Record the finalized chain's (slot, header hash) pairs; the last becomes b"finalized"."""
        last = None
        with self.env.begin(write=True) as txn:
            for slot, h in chain:
                txn.put(_BE32.pack(slot), h, db=self._canon)
                last = h
            if last is not None:
                txn.put(b"finalized", last, db=self._meta)

    def finalized(self) -> bytes | None:
        with self.env.begin() as txn:
            raw = txn.get(b"finalized", db=self._meta)
            return None if raw is None else bytes(raw)

    def canon_hash(self, slot: int) -> bytes | None:
        """The finalized block at `slot`, if there is one."""
        with self.env.begin() as txn:
            raw = txn.get(_BE32.pack(slot), db=self._canon)
            return None if raw is None else bytes(raw)

    def canon_after(self, slot: int, limit: int) -> list[bytes]:
        """Header hashes of finalized blocks after `slot`, ascending, at most `limit`."""
        out: list[bytes] = []
        with self.env.begin() as txn:
            cursor = txn.cursor(db=self._canon)
            if cursor.set_range(_BE32.pack(slot + 1)):
                for _, h in cursor:
                    if len(out) >= limit:
                        break
                    out.append(bytes(h))
        return out

    def prune_blocks(self, below_slot: int, keep: Iterable[bytes] = ()) -> int:
        """The pruned profile: forget every block (body, record, slot index, finalized-chain entry;
        forks included) of a slot before `below_slot` except those in `keep` (the genesis, which
        the chain reopens from), in one transaction; return how many. States are pruned
        separately, by count (`keep` of the store)."""
        spared = set(keep)
        pruned = 0
        with self.env.begin(write=True) as txn:
            cursor = txn.cursor(db=self._by_slot)
            if cursor.first():
                while True:
                    key = bytes(cursor.key())
                    if _BE32.unpack_from(key)[0] >= below_slot:
                        break
                    h = key[4:]
                    if h in spared:
                        if not cursor.next():
                            break
                        continue
                    txn.delete(h, db=self._bodies)
                    txn.delete(h, db=self._index)
                    pruned += 1
                    if not cursor.delete():  # moves to the next entry; False at the end
                        break
            cursor = txn.cursor(db=self._canon)
            if cursor.first():
                while _BE32.unpack_from(bytes(cursor.key()))[0] < below_slot:
                    if bytes(cursor.value()) in spared:
                        if not cursor.next():
                            break
                    elif not cursor.delete():
                        break
        return pruned

    def get_meta(self, name: bytes) -> bytes | None:
        with self.env.begin() as txn:
            raw = txn.get(b"x:" + name, db=self._meta)
            return None if raw is None else bytes(raw)

    def set_meta(self, name: bytes, value: bytes) -> None:
        with self.env.begin(write=True) as txn:
            txn.put(b"x:" + name, value, db=self._meta)

    def delete(self, header_hash: bytes) -> None:
        with self.env.begin(write=True) as txn:
            if txn.get(header_hash, db=self._states) is None:
                raise UnknownStateError(f"no state stored for header {header_hash.hex()}")
            self._release(txn, header_hash)
            self._set_recent(txn, [h for h in self._recent(txn) if h != header_hash])

    def prune(self, keep: Iterable[bytes]) -> int:
        """Drop every stored state not in `keep`; return how many were dropped."""
        keep = set(keep)
        with self.env.begin(write=True) as txn:
            doomed = [bytes(k) for k, _ in txn.cursor(db=self._states) if bytes(k) not in keep]
            for h in doomed:
                self._release(txn, h)
            self._set_recent(txn, [h for h in self._recent(txn) if h in keep])
        return len(doomed)

    def clear(self) -> None:
        with self.env.begin(write=True) as txn:
            for db in (self._blocks, self._states, self._values, self._refs, self._meta, self._bodies, self._index,
                       self._by_slot, self._canon):
                txn.drop(db, delete=False)

    # ------------------------------------------------------------------ snapshots

    def export_snapshot(self, header_hash: bytes, path: Path | str) -> None:
        """Write the state of `header_hash` (with its block info) to a self-contained CBOR file."""
        parent, slot, root = self.block_info(header_hash)
        doc = {
            "magic": SNAPSHOT_MAGIC,
            "header_hash": header_hash,
            "parent_hash": parent,
            "slot": slot,
            "state_root": root,
            "keyvals": sorted(self.get_state(header_hash).items()),
        }
        tmp = Path(str(path) + ".tmp")
        with open(tmp, "wb") as fh:
            cbor2.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def import_snapshot(self, path: Path | str) -> bytes:
        """Load a snapshot written by `export_snapshot`; return its header hash."""
        try:
            with open(path, "rb") as fh:
                doc = cbor2.load(fh)
            if not isinstance(doc, dict) or doc.get("magic") != SNAPSHOT_MAGIC:
                raise SnapshotError(f"{path}: not a JamLiquor state snapshot")
            kv = {bytes(k): bytes(v) for k, v in doc["keyvals"]}
            header_hash = bytes(doc["header_hash"])
            self.put_state(header_hash, bytes(doc["parent_hash"]), int(doc["slot"]), bytes(doc["state_root"]), kv)
        except SnapshotError:
            raise
        except (OSError, cbor2.CBORDecodeError, KeyError, TypeError, ValueError, StoreError) as exc:
            raise SnapshotError(f"{path}: unreadable snapshot ({type(exc).__name__}: {exc})") from exc
        return header_hash

    # ------------------------------------------------------------------ internals

    def _recent(self, txn: lmdb.Transaction) -> list[bytes]:
        raw = txn.get(b"recent", db=self._meta) or b""
        return [bytes(raw[i : i + 32]) for i in range(0, len(raw), 32)]

    def _set_recent(self, txn: lmdb.Transaction, hashes: list[bytes]) -> None:
        txn.put(b"recent", b"".join(hashes), db=self._meta)

    def _release(self, txn: lmdb.Transaction, header_hash: bytes) -> None:
        """Remove a state and drop its values' references (values at zero references go)."""
        index = txn.get(header_hash, db=self._states)
        if index is None:
            return
        for i in range(0, len(index), _ENTRY):
            vh = bytes(index[i + 31 : i + _ENTRY])
            n = _U32.unpack(txn.get(vh, db=self._refs))[0] - 1
            if n:
                txn.put(vh, _U32.pack(n), db=self._refs)
            else:
                txn.delete(vh, db=self._refs)
                txn.delete(vh, db=self._values)
        txn.delete(header_hash, db=self._states)
        txn.delete(header_hash, db=self._blocks)
