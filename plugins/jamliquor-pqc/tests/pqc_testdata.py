"""Constants shared by the jamliquor-pqc tests."""

from pathlib import Path

XMSS = "xmss-sha2_10_256"
PQC_VECTORS = Path(__file__).resolve().parents[3].parent / "shared" / "pqc-vectors"
