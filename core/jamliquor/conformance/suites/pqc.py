"""`jamliquor conformance pqc PATH`: post-quantum schemes against NIST ACVP (ML-DSA, ML-KEM) and
the XMSS known answers of liboqs and Botan, in the `../shared/pqc-vectors` layout.

The kernel has no post-quantum code: every check goes through the scheme hooks to whichever
plugin offers the scheme (normally `jamliquor-pqc`); without one the suite stops with one error.
Cases the hooks cannot express are reported as skipped with the reason (see
:mod:`jamliquor.conformance.acvp` and :mod:`jamliquor.conformance.xmss_kat`). XMSS signing is
stateful, so the run uses a fresh temporary data directory for the one-time-key state and
never touches the node's.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ...plugins import default_host
from ...spec import ChainSpec
from .. import CaseResult, ConformanceError
from .. import pqc_files as _pqc_files


def run(path: Path, spec: ChainSpec | None) -> Iterable[CaseResult]:
    host = default_host()
    signatures, kems = host.signature_schemes(), host.kem_schemes()
    if not any(s.startswith(("ml-dsa", "xmss")) for s in signatures) and not any(k.startswith("ml-kem") for k in kems):
        raise ConformanceError(
            "no loaded plugin offers ML-DSA, ML-KEM or XMSS: install and enable jamliquor-pqc "
            f"(pip install ./plugins/jamliquor-pqc); offered signature schemes: {', '.join(signatures) or 'none'}"
        )
    jobs = _pqc_files.jobs(host, path)
    if not jobs:
        raise ConformanceError(f"no ACVP ML-DSA/ML-KEM files or XMSS .rsp/.vec files under {path}")
    return _run(jobs)


def _run(jobs) -> Iterator[CaseResult]:
    skips = _pqc_files.Skips()
    old = os.environ.get("JAMLIQUOR_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="jamliquor-pqc-conformance-") as scratch:
        os.environ["JAMLIQUOR_DATA_DIR"] = scratch  # XMSS index state for this run only
        try:
            for job in jobs:
                yield from job(skips)
        finally:
            if old is None:
                os.environ.pop("JAMLIQUOR_DATA_DIR", None)
            else:
                os.environ["JAMLIQUOR_DATA_DIR"] = old
    for (label, reason, whole), count in sorted(skips.items()):
        yield CaseResult(f"{label} ({count} {'cases' if whole else 'cases: this check only'})", skipped=reason, count=count if whole else 0)
