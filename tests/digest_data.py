"""A fixed data set for the digest's tests: week 2026-W48 (Mon 23 to Sun 29 Nov 2026, in
Europe/London, which is UTC then) and the week before it, with tickets (met, breached, reopened,
a repeat contact), CSAT answers for two services, complaints, kudos, two NPS pulses, a
satisfaction survey (one aspect below K), broadcasts with their updates and kept-informed
ratings, milestones and improvement plan items (one overdue, one done).

Every figure the golden texts show follows from these rows; `NOW` is when the digest is made
(Monday 30 Nov, 09:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.broadcasts import Broadcast, BroadcastRating, BroadcastUpdate
from storage.complaints import Complaint
from storage.csat import SurveyAnswer, SurveyInvitation
from storage.kudos import KudosRecipient, KudosVoucher
from storage.milestones import Milestone
from storage.models import Person
from storage.plans import PlanItem
from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from storage.pulses import PulseAnswer, PulseCampaign
from storage.tickets import Ticket

WEEK = "2026-W48"
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _at(day: int, hour: int) -> datetime:
    """Day 0 is Monday of W48; negative days are the week before."""
    return MONDAY + timedelta(days=day, hours=hour)


def _ticket(n: int, opened: datetime, *, priority: str, service: str, requester: str,
            responded_h: float | None, resolved_h: float | None, response_due_h: float,
            resolution_due_h: float, reopened: bool = False, title: str = "") -> Ticket:
    return Ticket(
        source="desk", external_id=f"INC{n:04d}", title=title or f"Ticket {n}",
        requester_email=requester, priority=priority, service=service,
        status="resolved" if resolved_h is not None else "open", opened_at=opened,
        first_response_at=opened + responded_h * H if responded_h is not None else None,
        resolved_at=opened + resolved_h * H if resolved_h is not None else None,
        reopen_count=1 if reopened else 0,
        response_due_at=opened + response_due_h * H,
        resolution_due_at=opened + resolution_due_h * H,
        response_at_risk_from=opened + 0.8 * response_due_h * H,
        resolution_at_risk_from=opened + 0.8 * resolution_due_h * H,
        last_event_at=opened)


async def seed(session: AsyncSession) -> None:
    """The data set, committed."""
    ann = Person(slack_user_id="U0ANN0001", email="ann@example.com", display_name="Ann")
    bob = Person(slack_user_id="U0BOB0001", email="bob@example.com", display_name="Bob <b>")
    tom = Person(slack_user_id="U0TECH001", email="tech1@example.com", display_name="Tom Tech")
    session.add_all([ann, bob, tom])
    await session.flush()
    email, laptops = "Email and calendar", "Laptops and devices"
    tickets = [
        # The week before: two tickets, both met.
        _ticket(1, _at(-6, 10), priority="P2", service=email, requester="ann@example.com",
                responded_h=0.5, resolved_h=4, response_due_h=1, resolution_due_h=8),
        _ticket(2, _at(-5, 10), priority="P3", service=laptops, requester="bob@example.com",
                responded_h=1, resolved_h=10, response_due_h=4, resolution_due_h=24),
        # W48: six tickets.
        _ticket(3, _at(0, 9), priority="P1", service=email, requester="ann@example.com",
                responded_h=0.25, resolved_h=2, response_due_h=0.5, resolution_due_h=4),
        _ticket(4, _at(0, 11), priority="P1", service=email, requester="bob@example.com",
                responded_h=1, resolved_h=9, response_due_h=0.5, resolution_due_h=4,
                title="Mailbox down <everyone>"),
        _ticket(5, _at(1, 10), priority="P2", service=laptops, requester="ann@example.com",
                responded_h=0.5, resolved_h=6, response_due_h=1, resolution_due_h=8,
                reopened=True),
        _ticket(6, _at(2, 10), priority="P2", service=email, requester="ann@example.com",
                responded_h=0.75, resolved_h=12, response_due_h=1, resolution_due_h=8),
        _ticket(7, _at(3, 10), priority="P3", service=laptops, requester="bob@example.com",
                responded_h=2, resolved_h=None, response_due_h=4, resolution_due_h=24),
        _ticket(8, _at(4, 10), priority="P3", service=laptops, requester="bob@example.com",
                responded_h=None, resolved_h=None, response_due_h=4, resolution_due_h=240),
    ]
    session.add_all(tickets)
    await session.flush()
    # Surveys: ticket 1 and 2 last week (5 and 4); W48 tickets 3-6 (5, 2, 4, none).
    scores = {1: 5, 2: 4, 3: 5, 4: 2, 5: 4, 6: None}
    for ticket in tickets:
        n = int(ticket.external_id[3:])
        if n not in scores:
            continue
        invitation = SurveyInvitation(ticket_id=ticket.id, status="answered" if scores[n]
                                      else "sent", sent_at=ticket.resolved_at,
                                      created_at=ticket.resolved_at)
        session.add(invitation)
        await session.flush()
        if scores[n]:
            session.add(SurveyAnswer(invitation_id=invitation.id, score=scores[n],
                                     answered_at=ticket.resolved_at + H))
    complaint = dict(service=email, impact="medium", acknowledge_remind_at=_at(0, 10),
                     resolve_remind_at=_at(2, 10))
    session.add_all([
        Complaint(number="C-2026-0001", submission_key="t:1", complainant_id=ann.id,
                  anonymous=True, description="slow", category="Speed", created_at=_at(0, 10),
                  acknowledged_at=_at(0, 11), resolved_at=_at(1, 12), status="resolved",
                  acknowledge_due_at=_at(0, 12), resolve_due_at=_at(3, 12),
                  acknowledge_business_s=3600, resolve_business_s=7 * 3600,
                  root_cause="Capacity", **complaint),
        Complaint(number="C-2026-0002", submission_key="t:2", complainant_id=bob.id,
                  description="rude", category="Attitude", created_at=_at(2, 10),
                  status="new", acknowledge_due_at=_at(2, 12), resolve_due_at=_at(5, 12),
                  **complaint),
    ])
    voucher = KudosVoucher(giver_id=ann.id, story="Saved my <b>demo</b> *today*", points=10,
                           created_at=_at(1, 15))
    session.add(voucher)
    await session.flush()
    session.add(KudosRecipient(voucher_id=voucher.id, person_id=tom.id, giver_id=ann.id,
                               given_on=date(2026, 11, 24)))
    for name, closed, answers in (("q3", _at(-60, 9), [10, 9, 8, 3, 10]),
                                  ("q4", _at(-3, 9), [10, 10, 9, 7, 6, 9])):
        campaign = PulseCampaign(name=name, audience={"everyone": True},
                                 anonymity="anonymous", min_group=5, reminders=[],
                                 send_time="10:00", opens_at=closed - 14 * 24 * H,
                                 closes_at=closed, status="closed", closed_at=closed)
        session.add(campaign)
        await session.flush()
        session.add_all([PulseAnswer(campaign_id=campaign.id, respondent_key=f"{name}{i}",
                                     score=score) for i, score in enumerate(answers)])
    await _survey(session)
    await _broadcasts(session, [ann, bob, tom], tom)
    session.add_all([
        # Reached in W48, and the week before (not shown).
        Milestone(key="csat:80", kind="csat", reached_at=_at(2, 9),
                  detail={"level": 80, "csat": 83.3, "week": "16 Nov"}),
        Milestone(key="kudos:100", kind="kudos", reached_at=_at(-3, 9),
                  detail={"count": 100, "given": 100}),
        PlanItem(submission_key="t:p1", figure="sla", change="Second line on call for <P1>",
                 owner_id=tom.id, created_by_id=tom.id, due_on=date(2026, 11, 27)),
        PlanItem(submission_key="t:p2", figure="csat", change="Call back every score of 1-2",
                 owner_id=tom.id, created_by_id=tom.id, due_on=date(2026, 12, 14)),
        PlanItem(submission_key="t:p3", figure="nps", change="Done already", owner_id=tom.id,
                 created_by_id=tom.id, due_on=date(2026, 11, 1), status="done"),
    ])
    await session.commit()


async def _survey(session: AsyncSession) -> None:
    """A satisfaction survey closed on Sunday 22 Nov (after the NPS pulse q4, which stays the
    digest's NPS): six people rate the service desk (four of them 4 or 5), only three the
    incident response (fewer than K = 5: withheld)."""
    closed = _at(-1, 12)
    survey = PulseCampaign(
        name="sat-q4", audience={"everyone": True}, anonymity="anonymous", min_group=5,
        reminders=[], send_time="10:00", opens_at=closed - 14 * 24 * H, closes_at=closed,
        status="closed", closed_at=closed,
        questions=[{"aspect": "service desk", "text": "Desk?", "kind": "satisfaction"},
                   {"aspect": "incident response", "text": "Outages?",
                    "kind": "satisfaction"}])
    session.add(survey)
    await session.flush()
    for n, (desk, incidents) in enumerate([(5, 5), (5, 4), (4, 1), (4, None), (2, None),
                                           (3, None)]):
        response = PulseResponse(campaign_id=survey.id, respondent_key=f"sat{n}",
                                 finished=incidents is not None)
        session.add(response)
        await session.flush()
        session.add_all(PulseQuestionAnswer(response_id=response.id, campaign_id=survey.id,
                                            question=q, aspect=aspect, kind="satisfaction",
                                            value=value)
                        for q, (aspect, value) in enumerate([("service desk", desk),
                                                             ("incident response", incidents)])
                        if value is not None)


async def _broadcasts(session: AsyncSession, people: list[Person], owner: Person) -> None:
    """Email: an outage the week before (30 minutes; Printing had one too) and one in W48
    (80 minutes, updated after 20 and then 60 minutes: once late for an outage); Laptops:
    degraded in W48, updated after 45 minutes. Three kept-informed ratings in W48: 5 and 4 on
    Email's, 2 on Laptops'."""
    email, laptops = "Email and calendar", "Laptops and devices"
    minutes = timedelta(minutes=1)
    plans = [
        (email, _at(-4, 9), [(0, "investigating", "outage"), (30, "resolved", "outage")]),
        # Over before W48: the weekly digest does not list Printing at all.
        ("Printing", _at(-3, 9), [(0, "investigating", "outage"), (15, "resolved", "outage")]),
        (email, _at(1, 9), [(0, "investigating", "outage"), (20, "identified", "outage"),
                            (80, "monitoring", "degraded"), (120, "resolved", "degraded")]),
        (laptops, _at(3, 14), [(0, "investigating", "degraded"),
                               (45, "resolved", "degraded")]),
    ]
    ids = []
    for n, (service, opened, steps) in enumerate(plans):
        broadcast = Broadcast(
            submission_key=f"t:b{n}", kind="incident", title=f"{service} trouble",
            services=[service], impact=steps[-1][2], status=steps[-1][1], is_open=False,
            message="m", owner_id=owner.id, created_at=opened,
            updated_at=opened + steps[-1][0] * minutes, update_count=len(steps))
        session.add(broadcast)
        await session.flush()
        ids.append(broadcast.id)
        session.add_all(BroadcastUpdate(broadcast_id=broadcast.id, number=number, action="x",
                                        status=status, impact=impact, message="m",
                                        created_at=opened + after * minutes)
                        for number, (after, status, impact) in enumerate(steps, 1))
    session.add_all(BroadcastRating(broadcast_id=broadcast_id, person_id=person.id,
                                    score=score, answered_at=_at(4, 12))
                    for broadcast_id, person, score in [(ids[2], people[0], 5),
                                                        (ids[2], people[1], 4),
                                                        (ids[3], people[0], 2)])
