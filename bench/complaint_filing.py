"""Complaint filing under load: signed view_submissions of the /complain form into a real
Touchpoint, with its form check running before the acknowledgement, as Slack will see it.

A complaint form is answered synchronously (its errors go back in the acknowledgement), so
the figure that matters is how long Slack waits for that answer while many people file at
once, against Slack's 3-second limit. Touchpoint runs alone in its own process on a fresh
database; this process plays Slack: N clients each submit a form (one in ten invalid, which
must be answered with its errors), wait for the HTTP answer and submit the next. After the
run it waits until every accepted complaint has its receipt and triage card, and checks the
tracking numbers are unique and without gaps.

    python bench/complaint_filing.py [--seconds 10] [--concurrency 20] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import yaml
from sqlalchemy import create_engine, text

from bot.config import load_settings
from bot.demo.cast import app_config
from bot.demo.sandbox import sandbox
from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.server import create_app
from harness import ServerProcess, percentile, serve_until_stopped
from storage.engine import describe_url, sync_url

INVALID_EVERY = 10
SETTLE_TIMEOUT_S = 120.0
USERS = 200


def serve_touchpoint(database_url: str | None, slack_api_url: str, conn: Connection) -> None:
    """The server's process: a sandboxed Touchpoint with no rate limit, until told to stop."""
    with sandbox(database_url) as box:
        config = app_config()
        config["complaints"] = {"rate_limit": {"count": 1_000_000}}
        path = box.directory / "bench.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        settings = load_settings({
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": box.signing_secret,
            "SLACK_API_URL": slack_api_url, "DATABASE_URL": box.database_url,
            "TOUCHPOINT_CONFIG": str(path)})
        serve_until_stopped(lambda: create_app(settings, scheduler=False), conn,
                            box.signing_secret, box.database_url)


@dataclass
class Run:
    valid: list[float] = field(default_factory=list)
    invalid: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0


def _ms(values: list[float], p: int) -> float:
    return percentile(values, p) * 1000


async def _client(sender: SlackSender, n: int, until: float, run: Run,
                  counter: itertools.count) -> None:
    while time.perf_counter() < until:
        i = next(counter)
        invalid = i % INVALID_EVERY == 0
        started = time.perf_counter()
        reply = await sender.submit(
            "complaint.file", {"description": "" if invalid else f"bench complaint {i}"},
            user_id=f"U0BENCH{i % USERS:03d}", view_id=f"V0BENCH{i:07d}",
            selects={"service": "Service desk", "category": "Attitude", "impact": "medium",
                     "anonymous": "no"})
        took = time.perf_counter() - started
        answered_errors = bool(reply.text) and "errors" in json.loads(reply.text)
        if reply.status != 200 or answered_errors != invalid:
            run.errors += 1
        else:
            (run.invalid if invalid else run.valid).append(took)


def _stored(database_url: str) -> tuple[int, int, int]:
    """(complaints, distinct numbers, complaints whose receipt and card went out)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(text(
                # Out: the receipt and the (Slack) triage card, sent by the outbox.
                "SELECT count(*), count(DISTINCT number), sum(CASE WHEN ("
                " SELECT count(*) FROM outbox_message o WHERE o.status = 'sent' AND o.key IN ("
                "  'complaint:' || CAST(c.id AS TEXT) || '\\:receipt',"
                "  'complaint:' || CAST(c.id AS TEXT) || '\\:triage')) = 2"
                " THEN 1 ELSE 0 END) FROM complaint c")).one())
    finally:
        engine.dispose()


async def bench(seconds: float, concurrency: int, database_url: str | None) -> tuple[Run, ...]:
    async with SlackEmulator() as slack:
        for i in range(USERS):
            slack.add_user(f"U0BENCH{i:03d}", name=f"bench{i}", email=f"bench{i}@example.com")
        server = ServerProcess(serve_touchpoint, database_url, slack.url)
        url, secret, db_url = await server.started()
        senders = [SlackSender(url, secret) for _ in range(concurrency)]
        run, counter = Run(), itertools.count(1)
        try:
            started = time.perf_counter()
            await asyncio.gather(*(_client(sender, n, started + seconds, run, counter)
                                   for n, sender in enumerate(senders)))
            run.seconds = time.perf_counter() - started
            deadline = time.perf_counter() + SETTLE_TIMEOUT_S
            while (stored := await asyncio.to_thread(_stored, db_url))[2] < len(run.valid):
                if time.perf_counter() > deadline:
                    break
                await asyncio.sleep(0.2)
        finally:
            for sender in senders:
                await sender.close()
            await server.stop()
        return run, stored, db_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--database", default="sqlite",
                        help="'sqlite' for a temporary SQLite file (default), or a PostgreSQL "
                             "URL of an empty database; it is migrated first")
    args = parser.parse_args()
    database_url = None if args.database == "sqlite" else args.database
    run, (count, distinct, receipted), db_url = asyncio.run(
        bench(args.seconds, args.concurrency, database_url))
    if len(run.valid) < 2 or len(run.invalid) < 2:
        sys.exit(f"too few answers to measure ({run.errors} errors)")
    database = "sqlite (temporary file)" if database_url is None else describe_url(db_url)
    print(f"Complaint filing, {args.concurrency} clients for {args.seconds:g} s, "
          f"database: {database}")
    print(f"{'view_submission ack':<22}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'count':>8}")
    for name, values in (("valid (stored)", run.valid), ("invalid (errors)", run.invalid)):
        print(f"{name:<22}{_ms(values, 50):>9.1f}{_ms(values, 99):>9.1f}"
              f"{max(values) * 1000:>9.1f}{len(values):>8}")
    print(f"complaints filed per second: {len(run.valid) / run.seconds:.0f}; wrong or failed "
          f"answers: {run.errors}")
    print(f"stored {count} of {len(run.valid)} accepted, {distinct} distinct tracking numbers, "
          f"{receipted} receipted")


if __name__ == "__main__":
    main()
