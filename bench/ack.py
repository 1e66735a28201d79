"""Slack time-to-ack: signed `/touchpoint help` slash commands into a real Touchpoint, and the
same load into a bare Bolt AsyncApp whose only listener acks, in one run, with the ratios.

Slack must be acknowledged within 3 seconds, so the figure that matters is how long the HTTP
answer takes while the bot is busy. Each target server runs alone in its own process, as it
would be deployed; this process plays Slack: it runs the clients and the Slack emulator that
receives Touchpoint's outbound calls. Two phases, each measured on both targets:

- paced: commands sent at a fixed rate (default 100/s) whatever the answers take, as Slack
  sends them; the latencies are the time to ack under that steady load;
- saturated: N clients each send a command, wait for the answer and send the next; the
  throughput is the most each target can take.

After a warm-up second each, the targets take turns, five rounds per phase, so a machine that
gets busier during the run slows both alike. Touchpoint also answers every command through its
response_url; the run waits for those answers after each turn and counts them, so a fast ack
cannot hide work that never got done. Each target's server also counts the CPU time it used
over the measured rounds, its answers included: per command, that is what a command costs
when the load never lets up, however the server orders acknowledgements and work.

    python bench/ack.py [--rate 100] [--seconds 20] [--saturate 10] [--concurrency 20]
                        [--database sqlite|URL] [--bare-no-poll]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.demo.sandbox import sandbox
from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.server import create_app
from harness import ServerProcess, Timings, enough_measured, serve_until_stopped
from storage.engine import describe_url

WARMUP_S = 1.0
ROUNDS = 5
ANSWER_TIMEOUT_S = 60.0
TOUCHPOINT = "Touchpoint"
BARE = "bare Bolt"
BARE_NO_POLL = "bare Bolt, no poll"
"""Bare Bolt with `process_before_response`, the option Touchpoint runs with: Bolt answers
when the listener returns instead of polling for the ack every 10 ms."""


# --------------------------------------------------------------------------- the targets


def bare_bolt_app(signing_secret: str, slack_api_url: str, *,
                  process_before_response: bool) -> web.Application:
    """A Bolt AsyncApp behind the same aiohttp route pattern as Touchpoint's, only acking."""
    client = AsyncWebClient(token=f"xoxb-{secrets.token_hex(8)}", base_url=slack_api_url)
    bolt = AsyncApp(client=client, signing_secret=signing_secret,
                    process_before_response=process_before_response)

    @bolt.command("/touchpoint")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    return app


def serve_target(target: str, database_url: str | None, slack_api_url: str,
                 conn: Connection) -> None:
    """The target server's process: serve until the parent says stop. Both targets run on
    uvloop, as `touchpoint run` serves."""
    if target in (BARE, BARE_NO_POLL):
        signing_secret = secrets.token_hex(16)
        serve_until_stopped(
            lambda: bare_bolt_app(signing_secret, slack_api_url,
                                  process_before_response=target == BARE_NO_POLL),
            conn, signing_secret)
        return
    with sandbox(database_url) as box:
        serve_until_stopped(lambda: create_app(box.settings(slack_api_url=slack_api_url)),
                            conn, box.signing_secret)


# --------------------------------------------------------------------------- the load


PACED = "paced"
SATURATED = "saturated"


@dataclass
class Tally:
    """Commands acknowledged by a target, all phases and warm-ups included: each deserves an
    answer through its response_url."""

    sent: int = 0


async def _send(sender: SlackSender, user_id: str, run: Timings, tally: Tally,
                measured: bool) -> None:
    started = time.perf_counter()
    try:
        reply = await sender.command("/touchpoint", "help", user_id=user_id)
    except aiohttp.ClientError:
        run.errors += 1
        return
    if reply.status != 200:
        run.errors += 1
        return
    tally.sent += 1
    if measured:
        run.latencies.append(time.perf_counter() - started)


async def _paced(senders: list[SlackSender], rate: float, seconds: float, run: Timings,
                 tally: Tally, measured: bool) -> None:
    """Send on a fixed schedule, not waiting for answers (an open loop, as Slack sends)."""
    started = time.perf_counter()
    in_flight = []
    for i in range(int(seconds * rate)):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = senders[i % len(senders)]
        user_id = f"U0BENCH{i % len(senders):03d}"
        in_flight.append(asyncio.create_task(_send(sender, user_id, run, tally, measured)))
    await asyncio.gather(*in_flight)


async def _saturating(senders: list[SlackSender], seconds: float, run: Timings, tally: Tally,
                      measured: bool) -> None:
    """Each client sends its next command as soon as the last is answered (a closed loop)."""
    until = time.perf_counter() + seconds

    async def client(sender: SlackSender, user_id: str) -> None:
        while time.perf_counter() < until:
            await _send(sender, user_id, run, tally, measured)

    await asyncio.gather(*(client(sender, f"U0BENCH{i:03d}")
                           for i, sender in enumerate(senders)))


class Target:
    """One server under test, alone in its process, and the clients loading it; its `runs`
    are what it did over all its measured rounds of each phase."""

    def __init__(self, name: str, database_url: str | None, slack: SlackEmulator):
        self.name = name
        self.runs = {PACED: Timings(name), SATURATED: Timings(name)}
        self.tally = Tally()
        self._slack = slack
        self._server = ServerProcess(serve_target, name, database_url, slack.url)
        self._senders: list[SlackSender] = []
        self.cpu: float | None = None
        """CPU seconds its server used from `mark` to `stop`, once stopped."""

    async def ready(self, concurrency: int) -> None:
        url, signing_secret = await self._server.started()
        self._senders = [SlackSender(url, signing_secret,
                                     response_base=self._slack.response_url(""))
                         for _ in range(concurrency)]

    def mark(self) -> None:
        self._server.mark()

    @property
    def measured(self) -> int:
        return sum(len(run.latencies) for run in self.runs.values())

    async def load(self, phase: str, seconds: float, rate: float, *,
                   measured: bool = True) -> None:
        run = self.runs[phase]
        started = time.perf_counter()
        if phase == PACED:
            await _paced(self._senders, rate, seconds, run, self.tally, measured)
        else:
            await _saturating(self._senders, seconds, run, self.tally, measured)
        if measured:
            run.seconds += time.perf_counter() - started

    async def stop(self) -> None:
        for sender in self._senders:
            await sender.close()
        stopped = await self._server.stop()
        self.cpu = stopped.cpu if stopped is not None else None


@dataclass
class Outcome:
    runs: dict[str, list[Timings]]
    """Per phase: Touchpoint's run, then bare Bolt's."""
    sent: int
    answered: int
    cpu_per_command: list[float | None]
    """Server CPU seconds per measured command, Touchpoint's then bare Bolt's."""


async def bench(rate: float, seconds: float, saturate: float, concurrency: int,
                database_url: str | None, bare_name: str = BARE) -> Outcome:
    """Both targets up at once, then rounds taking turns, so a busy machine hurts both alike."""
    async with SlackEmulator() as slack:
        for i in range(concurrency):
            slack.add_user(f"U0BENCH{i:03d}", name=f"bench{i}", email=f"bench{i}@example.com")
        ours, bare = targets = [Target(TOUCHPOINT, database_url, slack),
                                Target(bare_name, None, slack)]

        async def turn(target: Target, phase: str, seconds: float, *,
                       measured: bool = True) -> None:
            await target.load(phase, seconds, rate, measured=measured)
            if target is ours:
                # Let Touchpoint's answers go out before the other target's turn begins.
                with contextlib.suppress(AssertionError):  # the count tells what is missing
                    await slack.wait_for_response(ours.tally.sent, timeout=ANSWER_TIMEOUT_S)

        try:
            for target in targets:
                await target.ready(concurrency)
                await turn(target, SATURATED, WARMUP_S, measured=False)
            for target in targets:
                target.mark()
            for phase, phase_seconds in ((PACED, seconds), (SATURATED, saturate)):
                for _ in range(ROUNDS):
                    for target in targets:
                        await turn(target, phase, phase_seconds / ROUNDS)
        finally:
            for target in targets:
                await target.stop()
        return Outcome({phase: [ours.runs[phase], bare.runs[phase]]
                        for phase in (PACED, SATURATED)},
                       sent=ours.tally.sent, answered=len(slack.responses),
                       cpu_per_command=[None if t.cpu is None else t.cpu / t.measured
                                        for t in targets])


# --------------------------------------------------------------------------- the report


def _table(title: str, runs: list[Timings]) -> list[str]:
    rows = [title, f"{'':<18}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}"]
    for run in runs:
        rows.append(f"{run.label:<18}{run.percentile(50) * 1000:>9.1f}"
                    f"{run.percentile(99) * 1000:>9.1f}{run.per_second:>9.0f}{run.errors:>8}")
    ours, bare = runs
    rows.append(f"{'Touchpoint/bare':<18}{ours.percentile(50) / bare.percentile(50):>8.2f}x"
                f"{ours.percentile(99) / bare.percentile(99):>8.2f}x"
                f"{ours.per_second / bare.per_second:>8.2f}x")
    return rows


def report(outcome: Outcome, args: argparse.Namespace, database: str) -> str:
    rows = [f"Slack time-to-ack, database: {database}", ""]
    rows += _table(f"paced: {args.rate:g} commands/s for {args.seconds:g} s per target",
                   outcome.runs[PACED])
    rows.append("")
    rows += _table(f"saturated: {args.concurrency} clients for {args.saturate:g} s per target",
                   outcome.runs[SATURATED])
    rows += ["", f"Touchpoint answered {outcome.answered} of {outcome.sent} acknowledged "
                 "commands through their response_url"]
    ours, bare = outcome.cpu_per_command
    bare_name = outcome.runs[PACED][1].label
    if ours is not None and bare is not None:
        rows.append(f"server CPU per measured command, answer included: Touchpoint "
                    f"{ours * 1000:.2f} ms, {bare_name} {bare * 1000:.2f} ms "
                    f"({ours / bare:.1f}x)")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0,
                        help="commands per second in the paced phase (default 100)")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="measured seconds per target in the paced phase (default 20)")
    parser.add_argument("--saturate", type=float, default=10.0,
                        help="measured seconds per target in the saturated phase (default 10)")
    parser.add_argument("--concurrency", type=int, default=20,
                        help="clients (connections) sending at once (default 20)")
    parser.add_argument("--database", default="sqlite",
                        help="'sqlite' for a temporary SQLite file (default), or a PostgreSQL "
                             "URL; it is migrated to the current schema first")
    parser.add_argument("--bare-no-poll", action="store_true",
                        help="run bare Bolt with process_before_response, as Touchpoint runs, "
                             "so it does not poll for the ack every 10 ms either")
    args = parser.parse_args()
    if min(args.rate, args.seconds, args.saturate) <= 0 or args.concurrency < 1:
        parser.error("--rate, --seconds and --saturate must be > 0 and --concurrency >= 1")
    database_url = None if args.database == "sqlite" else args.database
    outcome = asyncio.run(bench(args.rate, args.seconds, args.saturate, args.concurrency,
                                database_url, BARE_NO_POLL if args.bare_no_poll else BARE))
    for phase, runs in outcome.runs.items():
        for run in runs:
            enough_measured(run, f"{phase} command(s) acknowledged")
    print(report(outcome, args, "sqlite (temporary file)" if database_url is None
                 else describe_url(database_url)))


if __name__ == "__main__":
    main()
