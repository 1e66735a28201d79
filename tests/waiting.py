"""Waiting in tests for work that goes on after an answer (Slack is acked first, background
work runs after the webhook's reply): one way to poll for it, and how long to give it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.emulators.slack import WAIT_S

PATIENCE_S = WAIT_S
"""How long a test waits for work that goes through the outbox, an emulator or the network
before it calls the work missing: as long as the emulators' own waits. A wait ends as soon as
its condition holds, so a passing test is no slower for it; a test that bounds a time on
purpose gives its own."""


async def eventually(check: Callable[[], Any], within_s: float = PATIENCE_S) -> Any:
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
