"""`jamliquor fuzz-target`: a fuzzer-protocol v1 target on a Unix stream socket.

One session at a time, many sessions per process. Each session: PeerInfo handshake, then
Initialize / ImportBlock / GetState requests. States live in the LMDB `StateStore` by header
hash (so imports may build on any stored parent: forks), with the last few kept decoded in
memory. A malformed or unexpected message ends the session (the spec's rule); the server
then accepts the next one. An invalid block is answered with `Error` and changes nothing.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Callable

from .. import __version__
from ..block import BlockError, header_hash
from ..codec import CodecError, Variant, decode, encode
from ..spec import ChainSpec
from ..state import ChainState, StateFormatError
from ..stf import StateError
from ..store import StateStore
from .messages import FEATURE_ANCESTRY, FEATURE_FORK, MAX_FRAME, MESSAGE, KeyValue, PeerInfo, Version

_LEN = struct.Struct("<I")
FEATURES = FEATURE_ANCESTRY | FEATURE_FORK


class SessionEnd(Exception):
    """The session must end (peer closed, malformed or unexpected message)."""


def _read_exact(conn: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = conn.recv(min(n, 1 << 20))
        if not chunk:
            raise SessionEnd("peer closed the connection")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class FuzzTarget:
    """Protocol state machine over a `StateStore`; `handle(message) -> reply` is transport-free."""

    def __init__(self, store: StateStore, spec: ChainSpec, cache_size: int = 4, root_fn: Callable | None = None) -> None:
        self.store = store
        self.spec = spec
        self.cache: OrderedDict[bytes, ChainState] = OrderedDict()
        self.cache_size = cache_size
        self.handshaken = False
        self.ancestry: list[tuple[int, bytes]] = []
        if root_fn is None:
            from ..merkle.trie import state_root as root_fn
        self.root_fn = root_fn

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
        root = self.root_fn(state.kv)
        self.cache.clear()
        self.store.put_state(hh, init.header.parent, init.header.slot, root, state.kv)
        self._remember(hh, state)
        self.ancestry = [(a.slot, a.header_hash) for a in init.ancestry]
        return Variant("state_root", root)

    def _import(self, block) -> Variant:
        from ..importer import import_block

        parent = self._state(block.header.parent)
        if parent is None:
            return Variant("error", f"unknown parent {block.header.parent.hex()}")
        try:
            post = import_block(parent, block)
        except (BlockError, StateError, StateFormatError, CodecError) as exc:
            return Variant("error", f"{type(exc).__name__}: {exc}")
        hh = header_hash(block.header, self.spec)
        root = self.root_fn(post.kv)
        self.store.put_state(hh, block.header.parent, block.header.slot, root, post.kv)
        self._remember(hh, post)
        return Variant("state_root", root)

    # -------------------------------------------------------------- transport

    def serve_connection(self, conn: socket.socket) -> None:
        """Run one session until the peer closes or sends something malformed."""
        self.reset_session()
        try:
            while True:
                (length,) = _LEN.unpack(_read_exact(conn, 4))
                if length == 0 or length > MAX_FRAME:
                    raise SessionEnd(f"bad frame length {length}")
                try:
                    msg = decode(MESSAGE, _read_exact(conn, length), self.spec)
                except CodecError as exc:
                    raise SessionEnd(f"malformed message: {exc}") from exc
                reply = encode(self.handle(msg), self.spec, MESSAGE)
                conn.sendall(_LEN.pack(len(reply)) + reply)
        except (SessionEnd, ConnectionError, OSError):
            return
        except Exception as exc:  # an internal fault ends this session (spec: close, no Error); keep serving
            print(f"fuzz-target: session ended by internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return


def serve(socket_path: Path, store: StateStore, spec: ChainSpec, max_sessions: int | None = None) -> None:
    """Listen on `socket_path` and serve sessions one after another."""
    if socket_path.exists():
        socket_path.unlink()
    target = FuzzTarget(store, spec)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(socket_path))
        server.listen(1)
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
