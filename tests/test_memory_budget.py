"""The edge budget on real service code: replaying the recorded no_forks session (its "fuzzy"
service grows its heap by hundreds of MB it never touches) keeps the target's peak RSS under a
generous guard (160 MB; the product's budget is 128 MB, `jamliquor bench memory` reports it)."""

from __future__ import annotations

from conftest import SHARED, require
from jamliquor.bench.memory import measure
from jamliquor.fuzz.client import recorded_session

GUARD_MB = 160


def test_no_forks_session_peak_rss_stays_bounded() -> None:
    session = require(SHARED / "fuzz-proto" / "examples" / "0.7.2" / "no_forks", "recorded no_forks session")
    rss, _, _, blocks = measure(recorded_session(session))
    assert blocks == 100
    assert rss < GUARD_MB, f"fuzz-target peaked at {rss:.0f} MB"
