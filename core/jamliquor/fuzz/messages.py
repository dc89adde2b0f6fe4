"""Fuzzer protocol v1 messages (fuzz-v1.asn), in the JAM codec, framed by a u32-LE length."""

from __future__ import annotations

import struct
from typing import Any

from ..codec import BLOB, H32, U8, U32, Bytes, Choice, Codec, CodecError, Descriptor, Seq, Variant, field, struct as jam_struct
from ..codec.core import _BlobCodec
from ..codec.errors import JsonShapeError
from ..spec import ChainSpec
from ..types import Block, Header

FEATURE_ANCESTRY = 1
FEATURE_FORK = 2
MAX_FRAME = 256 * 1024 * 1024  # a frame larger than this is malformed, not a reason to allocate


class _Utf8Codec(_BlobCodec):
    """UTF8String: a length-prefixed blob holding UTF-8 text; values are `str`."""

    def __init__(self) -> None:
        Codec.__init__(self, "Utf8")

    def enc(self, v: str, out: bytearray) -> None:
        super().enc(v.encode("utf-8"), out)

    def dec(self, buf: bytes, pos: int) -> tuple[str, int]:
        raw, end = super().dec(buf, pos)
        try:
            return raw.decode("utf-8"), end
        except UnicodeDecodeError:
            raise CodecError("invalid UTF-8 text", pos) from None

    def to_json(self, v: str) -> str:
        return v

    def from_json(self, j: Any) -> str:
        if not isinstance(j, str):
            raise JsonShapeError(f"expected string, got {j!r}")
        return j


class _Utf8(Descriptor):
    def _bind(self, spec: ChainSpec) -> Codec:
        return _Utf8Codec()


UTF8 = _Utf8()


@jam_struct
class Version:
    major: int = field(U8)
    minor: int = field(U8)
    patch: int = field(U8)


@jam_struct
class PeerInfo:
    fuzz_version: int = field(U8)
    fuzz_features: int = field(U32)
    jam_version: Version = field(Version)
    app_version: Version = field(Version)
    app_name: str = field(UTF8)


@jam_struct
class KeyValue:
    key: bytes = field(Bytes(31))
    value: bytes = field(BLOB)


STATE = Seq(KeyValue)


@jam_struct
class AncestryItem:
    slot: int = field(U32)
    header_hash: bytes = field(H32)


@jam_struct
class Initialize:
    header: Header = field(Header)
    state: tuple[KeyValue, ...] = field(STATE)
    ancestry: tuple[AncestryItem, ...] = field(Seq(AncestryItem))


MESSAGE = Choice(
    "Message",
    {
        0: ("peer_info", PeerInfo),
        1: ("initialize", Initialize),
        2: ("state_root", H32),
        3: ("import_block", Block),
        4: ("get_state", H32),
        5: ("state", STATE),
        255: ("error", UTF8),
    },
    byte_tag=True,
)

_LEN = struct.Struct("<I")


def frame(payload: bytes) -> bytes:
    return _LEN.pack(len(payload)) + payload


def message(name: str, value: Any = None) -> Variant:
    return Variant(name, value)
