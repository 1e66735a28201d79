"""The complaint flows on their own, with a recording chat port instead of a platform and
the outbox read back instead of sent: deadlines in business hours, filing once per
submission, role checks and status rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.chat.codec import decode
from bot.chat.message import Form, Message
from bot.chat.port import Origin
from bot.flows.complaints import ids, lifecycle
from bot.flows.complaints.filing import complaint_file, deadlines
from bot.flows.complaints.forms import Filing
from bot.flows.complaints.notify import receipt_key, triage_key
from bot.services import Services
from storage.complaints import Complaint
from storage.models import Person
from storage.outbox import OutboxMessage
from tests.clock import Clock

FRIDAY_4PM = datetime(2026, 12, 18, 16, 0, tzinfo=UTC)
FILING = Filing("Nobody called back", "Service desk", "Communication", "medium", None, False)


class RecordingChat:
    """A chat port that records the direct answers flows give; what they send otherwise is
    in the outbox, which nothing sends here."""

    platforms = frozenset({"slack", "teams"})

    def __init__(self) -> None:
        self.sent: list[tuple[str, object, Message | Form]] = []

    async def reply_privately(self, origin, message):
        self.sent.append(("private", origin.user_id, message))

    async def open_form(self, origin, form):
        self.sent.append(("form", origin.user_id, form))


async def _turn(services: Services, flow: Callable[..., Awaitable[Any]], *args: Any,
                **options: Any) -> None:
    """Run `flow` as a turn does: in a session of its own, committed when it returns."""
    async with services.sessions() as session:
        await flow(session, services, *args, **options)
        await session.commit()


async def _outbox(services: Services) -> list[OutboxMessage]:
    async with services.sessions() as session:
        return list((await session.exec(
            select(OutboxMessage).order_by(col(OutboxMessage.id)))).all())


@pytest.fixture
def chat() -> RecordingChat:
    return RecordingChat()


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY_4PM)


async def _person(services: Services, user_id: str, role: str) -> Person:
    async with services.sessions() as session:
        person = Person(slack_user_id=user_id, display_name=user_id.lower(), role=role)
        session.add(person)
        await session.commit()
        return person


async def _file(services: Services, complainant: Person) -> Complaint:
    """File FILING as `complainant`, in a turn of its own (committed, as the dispatcher does)."""
    async with services.sessions() as session:
        complaint = await complaint_file(session, services, complainant,
                                         _origin(complainant.slack_user_id or ""), FILING,
                                         "slack:V1")
        await session.commit()  # as the turn would
    assert complaint is not None
    return complaint


def _origin(user_id: str) -> Origin:
    return Origin("slack", user_id, channel="C1", response_url="http://127.0.0.1:9/r")


async def test_deadlines_skip_nights_weekends_and_holidays(services):
    found = deadlines(services, FRIDAY_4PM, "medium")

    # 4 business hours from Friday 16:00 (hours 09:00-17:00, London = UTC in December):
    # one hour on Friday, three on Monday.
    assert found["acknowledge_due_at"] == datetime(2026, 12, 21, 12, 0, tzinfo=UTC)
    assert found["acknowledge_remind_at"] == datetime(2026, 12, 21, 11, 0, tzinfo=UTC)
    # 16 business hours: 1 Friday, 8 Monday, 7 Tuesday.
    assert found["resolve_due_at"] == datetime(2026, 12, 22, 16, 0, tzinfo=UTC)
    # Filed on Christmas Eve at 16:00 (a working day in England): 1 hour that day, then
    # Christmas, Boxing Day (Saturday), Sunday and the Boxing Day substitute Monday are off.
    eve = deadlines(services, datetime(2026, 12, 24, 16, 0, tzinfo=UTC), "medium")
    assert eve["acknowledge_due_at"] == datetime(2026, 12, 29, 12, 0, tzinfo=UTC)


async def test_filing_twice_with_one_submission_stores_and_sends_once(services):
    erin = await _person(services, "U0ERIN", "employee")

    for _ in range(2):
        await _turn(services, complaint_file, erin, _origin("U0ERIN"), FILING, "slack:V1")

    async with services.sessions() as session:
        rows = (await session.exec(select(Complaint))).all()
    assert [c.number for c in rows] == ["CMP-2026-0001"]
    # The receipt, and the triage card on each platform of the triage channel.
    assert [(row.key, row.kind, row.platform, row.channel, row.person_id)
            for row in await _outbox(services)] == [
        (receipt_key(rows[0].id), "dm", "slack", "U0ERIN", erin.id),
        (triage_key(rows[0].id), "post", "slack", "C0TRIAGE1", None),
        (triage_key(rows[0].id), "post", "teams", "19:triage@thread.tacv2", None)]


async def test_only_it_staff_change_a_complaint_and_only_from_allowed_statuses(services):
    erin = await _person(services, "U0ERIN", "employee")
    tom = await _person(services, "U0TOM", "it_staff")
    complaint = await _file(services, erin)
    chat = services.chat
    chat.sent.clear()

    number = complaint.number
    await _turn(services, lifecycle.complaint_resolve, erin, _origin("U0ERIN"), number, "done",
                "Process")
    await _turn(services, lifecycle.complaint_assign, tom, _origin("U0TOM"), number,
                owner_id=erin.id)
    await _turn(services, lifecycle.complaint_answer, erin, _origin("U0ERIN"), number,
                satisfied=True)
    await _turn(services, lifecycle.complaint_acknowledge, tom, _origin("U0TOM"), "CMP-2026-9999")

    answers = [what.context["reason"] for kind, _to, what in chat.sent if kind == "private"]
    assert answers == ["not_staff", "not_assignable", "already_answered", "not_found"]
    async with services.sessions() as session:
        row = (await session.exec(select(Complaint))).one()
    assert (row.status, row.owner_id) == ("new", None)

    for _ in range(2):
        await _turn(services, lifecycle.complaint_acknowledge, tom, _origin("U0TOM"), number)
    # Tom's own repeat changes nothing and is not answered; someone else is told why not.
    assert len([kind for kind, _to, _what in chat.sent if kind == "private"]) == 4
    tina = await _person(services, "U0TINA", "it_staff")
    await _turn(services, lifecycle.complaint_acknowledge, tina, _origin("U0TINA"), number)
    assert [what.context["reason"] for kind, _to, what in chat.sent if kind == "private"][
        -1] == "wrong_status"
    async with services.sessions() as session:
        row = (await session.exec(select(Complaint))).one()
    assert (row.status, row.owner_id, row.acknowledge_business_s) == (
        "acknowledged", tom.id, 0)  # Friday 16:00 is the moment it was filed


async def test_resolving_counts_business_time_and_asks_the_complainant(services):
    erin = await _person(services, "U0ERIN", "employee")
    tom = await _person(services, "U0TOM", "it_staff")
    complaint = await _file(services, erin)
    services.clock.now = datetime(2026, 12, 21, 10, 30, tzinfo=UTC)  # Monday

    await _turn(services, lifecycle.complaint_resolve, tom, _origin("U0TOM"), complaint.number,
                "Called back", "People")

    async with services.sessions() as session:
        row = (await session.exec(select(Complaint))).one()
    # Friday 16:00-17:00 and Monday 09:00-10:30: two and a half business hours.
    assert row.resolve_business_s == row.acknowledge_business_s == int(2.5 * 3600)
    [question] = [row for row in await _outbox(services) if row.kind == "reply"]
    # In the thread of her receipt; to her as a new DM if the receipt never arrived.
    assert (question.parent_key, question.person_id) == (receipt_key(complaint.id), erin.id)
    asked = decode(question.payload)
    assert asked.context["event"] == "resolved"
    assert [b.action_id for b in asked.buttons] == [ids.SATISFIED, ids.UNSATISFIED]
    assert services.clock.now - row.created_at > timedelta(days=2)
