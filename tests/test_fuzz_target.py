"""`jamliquor fuzz-target`: replayed by the independent fuzz-replay client; robust to bad input."""

from __future__ import annotations

import contextlib
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require
from hypothesis import given, settings
from hypothesis import strategies as st
from jamliquor.codec import Variant, encode
from jamliquor.fuzz.messages import MESSAGE, Initialize, KeyValue, PeerInfo, Version
from jamliquor.fuzz.target import FuzzTarget
from jamliquor.spec import TINY
from jamliquor.store import StateStore

REPO = Path(__file__).resolve().parents[1]
REPLAY = REPO.parent / "shared" / "tools" / "fuzz-replay.py"
JAMLIQUOR = Path(sys.executable).parent / "jamliquor"
CATEGORIES = ("fallback", "safrole", "storage", "storage_light", "preimages", "preimages_light")


def test_independent_client_replays_traces(vectors: Path, tmp_path: Path) -> None:
    require(REPLAY, "../shared/tools/fuzz-replay.py")
    result = subprocess.run(
        [sys.executable, str(REPLAY), "traces", *(str(vectors / "traces" / c) for c in CATEGORIES),
         "--sock", str(tmp_path / "replay.sock"),  # the client's default /tmp path is shared machine-wide
         "--target-cmd", f"exec {JAMLIQUOR} fuzz-target --socket {{sock}}"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.count("100/100 matched") == len(CATEGORIES)


EXAMPLES = REPO.parent / "shared" / "fuzz-proto" / "examples" / "0.7.2"


@contextlib.contextmanager
def _running_target(tmp_path: Path, sessions: int) -> Iterator[tuple[subprocess.Popen, Path]]:
    """`jamliquor fuzz-target` serving `sessions` sessions on a socket, once the socket exists."""
    sock = tmp_path / "t.sock"
    proc = subprocess.Popen([str(JAMLIQUOR), "fuzz-target", "--socket", str(sock), "--sessions", str(sessions)])
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        yield proc, sock
    finally:
        proc.kill()


def test_recorded_sessions_replay_with_every_reply_matching(tmp_path: Path) -> None:
    """Both recorded 0.7.2 sessions, played by fuzz-replay.py against one long-running target."""
    require(REPLAY, "../shared/tools/fuzz-replay.py")
    require(EXAMPLES, "../shared/fuzz-proto examples")
    with _running_target(tmp_path, sessions=2) as (proc, sock):
        for session in ("no_forks", "forks"):
            result = subprocess.run(
                [sys.executable, str(REPLAY), "examples", str(EXAMPLES / session), "--sock", str(sock)],
                capture_output=True, text=True, timeout=600,
            )
            assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
            assert "102/102 replies as expected" in result.stdout
        assert proc.wait(timeout=30) == 0


def _frame(payload: bytes) -> bytes:
    return struct.pack("<I", len(payload)) + payload


def _recv(conn: socket.socket) -> bytes:
    (n,) = struct.unpack("<I", conn.recv(4, socket.MSG_WAITALL))
    return conn.recv(n, socket.MSG_WAITALL)


PEER = encode(Variant("peer_info", PeerInfo(1, 3, Version(0, 7, 2), Version(0, 1, 0), "test")), TINY, MESSAGE)


def test_malformed_message_ends_session_and_target_keeps_serving(tmp_path: Path) -> None:
    with _running_target(tmp_path, sessions=3) as (proc, sock):
        with socket.socket(socket.AF_UNIX) as c:  # garbage: the session ends, nothing is sent back
            c.connect(str(sock))
            c.sendall(_frame(b"\x09garbage"))
            assert c.recv(4) == b""
        with socket.socket(socket.AF_UNIX) as c:  # a request before the handshake ends the session too
            c.connect(str(sock))
            c.sendall(_frame(b"\x04" + bytes(32)))
            assert c.recv(4) == b""
        with socket.socket(socket.AF_UNIX) as c:  # and a well-behaved session still works
            c.connect(str(sock))
            c.sendall(_frame(PEER))
            assert _recv(c)[0] == 0
        assert proc.wait(timeout=10) == 0


def _session(target: FuzzTarget, frames: list[bytes], log: list[str]) -> list[bytes]:
    """Run one session over a socket pair: send `frames` after the handshake, collect replies."""
    a, b = socket.socketpair()
    worker = threading.Thread(target=target.serve_connection, args=(b, log.append))
    worker.start()
    replies = []
    try:
        a.sendall(_frame(PEER))
        for p in frames:
            try:
                a.sendall(_frame(p))
            except OSError:
                break
        a.shutdown(socket.SHUT_WR)
        worker.join(timeout=60)
        assert not worker.is_alive()
        b.close()  # as `serve` does after each session
        with contextlib.suppress(ConnectionResetError):  # unread frames left when the session ended
            while len(header := a.recv(4, socket.MSG_WAITALL)) == 4:
                replies.append(a.recv(struct.unpack("<I", header)[0], socket.MSG_WAITALL))
    finally:
        a.close()
        b.close()
    return replies


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=4))
def test_random_frames_never_crash(tmp_path_factory: pytest.TempPathFactory, payloads: list[bytes]) -> None:
    """Random frames end the session with a logged reason, never an internal error; the next
    session on the same target still handshakes."""
    with StateStore(tmp_path_factory.mktemp("store")) as store:
        target = FuzzTarget(store, TINY)
        log: list[str] = []
        _session(target, payloads, log)
        assert not any("internal error" in line for line in log), log
        assert _session(target, [], log)[0][0] == 0  # PeerInfo reply


def test_undecodable_message_is_logged_with_its_kind(tmp_path: Path) -> None:
    with StateStore(tmp_path / "store") as store:
        log: list[str] = []
        _session(FuzzTarget(store, TINY), [b"\x03" + b"\xff" * 10], log)
    assert len(log) == 1 and log[0].startswith("fuzz-target: session closed: malformed ImportBlock message:")


def test_internal_error_logs_traceback_with_block_and_keeps_serving(vectors: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from jamliquor.block import header_hash
    from jamliquor.fuzz import target as target_module
    from jamliquor.vectors.traces import load_genesis, load_step, step_files

    trace = vectors / "traces" / "fallback"
    genesis = load_genesis(trace / "genesis.bin", TINY)
    block = load_step(step_files(trace)[0], TINY).block
    init = encode(Variant("initialize", Initialize(genesis.header, tuple(
        KeyValue(kv.key, kv.value) for kv in genesis.state.keyvals), ())), TINY, MESSAGE)
    imp = encode(Variant("import_block", block), TINY, MESSAGE)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("injected bug")

    with StateStore(tmp_path / "store") as store:
        target = FuzzTarget(store, TINY)
        log: list[str] = []
        monkeypatch.setattr(target_module, "import_block", broken)
        replies = _session(target, [init, imp], log)
        assert len(replies) == 2  # PeerInfo, StateRoot; no reply (no Error) to the faulting import
        assert len(log) == 1 and "internal error while handling import_block" in log[0]
        assert f"slot {block.header.slot}" in log[0] and header_hash(block.header, TINY).hex() in log[0]
        assert "Traceback" in log[0] and "ZeroDivisionError: injected bug" in log[0]
        monkeypatch.undo()
        replies = _session(target, [init, imp], log)  # the next session imports the block
        assert [r[0] for r in replies] == [0, 2, 2]
