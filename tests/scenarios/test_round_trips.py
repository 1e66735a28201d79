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
from storage.transactions import READS_ONLY
from tests.scenarios.complaints_kit import ERIN, LEE, TOM, TRIAGE, new_view_id, submit_complaint
from tests.scenarios.test_help_teams import message, post, seed_erin
from tests.waiting import eventually


@dataclass
class Counts:
    statements: int = 0
    transactions: int = 0
    ends: int = 0
    checkouts: int = 0

    @property
    def round_trips(self) -> int:
        """What goes to the server: each statement, each BEGIN, each COMMIT or ROLLBACK, and
        on PostgreSQL the pool's pre-ping of every connection checked out."""
        return self.statements + self.transactions + self.ends + self.checkouts


class Counter:
    """Engine and pool events of one application's engine, counted while `on` is set."""

    def __init__(self, engine: Any, postgres: bool):
        self.counts = Counts()
        self.on = False
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _statement(_conn, _cursor, statement, *_args) -> None:
            # SQLite's BEGIN IMMEDIATE (storage.engine) is counted as its transaction.
            if self.on and not statement.startswith("BEGIN"):
                self.counts.statements += 1

        # A connection that only reads (storage.transactions) sends no BEGIN or COMMIT.
        @event.listens_for(sync, "begin")
        def _begin(conn) -> None:
            if self.on and not conn.get_execution_options().get(READS_ONLY):
                self.counts.transactions += 1

        @event.listens_for(sync, "commit")
        @event.listens_for(sync, "rollback")
        def _end(conn) -> None:
            if self.on and not conn.get_execution_options().get(READS_ONLY):
                self.counts.ends += 1

        @event.listens_for(sync.pool, "checkout")
        def _checkout(*_args) -> None:
            if self.on and postgres:  # pool_pre_ping: a SELECT 1 on each checkout
                self.counts.checkouts += 1


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

    async def run(send: Callable[[], Awaitable[Any]], turns: int = 1) -> Counts:
        """Send once to warm up, then again counted; each sending runs `turns` turns."""
        for counted in (False, True):
            before = turns_done(bot)
            counter.counts, counter.on = Counts(), counted
            await send()
            await eventually(lambda before=before: turns_done(bot) >= before + turns)
            await bot.dispatcher.drain(5)
            counter.on = False
        return counter.counts

    return run


# kind -> (the most round trips, of them transactions), on SQLite and PostgreSQL alike
# unless a kind says otherwise; see the README's table.
BOUNDS = {
    "help": (0, 0),
    "settings": (0, 0),
    "kudos give": (9, 2),
    "kudos leaderboard": (3, 1),
    "complain status": (3, 1),
    "complain form": (0, 0),
    "complaint filed (view submission)": (12, 3),
    "complaint assign (button)": (8, 2),
    "teams help": (5, 1),
}


def check(kind: str, counts: Counts) -> None:
    most, transactions = BOUNDS[kind]
    print(f"{kind}: {counts}, {counts.round_trips} round trips")
    assert counts.round_trips <= most, (kind, counts)
    assert counts.transactions <= transactions, (kind, counts)


async def test_help(measure, slack_sender):
    check("help", await measure(lambda: slack_sender.command("/touchpoint", "help",
                                                             user_id=ERIN)))


async def test_settings(measure, slack_sender):
    check("settings", await measure(lambda: slack_sender.command("/touchpoint", "settings",
                                                                 user_id=ERIN)))


async def test_kudos_give(measure, slack_sender):
    check("kudos give", await measure(lambda: slack_sender.command(
        "/kudos", f"<@{TOM}|tom.tech> fixed the printer", user_id=ERIN)))


async def test_kudos_leaderboard(measure, slack_sender):
    check("kudos leaderboard", await measure(lambda: slack_sender.command(
        "/kudos", "leaderboard", user_id=ERIN)))


async def test_complain_status(measure, slack_sender):
    check("complain status", await measure(lambda: slack_sender.command(
        "/complain", "status", user_id=ERIN)))


async def test_complain_opens_the_form(measure, slack_sender):
    check("complain form", await measure(lambda: slack_sender.command(
        "/complain", "", user_id=ERIN)))


async def test_complaint_filed(measure, slack_sender):
    # A form's check runs in a turn of its own before the handler's.
    check("complaint filed (view submission)", await measure(
        lambda: submit_complaint(slack_sender, ERIN, view_id=new_view_id()), turns=2))


async def test_complaint_assigned_by_button(bot, measure, slack_sender):
    await submit_complaint(slack_sender, ERIN)
    await eventually(lambda: turns_done(bot) >= 2)
    numbers = iter(["", ""])

    async def assign() -> Any:
        await submit_complaint(slack_sender, ERIN)
        ...
    del numbers, assign
    check("complaint assign (button)", await measure(lambda: slack_sender.click(
        complaint_ids.ASSIGN_ME, "C-0001", user_id=TOM, channel_id=TRIAGE)))


async def test_teams_help(bot, measure, connector):
    seed_erin(connector)
    check("teams help", await measure(lambda: post(bot.url, message(connector, "help"))))


async def test_kudos_form_submitted(measure, slack_sender):
    check("kudos give", await measure(lambda: slack_sender.submit(
        GIVE_FORM, {RECIPIENTS: [TOM, LEE], STORY: "Walked me through MFA"},
        selects={VALUE: "Above and beyond", VISIBILITY: "private"}, user_id=ERIN), turns=2))
