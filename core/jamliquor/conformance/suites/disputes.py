"""`jamliquor conformance disputes PATH`: the official disputes STF vectors."""

from __future__ import annotations

from pathlib import Path

from ...spec import ChainSpec
from ...stf.disputes import TestCase, transition
from ...vectors.stf import run_suite


def run(path: Path, spec: ChainSpec | None):
    return run_suite(path, spec, TestCase, transition)
