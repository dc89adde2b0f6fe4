"""`jamliquor conformance accumulate PATH`: the official accumulate STF vectors."""

from __future__ import annotations

from pathlib import Path

from ...spec import ChainSpec
from ...stf.accumulate import TestCase, transition
from ...vectors.stf import run_suite


def run(path: Path, spec: ChainSpec | None):
    return run_suite(path, spec, TestCase, transition)
