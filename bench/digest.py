"""How long one full weekly digest (every section, its 12-week trends and the chart) takes on
a year of data, on SQLite and PostgreSQL, beside the same SQL run bare, and the peak memory.

Seeds, in the database itself (INSERT ... SELECT over generate_series on PostgreSQL and a
recursive CTE on SQLite, so nothing goes through Python row by row): 1,000,000 CSAT answers
(each with its survey and, as one survey belongs to one ticket, its ticket: 1,000,000 tickets,
of which the digest's window holds the last 13 weeks), 10,000 complaints, 50,000 kudos and
200,000 NPS answers across 8 pulses, spread over 52 weeks; for the sections that came later,
5,000 broadcasts with 4 updates each and 20,000 kept-informed ratings, 200 plan items, 50
milestones and a satisfaction survey of 20,000 people answering 3 questions; `--scale 0.1`
seeds a tenth.

Then it computes the digest's hourly roll-ups of that year (storage.digest_rollups), as the
``digests.roll_up`` job would have as the hours closed. The week of NOW is still counted from
the raw rows in part: its last hours' tickets are within their SLA deadlines at NOW.

Then, in a fresh process (so its peak RSS is the digest's, not the seeding's), it makes the
digest three times and keeps the best time, records every SQL statement the digest ran, runs
those statements again through the bare driver (sqlite3, psycopg) with the same parameters,
and prints both times, their ratio and the peak RSS. Targets: under 2 s on SQLite and 1 s on
PostgreSQL, at most 2x the bare SQL, under 250 MB.

    python bench/digest.py [--scale 1] [--postgres postgresql://postgres@127.0.0.1/test]

At larger scales, seed an empty PostgreSQL database of your own once and keep it (no SQLite
run), then measure it again after a change without seeding:

    python bench/digest.py --scale 10 --database postgresql://postgres@127.0.0.1/sizing
    python bench/digest.py --remeasure postgresql://postgres@127.0.0.1/sizing
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, text

from digest_seed import NOW, SERVICES, seed
from harness import postgres_database
from storage.digest_rollups import backfill
from storage.engine import sync_url
from storage.migrate import upgrade

SLOWEST = 10
"""How many of the digest's statements to print with their bare times, slowest first."""
SHOWN = 160
"""How much of each one's SQL to print."""
CONFIG = {
    "organisation": {"name": "Bench IT", "timezone": "Europe/London"},
    "channels": {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                 "kudos_wall": {"slack": "C0KUDOS01"}, "broadcasts": [{"slack": "C0STATUS1"}]},
    "services": [{"name": name} for name in SERVICES],
    "digests": [{"name": "weekly", "targets": {"sla": {"P1": 95, "P2": 90}}}],
}


# --------------------------------------------------------------------------- seeding
# --------------------------------------------------------------------------- measuring


async def _digest(url: str) -> dict:
    from bot.config import parse_app_config
    from bot.flows.digests import chart
    from bot.flows.digests.periods import parse
    from bot.flows.digests.posting import compose
    from storage.engine import create_engine, session_factory

    app = parse_app_config(CONFIG)
    digest = app.digests[0]
    period = parse("2026-W48", app.organisation.zone)
    engine = create_engine(url)
    sessions = session_factory(engine)
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    # Warm: imports, the chart's fonts, the connection, the statement caches.
    async with sessions() as session:
        await compose(session, app, digest, period, NOW)
    times, chart_times = [], []
    for attempt in range(3):
        if attempt == 0:
            event.listen(engine.sync_engine, "before_cursor_execute", record)
        started = time.perf_counter()
        async with sessions() as session:
            message = await compose(session, app, digest, period, NOW)
        times.append(time.perf_counter() - started)
        if attempt == 0:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
    await engine.dispose()
    started = time.perf_counter()
    chart.draw(chart.Series(["w"] * 12, {"csat": [80.0] * 12, "response": [90.0] * 12,
                                         "resolution": [85.0] * 12}, 80, 90),
               {"title": "t", "csat": "c", "response": "r", "resolution": "s",
                "good_band": "g", "outstanding_band": "o"})
    chart_times.append(time.perf_counter() - started)
    return {"digest_s": min(times), "chart_s": chart_times[0], "statements": statements,
            "png_bytes": len(message.image.png) if message.image else 0}


def _bare(url: str, statements: list[tuple[str, object]]) -> tuple[float, list[float]]:
    """The digest's statements again, through the bare driver, best of three: in all, and
    each statement's own best."""
    if url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(sync_url(url).removeprefix("sqlite:///"))
    else:
        import psycopg

        connection = psycopg.connect(sync_url(url).replace("postgresql+psycopg", "postgresql"))
    best = float("inf")
    each = [float("inf")] * len(statements)
    try:
        for _ in range(3):
            started = time.perf_counter()
            cursor = connection.cursor()
            for index, (statement, parameters) in enumerate(statements):
                began = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                each[index] = min(each[index], time.perf_counter() - began)
            best = min(best, time.perf_counter() - started)
            connection.rollback()
    finally:
        connection.close()
    return best, each


def measure(url: str) -> dict:
    found = asyncio.run(_digest(url))
    statements = found.pop("statements")
    bare, each = _bare(url, statements)
    slowest = sorted(zip(each, (statement for statement, _ in statements), strict=True),
                     reverse=True)[:SLOWEST]
    return {**found, "statements": len(statements), "bare_s": bare,
            "slowest": [(took, " ".join(statement.split())[:SHOWN]) for took, statement in slowest],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def roll_up(url: str) -> float:
    """Compute the digest's hourly roll-ups of the seeded year, as the ``digests.roll_up``
    job would have hour by hour (migration 0030 does the same for data already there); the
    seconds it took."""
    engine = create_sync_engine(sync_url(url))
    started = time.perf_counter()
    with engine.begin() as connection:
        backfill(connection, datetime.now(UTC))
    took = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                                else "ANALYZE"))
    engine.dispose()
    return took


def run(label: str, url: str, scale: float) -> None:
    upgrade(url)
    started = time.perf_counter()
    counts = seed(url, scale)
    seeded = time.perf_counter() - started
    print(f"{label}: seeded {counts} in {seeded:.1f} s; rolled up in {roll_up(url):.1f} s",
          flush=True)
    report(url)


def report(url: str) -> None:
    """Measure the seeded database in a fresh process and print the figures."""
    out = subprocess.run([sys.executable, __file__, "--measure", url], check=True,  # noqa: S603
                         capture_output=True, text=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    queries = found["digest_s"] - found["chart_s"]
    print(f"  digest {found['digest_s'] * 1000:.0f} ms with its chart "
          f"({found['chart_s'] * 1000:.0f} ms, {found['png_bytes']:,} B), "
          f"{queries * 1000:.0f} ms without; {found['statements']} statements, bare "
          f"{found['bare_s'] * 1000:.0f} ms: {queries / found['bare_s']:.2f}x; "
          f"peak RSS {found['peak_rss_mb']:.0f} MB")
    print(f"  the {SLOWEST} slowest statements, bare, best of three:")
    for took, statement in found["slowest"]:
        print(f"    {took * 1000:7.1f} ms  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a scratch database is "
                                           "made there and dropped")
    parser.add_argument("--database", help="an empty PostgreSQL database to migrate, seed and "
                                           "keep, instead of SQLite and a scratch database")
    parser.add_argument("--remeasure", help="a database seeded before with --database: "
                                            "measure it again (after upgrading it), no seeding")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.remeasure:
        upgrade(args.remeasure)
        report(args.remeasure)
        return
    if args.database:
        run("PostgreSQL", args.database, args.scale)
        return
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'digest.db'}", args.scale)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            run("PostgreSQL", url, args.scale)


if __name__ == "__main__":
    main()
