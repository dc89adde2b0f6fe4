"""LMDB state store: storage by header hash, value sharing, pruning, snapshots, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from jamliquor.store import SnapshotError, StateStore, StoreError, UnknownStateError


def h(i: int) -> bytes:
    return bytes([i]) * 32


def kv(n: int, tag: int = 0) -> dict[bytes, bytes]:
    return {bytes([k]) * 31: bytes([k, tag]) * 10 for k in range(n)}


def test_put_get_and_block_info(tmp_path: Path) -> None:
    with StateStore(tmp_path / "db") as store:
        store.put_state(h(1), h(0), 7, h(9), kv(5))
        assert store.get_state(h(1)) == kv(5)
        assert store.block_info(h(1)) == (h(0), 7, h(9))
        assert store.has(h(1)) and not store.has(h(2))
        with pytest.raises(UnknownStateError):
            store.get_state(h(2))


def test_values_shared_and_released(tmp_path: Path) -> None:
    with StateStore(tmp_path / "db", keep=2) as store:
        store.put_state(h(1), h(0), 1, h(9), kv(5))
        store.put_state(h(2), h(1), 2, h(9), {**kv(5), b"\x01" * 31: b"changed"})
        store.put_state(h(3), h(2), 3, h(9), kv(5, tag=1))  # prunes h(1)
        assert store.recent() == [h(2), h(3)]
        assert not store.has(h(1))
        assert store.get_state(h(2))[b"\x01" * 31] == b"changed"
        with store.env.begin() as txn:
            values = txn.stat(store._values)["entries"]
        assert values == 4 + 1 + 5  # h(2): four values shared with pruned h(1) + one changed; h(3): five new


def test_prune_and_ancestry(tmp_path: Path) -> None:
    with StateStore(tmp_path / "db") as store:
        for i in range(1, 6):
            store.put_state(h(i), h(i - 1), i, h(9), kv(2, i))
        assert store.ancestry(h(5), 3) == [(5, h(5)), (4, h(4)), (3, h(3))]
        assert store.prune([h(5)]) == 4
        assert store.recent() == [h(5)]


def test_snapshot_roundtrip_and_bad_file(tmp_path: Path) -> None:
    with StateStore(tmp_path / "a") as a:
        a.put_state(h(1), h(0), 3, h(9), kv(4))
        a.export_snapshot(h(1), tmp_path / "snap.cbor")
    with StateStore(tmp_path / "b") as b:
        assert b.import_snapshot(tmp_path / "snap.cbor") == h(1)
        assert b.get_state(h(1)) == kv(4) and b.block_info(h(1)) == (h(0), 3, h(9))
        (tmp_path / "bad").write_bytes(b"\xa1junk")
        with pytest.raises(SnapshotError):
            b.import_snapshot(tmp_path / "bad")
        with pytest.raises(SnapshotError):
            b.import_snapshot(tmp_path / "missing")


def test_bad_input_is_typed(tmp_path: Path) -> None:
    with StateStore(tmp_path / "db") as store:
        with pytest.raises(StoreError):
            store.put_state(h(1), h(0), 1, h(9), {b"short": b"x"})
        assert not store.has(h(1))
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreError):
        StateStore(tmp_path / "file")


def test_sigkill_mid_write_keeps_last_commit(tmp_path: Path) -> None:
    """A writer killed while committing large states leaves every earlier commit readable."""
    script = textwrap.dedent(
        f"""
        import sys
        from jamliquor.store import StateStore
        store = StateStore({str(tmp_path / 'db')!r}, keep=1000)
        big = {{bytes([i % 256, i // 256]) * 15 + b"x": bytes(2000) + i.to_bytes(4, "little") for i in range(3000)}}
        i = 1
        while True:
            store.put_state(i.to_bytes(32, "little"), (i - 1).to_bytes(32, "little"), i, bytes(32), big)
            print(i, flush=True)
            i += 1
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    committed = [int(proc.stdout.readline()) for _ in range(3)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with StateStore(tmp_path / "db", keep=1000) as store:
        for i in committed:
            assert len(store.get_state(i.to_bytes(32, "little"))) == 3000
