"""The links from a CSAT answer, without a chat platform: what counts as praise of whom (and
the kudos it became), and who may log an answer as a complaint, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.chat.message import Message
from bot.chat.port import Origin, Platform
from bot.flows.csat.links import log_complaint
from bot.flows.csat.survey import Survey, praise_of
from bot.services import Services
from storage.complaints import Complaint
from storage.csat import SurveyAnswer, SurveyInvitation
from storage.csat_links import SurveyKudos
from storage.kudos import KudosVoucher
from storage.models import Person
from storage.tickets import Ticket
from tests.clock import Clock

NOON = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)


class PrivateReplies:
    """A chat port that only remembers its private replies."""

    def __init__(self) -> None:
        self.replies: list[Message] = []

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        self.replies.append(message)


@pytest.fixture
def chat() -> PrivateReplies:
    return PrivateReplies()


@pytest.fixture
def kudos_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def clock() -> Clock:
    return Clock(NOON)


@pytest.fixture
def settings(make_settings, kudos_config):
    return make_settings(config=lambda raw: raw.update(kudos=kudos_config))


async def answered(services: Services, score: int, comment: str | None, *,
                   assignee_role: str = "it_staff", assignee_active: bool = True,
                   assignee_is_requester: bool = False) -> Survey:
    async with services.sessions() as session:
        requester = Person(slack_user_id="U0ERIN", email="erin@example.com",
                           display_name="Erin")
        session.add(requester)
        await session.flush()
        assignee = requester if assignee_is_requester else Person(
            slack_user_id="U0TOM", email="tom@example.com", display_name="Tom",
            role=assignee_role, active=assignee_active)
        session.add(assignee)
        await session.flush()
        ticket = Ticket(source="desk", external_id="INC-9", title="Wi-Fi", status="resolved",
                        requester_id=requester.id, assignee_id=assignee.id, opened_at=NOON,
                        resolved_at=NOON, last_event_at=NOON)
        session.add(ticket)
        await session.flush()
        invitation = SurveyInvitation(ticket_id=ticket.id, person_id=requester.id,
                                      status="answered", created_at=NOON)
        session.add(invitation)
        await session.flush()
        answer = SurveyAnswer(invitation_id=invitation.id, score=score, comment=comment,
                              answered_at=NOON)
        session.add(answer)
        await session.commit()
        return Survey(invitation, ticket, answer)


async def praise(services: Services, survey: Survey, platform: Platform = "slack"):
    """What `praise_of` finds for an answer given on `platform`."""
    async with services.sessions() as session:
        found = await praise_of(session, services, survey, platform)
        await session.commit()
    return found


@pytest.mark.parametrize(("score", "comment", "praised"), [
    (4, "Quick and kind", True),
    (5, "Thanks!", True),
    (3, "Quick and kind", False),   # not praise: below 4
    (5, None, False),               # not praise: nothing said about anyone
    (5, "   ", False),
])
async def test_praise_is_a_high_score_with_a_comment(services, score, comment, praised):
    survey = await answered(services, score, comment)

    found = await praise(services, survey)

    assert (found is not None) == praised
    if found is not None:
        assert (found.assignee.display_name, found.code) == ("Tom", None)


@pytest.mark.parametrize("setup", [{"assignee_role": "employee"},
                                   {"assignee_active": False},
                                   {"assignee_is_requester": True}])
async def test_no_praise_for_someone_who_cannot_receive_kudos_from_them(services, setup):
    survey = await answered(services, 5, "Brilliant", **setup)

    assert await praise(services, survey) is None


async def test_no_praise_offer_for_an_assignee_not_on_the_requesters_platform(services):
    survey = await answered(services, 5, "Brilliant")

    assert await praise(services, survey, "teams") is None  # Tom has no Teams account
    assert await praise(services, survey, "slack") is not None


@pytest.mark.parametrize("kudos_config", [{"recipient_roles": ["employee", "it_staff"]}])
async def test_the_kudos_recipient_roles_decide(services):
    survey = await answered(services, 5, "Brilliant", assignee_role="employee")

    found = await praise(services, survey)

    assert found is not None and found.assignee.display_name == "Tom"


async def test_praise_that_became_kudos_carries_the_voucher_code(services):
    survey = await answered(services, 5, "Brilliant")
    async with services.sessions() as session:
        voucher = KudosVoucher(giver_id=survey.invitation.person_id, story="Brilliant",
                               public=False, points=10, created_at=NOON)
        session.add(voucher)
        await session.flush()
        session.add(SurveyKudos(invitation_id=survey.invitation.id, voucher_id=voucher.id,
                                created_at=NOON))
        await session.commit()
        code = voucher.code

    found = await praise(services, survey)

    assert found is not None and found.code == code


async def test_only_it_staff_may_log_an_answer_as_a_complaint(services, chat):
    survey = await answered(services, 1, "Awful")
    async with services.sessions() as session:
        employee = (await session.exec(select(Person).where(
            Person.slack_user_id == "U0ERIN"))).one()
        await session.commit()

    async with services.sessions() as session:
        await log_complaint(session, services, employee, Origin("slack", "U0ERIN"),
                            survey.invitation.id)
        await session.commit()

    assert [m.sections for m in chat.replies] == [("not_staff_complaint",)]
    async with services.sessions() as session:
        assert (await session.exec(select(Complaint))).all() == []
