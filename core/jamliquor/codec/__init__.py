"""GP Appendix C codec: descriptors, `@struct` classes, and top-level encode/decode/JSON helpers."""

from __future__ import annotations

from typing import Any

from ..spec import ChainSpec
from .core import (
    BLOB,
    BOOL,
    COMPACT,
    H32,
    U8,
    U16,
    U32,
    U64,
    Bytes,
    Choice,
    Codec,
    Descriptor,
    Enum,
    NULL,
    Opt,
    Seq,
    StructCodec,
    Variant,
    bind,
    decode_natural,
    encode_natural,
    field,
    struct,
)
from .errors import (
    BadDiscriminantError,
    BadLengthError,
    CodecError,
    EncodeError,
    JsonShapeError,
    NonCanonicalError,
    TrailingBytesError,
    TruncatedError,
)


def _desc_of(value: Any, desc: Any) -> Any:
    if desc is not None:
        return desc
    if hasattr(type(value), "__jam_fields__"):
        return type(value)
    raise TypeError(f"no descriptor given for a {type(value).__name__}")


def encode(value: Any, spec: ChainSpec, desc: Any = None) -> bytes:
    """Serialize `value` (its own `@struct` type unless `desc` is given) per GP Appendix C."""
    out = bytearray()
    bind(_desc_of(value, desc), spec).enc(value, out)
    return bytes(out)


def decode(desc: Any, data: bytes | bytearray | memoryview, spec: ChainSpec) -> Any:
    """Decode exactly one value of `desc` from `data`; trailing bytes are an error."""
    buf = bytes(data)
    value, pos = bind(desc, spec).dec(buf, 0)
    if pos != len(buf):
        raise TrailingBytesError(f"{len(buf) - pos} trailing bytes", pos)
    return value


def decode_prefix(desc: Any, data: bytes, spec: ChainSpec, pos: int = 0) -> tuple[Any, int]:
    """Decode one value of `desc` at `pos`, returning it and the position after it."""
    return bind(desc, spec).dec(data, pos)


def to_json(value: Any, spec: ChainSpec, desc: Any = None) -> Any:
    """The test vectors' JSON form of `value` (0x-hex strings, snake_case keys)."""
    return bind(_desc_of(value, desc), spec).to_json(value)


def from_json(desc: Any, obj: Any, spec: ChainSpec) -> Any:
    return bind(desc, spec).from_json(obj)


__all__ = [
    "BLOB", "BOOL", "COMPACT", "H32", "U8", "U16", "U32", "U64", "Bytes", "Choice", "Codec",
    "Descriptor", "Enum", "NULL", "Opt", "Seq", "StructCodec", "Variant", "bind", "decode_natural", "encode_natural",
    "field", "struct", "encode", "decode", "decode_prefix", "to_json", "from_json",
    "BadDiscriminantError", "BadLengthError", "CodecError", "EncodeError", "JsonShapeError",
    "NonCanonicalError", "TrailingBytesError", "TruncatedError",
]
