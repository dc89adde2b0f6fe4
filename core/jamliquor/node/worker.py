"""The node's chain worker: one thread that runs the CPU-heavy calls touching the importer and
the pools (block import, authoring, pool updates), most urgent first — a block waiting to be
imported or authored never queues behind pool upkeep — and first come, first served within a
priority. One thread means the pools and the importer are never used concurrently."""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any

URGENT = 0  # importing and authoring blocks
NORMAL = 1  # pooling verified tickets, registering contests
BACKGROUND = 2  # pruning pools


class Worker:
    def __init__(self, name: str = "jamliquor-chain") -> None:
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def call(self, priority: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((priority, next(self._order), (fn, args, kwargs, future, loop)))
        return await future

    def _serve(self) -> None:
        while True:
            _, _, item = self._queue.get()
            if item is None:
                return
            fn, args, kwargs, future, loop = item
            if future.cancelled():
                continue
            try:
                result, error = fn(*args, **kwargs), None
            except BaseException as exc:  # handed to the awaiting coroutine
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:
                pass  # the loop has closed: nobody is waiting any more

    def shutdown(self, timeout: float = 30.0) -> None:
        """Finish the call in progress, drop the rest, stop the thread."""
        self._queue.put((-1, -1, None))
        self._thread.join(timeout)


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
