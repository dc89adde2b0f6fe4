"""Chapter STFs: every official case of each suite, tiny and full."""

from __future__ import annotations

from pathlib import Path

import pytest
from jamliquor.conformance import run_suite

SUITES = ["accumulate", "safrole", "disputes", "assurances", "reports", "history", "authorizations", "preimages", "statistics"]


@pytest.mark.parametrize("name", SUITES)
@pytest.mark.parametrize("spec", ["tiny", "full"])
def test_suite_passes(vectors: Path, name: str, spec: str) -> None:
    lines: list[str] = []
    passed, failed = run_suite(name, vectors / "stf" / name / spec, emit=lines.append)
    assert failed == 0, "\n".join(lines)
    assert passed > 0
