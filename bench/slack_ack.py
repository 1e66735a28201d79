"""Slack time-to-ack: signed `/touchpoint help` slash commands into a real Touchpoint, and the
same load into a bare Bolt AsyncApp whose only listener acks, in one run, with the ratios.

Slack must be acknowledged within 3 seconds, so the figure that matters is how long the HTTP
answer takes while the bot is busy. Each target server runs alone in its own process, as it
would be deployed; this process plays Slack: it runs the clients and the Slack emulator that
receives Touchpoint's outbound calls. Each of N clients sends a signed command, waits for the
HTTP response and sends the next. After a warm-up second each, the targets take turns, five
rounds of M/5 seconds each, so a machine that gets busier during the run slows both alike.
Touchpoint also answers every command through its response_url; the run waits for those
answers after each turn and counts them, so a fast ack cannot hide work that never got done.

    python bench/slack_ack.py [--seconds 10] [--concurrency 20] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.demo.sandbox import sandbox, serve
from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.server import create_app
from storage.engine import describe_url

WARMUP_S = 1.0
ROUNDS = 5
ANSWER_TIMEOUT_S = 60.0
TOUCHPOINT = "Touchpoint"
BARE = "bare Bolt"


# --------------------------------------------------------------------------- the targets


def bare_bolt_app(signing_secret: str, slack_api_url: str) -> web.Application:
    """A Bolt AsyncApp behind the same aiohttp route pattern as Touchpoint's, only acking."""
    client = AsyncWebClient(token=f"xoxb-{secrets.token_hex(8)}", base_url=slack_api_url)
    bolt = AsyncApp(client=client, signing_secret=signing_secret)

    @bolt.command("/touchpoint")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    return app


async def _serve_until_stopped(make_app: Callable[[], web.Application], signing_secret: str,
                               conn: Connection) -> None:
    async with serve(make_app()) as url:
        conn.send((url, signing_secret))
        await asyncio.to_thread(conn.recv)


def serve_target(target: str, database_url: str | None, slack_api_url: str,
                 conn: Connection) -> None:
    """The target server's process: serve until the parent says stop."""
    if target == BARE:
        signing_secret = secrets.token_hex(16)
        asyncio.run(_serve_until_stopped(lambda: bare_bolt_app(signing_secret, slack_api_url),
                                         signing_secret, conn))
        return
    with sandbox(database_url) as box:
        asyncio.run(_serve_until_stopped(
            lambda: create_app(box.settings(slack_api_url=slack_api_url)),
            box.signing_secret, conn))


# --------------------------------------------------------------------------- the load


@dataclass
class Run:
    """What one target did over all its measured rounds."""

    target: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    """Requests refused or failed, warm-up included."""
    seconds: float = 0.0
    sent: int = 0
    """Commands acknowledged with 200, warm-up included: each deserves an answer."""
    answered: int | None = None
    """Answers the Slack emulator received through response_urls (Touchpoint only)."""

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


async def _client(sender: SlackSender, user_id: str, until: float, run: Run,
                  measured: bool) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            reply = await sender.command("/touchpoint", "help", user_id=user_id)
        except aiohttp.ClientError:
            run.errors += 1
            continue
        if reply.status != 200:
            run.errors += 1
            continue
        run.sent += 1
        if measured:
            run.latencies.append(time.perf_counter() - started)


class Target:
    """One server under test, alone in its process, and the clients loading it."""

    def __init__(self, name: str, database_url: str | None, slack: SlackEmulator):
        self.run = Run(name)
        self._slack = slack
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=serve_target, daemon=True,
                                        args=(name, database_url, slack.url, theirs))
        self._process.start()
        theirs.close()
        self._senders: list[SlackSender] = []

    async def ready(self, concurrency: int) -> None:
        url, signing_secret = await asyncio.to_thread(self._conn.recv)
        self._senders = [SlackSender(url, signing_secret,
                                     response_base=self._slack.response_url(""))
                         for _ in range(concurrency)]

    async def load(self, seconds: float, *, measured: bool = True) -> None:
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(_client(sender, f"U0BENCH{i:03d}", until, self.run, measured)
                               for i, sender in enumerate(self._senders)))
        if measured:
            self.run.seconds += time.perf_counter() - started

    async def stop(self) -> None:
        for sender in self._senders:
            await sender.close()
        if self._process.is_alive():
            self._conn.send("stop")
        await asyncio.to_thread(self._process.join, 30)


async def bench(seconds: float, concurrency: int, database_url: str | None) -> list[Run]:
    """Both targets up at once, then rounds taking turns, so a busy machine hurts both alike."""
    async with SlackEmulator() as slack:
        for i in range(concurrency):
            slack.add_user(f"U0BENCH{i:03d}", name=f"bench{i}", email=f"bench{i}@example.com")
        ours, bare = targets = [Target(TOUCHPOINT, database_url, slack),
                                Target(BARE, None, slack)]

        async def turn(target: Target, seconds: float, *, measured: bool = True) -> None:
            await target.load(seconds, measured=measured)
            if target is ours:
                # Let Touchpoint's answers go out before the other target's turn begins.
                with contextlib.suppress(AssertionError):  # `answered` tells what is missing
                    await slack.wait_for_response(ours.run.sent, timeout=ANSWER_TIMEOUT_S)
                ours.run.answered = len(slack.responses)

        try:
            for target in targets:
                await target.ready(concurrency)
                await turn(target, WARMUP_S, measured=False)
            for _ in range(ROUNDS):
                for target in targets:
                    await turn(target, seconds / ROUNDS)
        finally:
            for target in targets:
                await target.stop()
        return [ours.run, bare.run]


# --------------------------------------------------------------------------- the report


def report(runs: list[Run], concurrency: int, seconds: float, database: str) -> str:
    rows = [f"Slack time-to-ack, {concurrency} clients for {seconds:g} s per target, "
            f"database: {database}",
            f"{'':<18}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}{'answered':>14}"]
    for run in runs:
        answered = "-" if run.answered is None else f"{run.answered}/{run.sent}"
        rows.append(f"{run.target:<18}{run.percentile(50) * 1000:>9.1f}"
                    f"{run.percentile(99) * 1000:>9.1f}{run.per_second:>9.0f}"
                    f"{run.errors:>8}{answered:>14}")
    ours, bare = runs
    rows.append(f"{'Touchpoint/bare':<18}{ours.percentile(50) / bare.percentile(50):>8.2f}x"
                f"{ours.percentile(99) / bare.percentile(99):>8.2f}x"
                f"{ours.per_second / bare.per_second:>8.2f}x")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="measured seconds per target (default 10)")
    parser.add_argument("--concurrency", type=int, default=20,
                        help="clients sending at once (default 20)")
    parser.add_argument("--database", default="sqlite",
                        help="'sqlite' for a temporary SQLite file (default), or a PostgreSQL "
                             "URL; it is migrated to the current schema first")
    args = parser.parse_args()
    if args.seconds <= 0 or args.concurrency < 1:
        parser.error("--seconds must be > 0 and --concurrency >= 1")
    database_url = None if args.database == "sqlite" else args.database
    runs = asyncio.run(bench(args.seconds, args.concurrency, database_url))
    for run in runs:
        if len(run.latencies) < 2:
            sys.exit(f"{run.target} acknowledged {len(run.latencies)} command(s), "
                     f"with {run.errors} error(s): nothing to measure")
    print(report(runs, args.concurrency, args.seconds,
                 "sqlite (temporary file)" if database_url is None
                 else describe_url(database_url)))


if __name__ == "__main__":
    main()
