"""A local testnet of `jamliquor node` processes on loopback (1-second slots): a validator killed
with SIGKILL mid-run and restarted catches up and authors again while the others kept
producing; every node's JIP-2 RPC then answers `bestBlock` with the same block, and
`subscribeBestBlock` reports new heads. Bounded: every wait has a deadline."""

from __future__ import annotations

import json
import random
import signal
import socket

from jamliquor.node.rpc.client import RpcCallError, RpcClient
from jamliquor.node.testnet import Testnet
from jamliquor.spec import TINY

VALIDATORS = 4
KILLED = 3
KILL_AT, RESTART_AT = 7, 12  # slots
DEADLINE_SLOT = 45  # the whole run ends by then (about 55 s with start-up)


def _free_ports(count: int) -> int:
    """A base port with `count` free UDP ports (QUIC) and the `count` after them free for TCP (RPC)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - 2 * count)
        try:
            for i in range(count):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.bind(("127.0.0.1", base + i))
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.bind(("127.0.0.1", base + count + i))
        except OSError:
            continue
        return base
    raise RuntimeError("no free loopback ports")


def _authored(net: Testnet, index: int) -> list[int]:
    slots = []
    try:
        lines = net.nodes[index].events_file.read_text().splitlines()
    except OSError:
        return slots
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut by SIGKILL
        if event["event"] == "authored":
            slots.append(event["slot"])
    return slots


def _best_blocks(net: Testnet) -> list:
    out = []
    for i in range(VALIDATORS):
        try:
            with RpcClient(net.rpc_url(i), timeout=3) as client:
                out.append(client.call("bestBlock"))
        except RpcCallError:
            out.append(None)
    return out


def test_killed_validator_catches_up_and_authors_again(tmp_path):
    base = _free_ports(VALIDATORS)
    net = Testnet(TINY, VALIDATORS, tmp_path, base_port=base, slot_seconds=1, rpc_base_port=base + VALIDATORS)
    net.prepare()
    net.start_all()
    try:
        assert net.wait(lambda: net.slot() >= KILL_AT, 60), "the testnet did not reach the kill slot"
        net.kill(KILLED, signal.SIGKILL)
        killed_at = net.slot()
        assert net.wait(lambda: net.slot() >= RESTART_AT, 30)
        restarted_at = net.slot()
        net.restart(KILLED)
        # Others kept producing while it was down.
        produced = [s for i in range(VALIDATORS) if i != KILLED for s in _authored(net, i) if killed_at <= s < restarted_at]
        assert produced, "no block was authored while a validator was down"
        # It catches up and authors again.
        assert net.wait(lambda: any(s > restarted_at for s in _authored(net, KILLED)) or net.slot() > DEADLINE_SLOT,
                        DEADLINE_SLOT + 30, every=net.sample)
        assert any(s > restarted_at for s in _authored(net, KILLED)), \
            f"the restarted validator authored nothing after slot {restarted_at}"
        assert net.wait(lambda: (net.nodes[KILLED].status() or {}).get("imported", 0) > 0, 10), \
            "the restarted validator imported nothing"  # its status file is rewritten every second
        # Every node's RPC names the same best block (sampled until a head has reached all).
        agreed = net.wait(lambda: len({json.dumps(b) for b in _best_blocks(net)}) == 1 and None not in _best_blocks(net),
                          20, poll=0.2)
        assert agreed, f"nodes disagree on the best block: {_best_blocks(net)}"
        # subscribeBestBlock reports new heads as they come.
        with RpcClient(net.rpc_url(1), timeout=5) as client:
            client.call("subscribeBestBlock")
            heads = [client.notification(10)["result"] for _ in range(3)]
        assert len({h[0] for h in heads}) == 3 and heads[1][1] > heads[0][1] - 2
    finally:
        codes = net.stop_all()
        for node in net.nodes:
            node.sample_rss()
    assert all(code == 0 for code in codes), f"exit codes {codes}; logs in {tmp_path}"
    summary = net.summary()
    assert summary.blocks > 0 and all(n["peak_rss_kb"] < 128 * 1024 for n in summary.per_node)
