"""Broadcast fan-out: one service with N subscribers (5,000 by default), two `touchpoint run`
replicas sharing one PostgreSQL database, the local Slack emulator enforcing a rate limit on
chat.postMessage (50 per second with a burst of 10 by default, 429 + Retry-After beyond it),
and one replica killed with SIGKILL in the middle of the first wave (then started again, as
an orchestrator would).

This process plays Slack, the operator and IT: it opens a broadcast for the service (its post
and a DM to every subscriber, written in one transaction), then posts three updates, one each
N / rate seconds (the time a wave takes at the limit), each editing the channel post in place
and sending every subscriber another DM. It times from the opening's commit until every DM of
the four waves is sent, and counts from what the emulator stored the DMs each subscriber got
(more than four: duplicates; fewer: lost) and the chat.update calls on the post.

The floor is 4 x N / rate: no sender can beat the limit. Each replica paces itself at
`--pace` of its share of the limit (outbox.send_rate is per replica).

    python bench/broadcast.py [--subscribers 5000] [--rate 50] [--burst 10] [--pace 0.97]
                              [--kill-after 0.5] [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func
from sqlmodel import col, select

from bot.chat.port import Origin
from bot.config import load_settings
from bot.emulators.replica import free_port, wait_healthy
from bot.emulators.slack import SlackEmulator
from bot.flows.broadcasts import states
from bot.flows.broadcasts.forms import Change, Opening
from bot.flows.broadcasts.lifecycle import broadcast_change, broadcast_open
from bot.flows.broadcasts.notify import post_key
from bot.flows.directory.sync import sync_directory
from bot.server import SERVICES, create_app
from fanout import DEFAULT_SERVER, ROOT, SIGNING_SECRET, peak_rss_mb
from harness import postgres_database
from storage import broadcasts as store
from storage.directory import find_by_platform_id
from storage.engine import describe_url
from storage.migrate import upgrade
from storage.models import Person
from storage.outbox import OutboxMessage

DONE_TIMEOUT_S = 1800.0
SERVICE = "Email and calendar"
OWNER = {"id": "U0BOWNER1", "email": "owner@example.com"}
STATUS = "C0STATUS1"
WAVES = 4
"""The opening and three updates."""


def write_config(directory: Path, per_replica: float) -> Path:
    path = directory / "app.yaml"
    path.write_text(yaml.safe_dump({
        "organisation": {"name": "Bench Corp IT", "timezone": "UTC"},
        "channels": {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                     "kudos_wall": {"slack": "C0KUDOS01"}, "broadcasts": [{"slack": STATUS}]},
        "roles": {"it_staff": {"emails": [OWNER["email"]]}},
        # A short lease, so rows the killed replica held are taken again within seconds.
        "outbox": {"send_rate": {"slack": per_replica}, "poll_seconds": 0.25,
                   "lease_seconds": 5},
    }), encoding="utf-8")
    return path


class Replicas:
    """`touchpoint run` processes, each on a port of its own."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(self) -> None:
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        self.processes.append(process)
        await wait_healthy(f"http://127.0.0.1:{port}", process, within_s=60)

    async def stop(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            await asyncio.wait_for(process.wait(), timeout=30)


async def dms_sent(services) -> int:
    async with services.sessions() as session:
        count = (await session.exec(
            select(func.count()).select_from(OutboxMessage)
            .where(col(OutboxMessage.kind) == "dm", col(OutboxMessage.status) == "sent")
        )).one()
        await session.commit()
    return int(count)


async def run_as(services, person: Person, flow, *args: Any) -> None:
    async with services.sessions() as session:
        await flow(session, services, person, *args)
        await session.commit()


async def bench(args: argparse.Namespace, database_url: str, directory: Path
                ) -> dict[str, Any]:
    users = [f"U0S{n:06d}" for n in range(args.subscribers)]
    async with SlackEmulator() as slack:
        for user_id in users:
            slack.add_user(id=user_id, name=user_id.lower(), tz="UTC")
        slack.add_user(id=OWNER["id"], name="owner", email=OWNER["email"], tz="UTC")
        config = write_config(directory, args.pace * args.rate / 2)
        env = {**{k: v for k, v in os.environ.items()
                  if not k.startswith(("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_"))},
               "TOUCHPOINT_CONFIG": str(config), "DATABASE_URL": database_url,
               "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": slack.url}
        settings = load_settings(env)
        services = create_app(settings, scheduler=False)[SERVICES]
        async with services.sessions() as session:
            await sync_directory(session, services)
            for user_id in users:
                person = await find_by_platform_id(session, "slack", user_id)
                assert person is not None and person.id is not None
                await store.subscribe(session, person.id, SERVICE)
            owner = await find_by_platform_id(session, "slack", OWNER["id"])
            await session.commit()
        assert owner is not None and owner.role == "it_staff"
        origin = Origin("slack", OWNER["id"], response_url=slack.response_url("bench"))

        replicas = Replicas(env)
        try:
            for _ in range(2):
                await replicas.start()
            await asyncio.sleep(2)  # both start-up directory syncs have nothing left to do
            slack.rate_limit("chat.postMessage", args.rate, burst=args.burst,
                             per_channel=False)
            slack.clear()
            wave_s = args.subscribers / args.rate
            started = time.monotonic()
            await run_as(services, owner, broadcast_open, origin, Opening(
                "incident", "Mail is down", [SERVICE], "outage", "investigating",
                "Outlook cannot connect.", None, None, False), "bench:open")
            [(broadcast, _owner)] = await open_broadcasts(services)
            killed = False
            for step, status in enumerate(("identified", "monitoring", "monitoring"), 1):
                while time.monotonic() - started < step * wave_s:
                    if not killed and await dms_sent(services) >= (
                            args.kill_after * args.subscribers):
                        replicas.processes[0].send_signal(signal.SIGKILL)
                        await replicas.processes[0].wait()
                        killed_at = time.monotonic() - started
                        killed = True
                        await replicas.start()
                    await asyncio.sleep(0.25)
                await run_as(services, owner, broadcast_change, origin, Change(
                    states.UPDATED, broadcast.id, status, "outage", [SERVICE],
                    f"Update {step}", False))
            while await dms_sent(services) < WAVES * args.subscribers:
                if time.monotonic() - started > DONE_TIMEOUT_S:
                    raise SystemExit(f"not finished after {DONE_TIMEOUT_S:.0f}s")
                await asyncio.sleep(0.25)
            wall = time.monotonic() - started
            rss = [peak_rss_mb(process.pid) for process in replicas.processes
                   if process.returncode is None]
        finally:
            await replicas.stop()
        await services.engine.dispose()
        calls = slack.calls_to("chat.postMessage")
        counts = [sum(1 for m in slack.messages_in(SlackEmulator.dm_channel(u))
                      if m.get("metadata")) for u in users]
        post_ts = {m["ts"] for m in slack.messages_in(STATUS)
                   if (m.get("metadata") or {}).get("event_payload", {}).get("key")
                   == post_key(broadcast.id, 0)}
        return {
            "wall": wall, "killed_at": killed_at if killed else None, "rss": rss,
            "duplicates": sum(n - WAVES for n in counts if n > WAVES),
            "lost": sum(WAVES - n for n in counts if n < WAVES),
            "throttled": sum(call.faulted for call in calls), "calls": len(calls),
            "posts": len(post_ts),
            "edits": sum(1 for call in slack.calls_to("chat.update")
                         if call.args.get("ts") in post_ts and not call.faulted),
        }


async def open_broadcasts(services):
    async with services.sessions() as session:
        return await store.open_broadcasts(session)


def report(args: argparse.Namespace, database: str, found: dict[str, Any]) -> str:
    floor = WAVES * args.subscribers / args.rate
    killed = (f"{found['killed_at']:.1f} s in" if found["killed_at"] is not None
              else "never (the first wave ended first)")
    lines = [
        f"broadcast fan-out: {args.subscribers} subscribers of one service, 2 replicas on "
        f"{database}, the opening and 3 updates",
        f"Slack emulator limit: chat.postMessage {args.rate:g}/s, burst {args.burst}, "
        f"429 + Retry-After beyond; each replica paced at {args.pace * args.rate / 2:g}/s",
        f"replica 1 killed {killed}, and started again",
        f"wall time      {found['wall']:8.1f} s  (from the opening to the last DM sent)",
        f"floor          {floor:8.1f} s  ({WAVES} x subscribers / rate)",
        f"wall / floor   {found['wall'] / floor:8.3f}",
        f"duplicates     {found['duplicates']:8d}",
        f"lost           {found['lost']:8d}",
        f"channel posts  {found['posts']:8d}  edited in place {found['edits']} times "
        "(chat.update)",
        f"429 answers    {found['throttled']:8d}  of {found['calls']} chat.postMessage calls",
        "peak RSS       " + ", ".join(f"{mb:.0f} MB" for mb in found["rss"]),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50.0,
                        help="the emulator's chat.postMessage limit, per second")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--pace", type=float, default=0.97,
                        help="the share of the limit the two replicas pace at together")
    parser.add_argument("--kill-after", type=float, default=0.5,
                        help="kill replica 1 once this share of the first wave is sent")
    parser.add_argument("--database", default=DEFAULT_SERVER,
                        help="a PostgreSQL server; the bench makes its own database there")
    args = parser.parse_args()
    with postgres_database(args.database) as url, \
            tempfile.TemporaryDirectory(prefix="touchpoint-broadcast-") as directory:
        upgrade(url)
        found = asyncio.run(bench(args, url, Path(directory)))
    print(report(args, describe_url(args.database), found))


if __name__ == "__main__":
    main()
