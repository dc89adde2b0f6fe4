"""`jamliquor fuzz-target`: a fuzzer-protocol v1 target on a Unix stream socket.

One session at a time, many sessions per process. Each session: PeerInfo handshake, then
Initialize / ImportBlock / GetState requests. States live in the LMDB `StateStore` by header
hash (so imports may build on any stored parent: forks), with the last few kept decoded in
memory. A malformed or unexpected message ends the session (the spec's rule); the server
then accepts the next one. An invalid block is answered with `Error` and changes nothing. Why a session
closed (other than by the peer) is logged to stderr, with a traceback for internal faults.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import traceback
from collections import OrderedDict
from pathlib import Path
from typing import Callable

from .. import __version__
from ..block import BlockError, header_hash
from ..codec import CodecError, Variant, decode, encode
from ..errors import JamLiquorError
from ..importer import import_block
from ..plugins import default_host
from ..spec import ChainSpec
from ..state import ChainState, StateFormatError
from ..stf import StateError
from ..store import StateStore
from .messages import FEATURE_ANCESTRY, FEATURE_FORK, MAX_FRAME, MESSAGE, KeyValue, PeerInfo, Version

_LEN = struct.Struct("<I")
FEATURES = FEATURE_ANCESTRY | FEATURE_FORK


MESSAGE_NAMES = {0: "PeerInfo", 1: "Initialize", 2: "StateRoot", 3: "ImportBlock", 4: "GetState", 5: "State", 255: "Error"}


class SessionEnd(Exception):
    """The session must end (malformed or unexpected message)."""


class PeerClosed(SessionEnd):
    """The fuzzer closed the connection: the normal end of a session."""


class SocketInUseError(JamLiquorError, OSError):
    """The socket path cannot be listened on (another live target, a file that is not a socket,
    a missing or unwritable directory)."""


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _read_exact(conn: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = conn.recv(min(n, 1 << 20))
        if not chunk:
            raise PeerClosed("peer closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class FuzzTarget:
    """Protocol state machine over a `StateStore`; `handle(message) -> reply` is transport-free."""

    def __init__(self, store: StateStore, spec: ChainSpec, cache_size: int = 4) -> None:
        self.store = store
        self.host = default_host()  # plugins load once, at start-up
        self.spec = spec
        self.cache: OrderedDict[bytes, ChainState] = OrderedDict()
        self.cache_size = cache_size
        self.handshaken = False
        self.ancestry: list[tuple[int, bytes]] = []

    def reset_session(self) -> None:
        self.handshaken = False

    # -------------------------------------------------------------- state access

    def _state(self, hh: bytes) -> ChainState | None:
        state = self.cache.get(hh)
        if state is not None:
            self.cache.move_to_end(hh)
            return state
        if not self.store.has(hh):
            return None
        state = ChainState(self.store.get_state(hh), self.spec)
        self._remember(hh, state)
        return state

    def _remember(self, hh: bytes, state: ChainState) -> None:
        self.cache[hh] = state
        self.cache.move_to_end(hh)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    # -------------------------------------------------------------- requests

    def handle(self, msg: Variant) -> Variant:
        if msg.name == "peer_info":
            self.handshaken = True
            # We advertise our own features; the session uses the intersection with the fuzzer's.
            app = Version(*map(int, __version__.split(".")[:3]))
            return Variant("peer_info", PeerInfo(1, FEATURES, Version(0, 7, 2), app, "jamliquor"))
        if not self.handshaken:
            raise SessionEnd(f"{msg.name} before the PeerInfo handshake")
        if msg.name == "initialize":
            return self._initialize(msg.value)
        if msg.name == "import_block":
            return self._import(msg.value)
        if msg.name == "get_state":
            state = self._state(msg.value)
            if state is None:
                raise SessionEnd(f"GetState for unknown header {msg.value.hex()}")
            return Variant("state", tuple(KeyValue(k, v) for k, v in state.keyvals()))
        raise SessionEnd(f"unexpected request {msg.name}")

    def _initialize(self, init) -> Variant:
        try:
            state = ChainState.from_keyvals(((kv.key, kv.value) for kv in init.state), self.spec)
        except StateFormatError as exc:
            raise SessionEnd(str(exc)) from exc
        hh = header_hash(init.header, self.spec)
        root = state.root()  # builds the trie once; imports update it incrementally
        self.cache.clear()
        self.store.put_state(hh, init.header.parent, init.header.slot, root, state.kv)
        self._remember(hh, state)
        self.ancestry = [(a.slot, a.header_hash) for a in init.ancestry]
        return Variant("state_root", root)

    def _import(self, block) -> Variant:
        parent = self._state(block.header.parent)
        if parent is None:
            return Variant("error", f"unknown parent {block.header.parent.hex()}")
        try:
            post = import_block(parent, block, host=self.host)
        except (BlockError, StateError, StateFormatError, CodecError) as exc:
            return Variant("error", f"{type(exc).__name__}: {exc}")
        hh = header_hash(block.header, self.spec)
        root = post.root()  # incremental from the parent's trie
        self.store.put_state(hh, block.header.parent, block.header.slot, root, post.kv)
        self._remember(hh, post)
        return Variant("state_root", root)

    # -------------------------------------------------------------- transport

    def serve_connection(self, conn: socket.socket, log: Callable[[str], None] = _stderr) -> None:
        """Run one session until the peer closes or sends something malformed.

        Per the fuzz protocol (fuzz-proto README) a condition the JAM protocol does not define is
        never answered with Error: the session closes. Every close but the peer's own is logged
        in one line naming why; an internal fault (a JamLiquor bug) is logged with the request it
        happened in (kind, slot, header hash) and its full traceback. The next session still works.
        """
        self.reset_session()
        request: Variant | None = None
        try:
            while True:
                (length,) = _LEN.unpack(_read_exact(conn, 4))
                if length == 0 or length > MAX_FRAME:
                    raise SessionEnd(f"bad frame length {length}")
                payload = _read_exact(conn, length)
                try:
                    request = decode(MESSAGE, payload, self.spec)
                except CodecError as exc:
                    raise SessionEnd(f"malformed {message_kind(payload[0])} message: {exc}") from exc
                reply = encode(self.handle(request), self.spec, MESSAGE)
                conn.sendall(_LEN.pack(len(reply)) + reply)
        except PeerClosed:
            return
        except SessionEnd as exc:
            log(f"fuzz-target: session closed: {exc}")
        except OSError as exc:
            log(f"fuzz-target: session closed: connection error: {exc}")
        except Exception:  # a bug: close this session (no Error reply), keep serving, say exactly where
            log(f"fuzz-target: session ended by internal error while handling {describe(request, self.spec)}\n"
                + traceback.format_exc().rstrip())


def message_kind(tag: int) -> str:
    """The fuzz-protocol name of a message discriminant (for diagnostics)."""
    return MESSAGE_NAMES.get(tag, f"unknown (tag {tag})")


def describe(request: Variant | None, spec: ChainSpec) -> str:
    """A request, for a diagnostic line: its kind and, for blocks, slot and header hash."""
    if request is None:
        return "no request"
    value = request.value
    header = getattr(value, "header", None)
    if header is not None:
        return f"{request.name} (slot {header.slot}, header 0x{header_hash(header, spec).hex()})"
    return request.name


def listen(socket_path: Path) -> socket.socket:
    """Bind a Unix stream socket at `socket_path`. A stale socket file left by a dead target is
    replaced; a path another process is listening on, or that is not a socket, is refused."""
    if socket_path.is_socket():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(socket_path))
            except OSError:
                socket_path.unlink()  # stale
            else:
                raise SocketInUseError(f"socket {socket_path} is in use by another process")
    elif socket_path.exists():
        raise SocketInUseError(f"{socket_path} exists and is not a socket")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(socket_path))
    except OSError as exc:
        server.close()
        raise SocketInUseError(f"cannot listen on {socket_path}: {exc.strerror or exc}") from exc
    server.listen(1)
    return server


def serve(socket_path: Path, store: StateStore, spec: ChainSpec, max_sessions: int | None = None) -> None:
    """Listen on `socket_path` and serve sessions one after another."""
    target = FuzzTarget(store, spec)
    with listen(socket_path) as server:
        served = 0
        try:
            while max_sessions is None or served < max_sessions:
                conn, _ = server.accept()
                with conn:
                    target.serve_connection(conn)
                served += 1
        finally:
            try:
                os.unlink(socket_path)
            except OSError:
                pass
