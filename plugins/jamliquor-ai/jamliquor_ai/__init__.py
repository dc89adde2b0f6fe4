"""jamliquor-ai: LiteRT models behind the kernel's `predict` / `models` / `install_model` hooks.

* `litert`  — one `.tflite` file: checked against the kernel's feature contract, its interpreter
  created on first use and reused (one per model version, calls serialised on it);
* `store`   — which version of each model answers: shipped package data, overridden by files
  installed into `<data_dir>/models/`; published as an immutable snapshot, swapped atomically;
* `plugin`  — the hook implementations (entry point `ai` in group `jamliquor`).
"""
