"""`touchpoint run` as a real process, the way tests and benches start it: a free loopback port
to give it, the start, the wait until it serves, and the stop."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

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


async def start_replica(port: int, env: Mapping[str, str], *, cwd: Path,
                        niceness: int = 0) -> asyncio.subprocess.Process:
    """`touchpoint run` on 127.0.0.1:`port`, logging warnings only, its output dropped."""
    nice = ("nice", "-n", str(niceness)) if niceness else ()
    return await asyncio.create_subprocess_exec(
        *nice, sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", cwd=cwd, env=dict(env), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)


async def stop_replicas(processes: Sequence[asyncio.subprocess.Process],
                        within_s: float = 30.0) -> None:
    """SIGTERM to each still running (a graceful stop), then wait for all of them."""
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        await asyncio.wait_for(process.wait(), timeout=within_s)
