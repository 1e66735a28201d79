"""Round trips to the database per command kind: signed Slack requests (and a Teams message)
into the running app, every statement, transaction and connection check counted with
SQLAlchemy's engine and pool events while the turn runs.

Each kind is sent once to warm up (the person is met, their row cached), then measured. The
bounds are the figures this commit reaches (README, "Round trips per command"): a change that
adds a round trip to a kind fails here and has to say why in the table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event

from bot.flows.complaints import ids as complaint_ids
from bot.flows.kudos.ids import GIVE_FORM, RECIPIENTS, STORY, VALUE, VISIBILITY
from storage.people_cache import VERSION_READER
from storage.slack_access import ACCESS_READER
from storage.transactions import READS_ONLY
from tests.scenarios.complaints_kit import (
    ERIN,
    LEE,
    TOM,
    TRIAGE,
    complaints,
    new_view_id,
    submit_complaint,
)
from tests.scenarios.test_help_teams import message, post, seed_erin
from tests.waiting import eventually

BACKGROUND = (VERSION_READER, ACCESS_READER)
"""The `logging_token`s of the once-a-second reads, which no request makes."""


@dataclass
class Counts:
    statements: int = 0
    transactions: int = 0
    ends: int = 0
    checkouts: int = 0
    postgres: bool = False

    @property
    def round_trips(self) -> int:
        """What goes to the server: each statement, each BEGIN, each COMMIT or ROLLBACK, and
        on PostgreSQL the pool's pre-ping of every connection checked out."""
        return self.statements + self.transactions + self.ends + self.checkouts


class Counter:
    """Engine and pool events of one application's engine, counted while `on` is set."""

    def __init__(self, engine: Any, postgres: bool):
        self.postgres = postgres
        self.counts = Counts(postgres=postgres)
        self.on = False
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _statement(conn, _cursor, statement, *_args) -> None:
            # SQLite's BEGIN IMMEDIATE (storage.transactions) is counted as its transaction;
            # the once-a-second reads (the directory's version, whether Slack took the bot's
            # access away) belong to no request: whether one falls in a measured turn depends
            # only on how long the machine took since the last.
            if (self.on and not statement.startswith("BEGIN")
                    and conn.get_execution_options().get("logging_token") not in BACKGROUND):
                self.counts.statements += 1

        # A connection that only reads (storage.transactions) sends no BEGIN or COMMIT. Each
        # transaction of a session is on a connection checked out for it, which PostgreSQL's
        # pool pre-pings (a SELECT 1 that goes through no cursor event).
        @event.listens_for(sync, "begin")
        def _begin(conn) -> None:
            options = conn.get_execution_options()
            if not self.on or options.get("logging_token") in BACKGROUND:
                return
            if not options.get(READS_ONLY):
                self.counts.transactions += 1
            if postgres:
                self.counts.checkouts += 1

        @event.listens_for(sync, "commit")
        @event.listens_for(sync, "rollback")
        def _end(conn) -> None:
            if self.on and not conn.get_execution_options().get(READS_ONLY):
                self.counts.ends += 1


def turns_done(bot) -> float:
    return sum(sample.value for metric in bot.services.metrics.registry.collect()
               for sample in metric.samples
               if sample.name == "touchpoint_handler_seconds_count")


@pytest.fixture
def settings(make_settings, connector):
    def config(raw: dict[str, Any]) -> None:
        raw["teams"] = {"service_url": connector.url}
        raw["kudos"] = {"values": ["Above and beyond"]}

    return make_settings(config=config)


@pytest.fixture
def bot_options() -> dict[str, Any]:
    # Neither the scheduler nor the outbox sender runs SQL of its own meanwhile.
    return {"scheduler": False, "outbox_sender": False}


@pytest.fixture
async def measure(bot, database_url):
    counter = Counter(bot.services.engine, database_url.startswith("postgresql"))

    async def run(send: Callable[[bool], Awaitable[Any]], turns: int = 1) -> Counts:
        """`send(False)` to warm up, then `send(True)` counted; each runs `turns` turns."""
        for counted in (False, True):
            before = turns_done(bot)
            counter.counts, counter.on = Counts(postgres=counter.postgres), counted
            await send(counted)
            await eventually(lambda before=before: turns_done(bot) >= before + turns)
            await bot.dispatcher.drain(5)
            counter.on = False
        return counter.counts

    return run


# kind -> the most round trips on SQLite, on PostgreSQL (where each connection checked out is
# pre-pinged), and the most transactions on either; the README's table has the figures before.
BOUNDS = {
    "/touchpoint help": (0, 0, 0),
    "/touchpoint settings": (0, 0, 0),
    "/touchpoint pulses off": (4, 5, 1),
    # Kudos received and a complaint moving on mark the person's Home tab as due for a refresh
    # (bot.flows.board.changes): one statement more than before that.
    "/kudos @someone thanks": (14, 15, 1),
    "kudos form submitted": (13, 14, 1),
    "/kudos leaderboard": (4, 5, 0),
    "/complain status": (1, 2, 0),
    "/complain (opens the form)": (1, 2, 0),
    # The complaint's number counter is committed early (storage.complaints), and on SQLite
    # the turn sometimes commits once more: 20 or 22.
    "complaint form submitted": (22, 25, 3),
    "button: Assign to me": (11, 13, 1),
    "Teams: help": (3, 4, 1),
}


def check(kind: str, counts: Counts) -> None:
    sqlite_most, postgres_most, transactions = BOUNDS[kind]
    print(f"| {kind} | {counts.statements} | {counts.transactions} | {counts.checkouts} "
          f"| {counts.round_trips} |")
    assert counts.round_trips <= (postgres_most if counts.postgres else sqlite_most), (
        kind, counts)
    assert counts.transactions <= transactions, (kind, counts)


def command(sender, name: str, text: str = "", user_id: str = ERIN):
    return lambda _counted: sender.command(name, text, user_id=user_id)


async def test_help(measure, slack_sender):
    check("/touchpoint help", await measure(command(slack_sender, "/touchpoint", "help")))


async def test_settings(measure, slack_sender):
    check("/touchpoint settings", await measure(command(slack_sender, "/touchpoint",
                                                        "settings")))


async def test_pulses_off(measure, slack_sender):
    typed = iter(["pulses on", "pulses off"])
    check("/touchpoint pulses off", await measure(
        lambda _counted: slack_sender.command("/touchpoint", next(typed), user_id=ERIN)))


async def known(bot, slack_sender, *user_ids: str) -> None:
    """People in the directory already, as after their first command."""
    before = turns_done(bot)
    for user_id in user_ids:
        await slack_sender.command("/touchpoint", "help", user_id=user_id)
    await eventually(lambda: turns_done(bot) >= before + len(user_ids))


async def test_kudos_given_by_command(bot, measure, slack_sender):
    # Warmed up with a voucher for the lead; the one counted goes to the technician.
    await known(bot, slack_sender, TOM, LEE)
    check("/kudos @someone thanks", await measure(lambda counted: slack_sender.command(
        "/kudos", f"<@{TOM}|tom.tech> fixed the printer" if counted
        else f"<@{LEE}|lee.lead> sorted the VPN", user_id=ERIN)))


async def test_kudos_given_by_form(bot, measure, slack_sender):
    await known(bot, slack_sender, TOM, LEE)
    check("kudos form submitted", await measure(lambda counted: slack_sender.submit(
        GIVE_FORM, {RECIPIENTS: [TOM] if counted else [LEE], STORY: "Walked me through MFA"},
        selects={VALUE: "Above and beyond", VISIBILITY: "private"}, user_id=ERIN)))


async def test_kudos_leaderboard(measure, slack_sender):
    check("/kudos leaderboard", await measure(command(slack_sender, "/kudos", "leaderboard")))


async def test_complain_status(measure, slack_sender):
    check("/complain status", await measure(command(slack_sender, "/complain", "status")))


async def test_complain_opens_the_form(measure, slack_sender):
    check("/complain (opens the form)", await measure(command(slack_sender, "/complain")))


async def test_complaint_filed(measure, slack_sender):
    # A form's check runs in a turn of its own before the handler's.
    check("complaint form submitted", await measure(
        lambda _counted: submit_complaint(slack_sender, ERIN, view_id=new_view_id()), turns=2))


async def test_complaint_assigned_by_button(bot, measure, slack_sender):
    for _ in range(2):
        await submit_complaint(slack_sender, ERIN, view_id=new_view_id())
    filed = await eventually(lambda: _numbers(bot, 2))
    numbers = iter(filed)
    check("button: Assign to me", await measure(lambda _counted: slack_sender.click(
        complaint_ids.ASSIGN_ME, next(numbers), user_id=TOM, channel_id=TRIAGE)))


async def _numbers(bot, count: int) -> list[str]:
    numbers = [complaint.number for complaint in await complaints(bot)]
    return numbers if len(numbers) == count else []


async def test_teams_help(bot, measure, connector):
    seed_erin(connector)
    check("Teams: help", await measure(
        lambda _counted: post(bot.url, message(connector, "help"))))
