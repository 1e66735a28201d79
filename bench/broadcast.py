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

The floor is 4 x N / rate: no sender can beat the limit. The replicas share one send budget
in the database (`outbox.send_rate` is the pace of all of them together), set to `--pace` of
the limit. While it runs it prints a line every 10 s (the wave, the DMs sent, the calls the
emulator took and refused, each replica's count); the figures come at the end.

    python bench/broadcast.py [--subscribers 5000] [--rate 50] [--burst 10] [--pace 0.97]
                              [--kill-after 0.5] [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.chat.port import Origin
from bot.config import load_settings
from bot.emulators.slack import SlackEmulator
from bot.flows.broadcasts import states
from bot.flows.broadcasts.forms import Change, Opening
from bot.flows.broadcasts.lifecycle import broadcast_change, broadcast_open
from bot.flows.broadcasts.notify import post_key
from bot.server import SERVICES, create_app
from bot.services import Services
from fleet import (
    LEASE_S,
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
from storage import broadcasts as store
from storage.directory import find_by_platform_id
from storage.models import Person
from storage.outbox import OutboxMessage

DONE_TIMEOUT_S = 1800.0
SERVICE = "Email and calendar"
OWNER = {"id": "U0BOWNER1", "email": "owner@example.com"}
STATUS = "C0STATUS1"
WAVES = 4
"""The opening and three updates."""


async def dms_sent(services) -> int:
    async with services.sessions() as session:
        count = (await session.exec(
            select(func.count()).select_from(OutboxMessage)
            .where(col(OutboxMessage.kind) == "dm", col(OutboxMessage.status) == "sent")
        )).one()
        await session.commit()
    return int(count)


class Operator:
    """IT at the keyboard, in a process of its own (its services built there once): recording
    a change for thousands of subscribers (their DMs rendered and inserted) takes seconds of
    CPU, which in this process would hold up the emulator playing Slack (a thread would too,
    through the GIL), whose calls then stalled would arrive at once, a burst answered 429."""

    def __init__(self, env: dict[str, str]):
        self._env = env
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    async def __aenter__(self) -> Operator:
        # Its process started and its services built before any clock starts.
        await asyncio.get_running_loop().run_in_executor(self._pool, operator_ready, self._env)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await asyncio.to_thread(self._pool.shutdown)

    async def run_as(self, person: Person, flow, *args: Any) -> None:
        """`flow(session, services, person, *args)` in one turn, committed."""
        await asyncio.get_running_loop().run_in_executor(
            self._pool, operator_turn, self._env, person.id, flow, args)


_operator: tuple[asyncio.AbstractEventLoop, Services] | None = None
"""In the operator's process: its event loop and services, kept from turn to turn."""


def operator_ready(env: dict[str, str]) -> None:
    """In the operator's process: its event loop and services, once."""
    global _operator
    if _operator is None:
        _operator = (asyncio.new_event_loop(),
                     create_app(load_settings(env), scheduler=False)[SERVICES])


def operator_turn(env: dict[str, str], person_id: int, flow, args: tuple[Any, ...]) -> None:
    """In the operator's process: one turn of `flow` as the person `person_id`."""
    operator_ready(env)
    assert _operator is not None
    loop, services = _operator

    async def turn() -> None:
        async with services.sessions() as session:
            person = await session.get(Person, person_id)
            await flow(session, services, person, *args)
            await session.commit()
    loop.run_until_complete(turn())


async def bench(args: argparse.Namespace, database_url: str, directory: Path
                ) -> dict[str, Any]:
    async with SlackEmulator() as slack:
        users = add_people(slack, "U0S", args.subscribers)
        slack.add_user(id=OWNER["id"], name="owner", email=OWNER["email"], tz="UTC")
        env = replica_env(write_config(directory, args.pace * args.rate,
                                       roles={"it_staff": {"emails": [OWNER["email"]]}}),
                          database_url, slack)
        services = await seeded_services(env)
        async with services.sessions() as session:
            for user_id in users:
                person = await find_by_platform_id(session, "slack", user_id)
                assert person is not None and person.id is not None
                await store.subscribe(session, person.id, SERVICE)
            owner = await find_by_platform_id(session, "slack", OWNER["id"])
            await session.commit()
        assert owner is not None and owner.role == "it_staff"
        origin = Origin("slack", OWNER["id"], response_url=slack.response_url("bench"))

        async with Operator(env) as operator, Fleet(env) as fleet:
            await fleet.start(2)
            await asyncio.sleep(2)  # both start-up directory syncs have nothing left to do
            slack.rate_limit("chat.postMessage", args.rate, burst=args.burst,
                             per_channel=False)
            slack.clear()
            wave_s = args.subscribers / args.rate
            started = time.monotonic()
            await operator.run_as(owner, broadcast_open, origin, Opening(
                "incident", "Mail is down", [SERVICE], "outage", "investigating",
                "Outlook cannot connect.", None, None, False), "bench:open")
            [(broadcast, _owner)] = await open_broadcasts(services)
            waves = 1
            killer = asyncio.create_task(kill_when(
                slack, fleet, int(args.kill_after * args.subscribers), restart=True,
                timeout=DONE_TIMEOUT_S))

            async def stage() -> str:
                return (f"wave {waves}/{WAVES}, {await dms_sent(services)} of "
                        f"{waves * args.subscribers} DMs sent")
            async with progress(slack, fleet, "broadcast", stage):
                for step, status in enumerate(("identified", "monitoring", "monitoring"), 1):
                    await asyncio.sleep(started + step * wave_s - time.monotonic())
                    await operator.run_as(owner, broadcast_change, origin, Change(
                        states.UPDATED, broadcast.id, status, "outage", [SERVICE],
                        f"Update {step}", False))
                    waves += 1
                while await dms_sent(services) < WAVES * args.subscribers:
                    if time.monotonic() - started > DONE_TIMEOUT_S:
                        raise SystemExit(f"not finished after {DONE_TIMEOUT_S:.0f}s")
                    await asyncio.sleep(0.25)
            wall = time.monotonic() - started
            killed_at = await killer if killer.done() else None
            killer.cancel()
            rss = fleet.peak_rss()
            shares = await fleet.sent("broadcast")
        await services.engine.dispose()
        counted = at_the_emulator(slack, users)
        counts = counted.pop("counts")
        post_ts = {m["ts"] for m in slack.messages_in(STATUS)
                   if (m.get("metadata") or {}).get("event_payload", {}).get("key")
                   == post_key(broadcast.id, 0)}
        return {
            "wall": wall, "killed_at": killed_at - started if killed_at else None,
            "rss": rss, "shares": shares, **counted,
            "duplicates": sum(n - WAVES for n in counts if n > WAVES),
            "lost": sum(WAVES - n for n in counts if n < WAVES),
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
        f"429 + Retry-After beyond; one shared budget of {args.pace * args.rate:g}/s for all "
        f"replicas, lease {LEASE_S} s",
        f"replica 1 killed {killed}, and started again as replica 3",
        f"wall time      {found['wall']:8.1f} s  (from the opening to the last DM sent)",
        f"floor          {floor:8.1f} s  ({WAVES} x subscribers / rate)",
        f"wall / floor   {found['wall'] / floor:8.3f}",
        f"duplicates     {found['duplicates']:8d}",
        f"lost           {found['lost']:8d}",
        f"channel posts  {found['posts']:8d}  edited in place {found['edits']} times "
        "(chat.update)",
        *emulator_lines(found, args.rate),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=5000)
    limit_arguments(parser, "the share of the limit the two replicas pace at together")
    parser.add_argument("--kill-after", type=float, default=0.5,
                        help="kill replica 1 once this share of the first wave is sent")
    run(parser.parse_args(), "broadcast", bench, report)


if __name__ == "__main__":
    main()
