"""What the benchmarks share: a server in a process of its own, the latencies a load measured
and their percentiles, and a scratch PostgreSQL database.

`ServerProcess` (in the bench's process) starts a target function in a fresh process of the
spawn context, with one end of a pipe; the target builds its server and hands it to
`serve_until_stopped`, which serves it on uvloop, as `touchpoint run` serves, sends back its
URL and whatever else the bench needs (secrets, a database URL), and waits. "mark" restarts
the count of the server process's CPU time (all its threads); "stop" ends the serving, and
the server first answers with that CPU time and, if asked, a report made while it still
serves (what it stored, say).

The scripts are run as ``python bench/<name>.py``, which puts this folder first on sys.path:
they import this module as ``harness``, and so does a spawned server process, which gets the
same sys.path.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import psycopg
import uvloop
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.demo.sandbox import serve

JOIN_TIMEOUT_S = 30.0


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class Stopped:
    """What a server says when told to stop."""

    cpu: float
    """CPU seconds its process used from the last "mark" (or from serving) to the stop."""
    report: Any = None
    """What its `report` made of the application, None without one."""


class ServerProcess:
    """A server in a process of its own: `target(*args, conn)` runs there and is expected to
    call `serve_until_stopped` with `conn`."""

    def __init__(self, target: Callable[..., None], *args: Any):
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=target, args=(*args, theirs), daemon=True)
        self._process.start()
        theirs.close()

    async def started(self) -> tuple[Any, ...]:
        """Once it serves: its URL, then what else it sent along."""
        return await asyncio.to_thread(self._conn.recv)

    def mark(self) -> None:
        """Start counting its CPU time from now."""
        self._conn.send("mark")

    async def stop(self) -> Stopped | None:
        """Tell it to stop and wait for its process to end; None when that had already ended
        (it failed), so a bench cleaning up after a failure does not bury it."""
        stopped = None
        if self._process.is_alive():
            self._conn.send("stop")
            stopped = await asyncio.to_thread(self._conn.recv)
        await asyncio.to_thread(self._process.join, JOIN_TIMEOUT_S)
        return stopped


def serve_until_stopped(make_app: Callable[[], web.Application], conn: Connection,
                        *hello: Any,
                        report: Callable[[web.Application], Awaitable[Any]] | None = None
                        ) -> None:
    """In the server's process: serve `make_app()` on uvloop until the bench says stop; see
    the module's docstring for what goes over `conn`."""
    uvloop.run(_serve(make_app, conn, hello, report))


async def _serve(make_app: Callable[[], web.Application], conn: Connection,
                 hello: tuple[Any, ...],
                 report: Callable[[web.Application], Awaitable[Any]] | None) -> None:
    app = make_app()
    async with serve(app) as url:
        conn.send((url, *hello))
        marked = time.process_time()
        while await asyncio.to_thread(conn.recv) == "mark":
            marked = time.process_time()
        cpu = time.process_time() - marked
        conn.send(Stopped(cpu, None if report is None else await report(app)))


# --------------------------------------------------------------------------- the figures


def percentile(latencies: Sequence[float], p: int) -> float:
    """The p-th percentile (1 to 99), interpolated between the measured values."""
    return statistics.quantiles(latencies, n=100, method="inclusive")[p - 1]


@dataclass
class Timings:
    """What one load measured: how long each answer took, over how many seconds."""

    label: str
    """What was loaded: a target, a database."""
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    """Requests refused or failed, a warm-up's included."""
    seconds: float = 0.0

    def percentile(self, p: int) -> float:
        return percentile(self.latencies, p)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


def enough_measured(run: Timings, what: str) -> None:
    """Stop with the reason when `run` measured fewer than two answers (`what` names them):
    there are no percentiles to give."""
    if len(run.latencies) < 2:
        sys.exit(f"{run.label}: {len(run.latencies)} {what}, with {run.errors} error(s): "
                 "nothing to measure")


# --------------------------------------------------------------------------- the database


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    name = f"tp_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
