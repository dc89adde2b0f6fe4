"""Write the small .tflite fixtures the plugin's tests use (tests/data/); needs the `train` extra.

* `constant.tflite`      a valid import-cost model answering (42, 1.5) whatever the block;
* `wrong-count.tflite`   takes 5 features instead of the kernel's;
* `other-features.tflite` the right count, but trained for another feature set id;
* `three-outputs.tflite` answers three numbers instead of (units, peak_mib).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train import to_tflite  # noqa: E402  (the same converter the shipped models go through)

from jamliquor.predict.features import FEATURE_COUNT  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    F = FEATURE_COUNT
    fixtures = {
        "constant": ((np.zeros((F, 2)), np.array([42.0, 1.5])), {}),
        "wrong-count": ((np.zeros((5, 2)), np.array([1.0, 1.0])), {}),
        "other-features": ((np.zeros((F, 2)), np.array([1.0, 1.0])), {"feature_set": "00000000"}),
        "three-outputs": ((np.zeros((F, 3)), np.array([1.0, 1.0, 1.0])), {}),
    }
    for name, (model, kwargs) in fixtures.items():
        (OUT / f"{name}.tflite").write_bytes(to_tflite(model, "float32", **kwargs))
        print(OUT / f"{name}.tflite")


if __name__ == "__main__":
    main()
