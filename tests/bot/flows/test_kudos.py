"""The kudos flows without any HTTP in front: parsing who is thanked, the form's values, the
giver's week, leaderboard periods, and `give` itself against the Slack emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.chat.port import Origin
from bot.flows.kudos.board import period_bounds
from bot.flows.kudos.gifts import Gift, form_origin, gift_from_form, split_recipients
from bot.flows.kudos.giving import give_kudos
from bot.flows.kudos.people import week_start
from bot.intents import Mention
from storage.kudos import KudosLedger, KudosVoucher
from storage.models import Person
from tests.clock import Clock
from tests.outbox_kit import outbox_rows

TOM = Mention("U0TECH001", "tom.tech")
TINA = Mention("U0TECH002", "Tina Tech")
LEE = Mention("U0LEAD001", "lee.lead")


@pytest.mark.parametrize(("text", "mentions", "recipients", "story"), [
    ("@tom.tech fixed it", [TOM], [TOM], "fixed it"),
    ("@tom.tech, @Tina Tech: the move", [TOM, TINA], [TOM, TINA], "the move"),
    ("@tom.tech and @Tina Tech the move", [TOM, TINA], [TOM, TINA], "the move"),
    # Teams keeps the bare name where the mention was.
    ("Tina Tech & tom.tech rescued us", [TINA, TOM], [TINA, TOM], "rescued us"),
    ("thanks @tom.tech for the fix", [TOM], [TOM], "thanks @tom.tech for the fix"),
    ("@tom.tech thanks, and @Tina Tech too", [TOM, TINA], [TOM], "thanks, and @Tina Tech too"),
    ("@tom.tech @tom.tech twice", [TOM, TOM], [TOM], "twice"),
    ("@tom.techno is not tom", [TOM], [TOM], "@tom.techno is not tom"),
    ("no mentions at all", [], [], "no mentions at all"),
])
def test_leading_mentions_are_the_recipients(text, mentions, recipients, story):
    assert split_recipients(text, mentions) == (recipients, story)


def test_the_form_gives_ids_a_value_and_visibility(settings):
    config = settings.app.kudos.model_copy(update={"values": ["Fast fix"]})

    gift = gift_from_form({"recipients": "U1, U2,U1", "story": " thanks ",
                                 "value": "Fast fix", "visibility": "private"}, config)

    assert [m.user_id for m in gift.recipients] == ["U1", "U2"]
    assert (gift.story, gift.value, gift.public, gift.problems) == (
        "thanks", "Fast fix", False, [])
    bad = gift_from_form({"recipients": "U1", "story": "x", "value": "Made up",
                                "visibility": "everyone"}, config)
    assert [p.reason for p in bad.problems] == ["unknown_value", "unknown_visibility"]


def test_the_week_starts_monday_midnight_in_the_givers_zone():
    new_york = ZoneInfo("America/New_York")
    # Monday 02:00 UTC is still Sunday evening in New York.
    start = week_start(datetime(2026, 1, 12, 2, tzinfo=UTC), new_york)
    assert start == datetime(2026, 1, 5, tzinfo=new_york)
    # Across the change to summer time the week still starts at local midnight.
    start = week_start(datetime(2026, 3, 9, 12, tzinfo=UTC), new_york)
    assert start.astimezone(UTC) == datetime(2026, 3, 9, 4, tzinfo=UTC)


@pytest.mark.parametrize(("period", "start", "end"), [
    ("week", datetime(2026, 11, 16), datetime(2026, 11, 23)),
    ("month", datetime(2026, 11, 1), datetime(2026, 12, 1)),
    ("quarter", datetime(2026, 10, 1), datetime(2027, 1, 1)),
    ("year", datetime(2026, 1, 1), datetime(2027, 1, 1)),
])
def test_leaderboard_periods_are_in_the_readers_zone(period, start, end):
    reader = Person(display_name="Ann", tz="Europe/Berlin")
    zone = ZoneInfo("Europe/Berlin")

    bounds = period_bounds(period, datetime(2026, 11, 20, 23, 30, tzinfo=UTC), reader)

    assert bounds == (start.replace(tzinfo=zone), end.replace(tzinfo=zone))


@pytest.fixture
def clock() -> Clock:
    """A Wednesday noon, for tests/conftest.py's `services` (whose chat port is Slack's, at
    the emulator)."""
    return Clock(datetime(2026, 3, 4, 12, tzinfo=UTC))


async def test_give_stores_once_and_answers_through_the_port(services, slack):
    async with services.sessions() as session:
        erin = Person(slack_user_id="U0EMPL001", display_name="Erin", tz="Europe/London")
        session.add(erin)
        await session.commit()
        erin_id = erin.id
        origin = Origin("slack", "U0EMPL001", channel="C0GENERAL")

        await give_kudos(session, services, erin, origin,
                         Gift(recipients=[TOM], story="fixed it"))
        await session.commit()
        await give_kudos(session, services, erin, origin,
                         Gift(recipients=[TOM], story="fixed it"))
        await session.commit()

        [voucher] = (await session.exec(select(KudosVoucher))).all()
        [entry] = (await session.exec(select(KudosLedger))).all()
        tom = (await session.exec(select(Person).where(
            Person.slack_user_id == "U0TECH001"))).one()
    # Tom was new: his profile came from Slack, and app.yaml makes him IT staff.
    assert (tom.role, tom.email) == ("it_staff", "tech1@example.com")
    assert (voucher.giver_id, entry.person_id, entry.points) == (erin_id, tom.id, 10)
    # Tom's DM and the wall post wait in the outbox, once, for its sender.
    rows = await outbox_rows(services, "kudos:")
    assert [(row.key, row.kind, row.channel) for row in rows] == [
        (f"kudos:{voucher.id}:dm:{tom.id}", "dm", "U0TECH001"),
        (f"kudos:{voucher.id}:wall", "post", "C0KUDOS01")]
    given, refused = slack.calls_to("chat.postEphemeral")
    assert "on its way to <@U0TECH001>" in str(given.args["blocks"])
    assert "You already thanked tom.tech today" in str(refused.args["blocks"])
    assert services.metrics.registry.get_sample_value("touchpoint_kudos_given_total") == 1
    assert services.metrics.registry.get_sample_value(
        "touchpoint_kudos_refused_total", {"reason": "already_today"}) == 1


async def test_a_new_recipient_is_looked_up_with_no_connection_held(services, monkeypatch):
    # On SQLite the engine has one connection: held across the platform's answer, it would
    # hold up every other turn.
    held_during_call: list[int] = []
    ask = services.chat.profile

    async def profile(platform, user_id):
        held_during_call.append(services.engine.pool.checkedout())
        return await ask(platform, user_id)

    monkeypatch.setattr(services.chat, "profile", profile)
    async with services.sessions() as session:
        erin = Person(slack_user_id="U0EMPL001", display_name="Erin")
        session.add(erin)
        await session.commit()

        voucher = await give_kudos(session, services, erin, Origin("slack", "U0EMPL001"),
                                   Gift(recipients=[TOM, LEE], story="the move"))
        await session.commit()

    assert voucher is not None
    assert held_during_call == [0, 0]


@pytest.mark.parametrize(("metadata", "channel"), [
    ('{"channel": "C0GENERAL"}', "C0GENERAL"),
    ("", None), ("not json", None), ('["C0GENERAL"]', None), ('{"channel": 7}', None),
])
def test_a_form_is_answered_where_its_command_was_typed(metadata, channel):
    origin = Origin("slack", "U0EMPL001")

    assert form_origin(origin, metadata).channel == channel
