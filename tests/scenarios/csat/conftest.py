"""What the CSAT scenarios share: a clock the test moves, the running bot on that clock (its
scheduler off: tests run the scheduled jobs themselves, at the times they choose), and `kit`
to put tickets and people into the test database and read the survey tables back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.services import Services
from storage.csat import SurveyAnswer, SurveyFollowUp, SurveyInvitation
from storage.models import Person
from storage.tickets import Ticket, TicketStatus
from tests import ticket_events
from tests.clock import Clock
from tests.conftest import RunningBot
from tests.outbox_kit import outbox_rows
from tests.waiting import eventually

# A Wednesday morning in London (UTC+0 in January): outside everyone's quiet hours.
MORNING = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(MORNING)


@pytest.fixture
def csat_config() -> dict[str, Any]:
    """app.yaml's ``csat:`` section; a test changes it with
    ``@pytest.mark.parametrize("csat_config", [{...}])``."""
    return {}


@pytest.fixture
def settings(make_settings, connector, csat_config):
    """The test settings with app.yaml's ``csat:`` section, and Teams (the triage channel has
    a Teams side) pointed at the Bot Connector emulator."""
    return make_settings(config=lambda raw: raw.update(
        csat=csat_config, teams={"service_url": connector.url},
        outbox={"poll_seconds": 0.05}))


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    """The running bot (tests/conftest.py) on the test's clock, without its scheduler."""
    return {"clock": clock, "scheduler": False}


@pytest.fixture
def kit(bot: RunningBot) -> Kit:
    return Kit(bot.services)


class Kit:
    """Rows in the test database, written and read the way the webhook side would."""

    def __init__(self, services: Services):
        self.services = services

    async def ticket(self, external_id: str = "INC-1001", *,
                     title: str = "Printer on floor 3 jams",
                     requester_email: str | None = "erin@example.com",
                     requester_id: int | None = None,
                     assignee_email: str | None = "tech1@example.com",
                     assignee_id: int | None = None, service: str = "Printing",
                     priority: str = "P3", source: str = "desk") -> int:
        now = self.services.clock()
        async with self.services.sessions() as session:
            ticket = Ticket(source=source, external_id=external_id, title=title,
                            requester_email=requester_email, requester_id=requester_id,
                            assignee_email=assignee_email, assignee_id=assignee_id,
                            priority=priority, service=service, status=TicketStatus.RESOLVED,
                            opened_at=now - timedelta(hours=5), resolved_at=now,
                            last_event_at=now)
            session.add(ticket)
            await session.commit()
            assert ticket.id is not None
            return ticket.id

    async def resolve(self, ticket_id: int) -> None:
        """Survey the resolved ticket as the webhook does; wait for the DM."""
        await ticket_events.resolve(self.services, ticket_id)
        await ticket_events.delivered(self.services)

    async def reopen(self, ticket_id: int) -> None:
        """Reopen the ticket as the webhook does; wait for the message to say so."""
        await ticket_events.reopen(self.services, ticket_id)
        await ticket_events.delivered(self.services)

    async def person(self, **fields: Any) -> Person:
        async with self.services.sessions() as session:
            person = Person(**fields)
            session.add(person)
            await session.commit()
            return person

    async def invitations(self) -> list[SurveyInvitation]:
        async with self.services.sessions() as session:
            rows = await session.exec(select(SurveyInvitation).order_by(SurveyInvitation.id))
            return list(rows.all())

    async def answers(self) -> list[SurveyAnswer]:
        async with self.services.sessions() as session:
            return list((await session.exec(select(SurveyAnswer))).all())

    async def alert_stored(self) -> None:
        """Wait until a low score's alert is out (Slack and Teams both answered)."""

        async def out() -> bool:
            rows = [row for row in await outbox_rows(self.services, "csat:")
                    if row.key.endswith(":alert")]
            return bool(rows) and all(row.status == "sent" for row in rows)

        await eventually(out)

    async def follow_ups(self) -> list[SurveyFollowUp]:
        async with self.services.sessions() as session:
            return list((await session.exec(select(SurveyFollowUp))).all())

    def counter(self, name: str, **labels: str) -> float:
        return self.services.metrics.registry.get_sample_value(name, labels) or 0.0

    @staticmethod
    def text_of(blocks: list[dict[str, Any]]) -> str:
        """Every visible text of a Block Kit message, joined."""
        parts = []
        for block in blocks:
            if "text" in block:
                parts.append(block["text"]["text"])
            for element in block.get("elements", []):
                text = element.get("text")
                parts.append(text["text"] if isinstance(text, dict) else str(text or ""))
        return "\n".join(parts)
