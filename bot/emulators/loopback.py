"""Serving an emulator on loopback: the lifecycle the Slack and Bot Connector emulators share.

`LoopbackServer` starts an aiohttp application on a loopback port, stops it, works as an
async context manager and knows the base URL it answers at. A subclass declares its routes
(`_add_routes`) and, when something must end before the runner can, closes it in
`_before_cleanup`; what it answers and the state it keeps are its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Self

from aiohttp import web

__all__ = ["LoopbackServer"]


class LoopbackServer(ABC):
    """An aiohttp application on loopback, started and stopped once per `start()`."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        # Kept after stop(): a handler still finishing during shut-down may need it.
        self._base = ""

    @abstractmethod
    def _add_routes(self, router: web.UrlDispatcher) -> None:
        """Add the emulator's routes to a fresh application's router."""

    async def _before_cleanup(self) -> None:  # noqa: B027 - a hook: most servers need none
        """Close what the runner would otherwise wait for; called once `stop()` has begun."""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        app = web.Application()
        self._add_routes(app.router)
        # No access log: the benchmarks push thousands of calls through here.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        if ":" in host:
            host = f"[{host}]"
        self._base = f"http://{host}:{port}/"
        return self

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self._before_cleanup()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _base_url(self) -> str:
        """The URL the server answers at, with its trailing slash; only while it runs."""
        if self._runner is None:
            raise RuntimeError("the emulator is not running: call start() first")
        return self._base
