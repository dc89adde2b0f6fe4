"""One `.tflite` model file run with the LiteRT interpreter (`ai-edge-litert`).

The contract with the kernel (`jamliquor.predict`): one float32 input of shape [1, F] whose
tensor name carries `features_<FEATURE_SET_ID>` (the feature set the model was trained on), one
float32 output of shape [1, len(OUTPUTS)]. The interpreter is built on the first prediction (or
by `check()`), then reused; LiteRT interpreters are not thread-safe, so calls on one model take
its lock. A swapped-out model object stays valid for the calls still holding it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jamliquor.predict.cost import OUTPUTS
from jamliquor.predict.errors import FeatureError, ModelFileError
from jamliquor.predict.features import FEATURE_NAMES, FEATURE_SET_ID

MAX_MODEL_BYTES = 4 * 1024 * 1024  # far above any cost model; refuses a wrong file early


class LiteModel:
    """Model `name` from `path` (read once, when first needed)."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self._lock = threading.Lock()
        self._interpreter: Any = None
        self._input = self._output = 0

    @classmethod
    def _moved(cls, model: "LiteModel", path: Path) -> "LiteModel":
        """`model` (checked, interpreter built) now known by the file it was copied to."""
        moved = cls(model.name, path)
        moved._interpreter, moved._input, moved._output = model._interpreter, model._input, model._output
        return moved

    def __repr__(self) -> str:
        return f"LiteModel({self.name!r}, {str(self.path)!r})"

    def _error(self, problem: str) -> ModelFileError:
        return ModelFileError(f"model {self.name!r} ({self.path}): {problem}")

    def _load(self) -> None:
        """Read, build and check the interpreter (caller holds the lock)."""
        from ai_edge_litert.interpreter import Interpreter, OpResolverType  # heavy: only when a model is used

        try:
            size = self.path.stat().st_size
            if size > MAX_MODEL_BYTES:
                raise self._error(f"{size} bytes is not a cost model (limit {MAX_MODEL_BYTES})")
            content = self.path.read_bytes()
        except OSError as exc:
            raise self._error(f"cannot read: {exc.strerror or exc}") from None
        try:
            interpreter = Interpreter(model_content=content, num_threads=1,
                                      experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
            interpreter.allocate_tensors()
            inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
        except (ValueError, RuntimeError) as exc:
            raise self._error(f"not a valid TFLite model ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
        if len(inputs) != 1 or len(outputs) != 1:
            raise self._error(f"has {len(inputs)} inputs and {len(outputs)} outputs, expected 1 and 1")
        i, o = inputs[0], outputs[0]
        i_shape, o_shape = [int(n) for n in i["shape"]], [int(n) for n in o["shape"]]
        if i["dtype"].__name__ != "float32" or i_shape != [1, len(FEATURE_NAMES)]:
            raise self._error(f"takes {i['dtype'].__name__}{i_shape}, the kernel computes "
                              f"float32[1, {len(FEATURE_NAMES)}] features")
        if f"features_{FEATURE_SET_ID}" not in i["name"]:
            raise self._error(f"was trained on another feature set (input {i['name']!r}, "
                              f"this kernel's is features_{FEATURE_SET_ID})")
        if o["dtype"].__name__ != "float32" or o_shape != [1, len(OUTPUTS)]:
            raise self._error(f"answers {o['dtype'].__name__}{o_shape}, expected float32[1, {len(OUTPUTS)}] "
                              f"({', '.join(OUTPUTS)})")
        self._interpreter, self._input, self._output = interpreter, i["index"], o["index"]

    def check(self) -> None:
        """Build the interpreter now and run it once on zeros (raises `ModelFileError`)."""
        self.predict([0.0] * len(FEATURE_NAMES))

    def predict(self, features: Sequence[float]) -> list[float]:
        import numpy as np

        if len(features) != len(FEATURE_NAMES):
            raise FeatureError(f"model {self.name!r}: expects {len(FEATURE_NAMES)} features, got {len(features)}")
        try:
            x = np.asarray(features, dtype=np.float64).reshape(1, len(FEATURE_NAMES))
        except (TypeError, ValueError):
            bad = next((f for f in features if not isinstance(f, (int, float))), features)
            raise FeatureError(f"model {self.name!r}: features must be numbers, got {bad!r}") from None
        if not np.isfinite(x).all():
            k = int(np.flatnonzero(~np.isfinite(x[0]))[0])
            raise FeatureError(f"model {self.name!r}: feature {FEATURE_NAMES[k]!r} is {x[0, k]}")
        with self._lock:
            if self._interpreter is None:
                self._load()
            self._interpreter.set_tensor(self._input, x.astype(np.float32))
            self._interpreter.invoke()
            out = self._interpreter.get_tensor(self._output)[0].tolist()
        if not all(math.isfinite(v) for v in out):
            raise self._error(f"answered {out} for finite features")
        return out
