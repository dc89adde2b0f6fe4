"""JAMNP-S streams and messages ("Protocols and streams", "Messages"): the stream initiator's
first octet names the stream kind; a message is E_4(size) ‖ content. Every read has a deadline
and every message a size limit, and a stream never buffers more than its cap, so a peer can
neither stall a handler nor grow our memory."""

from __future__ import annotations

import asyncio
import struct
from typing import TYPE_CHECKING

from ...errors import JamLiquorError

if TYPE_CHECKING:
    from .connection import Connection

_SIZE = struct.Struct("<I")
DEFAULT_TIMEOUT = 10.0
DEFAULT_CAP = 64 * 1024  # until a handler raises it for its kind


class StreamError(JamLiquorError):
    """A stream that ended, was reset, timed out, or carried something its protocol forbids."""


class StreamClosed(StreamError):
    """The peer finished or reset the stream (or the connection went away) before we were done."""


class StreamTimeout(StreamError):
    """A read's deadline passed."""


class ProtocolViolation(StreamError):
    """The peer broke the stream's protocol: oversize or malformed message, wrong kind, extra data."""


class Stream:
    """One bidirectional QUIC stream: incoming octets buffered up to `cap`, framed reads with
    deadlines, framed writes, FIN and reset."""

    __slots__ = ("conn", "id", "kind", "cap", "_buf", "_eof", "_error", "_wakeup", "local")

    def __init__(self, conn: "Connection", stream_id: int, local: bool, cap: int = DEFAULT_CAP) -> None:
        self.conn = conn
        self.id = stream_id
        self.local = local  # we opened it
        self.kind: int | None = None
        self.cap = cap
        self._buf = bytearray()
        self._eof = False
        self._error: StreamError | None = None
        self._wakeup = asyncio.Event()

    # ------------------------------------------------------------------ from the connection

    def feed(self, data: bytes, end: bool) -> None:
        if self._error is not None:
            return
        self._buf += data
        if len(self._buf) > self.cap:
            self._error = ProtocolViolation(f"stream {self.id} buffered {len(self._buf)} octets, over its cap {self.cap}")
            self._buf.clear()
            self.reset()
        if end:
            self._eof = True
        self._wakeup.set()

    def fail(self, error: StreamError) -> None:
        if self._error is None:
            self._error = error
        self._wakeup.set()

    # ------------------------------------------------------------------ reading

    async def _fill(self, n: int, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while len(self._buf) < n:
            if self._error is not None:
                raise self._error
            if self._eof:
                raise StreamClosed(f"stream {self.id} finished after {len(self._buf)} of {n} octets")
            self._wakeup.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise StreamTimeout(f"stream {self.id}: timed out waiting for {n} octets")
            try:
                await asyncio.wait_for(self._wakeup.wait(), remaining)
            except TimeoutError:
                raise StreamTimeout(f"stream {self.id}: timed out waiting for {n} octets") from None

    async def read_exactly(self, n: int, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        await self._fill(n, asyncio.get_running_loop().time() + timeout)
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    async def read_kind(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        self.kind = (await self.read_exactly(1, timeout))[0]
        return self.kind

    async def read_message(self, limit: int, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """One message of at most `limit` octets."""
        deadline = asyncio.get_running_loop().time() + timeout
        await self._fill(4, deadline)
        (size,) = _SIZE.unpack_from(self._buf)
        if size > limit:
            raise ProtocolViolation(f"stream {self.id}: message of {size} octets over the limit of {limit}")
        await self._fill(4 + size, deadline)
        data = bytes(self._buf[4 : 4 + size])
        del self._buf[: 4 + size]
        return data

    async def read_message_or_fin(self, limit: int, timeout: float = DEFAULT_TIMEOUT) -> bytes | None:
        """The next message, or None if the peer finished the stream cleanly instead."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._buf and not self._eof:
            if self._error is not None:
                raise self._error
            await self._wait(deadline)
        if not self._buf and self._eof:
            return None
        return await self.read_message(limit, max(0.0, deadline - asyncio.get_running_loop().time()))

    async def read_fin(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Expect the peer's FIN with nothing more before it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._eof:
            if self._buf:
                raise ProtocolViolation(f"stream {self.id}: data where FIN was expected")
            if self._error is not None:
                raise self._error
            await self._wait(deadline)
        if self._buf:
            raise ProtocolViolation(f"stream {self.id}: data where FIN was expected")

    async def _wait(self, deadline: float) -> None:
        if self._error is not None:
            raise self._error
        self._wakeup.clear()
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise StreamTimeout(f"stream {self.id}: timed out")
        try:
            await asyncio.wait_for(self._wakeup.wait(), remaining)
        except TimeoutError:
            raise StreamTimeout(f"stream {self.id}: timed out") from None

    @property
    def buffered(self) -> int:
        return len(self._buf)

    # ------------------------------------------------------------------ writing

    def write_kind(self, kind: int) -> None:
        self.kind = kind
        self.conn.send(self.id, bytes((kind,)))

    def write_message(self, content: bytes, fin: bool = False) -> None:
        self.conn.send(self.id, _SIZE.pack(len(content)) + content, fin)

    def finish(self) -> None:
        """FIN: cleanly terminate our transmit half."""
        self.conn.send(self.id, b"", True)

    def reset(self) -> None:
        """Reset our half and ask the peer to stop sending (cancellation or rejection)."""
        self.conn.reset_stream(self.id)

    def discard(self) -> None:
        """Stop tracking this stream (its handler is done)."""
        self.conn.forget(self.id)
