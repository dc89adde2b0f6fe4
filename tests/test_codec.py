"""GP Appendix C codec: naturals, strict decoding errors, JSON mapping, property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jamliquor import types as T
from jamliquor.codec import (
    BLOB,
    COMPACT,
    H32,
    U16,
    BadDiscriminantError,
    BadLengthError,
    CodecError,
    NonCanonicalError,
    Opt,
    Seq,
    TrailingBytesError,
    TruncatedError,
    Variant,
    decode,
    decode_natural,
    encode,
    encode_natural,
    from_json,
    to_json,
)
from jamliquor.spec import FULL, TINY


def nat(x: int) -> bytes:
    out = bytearray()
    encode_natural(x, out)
    return bytes(out)


@pytest.mark.parametrize(
    "value, encoded",
    [
        (0, "00"),
        (127, "7f"),
        (128, "8080"),
        (2**14 - 1, "bfff"),
        (2**14, "c00040"),
        (2**21, "e0000020"),
        (2**56 - 1, "feffffffffffffff"),
        (2**56, "ff0000000000000001"),
        (2**64 - 1, "ffffffffffffffffff"),
    ],
)
def test_natural_encoding_matches_gp(value: int, encoded: str) -> None:
    assert nat(value).hex() == encoded
    assert decode_natural(bytes.fromhex(encoded), 0) == (value, len(encoded) // 2)


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_natural_roundtrip(x: int) -> None:
    data = nat(x)
    assert decode_natural(data, 0) == (x, len(data))


def test_non_canonical_natural_rejected() -> None:
    with pytest.raises(NonCanonicalError):
        decode_natural(bytes.fromhex("8001"), 0)  # 1 in two bytes


def test_truncated_names_path_and_offset() -> None:
    data = encode(T.RefineContext(b"\1" * 32, b"\2" * 32, b"\3" * 32, b"\4" * 32, 7, (b"\5" * 32,)), TINY)
    with pytest.raises((TruncatedError, BadLengthError)) as err:
        decode(T.RefineContext, data[:-5], TINY)
    assert "prerequisites" in str(err.value) and err.value.offset is not None


def test_trailing_bytes_rejected() -> None:
    with pytest.raises(TrailingBytesError):
        decode(U16, b"\1\2\3", TINY)


def test_bad_discriminants() -> None:
    with pytest.raises(BadDiscriminantError):
        decode(Opt(U16), b"\2\0\0", TINY)
    with pytest.raises(BadDiscriminantError):
        decode(T.WORK_EXEC_RESULT, b"\x09", TINY)
    with pytest.raises(BadDiscriminantError):
        decode(T.Judgement, b"\x02" + bytes(66), TINY)


def test_oversize_length_prefix_allocates_nothing() -> None:
    huge = nat(2**40)
    with pytest.raises(BadLengthError):
        decode(BLOB, huge + b"abc", TINY)
    with pytest.raises(BadLengthError):
        decode(Seq(H32), huge + bytes(64), TINY)
    with pytest.raises(BadLengthError):
        decode(Seq(BLOB), huge, TINY)


def test_spec_dependent_sizes() -> None:
    tiny = encode(tuple(T.ValidatorActivityRecord(0, 0, 0, 0, 0, 0) for _ in range(TINY.validators_count)), TINY, T.VALIDATORS_STATISTICS)
    assert len(tiny) == 6 * 24
    with pytest.raises(CodecError):
        decode(T.VALIDATORS_STATISTICS, tiny, FULL)


def test_json_mapping() -> None:
    r = T.WorkResult(1, b"\xaa" * 32, b"\xbb" * 32, 5, Variant("ok", b"\x01\x02"), T.RefineLoad(1, 2, 3, 4, 5))
    j = to_json(r, TINY)
    assert j["result"] == {"ok": "0x0102"} and j["code_hash"] == "0x" + "aa" * 32
    assert from_json(T.WorkResult, j, TINY) == r
    assert to_json(Variant("panic"), TINY, T.WORK_EXEC_RESULT) == {"panic": None}


# ---------------------------------------------------------------------------- property tests

h32 = st.binary(min_size=32, max_size=32)
u32 = st.integers(0, 2**32 - 1)
u64 = st.integers(0, 2**64 - 1)
compact = st.integers(0, 2**64 - 1)
context = st.builds(T.RefineContext, h32, h32, h32, h32, u32, st.lists(h32, max_size=3).map(tuple))
exec_result = st.one_of(
    st.binary(max_size=40).map(lambda b: Variant("ok", b)),
    st.sampled_from(["out_of_gas", "panic", "bad_exports", "bad_code", "code_oversize"]).map(Variant),
)
work_result = st.builds(
    T.WorkResult, u32, h32, h32, u64, exec_result, st.builds(T.RefineLoad, compact, compact, compact, compact, compact)
)
work_report = st.builds(
    T.WorkReport,
    st.builds(T.WorkPackageSpec, h32, u32, h32, h32, st.integers(0, 2**16 - 1)),
    context,
    compact,
    h32,
    compact,
    st.binary(max_size=20),
    st.lists(st.builds(T.SegmentRootLookupItem, h32, h32), max_size=2).map(tuple),
    st.lists(work_result, min_size=1, max_size=3).map(tuple),
)
header = st.builds(
    T.Header,
    h32,
    h32,
    h32,
    u32,
    st.none(),
    st.one_of(st.none(), st.lists(st.builds(T.TicketBody, h32, st.integers(0, 255)), min_size=12, max_size=12).map(tuple)),
    st.integers(0, 2**16 - 1),
    st.binary(min_size=96, max_size=96),
    st.lists(h32, max_size=3).map(tuple),
    st.binary(min_size=96, max_size=96),
)


@settings(max_examples=60, deadline=None)
@given(work_report)
def test_work_report_roundtrip(report: T.WorkReport) -> None:
    assert decode(T.WorkReport, encode(report, TINY), TINY) == report
    assert from_json(T.WorkReport, to_json(report, TINY), TINY) == report


@settings(max_examples=60, deadline=None)
@given(header)
def test_header_roundtrip(h: T.Header) -> None:
    assert decode(T.Header, encode(h, TINY), TINY) == h


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.sampled_from([T.Block, T.WorkReport, T.Header, T.GUARANTEES_EXTRINSIC, T.DisputesExtrinsic, COMPACT]))
def test_random_bytes_raise_only_codec_errors(data: bytes, desc: object) -> None:
    try:
        value = decode(desc, data, TINY)
    except CodecError:
        return
    assert encode(value, TINY, desc) == data  # whatever decodes re-encodes identically
