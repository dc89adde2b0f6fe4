"""The node's QUIC endpoint: listens for peers and dials them, both with our certificate and the
chain's ALPN, and tells its owner (`EndpointOwner`) about verified connections, their streams,
closes and violations."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
from dataclasses import replace
from typing import Protocol

from aioquic.asyncio import serve
from aioquic.asyncio.server import QuicServer
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection

from ...keys.names import key_name
from .connection import Connection, Traffic
from .framing import Stream, StreamError
from .tls import alpn, node_certificate

log = logging.getLogger("jamliquor.net")

HANDSHAKE_TIMEOUT = 5.0
IDLE_TIMEOUT = 30.0


class EndpointOwner(Protocol):
    def connection_ready(self, conn: Connection) -> None: ...
    def connection_closed(self, conn: Connection) -> None: ...
    async def stream_opened(self, conn: Connection, stream: Stream) -> None: ...
    def violation(self, conn: Connection, error: StreamError) -> None: ...
    def handshake_refused(self, conn: Connection, reason: str) -> None: ...


class Endpoint:
    """Our JAMNP-S identity (Ed25519 secret) on the chain with `genesis_hash`."""

    def __init__(self, ed25519_secret: bytes, genesis_hash: bytes, owner: EndpointOwner, builder_alpn: bool = True) -> None:
        self.owner = owner
        self.traffic = Traffic()
        self.private_key, self.certificate = node_certificate(ed25519_secret)
        self.alpns = [alpn(genesis_hash)] + ([alpn(genesis_hash, builder=True)] if builder_alpn else [])
        self._server: QuicServer | None = None
        self._dialled: dict[Connection, asyncio.DatagramTransport] = {}

    def _configuration(self, is_client: bool) -> QuicConfiguration:
        return QuicConfiguration(
            is_client=is_client,
            alpn_protocols=self.alpns[:1] if is_client else self.alpns,  # a builder suffix only when dialling as one
            certificate=self.certificate,
            private_key=self.private_key,
            verify_mode=ssl.CERT_NONE,  # JAMNP-S certificates are self-signed: `tls.peer_key` checks them instead
            idle_timeout=IDLE_TIMEOUT,
        )

    # ------------------------------------------------------------------ owner callbacks

    def connection_ready(self, conn: Connection) -> None:
        self.owner.connection_ready(conn)

    def connection_closed(self, conn: Connection) -> None:
        transport = self._dialled.pop(conn, None)
        if transport is not None:
            transport.close()
        self.owner.connection_closed(conn)

    async def stream_opened(self, conn: Connection, stream: Stream) -> None:
        await self.owner.stream_opened(conn, stream)

    def violation(self, conn: Connection, error: StreamError) -> None:
        self.owner.violation(conn, error)

    def handshake_refused(self, conn: Connection, reason: str) -> None:
        self.owner.handshake_refused(conn, reason)

    # ------------------------------------------------------------------ listening and dialling

    async def listen(self, host: str, port: int) -> None:
        def create(quic: QuicConnection, stream_handler=None) -> Connection:
            return Connection(quic, endpoint=self)

        self._server = await serve(host, port, configuration=self._configuration(False), create_protocol=create)

    @property
    def listening_port(self) -> int | None:
        if self._server is None or self._server._transport is None:
            return None
        return self._server._transport.get_extra_info("sockname")[1]

    async def dial(self, host: str, port: int, expected_key: bytes | None = None, timeout: float = HANDSHAKE_TIMEOUT,
                   alpn_protocols: list[str] | None = None) -> Connection:
        """A verified connection to `host:port` (whose certificate must carry `expected_key`, if
        given); raises ConnectionError or TimeoutError."""
        loop = asyncio.get_running_loop()
        configuration = self._configuration(True)
        if alpn_protocols is not None:
            configuration = replace(configuration, alpn_protocols=alpn_protocols)
        if expected_key is not None:
            configuration.server_name = key_name(expected_key)
        ip = ipaddress.ip_address(host)
        if ip.version == 6 and ip.ipv4_mapped is not None:
            host = str(ip.ipv4_mapped)
        local = ("::", 0) if ":" in host else ("0.0.0.0", 0)
        quic = QuicConnection(configuration=configuration)
        transport, conn = await loop.create_datagram_endpoint(
            lambda: Connection(quic, endpoint=self, expected_key=expected_key), local_addr=local)
        self._dialled[conn] = transport
        conn.remote = (host, port)
        try:
            conn.connect((host, port))
            await asyncio.wait_for(asyncio.shield(conn.ready), timeout)
        except BaseException:
            if not conn.ready.done():
                conn.ready.cancel()
            if not transport.is_closing():
                conn.close()  # tell the peer, if the handshake got that far
            self._dialled.pop(conn, None)
            transport.close()
            raise
        return conn

    async def close(self, connections: list[Connection]) -> None:
        await asyncio.gather(*(c.shutdown() for c in connections), return_exceptions=True)
        for transport in self._dialled.values():
            transport.close()
        self._dialled.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
