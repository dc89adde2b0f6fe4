"""`jamliquor bench ai`: what the cost model costs the node — feature extraction, inference per
prediction through the `predict` hook, and the resident memory the plugin adds (measured in a
fresh interpreter: RSS after the first prediction minus RSS before loading the plugin)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

from ..plugins import PluginHost
from ..predict.cost import IMPORT_COST, predict
from ..predict.features import FEATURE_COUNT, block_features
from ..spec import TINY
from ..state import ChainState
from ..vectors import default_root
from ..vectors.traces import load_genesis, load_step, step_files

_RSS_PROBE = """
import json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from jamliquor.plugins import PluginHost
from jamliquor.predict.cost import predict
from jamliquor.predict.features import FEATURE_COUNT
host = PluginHost(allow=[])
before = rss()
host.load("ai")
loaded = rss()
predict(host, "import-cost", [1.0] * FEATURE_COUNT)
after = rss()
for _ in range(1000):
    predict(host, "import-cost", [1.0] * FEATURE_COUNT)
print(json.dumps({"before": before, "loaded": loaded, "after": after, "steady": rss()}))
"""


def _per_call(fn, min_seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds or n < 10:
        fn()
        n += 1
    return elapsed / n


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    host = PluginHost()
    if IMPORT_COST not in host.models():
        raise SystemExit(f"no plugin serves {IMPORT_COST!r}: pip install ./plugins/jamliquor-ai")
    seconds = 0.1 if quick else 2.0

    trace = default_root() / "traces" / "storage"
    if trace.exists():  # features on real blocks: the first steps of the storage trace
        genesis = load_genesis(trace / "genesis.bin", TINY)
        state = ChainState.from_keyvals(((kv.key, kv.value) for kv in genesis.state.keyvals), TINY)
        blocks = [load_step(p, TINY).block for p in step_files(trace)[:10]]
        yield "block features (storage trace)", _per_call(lambda: [block_features(state, b) for b in blocks], seconds) / len(blocks) * 1e6, "µs"

    features = [1.0] * FEATURE_COUNT
    predict(host, IMPORT_COST, features)  # first call builds the interpreter
    yield "prediction through the predict hook", _per_call(lambda: predict(host, IMPORT_COST, features), seconds) * 1e6, "µs"

    probe = subprocess.run([sys.executable, "-c", _RSS_PROBE], capture_output=True, text=True, check=True)
    rss = json.loads(probe.stdout)
    yield "RSS before loading the plugin", rss["before"], "MB"
    yield "RSS added by loading the plugin (lazy)", rss["loaded"] - rss["before"], "MB"
    yield "RSS added after the first prediction", rss["after"] - rss["before"], "MB"
    yield "RSS added after 1000 predictions", rss["steady"] - rss["before"], "MB"
