"""Waiting for a `touchpoint run` process gives up, with the reason, when it cannot serve.
(That it returns once the process serves, tests/scenarios/test_shutdown.py shows.)"""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.emulators.replica import free_port, wait_healthy


async def _python(code: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-c", code)


async def test_a_process_that_exits_before_serving_fails_the_wait_with_its_code():
    process = await _python("raise SystemExit(3)")
    await process.wait()
    with pytest.raises(RuntimeError, match="exited with 3 before serving"):
        await wait_healthy(f"http://127.0.0.1:{free_port()}", process)


async def test_a_process_that_never_serves_fails_the_wait_when_time_runs_out():
    process = await _python("import time; time.sleep(30)")
    url = f"http://127.0.0.1:{free_port()}"
    try:
        with pytest.raises(RuntimeError, match="healthz never answered 200"):
            await wait_healthy(url, process, within_s=0.5)
    finally:
        process.kill()
        await process.wait()
