"""Against `jamliquor testnet --validators 6` (tiny, 1-second slots, loopback): the light client
follows the best chain across two epoch changes over JAMNP-S, rejecting nothing; its proved
JIP-2 answers equal the full nodes' RPC, and so does `jamliquor light get service` asked of
another node. Bounded: every wait has a deadline."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path

from jamliquor.chainspec import dev_preimages
from jamliquor.cli import app
from jamliquor.codec import decode, to_json
from jamliquor.node.rpc.client import RpcClient
from jamliquor.node.testnet import Testnet
from jamliquor.spec import TINY
from jamliquor.types import ServiceInfo
from typer.testing import CliRunner
from websockets.asyncio.client import connect

from jamliquor_lite.chain import LightChain
from jamliquor_lite.follow import Follower
from jamliquor_lite.rpc import LightView, serve_light_rpc

VALIDATORS = 6
TARGET_SLOT = 2 * TINY.epoch_length + 2  # two epoch changes after genesis
DEADLINE = 150.0  # seconds for the whole run (start-up margin 20 s + the slots, on a loaded 2-core machine)


async def _call(ws, method: str, params: list) -> object:
    await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
    while True:
        async with asyncio.timeout(10):
            message = json.loads(await ws.recv())
        if message.get("id") == 1:
            return message.get("result", message.get("error"))


def _node_call(url: str, method: str, params: list) -> object:
    with RpcClient(url, timeout=5) as client:
        return client.call(method, params)


def test_light_client_follows_a_six_validator_testnet(tmp_path: Path) -> None:
    net = Testnet(TINY, VALIDATORS, tmp_path, base_port=43500, slot_seconds=1, rpc_base_port=43600)
    chainspec = net.prepare()
    net.start_all()
    lines: list[str] = []
    try:
        async def scenario() -> tuple[LightChain, list]:
            chain = LightChain(chainspec)
            follower = Follower(chain, [chainspec.bootnodes[0]], say=lines.append)
            view = LightView(chain)
            follower.on_peer.append(lambda peer: setattr(view, "peer", peer))
            server = await serve_light_rpc(view, "127.0.0.1", 0)
            stop = asyncio.Event()
            task = asyncio.ensure_future(follower.run(stop))
            compared = []
            try:
                async with asyncio.timeout(DEADLINE):
                    while chain.best.header.slot < TARGET_SLOT:  # query while still following
                        await asyncio.sleep(0.2)
                    async with connect(f"ws://127.0.0.1:{server.port}", proxy=None) as ws:
                        best = await _call(ws, "bestBlock", [])
                        h = best[0]
                        blob = dev_preimages()[0]
                        blob_hash = base64.b64encode(hashlib.blake2b(blob, digest_size=32).digest()).decode()
                        for method, params in (("serviceData", [h, 0]), ("serviceData", [h, 5]),
                                               ("servicePreimage", [h, 0, blob_hash]), ("serviceValue", [h, 0, "AA=="])):
                            ours = await _call(ws, method, params)
                            theirs = await asyncio.to_thread(_node_call, net.rpc_url(0), method, params)
                            compared.append((method, ours, theirs))
            finally:
                stop.set()
                await task
                server.close()
                await server.wait_closed()
            return chain, compared

        chain, compared = asyncio.run(scenario())
        # `jamliquor light get` over JAMNP-S: the answer and the block whose state proved it.
        result = CliRunner().invoke(app, ["light", "--chainspec", str(tmp_path / "chainspec.json"),
                                          "--peer", str(chainspec.bootnodes[1]), "get", "service", "0"])
        assert result.exit_code == 0, result.output
        shown, proved_by = result.output.splitlines()[-2:]
        block = bytes.fromhex(proved_by.split("posterior state of block ")[1].split(",")[0])
        raw = _node_call(net.rpc_url(1), "serviceData", [base64.b64encode(block).decode(), 0])
        assert json.loads(shown) == to_json(decode(ServiceInfo, base64.b64decode(raw), TINY), TINY)
    finally:
        net.stop_all()
    assert chain.best.header.slot >= TARGET_SLOT, lines[-5:]
    assert chain.best.header.slot // TINY.epoch_length >= 2 and chain.stats.rejected == 0, lines
    assert not [line for line in lines if "dropped" in line], lines
    for method, ours, theirs in compared:
        assert ours == theirs, (method, ours, theirs)
    assert compared[0][1] is not None and compared[1][1] is None  # the genesis service exists, service 5 does not
