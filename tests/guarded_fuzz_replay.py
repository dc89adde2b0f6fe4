"""Runs the independent client ../shared/tools/fuzz-replay.py unchanged but for one guard.

The client finds where a trace step's post-state starts by trying candidate offsets and checking
each candidate's Merkle root. A candidate that parses with a repeated key is not a state, but the
client's Merklization then recurses past the key's last bit and crashes (IndexError in `_merkle`).
Our dev chains meet that when a block adds a state key below every key of the pre-state (the
client's fast path then starts inside the post-state); the official traces do not. The guard
rejects such a candidate (no root can match it). Everything the client checks of the target is
untouched. usage: python guarded_fuzz_replay.py CLIENT.py ARGS...
"""

from __future__ import annotations

import importlib.util
import sys

client_path = sys.argv.pop(1)
spec = importlib.util.spec_from_file_location("fuzz_replay", client_path)
client = importlib.util.module_from_spec(spec)
spec.loader.exec_module(client)
_state_root = client.state_root


def state_root(items):  # noqa: ANN001, ANN201 - the client's own signature
    keys = [k for k, _ in items]
    return None if len(set(keys)) != len(keys) else _state_root(items)


client.state_root = state_root
client.main()
