"""A small TCP proxy for tests, in asyncio: each connection it accepts goes to the next of its
upstreams in turn (round robin), bytes copied both ways until either side closes.

In front of PostgreSQL it is a database the test can take away and give back without touching
the server others share: `cut` drops every connection and refuses new ones (as a database
restarting does), `restore` listens again on the same port. In front of several
`touchpoint run` processes it is the load balancer of a deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket


class TcpProxy:
    def __init__(self, *upstreams: tuple[str, int]):
        self.upstreams = upstreams
        self._turn = itertools.cycle(range(len(upstreams)))
        self.port = _free_port()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.connections = [0] * len(upstreams)
        """Connections handed to each upstream."""

    async def __aenter__(self) -> TcpProxy:
        await self.restore()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.cut()

    async def restore(self) -> None:
        """Listen (again) on the proxy's port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def cut(self) -> None:
        """Refuse new connections and drop every open one (reset, as a server gone does)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = next(self._turn)
        self.connections[index] += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstreams[index])
        except OSError:
            writer.close()
            return
        pair = {writer, up_writer}
        self._open |= pair
        try:
            await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        finally:
            for each in pair:
                each.close()
            self._open -= pair


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError, RuntimeError):
        writer.write_eof()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
