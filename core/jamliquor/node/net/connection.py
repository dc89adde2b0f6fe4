"""One JAMNP-S connection (an aioquic connection protocol): the peer's certificate checked as the
spec says once TLS completes, every bidirectional stream the peer opens handed to the node with
its own bounded buffer, unidirectional streams refused, traffic counted.

aioquic asks a client for its certificate only behind a flag it documents as "for test purposes
only" (`tls.Context._request_client_certificate`); JAMNP-S needs both certificates, so the server
side sets that flag on each new connection's TLS context. The peer certificate is read from
`tls.Context._peer_certificate` likewise: aioquic has no public accessor for either.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import attrs
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.quic import events
from aioquic.quic.connection import QuicConnection

from ...keys.names import key_name
from .framing import DEFAULT_CAP, ProtocolViolation, Stream, StreamClosed
from .tls import CertificateError, peer_key

if TYPE_CHECKING:
    from .transport import Endpoint

log = logging.getLogger("jamliquor.net")

ERROR_PROTOCOL = 1  # application error code for streams/connections we close over a violation
MAX_INBOUND_STREAMS = 32  # concurrently open streams a peer may have opened on one connection


@attrs.define(slots=True)
class Traffic:
    """Octets of UDP payload sent and received (all connections of a node)."""

    sent: int = 0
    received: int = 0


class _CountingTransport:
    """The datagram transport, counting what this connection sends."""

    __slots__ = ("_transport", "_traffic")

    def __init__(self, transport: Any, traffic: Traffic) -> None:
        self._transport = transport
        self._traffic = traffic

    def sendto(self, data: bytes, addr: Any = None) -> None:
        self._traffic.sent += len(data)
        self._transport.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class Connection(QuicConnectionProtocol):
    """A verified JAMNP-S connection once `ready` resolves; `peer_key` is the peer's Ed25519 key."""

    def __init__(self, quic: QuicConnection, stream_handler: Any = None, *, endpoint: "Endpoint",
                 expected_key: bytes | None = None) -> None:
        super().__init__(quic)
        self.endpoint = endpoint
        self.is_client = quic.configuration.is_client
        self.expected_key = expected_key
        self.peer_key: bytes | None = None
        self.remote: Any = None
        self.ready: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
        self.closed_reason = ""
        self.streams: dict[int, Stream] = {}
        self._highest_peer_stream = -1
        self._tasks: set[asyncio.Task] = set()
        if not self.is_client:
            initialize = quic._initialize

            def _initialize(peer_cid: bytes) -> None:
                initialize(peer_cid)
                quic.tls._request_client_certificate = True  # JAMNP-S: the client presents a certificate too

            quic._initialize = _initialize

    @property
    def name(self) -> str:
        return key_name(self.peer_key)[:12] if self.peer_key else str(self.remote)

    # ------------------------------------------------------------------ transport plumbing

    def connection_made(self, transport: Any) -> None:
        super().connection_made(_CountingTransport(transport, self.endpoint.traffic))

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.endpoint.traffic.received += len(data)
        if self.remote is None:
            self.remote = addr
        super().datagram_received(data, addr)

    def quic_event_received(self, event: events.QuicEvent) -> None:
        if isinstance(event, events.HandshakeCompleted):
            self._verify(event.alpn_protocol)
        elif isinstance(event, events.StreamDataReceived):
            self._data(event.stream_id, event.data, event.end_stream)
        elif isinstance(event, (events.StreamReset, events.StopSendingReceived)):
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                stream.fail(StreamClosed(f"stream {event.stream_id} reset by the peer"))
        elif isinstance(event, events.ConnectionTerminated):
            self.closed_reason = self.closed_reason or event.reason_phrase or f"error {event.error_code}"
            for stream in list(self.streams.values()):
                stream.fail(StreamClosed("connection closed"))
            if not self.ready.done():
                self.ready.set_exception(ConnectionError(f"connection closed during handshake: {self.closed_reason}"))
                self.ready.exception()  # retrieved: a refused handshake is reported through on_closed
            self.endpoint.connection_closed(self)

    def _verify(self, alpn: str | None) -> None:
        try:
            if alpn not in self.endpoint.alpns:
                raise CertificateError(f"ALPN {alpn!r} is not {self.endpoint.alpns[0]!r}")
            self.peer_key = peer_key(self.tls_peer_certificate(), self.expected_key)
        except CertificateError as exc:
            self.close_with(f"handshake refused: {exc}")
            self.endpoint.handshake_refused(self, str(exc))
            return
        if not self.ready.done():
            self.ready.set_result(self)
        self.endpoint.connection_ready(self)

    def tls_peer_certificate(self) -> Any:
        return getattr(self._quic.tls, "_peer_certificate", None)

    def close_with(self, reason: str, error_code: int = ERROR_PROTOCOL) -> None:
        self.closed_reason = reason
        self.close(error_code=error_code, reason_phrase=reason[:200])

    # ------------------------------------------------------------------ streams

    def _peer_initiated(self, stream_id: int) -> bool:
        return bool(stream_id & 1) == self.is_client  # bit 0 set: server-initiated

    def _data(self, stream_id: int, data: bytes, end: bool) -> None:
        stream = self.streams.get(stream_id)
        if stream is None:
            if not self._peer_initiated(stream_id) or stream_id <= self._highest_peer_stream:
                return  # a stream we already finished with
            self._highest_peer_stream = stream_id
            if stream_id & 2:  # JAMNP-S uses bidirectional streams only
                self._refuse(stream_id, "opened a unidirectional stream")
                return
            if not self.ready.done() or self.peer_key is None:
                self._refuse(stream_id, "opened a stream before the handshake was verified")
                return
            if sum(1 for s in self.streams.values() if not s.local) >= MAX_INBOUND_STREAMS:
                self._refuse(stream_id, f"has more than {MAX_INBOUND_STREAMS} streams open")
                return
            stream = self.streams[stream_id] = Stream(self, stream_id, local=False, cap=DEFAULT_CAP)
            self.spawn(self.endpoint.stream_opened(self, stream))
        stream.feed(data, end)

    def _refuse(self, stream_id: int, why: str) -> None:
        self._reset(stream_id)
        self.endpoint.violation(self, ProtocolViolation(f"peer {why}"))

    def spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def open_stream(self, kind: int, cap: int = DEFAULT_CAP) -> Stream:
        """A new bidirectional stream of `kind` (its first octet is sent at once)."""
        if self._quic._close_event is not None or self.peer_key is None:
            raise StreamClosed("connection is not open")
        stream_id = self._quic.get_next_available_stream_id()
        stream = self.streams[stream_id] = Stream(self, stream_id, local=True, cap=cap)
        stream.write_kind(kind)
        return stream

    def send(self, stream_id: int, data: bytes, fin: bool = False) -> None:
        try:
            self._quic.send_stream_data(stream_id, data, fin)
        except (ValueError, AssertionError) as exc:  # aioquic: stream reset, finished, or connection closed
            raise StreamClosed(f"stream {stream_id}: cannot send ({exc})") from None
        self._transmit_soon()

    def _reset(self, stream_id: int) -> None:
        for stop in (self._quic.reset_stream, self._quic.stop_stream):
            try:
                stop(stream_id, ERROR_PROTOCOL)
            except (ValueError, AssertionError):
                pass  # that half is already closed
        self._transmit_soon()

    def reset_stream(self, stream_id: int) -> None:
        self._reset(stream_id)
        self.forget(stream_id)

    def forget(self, stream_id: int) -> None:
        self.streams.pop(stream_id, None)

    async def shutdown(self, timeout: float = 2.0) -> None:
        """Close (streams and connection) and wait briefly for the peer to see it."""
        for task in list(self._tasks):
            task.cancel()
        if self._quic._close_event is None:
            self.close_with("shutting down", 0)
        try:
            await asyncio.wait_for(self.wait_closed(), timeout)
        except TimeoutError:
            pass
