"""Ticket webhook throughput: signed ticket events into a real Touchpoint on loopback, on a
SQLite file and then, when given one, on PostgreSQL, with events/s and latency for each.

The server runs alone in its own process, as it would be deployed; this process plays the
service desk (the clients) and Slack (the emulator that answers the server's look-ups of
requesters by email). Each of N clients walks its own tickets through a life: opened, first
response, resolved, and now and then reopened and resolved again, each event signed with a
timestamp, and sends the next event as soon as the last is answered. Every event is a new
delivery that changes a ticket, so each costs a real write. After a warm-up second the load
runs for the measured seconds; the server then counts what it stored, so a fast answer cannot
hide an event that was not written. Each database is measured twice: with CSAT switched off
(the webhook's own work), then with every resolution surveying its requester: no quiet hours
and no per-person limit, so each resolution is a survey decided before the desk gets its
answer and a DM through the Slack emulator right after, by the outbox (the worst case for the
webhook; the default fatigue rules send far fewer). Once the load stops and the outbox has
nothing left to send, the DMs the emulator received are counted against the surveys the
server recorded as sent, so a survey cannot be lost behind a fast answer either.

    python bench/webhook.py [--seconds 10] [--concurrency 16] [--postgres URL]

PostgreSQL is also used when TOUCHPOINT_TEST_POSTGRES names a server; the benchmark creates
and drops a database of its own there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from sqlmodel import col, func, select

from bot.config import load_settings
from bot.demo.cast import app_config
from bot.demo.sandbox import sandbox
from bot.emulators.slack import SlackEmulator
from bot.emulators.tickets import TicketSender
from bot.flows.csat.sending import send_due_surveys
from bot.server import SERVICES, create_app
from harness import (
    ServerProcess,
    Timings,
    enough_measured,
    postgres_database,
    serve_until_stopped,
)
from storage.csat import SurveyInvitation
from storage.outbox import CLAIMED, PENDING, OutboxMessage
from storage.tickets import Ticket

WARMUP_S = 1.0
UNPACED = 1000.0
"""The outbox's Slack pace here: the DMs go out as fast as they are recorded, so the server
does their work during the load (paced at Slack's rate, they would go out after it)."""
PEOPLE = 40
TICKETS_CONFIG = {
    "sources": {"desk": {"preset": "generic"}},
    "sla": {"P1": {"first_response": "30m", "resolution": "4h"},
            "P2": {"first_response": "1h", "resolution": "8h"},
            "P3": {"first_response": "4h", "resolution": "24h"}},
}


# --------------------------------------------------------------------------- the server


def serve_touchpoint(database_url: str | None, slack_api_url: str, surveys: bool,
                     conn: Connection) -> None:
    """The server's process: serve until told to stop, then say how many tickets it holds
    and how many surveys it sent, and the CPU seconds it used since the bench's mark.

    With `surveys`, each resolution surveys its requester at once (no quiet hours, so the
    figures do not depend on the hour the bench runs); without, CSAT is switched off and only
    the tickets are written."""
    webhook_secret = secrets.token_hex(16)
    with sandbox(database_url) as box:
        csat = {"quiet_hours": None, "min_days_between": 0} if surveys else {"enabled": False}
        config = {**app_config(), "tickets": TICKETS_CONFIG, "csat": csat,
                  "outbox": {"send_rate": {"slack": UNPACED}}}
        path = box.directory / "app.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        settings = load_settings({
            "SLACK_BOT_TOKEN": f"xoxb-{secrets.token_hex(8)}",
            "SLACK_SIGNING_SECRET": box.signing_secret, "SLACK_API_URL": slack_api_url,
            "DATABASE_URL": box.database_url, "TOUCHPOINT_WEBHOOK_SECRET": webhook_secret,
            "TOUCHPOINT_CONFIG": str(path)})
        serve_until_stopped(lambda: create_app(settings, scheduler=False), conn,
                            webhook_secret, report=_stored)


async def _stored(app: web.Application) -> tuple[int, int]:
    """The tickets held and the surveys recorded as sent, once the DMs still going out are
    out and the every-minute job has noted them."""
    services = app[SERVICES]
    await services.background.drain()
    while True:
        async with services.sessions() as session:
            busy = (await session.exec(select(func.count()).select_from(OutboxMessage).where(
                col(OutboxMessage.status).in_((PENDING, CLAIMED))))).one()
        if not busy:
            break
        await asyncio.sleep(0.1)
    await send_due_surveys(services)
    async with services.sessions() as session:
        tickets = (await session.exec(select(func.count()).select_from(Ticket))).one()
        sent = (await session.exec(select(func.count()).select_from(SurveyInvitation).where(
            col(SurveyInvitation.sent_at).is_not(None)))).one()
    return tickets, sent


# --------------------------------------------------------------------------- the load


@dataclass
class Run(Timings):
    """One database's run, with or without surveys, as `label` says."""

    sent: int = 0
    """Events answered 200 as stored, warm-up included."""
    tickets: int = 0
    """Tickets the server holds at the end."""
    surveys_sent: int = 0
    """Invitations the server recorded as sent, warm-up included."""
    dms: int = 0
    """chat.postMessage calls the Slack emulator answered, warm-up included."""
    stored_tickets: set[str] = field(default_factory=set)
    server_cpu: float = 0.0
    """CPU seconds the server process used from the measured start to the stop."""
    load: tuple[float, float] = (0.0, 0.0)
    """The machine's 1-minute load average before and after."""


def ticket_lives(client: int) -> Iterator[dict[str, Any]]:
    """Events of one client's tickets, one life after another, each newer than the last."""
    opened = datetime(2026, 11, 2, 9, tzinfo=UTC)
    number = 0
    while True:
        number += 1
        ticket = f"B{client:03d}-{number:06d}"
        person = (client + number) % PEOPLE
        base = {"id": ticket, "title": f"Bench ticket {ticket}", "service": "Bench",
                "requester_email": f"bench{person}@example.com",
                "assignee_email": f"bench{(person + 1) % PEOPLE}@example.com",
                "priority": f"P{1 + number % 3}", "created_at": opened.isoformat()}
        steps = [("open", {}), ("open", {"first_response_at": 10}), ("resolved", {})]
        if number % 4 == 0:
            steps += [("open", {}), ("resolved", {})]
        for minutes, (status, extra) in enumerate(steps, start=1):
            at = opened + timedelta(minutes=minutes * 10)
            times = {name: (opened + timedelta(minutes=value)).isoformat()
                     for name, value in extra.items()}
            yield {**base, **times, "status": status, "updated_at": at.isoformat(),
                   "event_id": f"{ticket}:{minutes}"}
        opened += timedelta(minutes=7)


async def _client(sender: TicketSender, client: int, until: float, run: Run,
                  measured: bool) -> None:
    events = ticket_lives(client)
    while time.perf_counter() < until:
        event = next(events)
        started = time.perf_counter()
        try:
            reply = await sender.send(event, timestamp=int(time.time()))
        except aiohttp.ClientError:
            run.errors += 1
            continue
        if reply.status != 200 or reply.json()["outcome"] != "stored":
            run.errors += 1
            continue
        run.sent += 1
        run.stored_tickets.add(event["id"])
        if measured:
            run.latencies.append(time.perf_counter() - started)


async def bench_one(database_url: str | None, label: str, seconds: float,
                    concurrency: int, surveys: bool) -> Run:
    run = Run(f"{label}{' + surveys' if surveys else ''}")
    async with SlackEmulator() as slack:
        for i in range(PEOPLE):
            slack.add_user(f"U0BENCH{i:03d}", name=f"bench{i}", email=f"bench{i}@example.com")
        server = ServerProcess(serve_touchpoint, database_url, slack.url, surveys)
        url, webhook_secret = await server.started()
        senders = [TicketSender(url, secret=webhook_secret) for _ in range(concurrency)]
        try:
            run.load = (os.getloadavg()[0], 0.0)
            for measured, span in ((False, WARMUP_S), (True, seconds)):
                if measured:
                    server.mark()
                started = time.perf_counter()
                # Warm-up and measured rounds carry on each client's own tickets.
                await asyncio.gather(*(
                    _client(sender, i + (0 if measured else 500), started + span, run, measured)
                    for i, sender in enumerate(senders)))
                if measured:
                    run.seconds = time.perf_counter() - started
            run.load = (run.load[0], os.getloadavg()[0])
        finally:
            for sender in senders:
                await sender.close()
            stopped = await server.stop()
            run.dms = len(slack.calls_to("chat.postMessage"))
    if stopped is None:
        sys.exit(f"{run.label}: the server's process ended before the run did")
    (run.tickets, run.surveys_sent), run.server_cpu = stopped.report, stopped.cpu
    return run


# --------------------------------------------------------------------------- the report


def report(runs: list[Run], concurrency: int, seconds: float) -> str:
    rows = [f"Ticket webhook, signed events from {concurrency} clients for {seconds:g} s per "
            f"database, {os.cpu_count()} CPUs",
            f"{'database':<48}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
            f"{'tickets':>12}{'DMs':>12}{'server CPU ms/event':>21}{'load avg':>14}"]
    for run in runs:
        tickets = f"{run.tickets}/{len(run.stored_tickets)}"
        dms = f"{run.dms}/{run.surveys_sent}"
        rows.append(f"{run.label:<48}{run.per_second:>10.0f}"
                    f"{run.percentile(50) * 1000:>9.1f}{run.percentile(99) * 1000:>9.1f}"
                    f"{run.errors:>8}{tickets:>12}{dms:>12}"
                    f"{run.server_cpu * 1000 / max(len(run.latencies), 1):>21.2f}"
                    f"{f'{run.load[0]:.1f} -> {run.load[1]:.1f}':>14}")
    rows.append("tickets: held by the server / touched by an event answered 'stored'; DMs: "
                "received by the Slack emulator / surveys the server recorded as sent; server "
                "CPU: its process time (all threads) per measured event; load avg: the "
                "machine's 1-minute load average before -> after")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="measured seconds per database (default 10)")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="clients sending at once (default 16)")
    parser.add_argument("--postgres", default=os.environ.get("TOUCHPOINT_TEST_POSTGRES", ""),
                        help="a PostgreSQL server URL to run on as well (default: "
                             "TOUCHPOINT_TEST_POSTGRES); empty for SQLite only")
    args = parser.parse_args()
    if args.seconds <= 0 or args.concurrency < 1:
        parser.error("--seconds must be > 0 and --concurrency >= 1")
    runs = []
    for surveys in (False, True):
        runs.append(asyncio.run(bench_one(None, "sqlite (temporary file)", args.seconds,
                                          args.concurrency, surveys)))
        if args.postgres.strip():
            with postgres_database(args.postgres.strip()) as url:
                runs.append(asyncio.run(bench_one(url, "postgresql (temporary database)",
                                                  args.seconds, args.concurrency, surveys)))
    for run in runs:
        enough_measured(run, "event(s) stored")
    print(report(runs, args.concurrency, args.seconds))
    lost = [run.label for run in runs
            if run.tickets != len(run.stored_tickets) or run.dms != run.surveys_sent]
    if lost:
        sys.exit(f"stored tickets or sent surveys do not add up for: {', '.join(lost)}")


if __name__ == "__main__":
    main()
