"""How fast the board's main page answers a crowd: p50 and p95 of ``GET /board`` for an IT
lead (the page with the most on it) with `--readers` concurrent readers (20), once its
figures are cached, on SQLite and PostgreSQL; and the first page, which counts them.

Seeds the digest benchmark's data set (`bench/digest.py`: 1,000,000 CSAT answers and their
tickets over a year at `--scale 1`; `--scale 0.1` seeds a tenth), then serves Touchpoint in a
process of its own on a clock stopped at the data set's "now" (so the cache, kept
`board.cache_seconds`, stays fresh for the run) and signs one IT lead in by writing their
board session, as the sign-in link would. Target: p95 under 200 ms.

Beside the page's p95 it prints the time of the page's bare SQL, measured in the same run on
the same database: the statements a cached page still runs for every request (the session,
the person, their own complaints; `bot.web.board.BoardPages.show`), run one after another by
the same storage functions with no HTTP, no template and no other reader, and the ratio of
the two (what serving, rendering and 20 readers at once add on top of the database).

    python bench/board.py [--scale 1] [--seconds 20] [--readers 20]
                          [--postgres postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import secrets
import tempfile
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
import yaml
from sqlalchemy import create_engine as create_sync_engine

from digest import CONFIG, NOW, seed
from harness import (
    ServerProcess,
    Timings,
    percentile,
    postgres_database,
    serve_until_stopped,
)
from storage.engine import sync_url
from storage.migrate import upgrade

BOARD_KEY = "bench-board-key-0123456789-0123456789"
LEAD_EMAIL = "lead@bench.example"


def serve_board(database_url: str, directory: str, conn: Connection) -> None:
    """The server's process: Touchpoint on a clock stopped at the data set's now."""
    from bot.config.loading import load_settings
    from bot.server import create_app

    config = {**CONFIG, "board": {"cache_seconds": 3600},
              "roles": {"it_lead": {"emails": [LEAD_EMAIL]}}}
    path = Path(directory) / "bench.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = load_settings({
        "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/", "DATABASE_URL": database_url,
        "TOUCHPOINT_CONFIG": str(path), "TOUCHPOINT_BOARD_KEY": BOARD_KEY,
        "TOUCHPOINT_PUBLIC_URL": "http://127.0.0.1:9"})
    serve_until_stopped(lambda: create_app(settings, clock=lambda: NOW, scheduler=False,
                                           outbox_sender=False), conn)


def sign_in_lead(url: str) -> str:
    """A board session for an IT lead, written as `/board/signin` writes it; the cookie."""
    from sqlmodel import Session

    from storage.board import BoardSession
    from storage.models import Person

    secret = secrets.token_urlsafe(32)
    engine = create_sync_engine(sync_url(url))
    with Session(engine) as session:
        lead = Person(display_name="Lee Lead", email=LEAD_EMAIL, role="it_lead")
        session.add(lead)
        session.flush()
        assert lead.id is not None
        session.add(BoardSession(secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
                                 person_id=lead.id, role="it_lead", created_at=NOW,
                                 expires_at=NOW + timedelta(hours=8)))
        session.commit()
    engine.dispose()
    return secret


async def _reader(http: aiohttp.ClientSession, url: str, until: float, run: Timings) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        async with http.get(url + "/board") as response:
            body = await response.read()
        if response.status == 200 and b"How IT is performing" in body:
            run.latencies.append(time.perf_counter() - started)
        else:
            run.errors += 1


async def load(label: str, url: str, directory: str, cookie: str, seconds: float,
               readers: int) -> tuple[float, Timings]:
    server = ServerProcess(serve_board, url, directory)
    base, *_ = await server.started()
    try:
        headers = {"Cookie": f"touchpoint_board={cookie}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            started = time.perf_counter()
            async with http.get(base + "/board") as response:  # counts the figures
                assert response.status == 200, (response.status, await response.text())
                await response.read()
            first = time.perf_counter() - started
            run = Timings(label)
            began = time.perf_counter()
            await asyncio.gather(*(_reader(http, base, began + seconds, run)
                                   for _ in range(readers)))
            run.seconds = time.perf_counter() - began
    finally:
        await server.stop()
    return first, run


BARE_SQL_RUNS = 300


async def bare_sql(url: str, cookie: str) -> list[float]:
    """The time of a cached page's own statements, each run of them alone, in seconds."""
    from storage import board
    from storage.complaints import of_complainant, person_by_id
    from storage.engine import create_engine, session_factory

    engine = create_engine(url)
    sessions = session_factory(engine)
    secret_hash = hashlib.sha256(cookie.encode()).hexdigest()
    times = []
    try:
        for run in range(BARE_SQL_RUNS + 20):  # the first 20 warm the connection and caches
            started = time.perf_counter()
            async with sessions() as session:
                signed_in = await board.find_session(session, secret_hash, NOW)
                assert signed_in is not None
                person = await person_by_id(session, signed_in.person_id)
                assert person is not None and person.id is not None
                await of_complainant(session, person.id)
            if run >= 20:
                times.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return times


def _load_average_parts() -> list[str]:
    """The machine's load average (1, 5, 15 minutes): figures from a shared machine vary."""
    return Path("/proc/loadavg").read_text().split()[:3]


def bench(label: str, url: str, args: argparse.Namespace, directory: str) -> None:
    upgrade(url)
    started = time.perf_counter()
    counts = seed(url, args.scale)
    print(f"{label}: seeded {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    cookie = sign_in_lead(url)
    first, run = asyncio.run(load(label, url, directory, cookie, args.seconds, args.readers))
    sql = asyncio.run(bare_sql(url, cookie))
    page_p95, sql_p50, sql_p95 = run.percentile(95), percentile(sql, 50), percentile(sql, 95)
    print(f"  first page (counting the figures) {first * 1000:.0f} ms; cached, "
          f"{args.readers} readers for {run.seconds:.0f} s: {len(run.latencies)} pages "
          f"({run.per_second:.0f}/s), p50 {run.percentile(50) * 1000:.0f} ms, "
          f"p95 {page_p95 * 1000:.0f} ms, errors {run.errors}", flush=True)
    print(f"  its bare SQL (session, person, own complaints; {len(sql)} runs alone): "
          f"p50 {sql_p50 * 1000:.2f} ms, p95 {sql_p95 * 1000:.2f} ms; "
          f"page p95 / bare SQL p95 = {page_p95 / sql_p95:.0f}x "
          f"(load average {' '.join(_load_average_parts())})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a scratch database is "
                                           "made there and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench("SQLite", f"sqlite:///{Path(folder) / 'board.db'}", args, folder)
        if args.postgres:
            with postgres_database(args.postgres) as url:
                bench("PostgreSQL", url, args, folder)


if __name__ == "__main__":
    main()
