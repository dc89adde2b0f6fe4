"""CE 131/132 Safrole ticket distribution, both roles: `Epoch Index ++ Ticket`, FIN, FIN."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...codec import CodecError, decode, encode
from ...spec import ChainSpec
from ..net.framing import ProtocolViolation, Stream
from .limits import TICKET_MESSAGE_SIZE
from .messages import TicketMessage

if TYPE_CHECKING:
    from ..net.connection import Connection

SEND_TIMEOUT = 10.0


async def read(stream: Stream, spec: ChainSpec) -> TicketMessage:
    try:
        message = decode(TicketMessage, await stream.read_message(TICKET_MESSAGE_SIZE), spec)
    except CodecError as exc:
        raise ProtocolViolation(f"CE {stream.kind} ticket: {exc}") from None
    await stream.read_fin()
    return message


async def send(conn: "Connection", spec: ChainSpec, kind: int, message: TicketMessage) -> None:
    """Send a ticket and wait for the acceptor's FIN (a reset means it was refused)."""
    stream = conn.open_stream(kind)
    try:
        stream.write_message(encode(message, spec), fin=True)
        await stream.read_fin(SEND_TIMEOUT)
    finally:
        stream.discard()
