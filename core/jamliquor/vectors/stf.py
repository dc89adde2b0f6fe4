"""STF test-vector containers (`stf/<name>/<name>.asn`: input, pre_state, output, post_state) and their runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..codec import NULL, Choice, Enum, Variant, decode, field, from_json, struct
from ..conformance import CaseResult, guarded
from ..conformance.diff import first_difference
from ..spec import TINY, ChainSpec, spec_of_path
from ..stf import StateError


def output_choice(name: str, ok: Any, error_codes: list[str]) -> Choice:
    """The vectors' `Output ::= CHOICE { ok OutputData, err ErrorCode }` (ok may be `NULL`)."""
    return Choice(f"{name}Output", {0: ("ok", ok), 1: ("err", Enum(error_codes))})


def test_case(state: type, input_desc: Any, output_desc: Any) -> type:
    """The vectors' `TestCase ::= SEQUENCE { input, pre-state, output, post-state }`."""

    @struct
    class TestCase:
        input: Any = field(input_desc)
        pre_state: Any = field(state)
        output: Any = field(output_desc)
        post_state: Any = field(state)

    TestCase.__qualname__ = f"{state.__qualname__}TestCase"
    TestCase.__test__ = False  # not a pytest test class, despite its name
    return TestCase


def load_case(TestCase: type, path: Path, spec: ChainSpec) -> Any:
    """Decode a case from its `.bin`, or from its `.json` when there is no binary."""
    if path.suffix == ".bin":
        return decode(TestCase, path.read_bytes(), spec)
    return from_json(TestCase, json.loads(path.read_text()), spec)


def case_paths(path: Path) -> list[Path]:
    """One file per case under `path`: the `.bin`, or the `.json` where no `.bin` exists."""
    if path.is_file():
        return [path]

    def is_case(p: Path) -> bool:  # e.g. stf/safrole/ also holds the ring SRS beside tiny/ and full/
        return not any((p.parent / d).is_dir() for d in ("tiny", "full"))

    bins = {p.with_suffix(""): p for p in path.rglob("*.bin") if is_case(p)}
    jsons = {p.with_suffix(""): p for p in path.rglob("*.json") if is_case(p)}
    return sorted({**jsons, **bins}.values())


Apply = Callable[[ChainSpec, Any, Any], tuple[Any, Any]]


def check_case(case: Any, apply: Apply, spec: ChainSpec) -> str | None:
    """Apply `case.input` to `case.pre_state`; compare output (value or error code) and post state."""
    want = case.output
    if not isinstance(want, Variant):  # an output without error cases (e.g. NULL)
        post, out = apply(spec, case.pre_state, case.input)
        return first_difference(out, want, "output") or first_difference(post, case.post_state, "post_state")
    try:
        post, out = apply(spec, case.pre_state, case.input)
        got = Variant("ok", out)
    except StateError as err:
        post, got = case.pre_state, Variant("err", err.code)
    if got.name != want.name or (got.name == "err" and got.value != want.value):
        def show(v: Variant) -> str:
            return f"err {v.value}" if v.name == "err" else "ok"
        return f"output: got {show(got)}, want {show(want)}"
    diff = first_difference(got.value, want.value, "output") if got.name == "ok" else None
    return diff or first_difference(post, case.post_state, "post_state")


def run_suite(path: Path, spec: ChainSpec | None, TestCase: type, apply: Apply) -> Iterator[CaseResult]:
    """Run every case under `path` through `apply`, yielding one `CaseResult` each."""
    root = path if path.is_dir() else path.parent
    for case_path in case_paths(path):
        chain = spec or spec_of_path(case_path) or TINY

        def check(case_path: Path = case_path, chain: ChainSpec = chain) -> str | None:
            return check_case(load_case(TestCase, case_path, chain), apply, chain)

        yield guarded(str(case_path.relative_to(root).with_suffix("")), check)
