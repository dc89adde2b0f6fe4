"""Erasure coding (GP appendix H): the official vectors, recovery from any subset, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jamliquor.conformance import run_suite
from jamliquor.erasure import ErasureError, data_shards, encode, reconstruct
from jamliquor.spec import FULL, TINY


def test_official_vectors(vectors: Path) -> None:
    lines: list[str] = []
    assert run_suite("erasure", vectors / "erasure", emit=lines.append) == (12, 0), lines


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300), st.randoms(use_true_random=False))
def test_any_sufficient_subset_recovers(data: bytes, rnd) -> None:
    chunks = encode(data, TINY)
    chosen = rnd.sample(range(TINY.validators_count), data_shards(TINY))
    assert reconstruct({i: chunks[i] for i in chosen}, TINY, len(data)) == data


def test_full_spec_parity_recovery() -> None:
    data = bytes(range(256)) * 3
    chunks = encode(data, FULL)
    assert len(chunks) == 1023 and {len(c) for c in chunks} == {4}
    parity = {i: chunks[i] for i in range(1023 - 342, 1023)}
    assert reconstruct(parity, FULL, len(data)) == data


def test_bad_inputs_are_typed() -> None:
    chunks = encode(b"jam", TINY)
    with pytest.raises(ErasureError, match="at least"):
        reconstruct({0: chunks[0]}, TINY)
    with pytest.raises(ErasureError, match="same even length"):
        reconstruct({0: chunks[0], 1: chunks[1] + b"\0"}, TINY)
    with pytest.raises(ErasureError, match="out of range"):
        reconstruct({0: chunks[0], 99: chunks[1]}, TINY)


def test_batches_of_pieces_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    import jamliquor.erasure as erasure

    data = bytes(i * 31 % 256 for i in range(684 * 5 + 7))  # six full-spec pieces
    whole = encode(data, FULL)
    monkeypatch.setattr(erasure, "BATCH", 2)  # pieces 0-1, 2-3, 4-5
    assert encode(data, FULL) == whole
    chosen = {i: whole[i] for i in range(500, 842)}  # mixed data and parity chunks
    assert reconstruct(chosen, FULL, len(data)) == data
