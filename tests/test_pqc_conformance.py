"""`jamliquor conformance pqc`: every ACVP file, and a bounded sample of the XMSS known answers
(the CLI runs them all: see the README), through the hooks of the installed jamliquor-pqc; and
one clear error when no plugin offers the schemes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamliquor.cli import app
from jamliquor.conformance import ConformanceError, run_suite
from jamliquor.plugins import PluginHost, set_default_host

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"

VECTORS = SHARED / "pqc-vectors"


def botan_subset(source: Path, target: Path, cases: int) -> None:
    """The file's first `cases` blank-line-separated cases."""
    blocks = [b for b in source.read_text().split("\n\n") if "Params" in b]
    target.write_text("\n\n".join(blocks[:cases]) + "\n")


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "pqc-vectors"
    (root / "xmss" / "liboqs").mkdir(parents=True)
    (root / "xmss" / "botan").mkdir()
    (root / "acvp").symlink_to(VECTORS / "acvp")
    for name in ("XMSS-SHA2_10_256", "XMSS-SHA2_16_256", "XMSS-SHAKE256_20_192", "XMSSMT-SHA2_20-2_256"):
        (root / "xmss" / "liboqs" / f"{name}.rsp").symlink_to(VECTORS / "xmss" / "liboqs" / f"{name}.rsp")
    (root / "xmss" / "botan" / "xmss_verify.vec").symlink_to(VECTORS / "xmss" / "botan" / "xmss_verify.vec")
    botan_subset(VECTORS / "xmss" / "botan" / "xmss_sig.vec", root / "xmss" / "botan" / "xmss_sig.vec", 2)
    botan_subset(VECTORS / "xmss" / "botan" / "xmss_keygen_reference.vec", root / "xmss" / "botan" / "xmss_keygen_reference.vec", 1)
    return root


def test_pqc_suite_passes_what_it_can_and_names_the_rest(sample: Path, monkeypatch) -> None:
    set_default_host(PluginHost(allow=["pqc"]))
    try:
        lines: list[str] = []
        passed, failed = run_suite("pqc", sample, emit=lines.append)
    finally:
        set_default_host(None)
    assert failed == 0, "\n".join(lines)
    assert passed > 500
    skipped = "\n".join(line for line in lines if line.startswith("SKIP"))
    assert "ML-DSA sigGen FIPS204 with expanded keys (360 cases)" in skipped
    assert "ML-KEM FIPS203 encapsulation (50 cases)" in skipped
    assert "ml-kem-512 not offered" in skipped
    assert "xmss-sha2_16_256 keygen and first signature (2 cases)" in skipped
    assert "legacy keys" in skipped
    assert "XMSSMT" not in skipped  # XMSS^MT 20/2: verified, key and first signature rebuilt
    assert lines[-1].startswith(f"{passed} passed, 0 failed, ")


def test_pqc_suite_without_the_plugin_is_one_clear_error(sample: Path) -> None:
    set_default_host(PluginHost(allow=[]))
    try:
        with pytest.raises(ConformanceError, match="install and enable jamliquor-pqc"):
            run_suite("pqc", sample)
        result = CliRunner().invoke(app, ["conformance", "pqc", str(sample)])
    finally:
        set_default_host(None)
    assert result.exit_code == 2 and result.output.startswith("error: no loaded plugin offers ML-DSA, ML-KEM or XMSS")
