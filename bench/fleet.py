"""What the fan-out benches (fanout.py, broadcast.py) share: their command line (the emulator's
limit, the shared budget's pace, the PostgreSQL server) and the run on a database of their own,
a workspace of N people in the local Slack emulator, `touchpoint run` replicas on one
PostgreSQL database against it, one of them killed with SIGKILL mid-run (and perhaps started
again, as an orchestrator would), a line of progress every few seconds while the messages go
out, and the counting done afterwards at the emulator (messages per person, the busiest second,
the 429s) with the report's lines for it.

The counts come from the emulator, which plays Slack, and from each replica's /metrics (what
it sent); nothing is taken from the replicas' word alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import re
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.config import load_settings
from bot.emulators.replica import free_port, start_replica, stop_replicas, wait_healthy
from bot.emulators.slack import SlackEmulator
from bot.flows.directory.sync import sync_directory
from bot.server import SERVICES, create_app
from bot.services import Services
from harness import postgres_database
from storage.engine import describe_url
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = os.environ.get("TOUCHPOINT_TEST_POSTGRES",
                                "postgresql://postgres@127.0.0.1:5432/test")
SIGNING_SECRET = secrets.token_hex(16)
LEASE_S = 30
"""The replicas' outbox.lease_seconds: how soon the killed replica's claimed rows go again."""
PROGRESS_EVERY_S = 10.0


def write_config(directory: Path, rate: float, **extra: Any) -> Path:
    """The replicas' app.yaml: `rate` is the shared send budget (all replicas together)."""
    path = directory / "app.yaml"
    path.write_text(yaml.safe_dump({
        "organisation": {"name": "Bench Corp IT", "timezone": "UTC"},
        "channels": {"triage": {"slack": "C0TRIAGE1"}, "digests": {"slack": "C0DIGEST1"},
                     "kudos_wall": {"slack": "C0KUDOS01"}, "broadcasts": [{"slack": "C0STATUS1"}]},
        "outbox": {"send_rate": {"slack": rate}, "poll_seconds": 0.25,
                   "lease_seconds": LEASE_S},
        **extra,
    }), encoding="utf-8")
    return path


def replica_env(config: Path, database_url: str, slack: SlackEmulator) -> dict[str, str]:
    """This process's environment without any platform or Touchpoint settings of its own,
    pointed at `config`, the database and the emulator."""
    return {**{k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "MICROSOFT_", "TOUCHPOINT_", "DATABASE_"))},
            "TOUCHPOINT_CONFIG": str(config), "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url}


async def seeded_services(env: dict[str, str]) -> Services:
    """The application's services in this process (no scheduler, no sender), with the
    emulator's people in the directory: the bench records what an operator would do."""
    services = create_app(load_settings(env), scheduler=False)[SERVICES]
    async with services.sessions() as session:
        await sync_directory(session, services)
        await session.commit()
    # No cyclic collection in this process from here to its end (the run's garbage is some
    # tens of MB): a full collection of what it holds (the emulator's workspace and every
    # call, the directory) stopped it, and it plays Slack, for up to half a second on a
    # loaded machine; the calls queued meanwhile then reached the emulator as one burst,
    # past its burst allowance (429s, a busiest second over the limit), though the replicas
    # had sent them evenly. Real Slack does not stop to collect.
    gc.collect()
    gc.freeze()
    gc.disable()
    return services


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else float("nan")


class Fleet:
    """`touchpoint run` replicas, numbered from 1 in the order they were started (a replica
    started after a kill gets the next number)."""

    def __init__(self, env: dict[str, str], *, niceness: int = 0):
        self.env = env
        self.niceness = niceness
        self.processes: list[asyncio.subprocess.Process] = []
        self.urls: list[str] = []
        self.last_sent: dict[int, int] = {}
        """What each replica had sent when last asked: a killed one's count stays here."""
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fleet:
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        try:
            await stop_replicas(self.processes)
        finally:
            assert self._http is not None
            await self._http.close()

    async def start(self, count: int = 1) -> None:
        """Start `count` more replicas and wait until each serves."""
        ports = [free_port() for _ in range(count)]
        started = [await start_replica(port, self.env, cwd=ROOT, niceness=self.niceness)
                   for port in ports]
        self.processes += started
        self.urls += [f"http://127.0.0.1:{port}" for port in ports]
        for port, process in zip(ports, started, strict=True):
            await wait_healthy(f"http://127.0.0.1:{port}", process, within_s=60)

    def alive(self) -> list[int]:
        """The numbers of the replicas still running."""
        return [n for n, process in enumerate(self.processes, 1) if process.returncode is None]

    async def kill(self, number: int) -> None:
        """SIGKILL: no shut-down, its claimed rows wait for their lease to lapse."""
        process = self.processes[number - 1]
        process.kill()
        await process.wait()

    async def sent(self, purpose: str) -> dict[int, int]:
        """What each running replica says it sent for `purpose` (its /metrics)."""
        assert self._http is not None
        for number in self.alive():
            with contextlib.suppress(aiohttp.ClientError):
                async with self._http.get(f"{self.urls[number - 1]}/metrics") as response:
                    text = await response.text()
                found = re.search(rf'touchpoint_outbox_results_total\{{purpose="{purpose}",'
                                  r'status="sent"\} ([0-9.e+]+)', text)
                self.last_sent[number] = int(float(found[1])) if found else 0
        return dict(self.last_sent)

    def peak_rss(self) -> dict[int, float]:
        return {n: peak_rss_mb(self.processes[n - 1].pid) for n in self.alive()}


async def kill_when(slack: SlackEmulator, fleet: Fleet, calls: int, *, restart: bool,
                    timeout: float) -> float:  # noqa: ASYNC109 - passed on to the emulator
    """SIGKILL replica 1 once the emulator has taken `calls` chat.postMessage calls, and
    start another in its place when `restart`; the time of the kill (time.monotonic)."""
    await slack.wait_for("chat.postMessage", calls, timeout=timeout)
    await fleet.kill(1)
    killed = time.monotonic()
    if restart:
        await fleet.start()
    return killed


@contextlib.asynccontextmanager
async def progress(slack: SlackEmulator, fleet: Fleet, purpose: str,
                   stage: Callable[[], Awaitable[str]], *, every_s: float = PROGRESS_EVERY_S):
    """While the block runs, one line every `every_s`: the time, `stage()`, the calls the
    emulator took and refused, and what each replica sent (a killed one: its last count)."""
    started = time.monotonic()

    async def report() -> None:
        while True:
            await asyncio.sleep(every_s)
            calls = slack.calls_to("chat.postMessage")
            throttled = sum(call.faulted for call in calls)
            sent = await fleet.sent(purpose)
            alive = fleet.alive()
            replicas = ", ".join(f"{n}: {sent.get(n, '?')}{'' if n in alive else ' (killed)'}"
                                 for n in range(1, len(fleet.processes) + 1))
            print(f"{time.monotonic() - started:7.1f} s  {await stage()}  chat.postMessage "
                  f"{len(calls) - throttled} taken, {throttled} 429s, "
                  f"{len(slack.calls_to('chat.update'))} chat.update  sent by replica "
                  f"{replicas}", flush=True)

    task = asyncio.create_task(report(), name="bench-progress")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def add_people(slack: SlackEmulator, prefix: str, count: int) -> list[str]:
    """`count` people in the emulator's workspace; their user ids."""
    users = [f"{prefix}{n:06d}" for n in range(count)]
    for user_id in users:
        slack.add_user(id=user_id, name=user_id.lower(), tz="UTC")
    return users


def dms_per_person(slack: SlackEmulator, users: Iterable[str]) -> list[int]:
    """How many messages the outbox sent each person (those carry their key as metadata)."""
    return [sum(1 for message in slack.messages_in(SlackEmulator.dm_channel(user_id))
                if message.get("metadata")) for user_id in users]


def most_in_one_second(times: list[float]) -> int:
    """The most of `times` within any one second (a window starting at one of them)."""
    ordered, most, first = sorted(times), 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def busiest_second(slack: SlackEmulator) -> tuple[int, int]:
    """The most chat.postMessage calls the emulator saw in any one second, and the most it
    took (answered without a 429)."""
    calls = slack.calls_to("chat.postMessage")
    return (most_in_one_second([call.at for call in calls]),
            most_in_one_second([call.at for call in calls if not call.faulted]))


def at_the_emulator(slack: SlackEmulator, users: Iterable[str]) -> dict[str, Any]:
    """What the emulator counted once the run is over: the DMs each of `users` got (`counts`),
    the busiest second, the chat.postMessage calls and the 429s among them."""
    calls = slack.calls_to("chat.postMessage")
    busiest, busiest_taken = busiest_second(slack)
    return {"counts": dms_per_person(slack, users), "busiest": busiest,
            "busiest_taken": busiest_taken, "calls": len(calls),
            "throttled": sum(call.faulted for call in calls)}


def emulator_lines(found: dict[str, Any], rate: float) -> list[str]:
    """The report's lines for the busiest second, the 429s, each replica's share and its
    peak memory."""
    return [
        f"busiest second {found['busiest']:8d}  chat.postMessage calls, "
        f"{found['busiest_taken']} of them taken (limit {rate:g}/s)",
        f"429 answers    {found['throttled']:8d}  of {found['calls']} chat.postMessage calls",
        "sent by        " + ", ".join(f"replica {n}: {sent}" for n, sent in
                                      sorted(found["shares"].items())),
        "peak RSS       " + ", ".join(f"replica {n}: {mb:.0f} MB"
                                      for n, mb in found["rss"].items()),
    ]


def limit_arguments(parser: argparse.ArgumentParser, pace_help: str) -> None:
    """The emulator's limit, the shared budget's pace and the PostgreSQL server."""
    parser.add_argument("--rate", type=float, default=50.0,
                        help="the emulator's chat.postMessage limit, per second")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--pace", type=float, default=0.97, help=pace_help)
    parser.add_argument("--database", default=DEFAULT_SERVER,
                        help="a PostgreSQL server; the bench makes its own database there")


Bench = Callable[[argparse.Namespace, str, Path], Awaitable[dict[str, Any]]]


def run(args: argparse.Namespace, name: str, bench: Bench,
        report: Callable[[argparse.Namespace, str, dict[str, Any]], str]) -> None:
    """`bench` on a migrated database of its own on `args.database` and a folder for the
    replicas' app.yaml (both gone afterwards), then its report printed."""
    with postgres_database(args.database) as url, \
            tempfile.TemporaryDirectory(prefix=f"touchpoint-{name}-") as directory:
        upgrade(url)
        found = asyncio.run(bench(args, url, Path(directory)))
    print(report(args, describe_url(args.database), found))
