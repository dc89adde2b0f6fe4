"""The GP serialization codec (Appendix C) as composable descriptors bound per chain spec.

A *descriptor* (`U32`, `Bytes(32)`, `Seq(X, "validators_count")`, a `@struct` class, …) says how a
type is serialized without reference to a chain spec. `bind(desc, spec)` turns it into a *codec*
(cached) whose spec-dependent sizes are resolved. Codecs have four methods:

    enc(value, out: bytearray)            append the encoding of value
    dec(buf: bytes, pos) -> (value, pos)  decode one value starting at pos
    to_json(value) / from_json(obj)       the test vectors' JSON mapping

Decoding is strict: truncation, bad discriminants, non-canonical naturals and impossible length
prefixes raise `CodecError` subtypes naming the path and offset; nothing allocates more than the
input could describe. Runs of fixed-size struct fields decode with one `struct.unpack_from`.
"""

from __future__ import annotations

import struct as _struct
from typing import Any, Callable

import attrs

from ..spec import ChainSpec
from .errors import (
    BadDiscriminantError,
    BadLengthError,
    CodecError,
    EncodeError,
    JsonShapeError,
    NonCanonicalError,
    TruncatedError,
)

# --------------------------------------------------------------------------------------------
# Natural numbers (GP C.1 general, C.? fixed-width)


def encode_natural(x: int, out: bytearray) -> None:
    """GP eq. (C.6): variable-length natural, 1..9 octets."""
    if x < 0x80:
        if x < 0:
            raise EncodeError(f"negative natural {x}")
        out.append(x)
        return
    if x >= 1 << 64:
        raise EncodeError(f"natural {x} exceeds 2^64")
    for l in range(1, 8):
        if x < 1 << (7 * (l + 1)):
            out.append(256 - (1 << (8 - l)) + (x >> (8 * l)))
            out += (x & ((1 << (8 * l)) - 1)).to_bytes(l, "little")
            return
    out.append(0xFF)
    out += x.to_bytes(8, "little")


def decode_natural(buf: bytes, pos: int) -> tuple[int, int]:
    """Inverse of `encode_natural`; rejects truncation and non-canonical forms."""
    try:
        b0 = buf[pos]
    except IndexError:
        raise TruncatedError("natural: no bytes left", pos) from None
    if b0 < 0x80:
        return b0, pos + 1
    if b0 == 0xFF:
        l = 8
        head = 0
    else:
        l = 1
        while b0 & (0x80 >> l):
            l += 1
        head = b0 & ((1 << (8 - l)) - 1)
    end = pos + 1 + l
    if end > len(buf):
        raise TruncatedError(f"natural: needs {l} more bytes", pos)
    x = (head << (8 * l)) | int.from_bytes(buf[pos + 1 : end], "little")
    if x < (1 << (7 * l)):  # would have fitted a shorter prefix
        raise NonCanonicalError(f"natural {x} not in shortest form", pos)
    return x, end


# --------------------------------------------------------------------------------------------
# Codec base and binding


class Codec:
    """A spec-bound codec. `size` is the fixed encoded size or None; `fmt` a struct format if packable."""

    __slots__ = ("name", "size", "fmt")

    def __init__(self, name: str, size: int | None = None, fmt: str | None = None) -> None:
        self.name = name
        self.size = size
        self.fmt = fmt

    @property
    def min_size(self) -> int:
        return self.size if self.size is not None else 1

    def enc(self, v: Any, out: bytearray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def dec(self, buf: bytes, pos: int) -> tuple[Any, int]:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self, v: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def from_json(self, j: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<codec {self.name}>"


class Descriptor:
    """Spec-independent description of a serialization; `bind(spec)` yields a `Codec`."""

    def _bind(self, spec: ChainSpec) -> Codec:  # pragma: no cover - abstract
        raise NotImplementedError


_BOUND: dict[tuple[int, str], Codec] = {}
_KEEP: list[object] = []  # keeps descriptors alive so their ids stay unique in _BOUND


def bind(desc: Any, spec: ChainSpec) -> Codec:
    """The codec for `desc` (a Descriptor or a `@struct` class) under `spec`, cached."""
    key = (id(desc), spec.name)
    codec = _BOUND.get(key)
    if codec is None:
        if isinstance(desc, Descriptor):
            codec = desc._bind(spec)
        elif isinstance(desc, type) and hasattr(desc, "__jam_fields__"):
            codec = StructCodec(desc, spec)
        else:
            raise TypeError(f"not a codec descriptor: {desc!r}")
        _BOUND[key] = codec
        _KEEP.append(desc)
    return codec


def _resolve(n: int | str | Callable[[ChainSpec], int], spec: ChainSpec) -> int:
    if isinstance(n, int):
        return n
    if isinstance(n, str):
        return getattr(spec, n)
    return n(spec)


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _unhex(j: Any, path: str = "") -> bytes:
    if not isinstance(j, str) or not j.startswith("0x"):
        raise JsonShapeError(f"expected 0x-hex string, got {type(j).__name__}", None, path)
    try:
        return bytes.fromhex(j[2:])
    except ValueError:
        raise JsonShapeError("invalid hex string", None, path) from None


# --------------------------------------------------------------------------------------------
# Primitive codecs


class _FixedIntCodec(Codec):
    __slots__ = ("_st", "_max")

    def __init__(self, n: int) -> None:
        fmt = {1: "B", 2: "H", 4: "I", 8: "Q"}[n]
        super().__init__(f"U{8 * n}", n, fmt)
        self._st = _struct.Struct("<" + fmt)
        self._max = 1 << (8 * n)

    def enc(self, v: int, out: bytearray) -> None:
        if not isinstance(v, int) or not 0 <= v < self._max:
            raise EncodeError(f"{self.name} out of range: {v!r}")
        out += self._st.pack(v)

    def dec(self, buf: bytes, pos: int) -> tuple[int, int]:
        end = pos + self.size
        if end > len(buf):
            raise TruncatedError(f"{self.name}: needs {self.size} bytes", pos)
        return self._st.unpack_from(buf, pos)[0], end

    def to_json(self, v: int) -> int:
        return v

    def from_json(self, j: Any) -> int:
        if not isinstance(j, int) or isinstance(j, bool):
            raise JsonShapeError(f"{self.name}: expected integer, got {j!r}")
        return j


class _CompactCodec(Codec):
    def __init__(self) -> None:
        super().__init__("Compact")

    def enc(self, v: int, out: bytearray) -> None:
        if not isinstance(v, int):
            raise EncodeError(f"natural expected, got {v!r}")
        encode_natural(v, out)

    def dec(self, buf: bytes, pos: int) -> tuple[int, int]:
        return decode_natural(buf, pos)

    to_json = _FixedIntCodec.to_json
    from_json = _FixedIntCodec.from_json


class _BoolCodec(Codec):
    def __init__(self) -> None:
        super().__init__("Bool", 1)

    def enc(self, v: bool, out: bytearray) -> None:
        if not isinstance(v, bool):
            raise EncodeError(f"bool expected, got {v!r}")
        out.append(1 if v else 0)

    def dec(self, buf: bytes, pos: int) -> tuple[bool, int]:
        if pos >= len(buf):
            raise TruncatedError("bool: no bytes left", pos)
        b = buf[pos]
        if b > 1:
            raise BadDiscriminantError(f"bool must be 0 or 1, got {b}", pos)
        return b == 1, pos + 1

    def to_json(self, v: bool) -> bool:
        return v

    def from_json(self, j: Any) -> bool:
        if not isinstance(j, bool):
            raise JsonShapeError(f"expected boolean, got {j!r}")
        return j


class _FixedBytesCodec(Codec):
    def __init__(self, n: int) -> None:
        super().__init__(f"Bytes[{n}]", n, f"{n}s")

    def enc(self, v: bytes, out: bytearray) -> None:
        if not isinstance(v, (bytes, bytearray, memoryview)) or len(v) != self.size:
            raise EncodeError(f"{self.name}: got {type(v).__name__} of length {len(v) if hasattr(v, '__len__') else '?'}")
        out += v

    def dec(self, buf: bytes, pos: int) -> tuple[bytes, int]:
        end = pos + self.size
        if end > len(buf):
            raise TruncatedError(f"{self.name}: needs {self.size} bytes, {len(buf) - pos} left", pos)
        return buf[pos:end], end

    def to_json(self, v: bytes) -> str:
        return _hex(v)

    def from_json(self, j: Any) -> bytes:
        b = _unhex(j)
        if len(b) != self.size:
            raise JsonShapeError(f"{self.name}: got {len(b)} bytes")
        return b


class _BlobCodec(Codec):
    def __init__(self) -> None:
        super().__init__("Blob")

    def enc(self, v: bytes, out: bytearray) -> None:
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise EncodeError(f"bytes expected, got {type(v).__name__}")
        encode_natural(len(v), out)
        out += v

    def dec(self, buf: bytes, pos: int) -> tuple[bytes, int]:
        n, p = decode_natural(buf, pos)
        end = p + n
        if end > len(buf):
            raise BadLengthError(f"blob length {n} exceeds the {len(buf) - p} bytes left", pos)
        return buf[p:end], end

    def to_json(self, v: bytes) -> str:
        return _hex(v)

    def from_json(self, j: Any) -> bytes:
        return _unhex(j)


class _Singleton(Descriptor):
    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    def _bind(self, spec: ChainSpec) -> Codec:
        return self.codec

    def __repr__(self) -> str:
        return self.codec.name


U8 = _Singleton(_FixedIntCodec(1))
U16 = _Singleton(_FixedIntCodec(2))
U32 = _Singleton(_FixedIntCodec(4))
U64 = _Singleton(_FixedIntCodec(8))
COMPACT = _Singleton(_CompactCodec())
BOOL = _Singleton(_BoolCodec())
BLOB = _Singleton(_BlobCodec())


class _NullCodec(Codec):
    """ASN.1 NULL: no bytes, JSON null."""

    def __init__(self) -> None:
        super().__init__("Null", 0)

    def enc(self, v: None, out: bytearray) -> None:
        if v is not None:
            raise EncodeError(f"Null expected, got {v!r}")

    def dec(self, buf: bytes, pos: int) -> tuple[None, int]:
        return None, pos

    def to_json(self, v: None) -> None:
        return None

    def from_json(self, j: Any) -> None:
        if j is not None:
            raise JsonShapeError(f"expected null, got {j!r}")
        return None


NULL = _Singleton(_NullCodec())


class _EnumCodec(Codec):
    __slots__ = ("names", "index")

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__(f"Enum[{len(names)}]", 1)
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}

    def enc(self, v: str, out: bytearray) -> None:
        i = self.index.get(v)
        if i is None:
            raise EncodeError(f"unknown enumeration value {v!r}")
        out.append(i)

    def dec(self, buf: bytes, pos: int) -> tuple[str, int]:
        if pos >= len(buf):
            raise TruncatedError("enumeration: no bytes left", pos)
        i = buf[pos]
        if i >= len(self.names):
            raise BadDiscriminantError(f"enumeration value {i} out of range", pos)
        return self.names[i], pos + 1

    def to_json(self, v: str) -> str:
        return v

    def from_json(self, j: Any) -> str:
        if j not in self.index:
            raise JsonShapeError(f"unknown enumeration value {j!r}")
        return j


class Enum(Descriptor):
    """ASN.1 ENUMERATED: one octet indexing `names` (snake_case); values are the name strings."""

    def __init__(self, names: list[str] | tuple[str, ...]) -> None:
        self.names = tuple(names)

    def _bind(self, spec: ChainSpec) -> Codec:
        return _EnumCodec(self.names)


class Bytes(Descriptor):
    """A fixed-length octet string; `n` an int, a ChainSpec attribute name, or a function of the spec."""

    def __init__(self, n: int | str | Callable[[ChainSpec], int]) -> None:
        self.n = n

    def _bind(self, spec: ChainSpec) -> Codec:
        return _FixedBytesCodec(_resolve(self.n, spec))


H32 = Bytes(32)  # hashes, Ed25519/Bandersnatch public keys, entropy

# --------------------------------------------------------------------------------------------
# Composite codecs


class _SeqCodec(Codec):
    __slots__ = ("elem", "count", "_fast")

    def __init__(self, elem: Codec, count: int | None) -> None:
        size = count * elem.size if count is not None and elem.size is not None else None
        super().__init__(f"Seq[{elem.name}; {count if count is not None else 'var'}]", size)
        self.elem = elem
        self.count = count
        # Fast path for fixed-size elements: slice or iter_unpack the whole run at once.
        self._fast = None
        if isinstance(elem, _FixedBytesCodec):
            w = elem.size
            self._fast = lambda buf, pos, n: tuple(buf[pos + i * w : pos + (i + 1) * w] for i in range(n))
        elif isinstance(elem, StructCodec) and elem.single_run is not None:
            st, cls = elem.single_run, elem.cls
            self._fast = lambda buf, pos, n: tuple(cls(*t) for t in st.iter_unpack(buf[pos : pos + n * st.size]))
        elif isinstance(elem, _FixedIntCodec):
            fmt = elem.fmt
            self._fast = lambda buf, pos, n: _struct.unpack_from(f"<{n}{fmt}", buf, pos)

    def enc(self, v: Any, out: bytearray) -> None:
        if not isinstance(v, (list, tuple)):
            raise EncodeError(f"sequence expected, got {type(v).__name__}")
        if self.count is None:
            encode_natural(len(v), out)
        elif len(v) != self.count:
            raise EncodeError(f"{self.name}: got {len(v)} items")
        enc = self.elem.enc
        for i, x in enumerate(v):
            try:
                enc(x, out)
            except CodecError as e:
                raise e.at(f"[{i}]")

    def dec(self, buf: bytes, pos: int) -> tuple[tuple, int]:
        start = pos
        if self.count is None:
            n, pos = decode_natural(buf, pos)
        else:
            n = self.count
        elem = self.elem
        if elem.size is not None:
            need = n * elem.size
            if pos + need > len(buf):
                err = BadLengthError if self.count is None else TruncatedError
                raise err(f"{n} items of {elem.size} bytes exceed the {len(buf) - pos} bytes left", start)
            if self._fast is not None:
                return tuple(self._fast(buf, pos, n)), pos + need
        elif n > len(buf) - pos:  # every element takes at least one byte
            raise BadLengthError(f"length {n} exceeds the {len(buf) - pos} bytes left", start)
        out = []
        dec = elem.dec
        i = 0
        try:
            for i in range(n):
                x, pos = dec(buf, pos)
                out.append(x)
        except CodecError as e:
            raise e.at(f"[{i}]")
        return tuple(out), pos

    def to_json(self, v: Any) -> list:
        tj = self.elem.to_json
        return [tj(x) for x in v]

    def from_json(self, j: Any) -> tuple:
        if not isinstance(j, list):
            raise JsonShapeError(f"expected list, got {type(j).__name__}")
        if self.count is not None and len(j) != self.count:
            raise JsonShapeError(f"{self.name}: got {len(j)} items")
        fj = self.elem.from_json
        out = []
        for i, x in enumerate(j):
            try:
                out.append(fj(x))
            except CodecError as e:
                raise e.at(f"[{i}]")
        return tuple(out)


class Seq(Descriptor):
    """A sequence: length-prefixed (`count=None`, GP ↕x) or fixed-length (int, spec attribute, or function)."""

    def __init__(self, elem: Any, count: int | str | Callable[[ChainSpec], int] | None = None) -> None:
        self.elem = elem
        self.count = count

    def _bind(self, spec: ChainSpec) -> Codec:
        count = None if self.count is None else _resolve(self.count, spec)
        return _SeqCodec(bind(self.elem, spec), count)


class _OptCodec(Codec):
    __slots__ = ("inner",)

    def __init__(self, inner: Codec) -> None:
        super().__init__(f"Opt[{inner.name}]")
        self.inner = inner

    def enc(self, v: Any, out: bytearray) -> None:
        if v is None:
            out.append(0)
        else:
            out.append(1)
            self.inner.enc(v, out)

    def dec(self, buf: bytes, pos: int) -> tuple[Any, int]:
        if pos >= len(buf):
            raise TruncatedError("optional: no discriminant", pos)
        d = buf[pos]
        if d == 0:
            return None, pos + 1
        if d != 1:
            raise BadDiscriminantError(f"optional discriminant must be 0 or 1, got {d}", pos)
        return self.inner.dec(buf, pos + 1)

    def to_json(self, v: Any) -> Any:
        return None if v is None else self.inner.to_json(v)

    def from_json(self, j: Any) -> Any:
        return None if j is None else self.inner.from_json(j)


class Opt(Descriptor):
    """GP ¿x: 0 for none, 1 followed by the value."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def _bind(self, spec: ChainSpec) -> Codec:
        return _OptCodec(bind(self.inner, spec))


@attrs.frozen(slots=True)
class Variant:
    """A value of a discriminated union (`Choice`): the case name and its payload (None for NULL cases)."""

    name: str
    value: Any = None


class _ChoiceCodec(Codec):
    __slots__ = ("by_tag", "by_name", "byte_tag")

    def __init__(self, name: str, cases: dict[int, tuple[str, Codec | None]], byte_tag: bool = False) -> None:
        super().__init__(name)
        self.by_tag = cases
        self.by_name = {n: (t, c) for t, (n, c) in cases.items()}
        self.byte_tag = byte_tag

    def enc(self, v: Variant, out: bytearray) -> None:
        try:
            tag, codec = self.by_name[v.name]
        except (KeyError, AttributeError):
            raise EncodeError(f"{self.name}: unknown case {v!r}") from None
        if self.byte_tag:
            out.append(tag)
        else:
            encode_natural(tag, out)
        if codec is not None:
            try:
                codec.enc(v.value, out)
            except CodecError as e:
                raise e.at(v.name)

    def dec(self, buf: bytes, pos: int) -> tuple[Variant, int]:
        if self.byte_tag:
            if pos >= len(buf):
                raise TruncatedError(f"{self.name}: no discriminant", pos)
            tag, p = buf[pos], pos + 1
        else:
            tag, p = decode_natural(buf, pos)
        case = self.by_tag.get(tag)
        if case is None:
            raise BadDiscriminantError(f"{self.name}: unknown discriminant {tag}", pos)
        name, codec = case
        if codec is None:
            return Variant(name), p
        try:
            value, p = codec.dec(buf, p)
        except CodecError as e:
            raise e.at(name)
        return Variant(name, value), p

    def to_json(self, v: Variant) -> dict:
        codec = self.by_name[v.name][1]
        return {v.name: None if codec is None else codec.to_json(v.value)}

    def from_json(self, j: Any) -> Variant:
        if not isinstance(j, dict) or len(j) != 1:
            raise JsonShapeError(f"{self.name}: expected a one-key object, got {j!r}")
        ((name, value),) = j.items()
        if name not in self.by_name:
            raise JsonShapeError(f"{self.name}: unknown case {name!r}")
        codec = self.by_name[name][1]
        return Variant(name, None if codec is None else codec.from_json(value))


class Choice(Descriptor):
    """A discriminated union: `{tag: (case_name, descriptor or None)}`; values are `Variant`s.

    The tag is a GP natural (C.1); `byte_tag=True` makes it one raw octet (tags up to 255),
    as in the conformance fuzzer protocol's messages."""

    def __init__(self, name: str, cases: dict[int, tuple[str, Any]], byte_tag: bool = False) -> None:
        self.name = name
        self.cases = cases
        self.byte_tag = byte_tag

    def _bind(self, spec: ChainSpec) -> Codec:
        cases = {t: (n, None if d is None else bind(d, spec)) for t, (n, d) in self.cases.items()}
        return _ChoiceCodec(self.name, cases, self.byte_tag)


# --------------------------------------------------------------------------------------------
# Structs


class StructCodec(Codec):
    """Codec for a `@struct` class: fields in declaration order, fixed-size runs unpacked at once."""

    __slots__ = ("cls", "names", "codecs", "plan", "single_run", "_json_names")

    def __init__(self, cls: type, spec: ChainSpec) -> None:
        self.cls = cls
        self.names = [name for name, _ in cls.__jam_fields__]
        self.codecs = [bind(desc, spec) for _, desc in cls.__jam_fields__]
        sizes = [c.size for c in self.codecs]
        size = None if any(s is None for s in sizes) else sum(sizes)
        super().__init__(cls.__name__, size)
        self._json_names = getattr(cls, "__jam_json_names__", None) or self.names
        # Plan: list of (struct.Struct, count) for packable runs or (None, codec) for the rest.
        plan: list[tuple[Any, Any]] = []
        run = ""
        run_n = 0
        for c in self.codecs:
            if c.fmt is not None:
                run += c.fmt
                run_n += 1
                continue
            if run:
                plan.append((_struct.Struct("<" + run), run_n))
                run, run_n = "", 0
            plan.append((None, c))
        if run:
            plan.append((_struct.Struct("<" + run), run_n))
        self.plan = plan
        self.single_run = plan[0][0] if len(plan) == 1 and plan[0][0] is not None else None

    def enc(self, v: Any, out: bytearray) -> None:
        if type(v) is not self.cls:
            raise EncodeError(f"{self.name} expected, got {type(v).__name__}")
        for name, codec in zip(self.names, self.codecs):
            try:
                codec.enc(getattr(v, name), out)
            except CodecError as e:
                raise e.at(name)

    def dec(self, buf: bytes, pos: int) -> tuple[Any, int]:
        start = pos
        vals: list[Any] = []
        try:
            for st, item in self.plan:
                if st is not None:
                    vals.extend(st.unpack_from(buf, pos))
                    pos += st.size
                else:
                    v, pos = item.dec(buf, pos)
                    vals.append(v)
        except (CodecError, _struct.error):
            self._dec_slowly(buf, start)  # re-decode field by field to name the failing field
            raise  # pragma: no cover - _dec_slowly always raises here
        return self.cls(*vals), pos

    def _dec_slowly(self, buf: bytes, pos: int) -> None:
        for name, codec in zip(self.names, self.codecs):
            try:
                _, pos = codec.dec(buf, pos)
            except CodecError as e:
                raise e.at(name)

    def to_json(self, v: Any) -> dict:
        return {jn: c.to_json(getattr(v, n)) for n, jn, c in zip(self.names, self._json_names, self.codecs)}

    def from_json(self, j: Any) -> Any:
        if not isinstance(j, dict):
            raise JsonShapeError(f"{self.name}: expected object, got {type(j).__name__}")
        vals = []
        for jn, c in zip(self._json_names, self.codecs):
            if jn not in j:
                raise JsonShapeError(f"{self.name}: missing field {jn!r}", None, jn)
            try:
                vals.append(c.from_json(j[jn]))
            except CodecError as e:
                raise e.at(jn)
        return self.cls(*vals)


_CODEC_META = "jam_codec"


def field(desc: Any, **kwargs: Any) -> Any:
    """Declare a struct field with its codec descriptor (or `@struct` class)."""
    return attrs.field(metadata={_CODEC_META: desc}, **kwargs)


def struct(cls: type | None = None, *, frozen: bool = True, json_names: dict[str, str] | None = None):
    """Make an attrs class (slots, frozen by default) whose fields carry codec descriptors.

    `json_names` maps field names to the JSON keys of the vectors where they differ
    (e.g. STF states whose JSON uses Greek-letter names)."""

    def wrap(c: type) -> type:
        c = attrs.define(c, slots=True, frozen=frozen, eq=True, repr=True)
        flds = attrs.fields(c)
        missing = [f.name for f in flds if _CODEC_META not in f.metadata]
        if missing:
            raise TypeError(f"{c.__name__}: fields without codec: {missing}")
        c.__jam_fields__ = tuple((f.name, f.metadata[_CODEC_META]) for f in flds)
        if json_names:
            c.__jam_json_names__ = [json_names.get(f.name, f.name) for f in flds]
        return c

    return wrap(cls) if cls is not None else wrap
