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
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.emulators.slack import SlackEmulator
from bot.flows.pulses.campaigns import CampaignSpec, create_campaign, open_due_campaigns
from fleet import (
    Fleet,
    add_people,
    at_the_emulator,
    emulator_lines,
    kill_when,
    limit_arguments,
    progress,
    replica_env,
    run,
    seeded_services,
    write_config,
)
from storage.outbox import OutboxMessage

DONE_TIMEOUT_S = 900.0


async def bench(args: argparse.Namespace, database_url: str, directory: Path
                ) -> dict[str, Any]:
    async with SlackEmulator() as slack:
        users = add_people(slack, "U0B", args.recipients)
        env = replica_env(write_config(directory, args.pace * args.rate,
                                       pulses={"reminders": []}), database_url, slack)
        services = await seeded_services(env)
        # --replica-nice: on a shared machine, to keep the emulator (playing Slack) from being
        # the one kept waiting for a core (its stalls reach it as bursts, answered 429).
        async with Fleet(env, niceness=args.replica_nice) as fleet:
            await fleet.start(args.replicas)
            # Only now: every replica's start-up directory sync finds nothing to change.
            await asyncio.sleep(2)
            slack.rate_limit("chat.postMessage", args.rate, burst=args.burst,
                             per_channel=False)
            slack.clear()
            midnight = datetime.combine(datetime.now(UTC).date(), clock_time(0), UTC)
            async with services.sessions() as session:
                await create_campaign(session, services.settings.app, CampaignSpec(
                    name="bench", opens_at=midnight, open_days=7, send_time=clock_time(0),
                    reminders=()))
                await session.commit()
            opening = time.monotonic()
            await open_due_campaigns(services)
            started = time.monotonic()
            killer = asyncio.create_task(kill_when(
                slack, fleet, int(args.kill_at * len(users)), restart=False,
                timeout=DONE_TIMEOUT_S))

            async def stage() -> str:
                return f"outbox {await outbox_rows(services)}"
            async with progress(slack, fleet, "pulse", stage):
                finished = await wait_done(services, len(users))
            wall = time.monotonic() - started
            killed_at = await killer
            rss = fleet.peak_rss()
            shares = {n: sent for n, sent in (await fleet.sent("pulse")).items()
                      if n in fleet.alive()}
        await services.engine.dispose()
        counted = at_the_emulator(slack, users)
        counts = counted.pop("counts")
        return {
            "wall": wall, "opening": started - opening, "finished": finished, "rss": rss,
            "shares": shares, "killed_at": killed_at - started, **counted,
            "duplicates": sum(n - 1 for n in counts if n > 1),
            "lost": sum(1 for n in counts if n == 0),
        }


async def outbox_rows(services) -> dict[str, int]:
    """The outbox's rows by status."""
    async with services.sessions() as session:
        rows = dict((await session.exec(
            select(OutboxMessage.status, func.count())
            .group_by(col(OutboxMessage.status)))).all())
        await session.commit()
    return rows


async def wait_done(services, total: int) -> dict[str, int]:
    deadline = time.monotonic() + DONE_TIMEOUT_S
    while time.monotonic() < deadline:
        rows = await outbox_rows(services)
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
        *emulator_lines(found, args.rate),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--replica-nice", type=int, default=0,
                        help="the replicas' niceness, below the emulator's priority")
    parser.add_argument("--kill-at", type=float, default=1 / 3,
                        help="the share of the messages sent when replica 1 is killed")
    limit_arguments(parser, "the share of the limit the shared budget paces at")
    run(parser.parse_args(), "fanout", bench, report)


if __name__ == "__main__":
    main()
