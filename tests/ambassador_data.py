"""A fixed data set for the ambassadors' monthly summary of November 2026 (Europe/London, UTC
then): Finance's people (Erin, Fred, Gina) and Engineering's (Hal, Ivy, Jo, Kim), their CSAT
surveys in October and November, their complaints, an NPS pulse and a satisfaction survey
closed in November with K = 3; and the ambassadors, Amber for Finance and Hank for Engineering.

Finance's November: 4 surveys sent, 3 answered (5, 4, 2): 66.7 % satisfied, average 3.7,
against October's 50.0 % (5, 3). Complaints: 3 filed, 1 anonymously (Speed resolved,
Attitude new, Speed in progress). The pulse: 3 Finance answers (10, 9, 6), NPS +33; the
survey: 2 Finance respondents, fewer than K, so Engineering's 4 are withheld with them.
`SLOT` is the summary's run: 1 December, 09:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint
from storage.csat import SurveyAnswer, SurveyInvitation
from storage.models import Person
from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from storage.pulses import PulseAnswer, PulseCampaign
from storage.tickets import Ticket

SLOT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AMBER, HANK = "U0AMBER01", "U0HANK001"
FINANCE = ["erin", "fred", "gina"]
ENGINEERING = ["hal", "ivy", "jo", "kim"]


def config(raw: dict[str, Any]) -> None:
    """app.yaml's segments and ambassadors for the data set."""
    raw["segments"] = {"department": {
        "Finance": {"emails": [f"{name}@example.com" for name in FINANCE]},
        "Engineering": {"emails": [f"{name}@example.com" for name in ENGINEERING]}}}
    raw["ambassadors"] = {"segment": "department", "by_value": {
        "Finance": {"slack_users": [AMBER]}, "Engineering": {"emails": ["hank@example.com"]}}}


def _day(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def seed(session: AsyncSession, *, finance_pulse: list[int] | None = None) -> None:
    """The data set, committed; `finance_pulse` replaces Finance's pulse scores."""
    people = {name: Person(slack_user_id=f"U0{name.upper():0<7}", email=f"{name}@example.com",
                           display_name=name.title(),
                           segments={"department": "Finance" if name in FINANCE
                                     else "Engineering"})
              for name in FINANCE + ENGINEERING}
    people["amber"] = Person(slack_user_id=AMBER, email="amber@example.com",
                             display_name="Amber", role="it_staff")
    people["hank"] = Person(slack_user_id=HANK, email="hank@example.com",
                            display_name="Hank", role="it_staff")
    session.add_all(people.values())
    await session.flush()

    surveys = [("erin", _day(11, 3), 5), ("fred", _day(11, 10), 4), ("gina", _day(11, 17), 2),
               ("erin", _day(11, 24), None), ("fred", _day(10, 6), 5), ("gina", _day(10, 20), 3),
               ("hal", _day(11, 5), 1), ("erin", _day(12, 1, 8), 1)]
    for n, (name, sent, score) in enumerate(surveys, 1):
        ticket = Ticket(source="desk", external_id=f"INC{n:04d}", title=f"Ticket {n}",
                        requester_email=f"{name}@example.com", status="resolved",
                        opened_at=sent - timedelta(hours=4), resolved_at=sent,
                        last_event_at=sent, response_due_at=sent, resolution_due_at=sent,
                        response_at_risk_from=sent, resolution_at_risk_from=sent)
        session.add(ticket)
        await session.flush()
        invitation = SurveyInvitation(ticket_id=ticket.id, person_id=people[name].id,
                                      status="answered" if score else "sent", sent_at=sent,
                                      created_at=sent)
        session.add(invitation)
        await session.flush()
        if score:
            session.add(SurveyAnswer(invitation_id=invitation.id, score=score,
                                     comment="Gina's own words", answered_at=sent))

    complaints = [("erin", True, "Speed", "resolved", _day(11, 2)),
                  ("fred", False, "Attitude", "new", _day(11, 12)),
                  ("gina", False, "Speed", "in_progress", _day(11, 30, 23)),
                  ("erin", False, "Quality", "closed", _day(10, 30)),
                  ("hal", False, "Speed", "new", _day(11, 4))]
    for n, (name, anonymous, category, status, filed) in enumerate(complaints, 1):
        session.add(Complaint(
            number=f"C-2026-{n:04d}", submission_key=f"t:{n}", complainant_id=people[name].id,
            anonymous=anonymous, description=f"{name} complains", service="Email",
            category=category, impact="medium", status=status, created_at=filed,
            acknowledge_due_at=filed, resolve_due_at=filed, acknowledge_remind_at=filed,
            resolve_remind_at=filed))

    pulse = _campaign("Q4 pulse", _day(11, 20), None)
    survey = _campaign("Satisfaction 2026", _day(11, 25), [
        {"text": "The service desk", "aspect": "service desk", "kind": "satisfaction"}])
    session.add_all([pulse, survey])
    await session.flush()
    scores = {"Finance": finance_pulse if finance_pulse is not None else [10, 9, 6],
              "Engineering": [10, 10, 8, 3]}
    session.add_all([PulseAnswer(campaign_id=pulse.id, respondent_key=f"{value}{i}",
                                 score=score, segments={"department": value})
                     for value, values in scores.items() for i, score in enumerate(values)])
    for i, (value, rating) in enumerate([("Finance", 5), ("Finance", 4), ("Engineering", 5),
                                         ("Engineering", 4), ("Engineering", 4),
                                         ("Engineering", 2)]):
        response = PulseResponse(campaign_id=survey.id, respondent_key=f"r{i}",
                                 segments={"department": value}, finished=True)
        session.add(response)
        await session.flush()
        session.add(PulseQuestionAnswer(response_id=response.id, campaign_id=survey.id,
                                        question=0, aspect="service desk",
                                        kind="satisfaction", value=rating))
    await session.commit()


def _campaign(name: str, closed: datetime, questions: list[dict[str, str]] | None
              ) -> PulseCampaign:
    return PulseCampaign(name=name, audience={"everyone": True}, anonymity="anonymous",
                         min_group=3, reminders=[], send_time="10:00",
                         opens_at=closed - timedelta(days=14), closes_at=closed,
                         status="closed", closed_at=closed, questions=questions)
