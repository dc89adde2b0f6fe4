"""Fuzzer protocol v1 messages: every recorded 0.7.2 message decodes, matches its JSON and re-encodes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import require
from jamliquor.codec import CodecError, decode, encode, from_json
from jamliquor.fuzz.messages import MESSAGE
from jamliquor.spec import TINY

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "fuzz-proto" / "examples" / "0.7.2"


def test_recorded_messages_roundtrip() -> None:
    files = sorted(require(EXAMPLES, "../shared/fuzz-proto examples").rglob("*.bin"))
    assert len(files) > 100
    for path in files:
        data = path.read_bytes()
        msg = decode(MESSAGE, data, TINY)
        assert encode(msg, TINY, MESSAGE) == data, path
        assert from_json(MESSAGE, json.loads(path.with_suffix(".json").read_text()), TINY) == msg, path


def test_error_discriminant_is_one_byte() -> None:
    assert decode(MESSAGE, b"\xff\x02hi", TINY).value == "hi"
    with pytest.raises(CodecError):
        decode(MESSAGE, b"\x07", TINY)
    with pytest.raises(CodecError):
        decode(MESSAGE, b"\xff\x02\xff\xfe", TINY)  # not UTF-8
