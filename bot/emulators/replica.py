"""`touchpoint run` as a real process, the way tests and benches start it: a free loopback port
to give it, and the wait until it serves."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_healthy(url: str, process: asyncio.subprocess.Process, *,
                       within_s: float = 30.0) -> None:
    """Until `url`/healthz answers 200; RuntimeError if the process exits first or the time
    runs out."""
    deadline = time.monotonic() + within_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"touchpoint run exited with {process.returncode} "
                                   "before serving")
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url}/healthz never answered 200")
