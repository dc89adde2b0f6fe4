"""JIP-2 RPC over WebSocket: a real `websockets` client against `serve_rpc` on loopback, over an
in-memory ChainView built from the official `preimages` trace (genesis + 8 blocks; block 8
provides five preimages service 0 requested). Every scenario is bounded by a timeout."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from contextlib import asynccontextmanager

import pytest
import websockets
from rpc_chain import TraceView
from typer.testing import CliRunner
from websockets.asyncio.client import connect

from jamliquor.cli import app
from jamliquor.cli.rpc import DEFAULT_URL
from jamliquor.errors import JamLiquorError
from jamliquor.node.rpc import DEFAULT_PORT, RpcLimits, serve_rpc
from jamliquor.node.rpc.methods import STATISTICS_KEY
from jamliquor.spec import TINY
from jamliquor.state.keys import service_info_key, storage_key
from jamliquor.types import ServiceInfo
from jamliquor.codec import decode

SCENARIO_SECONDS = 20
RECV_SECONDS = 5


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def H(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


@pytest.fixture()
def view(vectors) -> TraceView:
    return TraceView(vectors / "traces" / "preimages", blocks=8)


class Client:
    """A websockets client speaking JSON-RPC; notifications that arrive are kept in order."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.next_id = 0
        self.notifications: list[dict] = []

    async def recv(self) -> object:
        async with asyncio.timeout(RECV_SECONDS):
            return json.loads(await self.ws.recv())

    async def raw(self, text: str) -> object:
        await self.ws.send(text)
        return await self.recv()

    async def reply(self, method: str, params=None) -> dict:
        self.next_id += 1
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            request["params"] = params
        await self.ws.send(json.dumps(request))
        while True:
            message = await self.recv()
            if isinstance(message, dict) and "id" not in message:
                self.notifications.append(message)
                continue
            assert message["id"] == self.next_id
            return message

    async def call(self, method: str, params=None):
        message = await self.reply(method, params)
        assert "error" not in message, message
        return message["result"]

    async def error(self, method: str, params=None) -> dict:
        message = await self.reply(method, params)
        assert "result" not in message, message
        return message["error"]

    async def notification(self) -> dict:
        if not self.notifications:
            message = await self.recv()
            assert "id" not in message, message
            self.notifications.append(message)
        return self.notifications.pop(0)


@asynccontextmanager
async def running(view, limits: RpcLimits | None = None):
    server = await serve_rpc(view, "127.0.0.1", 0, limits)
    try:
        async with connect(f"ws://127.0.0.1:{server.port}", open_timeout=5, close_timeout=2, proxy=None) as ws:
            yield Client(ws), server
    finally:
        server.close()
        async with asyncio.timeout(5):
            await server.wait_closed()


def run(scenario) -> None:
    async def bounded():
        async with asyncio.timeout(SCENARIO_SECONDS):
            await scenario()

    asyncio.run(bounded())


def ref(view: TraceView, index: int) -> list:
    block = view.chain[index]
    return [b64(block.header_hash), block.slot]


# --------------------------------------------------------------------------- methods

JIP2_PARAMETERS = {
    "deposit_per_account", "deposit_per_item", "deposit_per_byte", "min_turnaround_period", "epoch_period",
    "max_accumulate_gas", "max_is_authorized_gas", "max_refine_gas", "block_gas_limit", "recent_block_count",
    "max_work_items", "max_dependencies", "max_tickets_per_block", "max_lookup_anchor_age", "tickets_attempts_number",
    "auth_window", "auth_queue_len", "rotation_period", "max_extrinsics", "availability_timeout", "val_count",
    "max_input", "max_refine_code_size", "basic_piece_len", "max_imports", "max_is_authorized_code_size", "max_exports",
}


def test_parameters_v1_from_the_chain_spec(view):
    async def scenario():
        async with running(view) as (client, _):
            result = await client.call("parameters")
            params = result["V1"]
            assert set(result) == {"V1"} and set(params) == JIP2_PARAMETERS
            assert params["val_count"] == TINY.validators_count == 6
            assert params["epoch_period"] == 12 and params["rotation_period"] == 4
            assert params["basic_piece_len"] == 4 and params["min_turnaround_period"] == 32
            assert params["block_gas_limit"] == TINY.max_block_gas and params["max_accumulate_gas"] == 10_000_000
            assert params["val_count"] // 3 == TINY.core_count  # JIP-2: C = V/3
            assert all(isinstance(v, int) for v in params.values())

    run(scenario)


def test_best_finalized_and_parent(view):
    async def scenario():
        async with running(view) as (client, _):
            assert await client.call("bestBlock") == ref(view, 0)
            for _ in range(5):
                view.advance()
            assert await client.call("bestBlock") == ref(view, 5)
            assert await client.call("finalizedBlock") == ref(view, 3)
            assert await client.call("parent", [ref(view, 5)[0]]) == ref(view, 4)
            assert await client.call("parent", [ref(view, 0)[0]]) is None  # genesis
            assert await client.call("parent", [b64(bytes(32))]) is None  # unknown

    run(scenario)


def test_state_root_beefy_root_and_statistics(view):
    async def scenario():
        async with running(view) as (client, _):
            for index in (0, 4, 8):
                h = view.chain[index].header_hash
                if index:
                    assert await client.call("stateRoot", [b64(h)]) == b64(view.recorded_roots[h])
                stats = await client.call("statistics", [b64(h)])
                assert base64.b64decode(stats) == view.states[h].kv[STATISTICS_KEY]
            assert await client.call("stateRoot", [b64(bytes(32))]) is None
            h8 = view.chain[8].header_hash
            history = view.states[h8]["recent_blocks"].history
            assert history[-1].header_hash == h8
            assert await client.call("beefyRoot", [b64(h8)]) == b64(history[-1].beefy_root)
            assert await client.call("beefyRoot", [b64(bytes(32))]) is None
            assert await client.call("statistics", [b64(bytes(32))]) is None

    run(scenario)


def test_service_data_and_list_services(view):
    async def scenario():
        async with running(view) as (client, _):
            h = b64(view.chain[8].header_hash)
            assert await client.call("listServices", [h]) == [0]
            data = base64.b64decode(await client.call("serviceData", [h, 0]))
            assert data == view.states[view.chain[8].header_hash].kv[service_info_key(0)]
            assert decode(ServiceInfo, data, TINY).balance > 0
            assert await client.call("serviceData", [h, 7]) is None  # no such service
            assert await client.call("serviceData", [b64(bytes(32)), 0]) is None  # unknown block
            error = await client.error("listServices", [b64(bytes(32))])
            assert error["code"] == -32001 and error["data"] == b64(bytes(32))

    run(scenario)


def test_service_value(view):
    h = view.chain[2].header_hash
    view.states[h] = view.states[h].updated(raw={storage_key(0, b"rpc-key"): b"rpc-value"})

    async def scenario():
        async with running(view) as (client, _):
            assert await client.call("serviceValue", [b64(h), 0, b64(b"rpc-key")]) == b64(b"rpc-value")
            assert await client.call("serviceValue", [b64(h), 0, b64(b"other")]) is None
            assert await client.call("serviceValue", [b64(h), 1, b64(b"rpc-key")]) is None
            assert (await client.error("serviceValue", [b64(bytes(32)), 0, b64(b"rpc-key")]))["code"] == -32001

    run(scenario)


def test_service_preimage_and_request(view):
    provided = view.steps[7].block.extrinsic.preimages
    assert len(provided) == 5

    async def scenario():
        async with running(view) as (client, _):
            before, after = b64(view.chain[7].header_hash), b64(view.chain[8].header_hash)
            for item in provided:
                service, blob = item.requester, item.blob
                args = [service, b64(H(blob))]
                assert await client.call("servicePreimage", [before, *args]) is None
                assert await client.call("servicePreimage", [after, *args]) == b64(blob)
                assert await client.call("serviceRequest", [before, *args, len(blob)]) == []  # solicited
                assert await client.call("serviceRequest", [after, *args, len(blob)]) == [8]  # provided at slot 8
                assert await client.call("serviceRequest", [after, *args, len(blob) + 1]) is None

    run(scenario)


def test_submit_preimage(view):
    blob = view.steps[7].block.extrinsic.preimages[0].blob
    for _ in range(7):
        view.advance()  # best = block 7, where the request is outstanding

    async def scenario():
        async with running(view) as (client, _):
            anchor = b64(view.chain[7].header_hash)
            assert await client.call("submitPreimage", [0, b64(blob), anchor]) is None
            assert view.submitted == [(0, blob)]
            assert await client.call("submitPreimage", [0, b64(blob), b64(view.chain[6].header_hash)]) is None  # an ancestor
            before_request = await client.error("submitPreimage", [0, b64(blob), b64(view.chain[5].header_hash)])
            assert before_request["code"] == -32002  # not yet solicited there
            not_requested = await client.error("submitPreimage", [0, b64(b"nobody asked"), anchor])
            assert not_requested["code"] == -32002 and "no outstanding request" in not_requested["message"]
            assert (await client.error("submitPreimage", [9, b64(blob), anchor]))["code"] == -32002  # no service 9
            assert (await client.error("submitPreimage", [0, b64(blob), b64(view.chain[8].header_hash)]))["code"] == -32002
            assert (await client.error("submitPreimage", [0, b64(blob), b64(bytes(32))]))["code"] == -32001
            view.refuse_pool = True
            refused = await client.error("submitPreimage", [0, b64(blob), anchor])
            assert refused["code"] == -32002 and "pool is full" in refused["message"]
            assert len(view.submitted) == 2

    run(scenario)


# --------------------------------------------------------------------------- errors

BAD_PARAMS = [
    ("parent", ["not base64!"]),
    ("parent", ["AAAA" * 10 + "AAA"]),  # unpadded
    ("parent", [b64(bytes(31))]),  # 31-byte hash
    ("parent", [b64(bytes(33))]),
    ("parent", ["AB=="]),  # non-canonical: unused bits set
    ("parent", [32]),
    ("parent", []),
    ("parent", [b64(bytes(32)), 1]),
    ("serviceData", [b64(bytes(32)), -1]),
    ("serviceData", [b64(bytes(32)), 2**32]),
    ("serviceData", [b64(bytes(32)), True]),
    ("serviceData", [b64(bytes(32)), 1.5]),
    ("serviceValue", [b64(bytes(32)), 0, 5]),
    ("serviceRequest", [b64(bytes(32)), 0, b64(bytes(32)), 2**32]),
    ("submitPreimage", [0, "%%%", b64(bytes(32))]),
    ("subscribeStatistics", ["yes"]),
    ("subscribeServiceValue", [0]),
    ("unsubscribeBestBlock", []),
    ("unsubscribeBestBlock", ["1"]),
    ("bestBlock", {"named": 1}),
]


def test_invalid_params(view):
    async def scenario():
        async with running(view) as (client, _):
            for method, params in BAD_PARAMS:
                error = await client.error(method, params)
                assert error["code"] == -32602, (method, params, error)
                assert error["message"].startswith("invalid params")

    run(scenario)


def test_json_rpc_framing(view):
    async def scenario():
        async with running(view) as (client, _):
            parse = await client.raw("{not json")
            assert parse["error"]["code"] == -32700 and parse["id"] is None
            assert (await client.raw("NaN"))["error"]["code"] == -32700
            assert (await client.raw('{"id": 1, "method": "bestBlock"}'))["error"]["code"] == -32600  # no jsonrpc
            assert (await client.raw('{"jsonrpc": "2.0", "id": 2, "method": 7}')) == {
                "jsonrpc": "2.0", "id": 2, "error": {"code": -32600, "message": 'invalid request: "method" must be a string'}}
            assert (await client.raw('{"jsonrpc": "2.0", "id": [], "method": "bestBlock"}'))["error"]["code"] == -32600
            assert (await client.raw('{"jsonrpc": "2.0", "id": 1e999, "method": "bestBlock"}'))["error"]["code"] == -32600
            assert (await client.raw("[" * 100_000 + "]" * 100_000))["error"]["code"] == -32700  # too deep
            assert (await client.raw('"bestBlock"'))["error"]["code"] == -32600
            assert (await client.raw("[]"))["error"]["code"] == -32600
            missing = await client.error("noSuchMethod")
            assert missing["code"] == -32601 and "noSuchMethod" in missing["message"]
            assert (await client.error("submitWorkPackage", [0, b64(b""), []]))["code"] == -32601  # no guarantor here
            # A notification (no id) gets no reply: the next message is the call's answer.
            await client.ws.send('{"jsonrpc": "2.0", "method": "bestBlock"}')
            assert await client.call("finalizedBlock") == ref(view, 0)
            # A batch answers in one array; a string id is echoed.
            batch = await client.raw(json.dumps([
                {"jsonrpc": "2.0", "id": "a", "method": "bestBlock"},
                {"jsonrpc": "2.0", "method": "bestBlock"},
                {"jsonrpc": "2.0", "id": "c", "method": "nope"},
                5,
            ]))
            assert [m["id"] for m in batch] == ["a", "c", None]
            assert batch[0]["result"] == ref(view, 0) and batch[1]["error"]["code"] == -32601
            assert batch[2]["error"]["code"] == -32600
            too_many = [{"jsonrpc": "2.0", "id": i, "method": "bestBlock"} for i in range(33)]
            assert (await client.raw(json.dumps(too_many)))["error"]["code"] == -32600
            # The connection is still usable after all of that.
            assert await client.call("bestBlock") == ref(view, 0)

    run(scenario)


class FaultyView(TraceView):
    def best(self):
        raise RuntimeError("secret internal detail")

    def finalized(self):
        raise JamLiquorError("stored state is corrupt")


def test_internal_failures_do_not_leak(vectors, caplog):
    view = FaultyView(vectors / "traces" / "preimages", blocks=1)

    async def scenario():
        async with running(view) as (client, _):
            internal = await client.error("bestBlock")
            assert internal == {"code": -32603, "message": "internal error"}
            typed = await client.error("finalizedBlock")
            assert typed["code"] == -32000 and "stored state is corrupt" in typed["message"]
            assert (await client.error("subscribeBestBlock"))["code"] == -32603
            assert view.hub.queues == set()  # the failed subscription left no queue behind

    run(scenario)
    assert "secret internal detail" in caplog.text  # in the node's log, not on the wire


# --------------------------------------------------------------------------- subscriptions


def test_subscribe_best_block_delivers_each_head(view):
    async def scenario():
        async with running(view) as (client, _):
            sub = await client.call("subscribeBestBlock")
            first = await client.notification()
            assert first == {"jsonrpc": "2.0", "method": "subscribeBestBlock", "params": {"subscription": sub, "result": ref(view, 0)}}
            for index in range(1, 9):
                view.advance()
                note = await client.notification()
                assert note["params"] == {"subscription": sub, "result": ref(view, index)}
            assert await client.call("unsubscribeFinalizedBlock", [sub]) is False  # wrong kind
            assert await client.call("unsubscribeBestBlock", [sub]) is True
            assert await client.call("unsubscribeBestBlock", [sub]) is False
            assert view.hub.queues == set()

    run(scenario)


def test_subscribe_finalized_and_statistics(view):
    async def scenario():
        async with running(view) as (client, _):
            fin = await client.call("subscribeFinalizedBlock", [])
            stats = await client.call("subscribeStatistics", [False])
            assert fin != stats
            initial = [await client.notification(), await client.notification()]
            assert [n["method"] for n in initial] == ["subscribeFinalizedBlock", "subscribeStatistics"]
            view.advance()
            view.advance()  # best 2, finalized 0: unchanged, not re-sent
            view.advance()  # best 3, finalized 1
            got = [await client.notification() for _ in range(4)]
            stats_seen = [n["params"]["result"] for n in got if n["method"] == "subscribeStatistics"]
            fin_seen = [n["params"]["result"] for n in got if n["method"] == "subscribeFinalizedBlock"]
            expected_stats = [b64(view.states[view.chain[i].header_hash].kv[STATISTICS_KEY]) for i in (1, 2, 3)]
            assert stats_seen == expected_stats and fin_seen == [ref(view, 1)]
            assert client.notifications == []

    run(scenario)


def test_subscribe_service_preimage_and_request(view):
    item = view.steps[7].block.extrinsic.preimages[0]
    for _ in range(7):
        view.advance()

    async def scenario():
        async with running(view) as (client, _):
            args = [item.requester, b64(H(item.blob))]
            pre = await client.call("subscribeServicePreimage", [*args, False])
            req = await client.call("subscribeServiceRequest", [*args, len(item.blob)])  # finalized defaults to false
            data = await client.call("subscribeServiceData", [0, False])
            initial = {n["params"]["subscription"]: n["params"]["result"] for n in [await client.notification() for _ in range(3)]}
            assert initial[pre] is None and initial[req] == [] and initial[data] is not None
            view.advance()  # block 8 provides the preimage
            changed = {n["params"]["subscription"]: n["params"]["result"] for n in [await client.notification() for _ in range(3)]}
            assert changed[pre] == b64(item.blob) and changed[req] == [8] and changed[data] != initial[data]

    run(scenario)


# --------------------------------------------------------------------------- limits


def test_subscription_limit(view):
    async def scenario():
        async with running(view, RpcLimits(max_subscriptions=2)) as (client, _):
            await client.call("subscribeBestBlock")
            await client.call("subscribeFinalizedBlock")
            error = await client.error("subscribeStatistics", [True])
            assert error["code"] == -32003
            assert len(view.hub.queues) == 2

    run(scenario)


def test_oversize_message_closes_the_connection(view):
    async def scenario():
        async with running(view, RpcLimits(max_message_bytes=1024)) as (client, _):
            await client.ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "submitPreimage", "params": [0, b64(bytes(2000)), b64(bytes(32))]}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await client.recv()
            assert closed.value.rcvd.code == 1009  # message too big

    run(scenario)


def test_connection_limit(view):
    async def scenario():
        async with running(view, RpcLimits(max_connections=1)) as (client, server):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with connect(f"ws://127.0.0.1:{server.port}", open_timeout=5, proxy=None):
                    pass
            assert refused.value.response.status_code == 503
            assert await client.call("bestBlock") == ref(view, 0)

    run(scenario)


def test_client_that_cannot_keep_up_is_dropped(view):
    async def scenario():
        async with running(view, RpcLimits(max_outgoing_bytes=256)) as (client, _):
            await client.ws.send('{"jsonrpc": "2.0", "id": 1, "method": "parameters"}')  # ~800 bytes of answer
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await client.recv()
            assert closed.value.rcvd.code == 1008

    run(scenario)


def test_close_ends_connections_and_subscriptions(view):
    async def scenario():
        async with running(view) as (client, server):
            await client.call("subscribeBestBlock")
            server.close()
            async with asyncio.timeout(5):
                await server.wait_closed()
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await client.recv()
            assert view.hub.queues == set()

    run(scenario)


# --------------------------------------------------------------------------- rpc-call


def test_rpc_call_cli(view):
    assert DEFAULT_URL.endswith(f":{DEFAULT_PORT}") and DEFAULT_PORT == 19800
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(serve_rpc(view, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    url = f"ws://127.0.0.1:{server.port}"
    try:
        runner = CliRunner()
        ok = runner.invoke(app, ["rpc-call", "bestBlock", "--url", url, "--timeout", "5"])
        assert ok.exit_code == 0 and json.loads(ok.stdout) == ref(view, 0)
        h = b64(view.chain[0].header_hash)
        listed = runner.invoke(app, ["rpc-call", "listServices", json.dumps([h]), "--url", url, "--timeout", "5"])
        assert listed.exit_code == 0 and json.loads(listed.stdout) == [0]
        loop.call_soon_threadsafe(view.advance)
        sub = runner.invoke(app, ["rpc-call", "subscribeFinalizedBlock", "--url", url, "--notifications", "1", "--timeout", "5"])
        assert sub.exit_code == 0 and json.loads(sub.stdout.splitlines()[1]) == ref(view, 0)
        missing = runner.invoke(app, ["rpc-call", "nope", "--url", url, "--timeout", "5"])
        assert missing.exit_code == 2 and "method not found" in missing.stderr and "-32601" in missing.stderr
        bad = runner.invoke(app, ["rpc-call", "parent", "{", "--url", url])
        assert bad.exit_code == 2 and "not JSON" in bad.stderr
        down = runner.invoke(app, ["rpc-call", "bestBlock", "--url", "ws://127.0.0.1:1", "--timeout", "2"])
        assert down.exit_code == 2 and "cannot connect" in down.stderr
    finally:
        async def stop():
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
