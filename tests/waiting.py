"""Waiting in tests for work that goes on after an answer (Slack is acked first, background
work runs after the webhook's reply): one way to poll for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], within_s: float = 10.0) -> Any:
    """Wait until `check()` (sync or async) returns something true, and return it."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {result!r} after {within_s}s")
        await asyncio.sleep(0.02)
