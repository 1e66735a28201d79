"""Pulse fan-out: N recipients (5,000 by default) through three `touchpoint run` replicas sharing
one PostgreSQL database, against the local Slack emulator enforcing a rate limit on
chat.postMessage (50 per second with a burst of 10 by default, 429 + Retry-After beyond it);
one replica is killed with SIGKILL a third of the way through.

This process plays Slack and the operator: it runs the emulator, seeds the workspace and the
directory, starts the replicas as real processes, opens one pulse for everyone (all due at
once) and times it from the opening's commit (the deliveries and their outbox rows written
in one transaction) until every outbox row is finished. When the emulator has taken a third
of the messages it kills the first replica (SIGKILL: no shut-down, its claimed rows wait for
their lease to lapse). Then it counts, from what the emulator stored, the people who got more
than one pulse DM (duplicates) or none (lost), the most chat.postMessage calls the emulator
saw in any one second, and reads each surviving replica's peak resident memory (VmHWM) and
its sent counter.

The floor is recipients / rate: no sender can beat the limit. The replicas share one send
budget in the database (`outbox.send_rate` is the pace of all of them together), set to
`--pace` of the limit.

    python bench/fanout.py [--recipients 5000] [--rate 50] [--burst 10] [--replicas 3]
                           [--kill-at 0.33] [--pace 0.97] [--replica-nice 0]
                           [--database postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from sqlalchemy import func
from sqlmodel import col, select

from bot.config import load_settings
from bot.emulators.replica import free_port, start_replica, stop_replicas, wait_healthy
from bot.emulators.slack import SlackEmulator
from bot.flows.directory.sync import sync_directory
from bot.flows.pulses.campaigns import CampaignSpec, create_campaign, open_due_campaigns
from bot.server import SERVICES, create_app
from harness import postgres_database
from storage.engine import describe_url
from storage.migrate import upgrade
from storage.outbox import OutboxMessage

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = os.environ.get("TOUCHPOINT_TEST_POSTGRES",
                                "postgresql://postgres@127.0.0.1:5432/test")
SIGNING_SECRET = secrets.token_hex(16)
DONE_TIMEOUT_S = 900.0
LEASE_S = 30
"""The replicas' outbox.lease_seconds: how soon the killed replica's claimed rows go again."""


def write_config(directory: Path, rate: float) -> Path:
    path = directory / "app.yaml"
    path.write_text(yaml.safe_dump({
        "organisation": {"name": "Bench Corp IT", "timezone": "UTC"},
        "channels": {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                     "kudos_wall": {"slack": "C0KUDOS01"}, "broadcasts": [{"slack": "C0STATUS1"}]},
        "pulses": {"reminders": []},
        "outbox": {"send_rate": {"slack": rate}, "poll_seconds": 0.25,
                   "lease_seconds": LEASE_S},
    }), encoding="utf-8")
    return path


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else float("nan")


async def sent_by(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(f"{url}/metrics") as response:
        text = await response.text()
    found = re.search(r'touchpoint_outbox_results_total\{purpose="pulse",status="sent"\} '
                      r"([0-9.e+]+)", text)
    return int(float(found[1])) if found else 0


async def bench(args: argparse.Namespace, database_url: str, directory: Path
                ) -> dict[str, Any]:
    users = [f"U0B{n:06d}" for n in range(args.recipients)]
    async with SlackEmulator() as slack:
        for user_id in users:
            slack.add_user(id=user_id, name=user_id.lower(), tz="UTC")
        config = write_config(directory, args.pace * args.rate)
        env = {**{k: v for k, v in os.environ.items()
                  if not k.startswith(("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_"))},
               "TOUCHPOINT_CONFIG": str(config), "DATABASE_URL": database_url,
               "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": slack.url}
        settings = load_settings(env)
        services = create_app(settings, scheduler=False)[SERVICES]
        async with services.sessions() as session:
            await sync_directory(session, services)

        ports = [free_port() for _ in range(args.replicas)]
        # --replica-nice: on a shared machine, to keep the emulator (playing Slack) from being
        # the one kept waiting for a core (its stalls reach it as bursts, answered 429).
        replicas = [await start_replica(port, env, cwd=ROOT, niceness=args.replica_nice)
                    for port in ports]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        async with aiohttp.ClientSession() as http:
            try:
                for url, process in zip(urls, replicas, strict=True):
                    await wait_healthy(url, process, within_s=60)
                # Only now: both replicas' start-up directory syncs find nothing to change.
                await asyncio.sleep(2)
                slack.rate_limit("chat.postMessage", args.rate, burst=args.burst,
                                 per_channel=False)
                slack.clear()
                midnight = datetime.combine(datetime.now(UTC).date(), clock_time(0), UTC)
                async with services.sessions() as session:
                    await create_campaign(session, settings.app, CampaignSpec(
                        name="bench", opens_at=midnight, open_days=7, send_time=clock_time(0),
                        reminders=()))
                    await session.commit()
                opening = time.monotonic()
                await open_due_campaigns(services)
                started = time.monotonic()
                killer = asyncio.create_task(kill_when(slack, replicas[0],
                                                       int(args.kill_at * len(users))))
                finished = await wait_done(services, len(users))
                wall = time.monotonic() - started
                killed_at = await killer
                alive = [n for n, process in enumerate(replicas) if process.returncode is None]
                rss = {n: peak_rss_mb(replicas[n].pid) for n in alive}
                shares = {n: await sent_by(http, urls[n]) for n in alive}
            finally:
                await stop_replicas(replicas)
        await services.engine.dispose()
        calls = slack.calls_to("chat.postMessage")
        busiest = most_in_one_second([call.at for call in calls])
        busiest_taken = most_in_one_second([call.at for call in calls if not call.faulted])
        counts = [sum(1 for m in slack.messages_in(SlackEmulator.dm_channel(u))
                      if m.get("metadata")) for u in users]
        return {
            "wall": wall, "opening": started - opening, "finished": finished, "rss": rss,
            "shares": shares, "killed_at": killed_at - started, "busiest": busiest,
            "busiest_taken": busiest_taken,
            "duplicates": sum(n - 1 for n in counts if n > 1),
            "lost": sum(1 for n in counts if n == 0),
            "throttled": sum(call.faulted for call in calls), "calls": len(calls),
        }


async def kill_when(slack: SlackEmulator, process: asyncio.subprocess.Process,
                    calls: int) -> float:
    """SIGKILL `process` once the emulator has taken `calls` messages; when it did."""
    await slack.wait_for("chat.postMessage", calls, timeout=DONE_TIMEOUT_S)
    process.kill()
    await process.wait()
    return time.monotonic()


def most_in_one_second(times: list[float]) -> int:
    """The most of `times` within any one second (a window starting at one of them)."""
    ordered, most, first = sorted(times), 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def wait_done(services, total: int) -> dict[str, int]:
    deadline = time.monotonic() + DONE_TIMEOUT_S
    while time.monotonic() < deadline:
        async with services.sessions() as session:
            rows = dict((await session.exec(
                select(OutboxMessage.status, func.count())
                .group_by(col(OutboxMessage.status)))).all())
            await session.commit()
        if rows.get("sent", 0) + rows.get("failed", 0) + rows.get("cancelled", 0) >= total:
            return rows
        await asyncio.sleep(0.25)
    raise SystemExit(f"not finished after {DONE_TIMEOUT_S:.0f}s: {rows}")


def report(args: argparse.Namespace, database: str, found: dict[str, Any]) -> str:
    floor = args.recipients / args.rate
    lines = [
        f"pulse fan-out: {args.recipients} recipients, {args.replicas} replicas on "
        f"{database}, replica 1 killed (SIGKILL) after {args.kill_at:.0%} of the messages",
        f"Slack emulator limit: chat.postMessage {args.rate:g}/s, burst {args.burst}, "
        f"429 + Retry-After beyond; one shared budget of {args.pace * args.rate:g}/s "
        f"for all replicas (run at nice {args.replica_nice})",
        f"opening        {found['opening']:8.1f} s  (the deliveries and their outbox rows "
        "written, before the clock starts)",
        f"killed at      {found['killed_at']:8.1f} s",
        f"wall time      {found['wall']:8.1f} s",
        f"floor          {floor:8.1f} s  (recipients / rate)",
        f"wall / floor   {found['wall'] / floor:8.3f}",
        f"outbox         {found['finished']}",
        f"duplicates     {found['duplicates']:8d}",
        f"lost           {found['lost']:8d}",
        f"busiest second {found['busiest']:8d}  chat.postMessage calls, "
        f"{found['busiest_taken']} of them taken (limit {args.rate:g}/s)",
        f"429 answers    {found['throttled']:8d}  of {found['calls']} chat.postMessage calls",
        "sent by        " + ", ".join(f"replica {n + 1}: {share}"
                                      for n, share in found["shares"].items()),
        "peak RSS       " + ", ".join(f"replica {n + 1}: {mb:.0f} MB"
                                      for n, mb in found["rss"].items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50.0,
                        help="the emulator's chat.postMessage limit, per second")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--replica-nice", type=int, default=0,
                        help="the replicas' niceness, below the emulator's priority")
    parser.add_argument("--kill-at", type=float, default=1 / 3,
                        help="the share of the messages sent when replica 1 is killed")
    parser.add_argument("--pace", type=float, default=0.97,
                        help="the share of the limit the shared budget paces at")
    parser.add_argument("--database", default=DEFAULT_SERVER,
                        help="a PostgreSQL server; the bench makes its own database there")
    args = parser.parse_args()
    with postgres_database(args.database) as url, \
            tempfile.TemporaryDirectory(prefix="touchpoint-fanout-") as directory:
        upgrade(url)
        found = asyncio.run(bench(args, url, Path(directory)))
    print(report(args, describe_url(args.database), found))


if __name__ == "__main__":
    main()
