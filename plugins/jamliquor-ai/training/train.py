"""Train the `import-cost` model and its linear baseline; convert both to .tflite; write the report.

Reproducible end to end (see ../README.md for the environment, TensorFlow being a dev-only extra):

    python plugins/jamliquor-ai/training/train.py [--dataset CSV] [--traces DIR ...] [--devchain DIR ...]

1. Dataset: each trace directory is imported block by block (`jamliquor.predict.dataset`):
   features before the import, import CPU time in calibration units (least of 3 imports,
   calibration re-measured before every block), peak heap (tracemalloc). Categories are the
   directory names (labels: `paired_units`, 5 pairs per block). Without `--dataset`, the official traces (`$JAM_TEST_VECTORS/traces/*`) and
   the `--devchain` directories are imported (without `--devchain`, the script first runs
   `jamliquor devchain --validators 6 --slots DEVCHAIN_SLOTS` into a temporary directory: tickets,
   ticket- and fallback-sealed blocks, preimages) and the CSV is written to `data/samples.csv`.
2. Split by category, never by block: train on TRAIN_CATEGORIES (plus every devchain directory),
   test on the others. Also leave-one-category-out for every category (the report's second table).
3. Models, same features for both:
   * `import-cost`: a non-negative additive cost model. Each output (time, peak memory) is
     b + Σ_i c_i·x_i with every c_i ≥ 0 (a block never gets cheaper by carrying more), fitted to
     the *relative* error (mean |log predicted − log actual|, Adam, full batch). A feature the
     training data never varies (e.g. tickets when no category has any) keeps cost 0 rather than
     a guess.
   * `import-cost-linear`: the baseline, ordinary least squares with an intercept.
   Both become the same graph, features @ W + b, under the input name `features_<FEATURE_SET_ID>`.
4. Convert with the TFLite converter (float32; float16 and int8 post-training quantization are
   tried and kept only if every held-out MAPE stays within QUANT_TOLERANCE points), check the
   shipped file with the LiteRT interpreter the plugin uses, write models and `REPORT.md`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from jamliquor.predict import calibration
from jamliquor.predict.dataset import Sample, read_csv, trace_samples, write_csv
from jamliquor.predict.evaluation import category_row, markdown_table
from jamliquor.predict.features import FEATURE_NAMES, FEATURE_SET_ID
from jamliquor.vectors import default_root

HERE = Path(__file__).resolve().parent
MODELS_DIR = HERE.parent / "jamliquor_ai" / "models"
OFFICIAL = ("fallback", "safrole", "storage", "storage_light", "preimages", "preimages_light")
TRAIN_CATEGORIES = ("safrole", "storage", "preimages")  # + every devchain directory
TEST_CATEGORIES = ("fallback", "storage_light", "preimages_light")
QUANT_TOLERANCE = 1.0  # MAPE points a quantized model may lose on any held-out category
SEED = 17
STEPS = 3000
MAX_MODEL_BYTES = 64 * 1024
DEVCHAIN_SLOTS = 96  # eight tiny epochs


# ---------------------------------------------------------------------------- dataset

def build_dataset(trace_dirs: list[Path], out: Path) -> list[Sample]:
    def progress(name: str) -> None:
        print(f"\r  {name}", end="", file=sys.stderr, flush=True)

    samples = []
    for d in trace_dirs:
        print(f"importing {d}", file=sys.stderr)
        samples.extend(trace_samples(d, progress=progress))
        print(file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(iter(samples), out)
    return samples


def run_devchain(out: Path) -> Path:
    """A tiny dev chain written by `jamliquor devchain` (the one beside this interpreter)."""
    command = [str(Path(sys.executable).parent / "jamliquor"), "devchain", "--validators", "6",
               "--slots", str(DEVCHAIN_SLOTS), "--out", str(out), "--quiet"]
    print(" ".join(command[1:]), file=sys.stderr)
    subprocess.run(command, check=True, stdout=sys.stderr)
    return out


def arrays(samples: list[Sample]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.array([s.features for s in samples], dtype=np.float64)
    Y = np.array([(s.units, s.peak_mib) for s in samples], dtype=np.float64)
    return X, Y, np.array([s.category for s in samples])


# ---------------------------------------------------------------------------- models

def fit_linear(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The baseline: ordinary least squares with an intercept, one column per output."""
    A = np.c_[X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(A, Y, rcond=None)
    return coef[:-1], coef[-1]


def fit_additive(X: np.ndarray, Y: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative additive model per output, fitted to mean |log p − log y| (see module doc)."""
    import tensorflow as tf

    tf.random.set_seed(seed)
    seen = (X.max(axis=0) > 0).astype(np.float32)
    scale = np.where(seen > 0, X.max(axis=0), 1.0).astype(np.float32)
    Xs = tf.constant((X / scale).astype(np.float32))
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    for k in range(Y.shape[1]):
        y = Y[:, k].astype(np.float32)
        logy = tf.constant(np.log(np.maximum(y, 1e-6)))
        w = tf.Variable(np.full(X.shape[1], -3.0, np.float32))
        b0 = tf.Variable(np.float32(math.log(math.expm1(max(float(y.min()), 1e-4)))))
        opt = tf.keras.optimizers.Adam(0.02)

        def predict():
            return tf.nn.softplus(b0) + tf.reduce_sum(seen * tf.nn.softplus(w) * Xs * 5.0, axis=1)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.abs(tf.math.log(predict()) - logy))
            opt.apply_gradients(zip(tape.gradient(loss, [w, b0]), [w, b0]))

        for _ in range(STEPS):
            step()
        W[:, k] = seen * tf.nn.softplus(w).numpy() * 5.0 / scale
        b[k] = float(tf.nn.softplus(b0).numpy())
    return W, b


def linear_predict(model: tuple[np.ndarray, np.ndarray], X: np.ndarray) -> np.ndarray:
    W, b = model
    return X @ W + b


# ---------------------------------------------------------------------------- conversion

def to_tflite(model: tuple[np.ndarray, np.ndarray], mode: str, X_repr: np.ndarray | None = None,
              feature_set: str = FEATURE_SET_ID) -> bytes:
    """features @ W + b as a TFLite flatbuffer; `mode`: float32, float16 or int8 (post-training)."""
    import tensorflow as tf

    W = tf.constant(model[0].astype(np.float32))
    b = tf.constant(model[1].astype(np.float32))

    class CostModel(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, W.shape[0]], tf.float32, name=f"features_{feature_set}")])
        def __call__(self, x):
            return tf.matmul(x, W) + b

    module = CostModel()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([module.__call__.get_concrete_function()], module)
    if mode == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif mode == "int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([x[None, :].astype(np.float32)] for x in X_repr)
    return converter.convert()


def run_tflite(content: bytes, X: np.ndarray) -> np.ndarray:
    """Predictions of a .tflite file through the plugin's own loader (LiteRT)."""
    from jamliquor_ai.litert import LiteModel

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.tflite"
        path.write_bytes(content)
        model = LiteModel("candidate", path)
        model.check()
        return np.array([model.predict(list(x)) for x in X])


# ---------------------------------------------------------------------------- evaluation

def table_rows(cats: np.ndarray, Y: np.ndarray, model_pred: np.ndarray, base_pred: np.ndarray, categories) -> list:
    rows = []
    for c in categories:
        m = cats == c
        rows.append(category_row(c, list(Y[m, 0]), list(model_pred[m, 0]), list(base_pred[m, 0]),
                                 list(Y[m, 1]), list(model_pred[m, 1]), list(base_pred[m, 1])))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, help="reuse this samples CSV instead of importing traces")
    ap.add_argument("--traces", type=Path, nargs="*", help="trace directories (default: the official six)")
    ap.add_argument("--devchain", type=Path, nargs="*", default=[], help="`jamliquor devchain` output directories")
    ap.add_argument("--out-dataset", type=Path, default=HERE / "data" / "samples.csv")
    ap.add_argument("--out", type=Path, help="write models and REPORT.md here instead of shipping them "
                    "(e.g. a model for devices on the Python PVM backend, installed with `jamliquor ai install-model`)")
    args = ap.parse_args()
    models_dir, report_dir = (args.out, args.out) if args.out else (MODELS_DIR, HERE)

    if args.dataset:
        samples = read_csv(args.dataset)
        dataset_note = f"reused {args.dataset.name}"
    else:
        traces = args.traces or [default_root() / "traces" / c for c in OFFICIAL]
        with tempfile.TemporaryDirectory() as tmp:
            devchains = args.devchain or [run_devchain(Path(tmp) / "devchain")]
            samples = build_dataset([*traces, *devchains], args.out_dataset)
        dataset_note = f"generated into {args.out_dataset.name}"
    X, Y, cats = arrays(samples)
    present = sorted(set(cats))
    train_mask = ~np.isin(cats, TEST_CATEGORIES)
    tests = [c for c in TEST_CATEGORIES if c in present]

    additive, linear = fit_additive(X[train_mask], Y[train_mask]), fit_linear(X[train_mask], Y[train_mask])

    # Leave one category out, for every category (each row: both models trained without it).
    loco = []
    for c in present:
        tr = cats != c
        a, l = fit_additive(X[tr], Y[tr]), fit_linear(X[tr], Y[tr])
        loco.extend(table_rows(cats, Y, linear_predict(a, X), linear_predict(l, X), [c]))

    # Conversion: smallest variant within tolerance of float32 on every held-out category.
    variants = {}
    for mode in ("float32", "float16", "int8"):
        content = to_tflite(additive, mode, X[train_mask])
        pred = run_tflite(content, X)
        variants[mode] = (content, pred, table_rows(cats, Y, pred, linear_predict(linear, X), tests))
    ref = {r.category: r.model.mape for r in variants["float32"][2]}
    chosen = "float32"
    for mode in ("float16", "int8"):
        ok = all(abs(r.model.mape - ref[r.category]) <= QUANT_TOLERANCE for r in variants[mode][2])
        if ok and len(variants[mode][0]) < len(variants[chosen][0]):
            chosen = mode
    content, shipped_pred, shipped_rows = variants[chosen]
    assert len(content) <= MAX_MODEL_BYTES, f"model of {len(content)} bytes exceeds {MAX_MODEL_BYTES}"
    baseline_content = to_tflite(linear, "float32", X[train_mask])
    baseline_pred = run_tflite(baseline_content, X)
    models_dir.mkdir(parents=True, exist_ok=True)
    (models_dir / "import-cost.tflite").write_bytes(content)
    (models_dir / "import-cost-linear.tflite").write_bytes(baseline_content)
    shipped_rows = table_rows(cats, Y, shipped_pred, baseline_pred, tests)

    counts = defaultdict(int)
    for c in cats:
        counts[c] += 1
    units = [s.unit_seconds * 1000 for s in samples]
    weights = {n: [round(float(additive[0][i, k]), 5) for k in range(2)] for i, n in enumerate(FEATURE_NAMES)}
    report = [
        "# import-cost: training and evaluation report",
        "",
        "Written by `training/train.py`; do not edit by hand.",
        "",
        f"* Dataset: {len(samples)} blocks ({dataset_note}); categories: "
        + ", ".join(f"{c} ({counts[c]})" for c in present) + ".",
        f"* Labels: import + state-root CPU time in calibration units, the median of 5 (calibration run, "
        f"import) ratios per block (the unit varied {min(units):.2f}–{max(units):.2f} ms, median "
        f"{sorted(units)[len(units) // 2]:.2f} ms, on the shared machine that generated it); "
        f"peak heap by tracemalloc, MiB.",
        f"* Features ({len(FEATURE_NAMES)}, set `{FEATURE_SET_ID}`): " + ", ".join(FEATURE_NAMES) + ".",
        f"* PVM backend: {os.environ.get('JAMLIQUOR_PVM_BACKEND', 'auto (compiled where built)')}.",
        f"* Split by category: trained on {', '.join(c for c in present if c not in TEST_CATEGORIES)}; "
        f"held out: {', '.join(tests)}.",
        f"* Shipped `import-cost.tflite`: {chosen}, {len(content)} bytes; `import-cost-linear.tflite`: "
        f"{len(baseline_content)} bytes.",
        "",
        "## Held-out categories (shipped models, run through LiteRT)",
        "",
        "Time in calibration units (cu); MAE / MAPE.",
        "",
        markdown_table(shipped_rows),
        "",
        "## Leave one category out (each row: both models retrained without that category)",
        "",
        markdown_table(loco),
        "",
        "## Quantization (held-out MAPE of the time output)",
        "",
        "| variant | bytes | " + " | ".join(tests) + " |",
        "|---|---|" + "---|" * len(tests),
        *(f"| {m} | {len(v[0])} | " + " | ".join(f"{r.model.mape:.1f}%" for r in v[2]) + " |" for m, v in variants.items()),
        "",
        f"Kept: **{chosen}** (smallest within {QUANT_TOLERANCE} MAPE point of float32 on every held-out category).",
        "",
        "## Learned costs per feature unit (import-cost: time cu, peak MiB)",
        "",
        "| feature | time (cu) | peak (MiB) |",
        "|---|---|---|",
        *(f"| {n} | {w[0]:.4g} | {w[1]:.4g} |" for n, w in weights.items()),
        f"| (intercept) | {additive[1][0]:.4g} | {additive[1][1]:.4g} |",
        "",
    ]
    (report_dir / "REPORT.md").write_text("\n".join(report))
    (report_dir / "report.json").write_text(json.dumps({
        "feature_set": FEATURE_SET_ID, "chosen": chosen, "bytes": len(content),
        "held_out": {r.category: {"model_mae": r.model.mae, "model_mape": r.model.mape, "linear_mae": r.baseline.mae,
                                  "linear_mape": r.baseline.mape} for r in shipped_rows},
        "calibration_ms_this_run": calibration.measure().unit_seconds * 1000,
    }, indent=2) + "\n")
    print("\n".join(report))


if __name__ == "__main__":
    main()
