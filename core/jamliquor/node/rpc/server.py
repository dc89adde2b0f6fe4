"""The JIP-2 RPC server: JSON-RPC 2.0 over WebSocket (the `websockets` library), default port 19800.

Each connection reads requests one message at a time and answers through one writer task, so
replies and notifications leave in the order they were produced. Each subscription holds its
own bounded queue on the view (`EventHub`: the oldest event is dropped when it is full) and a task that turns the head events it follows
into notifications. Everything a client can make the server hold is bounded (`RpcLimits`):
message size, frames buffered, connections, subscriptions per connection, batch length, and
bytes queued for a client that does not read (it is disconnected instead); every network wait
has a timeout. The server reads only through `ChainView`.
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections import deque
from typing import Any

import attrs
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response as HttpResponse

from ...errors import JamLiquorError
from ..view import ChainEvent, ChainView
from . import jsonrpc as J
from .methods import METHODS
from .subscriptions import TOPICS, UNSUBSCRIBE, Subscription, Unavailable

log = logging.getLogger("jamliquor.rpc")

DEFAULT_PORT = 19800  # JIP-2: "it is envisaged that Websockets will be the usual medium, on port 19800"
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


@attrs.frozen(slots=True)
class RpcLimits:
    """What one client can make the server hold or wait for."""

    max_message_bytes: int = 6 * 2**20  # one incoming message: a W_C (4 MB) preimage in base64 fits
    max_frames_buffered: int = 2  # incoming frames read ahead per connection
    max_connections: int = 16
    max_subscriptions: int = 64  # per connection
    max_batch: int = 32  # requests in one JSON-RPC batch
    max_outgoing_bytes: int = 8 * 2**20  # replies and notifications queued for one client
    send_timeout: float = 10.0  # a client that takes longer to accept one message is dropped
    open_timeout: float = 10.0  # the WebSocket opening handshake
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    close_timeout: float = 5.0


class RpcServer:
    """A listening JIP-2 server over `view`. `close()` then `await wait_closed()` (or `async with`)."""

    def __init__(self, view: ChainView, limits: RpcLimits | None = None) -> None:
        self.view = view
        self.limits = limits or RpcLimits()
        self.connections: set[_Connection] = set()
        self._server: Server | None = None

    async def start(self, host: str, port: int) -> "RpcServer":
        limits = self.limits
        self._server = await serve(
            self._handle,
            host,
            port,
            process_request=self._admit,
            compression=None,  # no per-connection deflate state; JSON of base64 barely compresses
            open_timeout=limits.open_timeout,
            ping_interval=limits.ping_interval,
            ping_timeout=limits.ping_timeout,
            close_timeout=limits.close_timeout,
            max_size=limits.max_message_bytes,
            max_queue=limits.max_frames_buffered,
            logger=logging.getLogger("jamliquor.rpc.websockets"),
        )
        log.info("RPC listening on ws://%s:%d", *self.address)
        return self

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) actually bound (the port is chosen by the OS when 0 was asked)."""
        assert self._server is not None, "server not started"
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    @property
    def port(self) -> int:
        return self.address[1]

    def close(self) -> None:
        """Stop listening and close every connection (1001 going away); idempotent."""
        if self._server is not None:
            self._server.close()

    async def wait_closed(self) -> None:
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> "RpcServer":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
        await self.wait_closed()

    def _admit(self, connection: ServerConnection, request: HttpRequest) -> HttpResponse | None:
        if len(self.connections) >= self.limits.max_connections:
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "too many RPC connections\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        if len(self.connections) >= self.limits.max_connections:  # handshakes that raced past _admit
            await ws.close(TRY_AGAIN_LATER, "too many RPC connections")
            return
        connection = _Connection(self.view, self.limits, ws)
        self.connections.add(connection)
        log.debug("RPC client connected: %s", ws.remote_address)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)
            log.debug("RPC client gone: %s", ws.remote_address)


async def serve_rpc(view: ChainView, host: str = "127.0.0.1", port: int = DEFAULT_PORT, limits: RpcLimits | None = None) -> RpcServer:
    """Start serving JIP-2 over WebSocket at ws://host:port; the caller closes the returned server."""
    return await RpcServer(view, limits).start(host, port)


class _Connection:
    """One client: its subscriptions and its queue of outgoing messages."""

    def __init__(self, view: ChainView, limits: RpcLimits, ws: ServerConnection) -> None:
        self.view = view
        self.limits = limits
        self.ws = ws
        self.subscriptions: dict[int, tuple[Subscription, asyncio.Queue[ChainEvent], asyncio.Task[None]]] = {}
        self.next_id = 1
        self.outbox: deque[str] = deque()
        self.outbox_bytes = 0
        self.ready = asyncio.Event()
        self.closing: asyncio.Task[None] | None = None

    async def run(self) -> None:
        writer = asyncio.create_task(self._write())
        try:
            async for message in self.ws:
                self._on_message(message)
                if self.closing is not None:
                    break
                await asyncio.sleep(0)  # a client pipelining requests must not starve the node's tasks
        except ConnectionClosed:
            pass
        finally:
            for sub_id in list(self.subscriptions):
                self._drop(sub_id)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
            if self.closing is not None:
                await self.closing

    # ------------------------------------------------------------------ outgoing

    def _send(self, document: Any) -> None:
        if self.closing is not None:
            return
        text = J.dumps(document)
        if self.outbox_bytes + len(text) > self.limits.max_outgoing_bytes:
            self._close(POLICY_VIOLATION, "client too slow: outgoing queue full")
            return
        self.outbox.append(text)
        self.outbox_bytes += len(text)
        self.ready.set()

    def _close(self, code: int, reason: str) -> None:
        if self.closing is None:
            log.info("RPC client %s dropped: %s", self.ws.remote_address, reason)
            self.outbox.clear()
            self.outbox_bytes = 0
            self.closing = asyncio.create_task(self.ws.close(code, reason))

    async def _write(self) -> None:
        while True:
            while not self.outbox:
                self.ready.clear()
                await self.ready.wait()
            text = self.outbox.popleft()
            self.outbox_bytes -= len(text)
            try:
                async with asyncio.timeout(self.limits.send_timeout):
                    await self.ws.send(text)
            except TimeoutError:
                self._close(POLICY_VIOLATION, f"client too slow: a send took over {self.limits.send_timeout} s")
                return
            except ConnectionClosed:
                return

    # ------------------------------------------------------------------ requests

    def _on_message(self, message: str | bytes) -> None:
        try:
            entries, batch = J.parse_message(message)
        except J.RpcError as exc:
            self._send(J.error(None, exc))
            return
        if len(entries) > self.limits.max_batch:
            self._send(J.error(None, J.RpcError(J.INVALID_REQUEST, f"invalid request: batch of {len(entries)} exceeds {self.limits.max_batch}")))
            return
        responses: list[dict[str, Any]] = []
        notifications: list[dict[str, Any]] = []  # a subscription's first value follows its id
        for entry in entries:
            response = self._answer(entry, notifications)
            if response is not None:
                responses.append(response)
        if responses:
            self._send(responses if batch else responses[0])
        for document in notifications:
            self._send(document)

    def _answer(self, entry: Any, notifications: list[dict[str, Any]]) -> dict[str, Any] | None:
        try:
            request = J.parse_request(entry)
        except J.RpcError as exc:
            return J.error(exc.request_id, exc)
        try:
            response = J.result(request.id, self._call(request, notifications))
        except J.RpcError as exc:
            response = J.error(request.id, exc)
        except JamLiquorError as exc:  # typed, explainable (e.g. a malformed stored state)
            log.warning("RPC %s failed: %s", request.method, exc)
            response = J.error(request.id, J.RpcError(J.SERVER_ERROR, f"server error: {exc}"))
        except Exception:  # a bug: the traceback goes to the node's log, never to the client
            log.exception("RPC %s: internal error", request.method)
            response = J.error(request.id, J.RpcError(J.INTERNAL_ERROR, "internal error"))
        return None if request.notification else response

    def _call(self, request: J.Request, notifications: list[dict[str, Any]]) -> Any:
        method = METHODS.get(request.method)
        if method is not None:
            return method(self.view, request.params)
        if request.method in TOPICS:
            return self._subscribe(request, notifications)
        if request.method in UNSUBSCRIBE:
            return self._unsubscribe(request)
        raise J.RpcError(J.METHOD_NOT_FOUND, f"method not found: {request.method[:80]}")

    # ------------------------------------------------------------------ subscriptions

    def _subscribe(self, request: J.Request, notifications: list[dict[str, Any]]) -> int:
        topic = TOPICS[request.method](request.params)
        if len(self.subscriptions) >= self.limits.max_subscriptions:
            raise J.RpcError(J.SUBSCRIPTION_LIMIT, f"this connection already holds {self.limits.max_subscriptions} subscriptions")
        sub = Subscription(self.next_id, topic)
        self.next_id += 1
        # Listen first, then read the current head: a head published in between is queued and
        # reported after the first value (or not at all if it did not change the value).
        queue = self.view.subscribe()
        try:
            head = self.view.best() if topic.follows == "best" else self.view.finalized()
            _, value = sub.update(self.view, head)
            notifications.append(J.notification(topic.method, sub.id, value))
        except Unavailable:
            pass
        except BaseException:
            self.view.unsubscribe(queue)
            raise
        task = asyncio.create_task(self._follow(sub, queue))
        self.subscriptions[sub.id] = (sub, queue, task)
        return sub.id

    def _unsubscribe(self, request: J.Request) -> bool:
        if len(request.params) != 1 or isinstance(request.params[0], bool) or not isinstance(request.params[0], int):
            raise J.invalid_params("expected 1 argument (the subscription id, a number)")
        entry = self.subscriptions.get(request.params[0])
        if entry is None or entry[0].topic.method != UNSUBSCRIBE[request.method]:
            return False
        self._drop(request.params[0])
        return True

    def _drop(self, sub_id: int) -> None:
        _, queue, task = self.subscriptions.pop(sub_id)
        task.cancel()
        self.view.unsubscribe(queue)

    async def _follow(self, sub: Subscription, queue: asyncio.Queue[ChainEvent]) -> None:
        while True:
            event = await queue.get()
            if event.kind != sub.topic.follows:
                continue
            try:
                changed, value = sub.update(self.view, event.block)
            except Unavailable:
                continue
            except Exception:  # one subscription's failure must not end the connection
                log.exception("RPC %s: notification failed", sub.topic.method)
                continue
            if changed:
                self._send(J.notification(sub.topic.method, sub.id, value))
