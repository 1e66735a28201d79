"""Every complaint message that is not an answer to the person in front of us: the receipt, the
triage cards, the notices in the complainant's thread and under the cards, and the DMs to
owners and leads. Each is recorded in the outbox in the transaction that made the change, and
sent after its commit, retried until delivered; a change that is rolled back sends nothing.

Keys are made from the complaint's id and the audit event that caused a message, so nothing
stores a platform reference: the triage cards are updated by their key, a notice goes in the
thread of the receipt's key (or, if the receipt never arrived, as a new DM), and recording
the same event twice sends it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.flows.board.changes import home_changed
from bot.flows.complaints import cards
from bot.services import Services
from storage import audit
from storage.complaints import SUBJECT, Complaint, Parties, parties
from storage.models import Person


def receipt_key(complaint_id: int) -> str:
    return f"complaint:{complaint_id}:receipt"


def triage_key(complaint_id: int) -> str:
    return f"complaint:{complaint_id}:triage"


def _context(services: Services, complaint: Complaint, who: Parties, tz: str | None = None
             ) -> dict[str, Any]:
    """The complaint's template context for a reader in `tz` (the organisation's if None)."""
    return cards.complaint_context(complaint, who.complainant, who.owner, now=services.clock(),
                                   tz=tz or services.settings.app.organisation.timezone)


def notice_for(services: Services, complaint: Complaint, who: Parties, event: str,
               **extra: Any) -> Message:
    """A notice to the complainant, in their time zone."""
    return cards.complainant_notice(_context(services, complaint, who, who.complainant.tz),
                                    event, **extra)


async def filed(session: AsyncSession, services: Services, complaint: Complaint,
                complainant: Person) -> None:
    """The complainant's receipt, and the card on each platform of the triage channel."""
    assert complaint.id is not None
    who = Parties(complainant, None)
    acknowledge_hours = services.settings.app.complaints.sla[complaint.impact].acknowledge_hours
    await services.outbox.send_dm(
        session, complainant,
        cards.filed_notice(_context(services, complaint, who, complainant.tz), acknowledge_hours),
        key=receipt_key(complaint.id))
    await services.outbox.post(session, services.settings.app.channels.triage,
                               cards.triage_card(_context(services, complaint, who)),
                               key=triage_key(complaint.id))


@dataclass
class News:
    """What one change to a complaint tells whom; `key` names the change (its audit event,
    or the SLA alert claimed), and each message's key is made from it."""

    session: AsyncSession
    services: Services
    complaint: Complaint
    who: Parties
    key: str

    @property
    def _id(self) -> int:
        assert self.complaint.id is not None
        return self.complaint.id

    async def card(self) -> None:
        """The triage cards show the complaint as it is now (the latest update wins)."""
        await self.services.outbox.edit(
            self.session, triage_key(self._id),
            cards.triage_card(_context(self.services, self.complaint, self.who)))

    async def complainant(self, event: str, **extra: Any) -> None:
        """A notice in the thread under the complainant's receipt; as a new DM when the
        receipt never arrived."""
        await self.services.outbox.reply(
            self.session, receipt_key(self._id),
            notice_for(self.services, self.complaint, self.who, event, **extra),
            key=self.key, person=self.who.complainant)

    async def triage_thread(self, event: str, **extra: Any) -> None:
        """A note to IT under the triage cards."""
        message = cards.staff_notice(_context(self.services, self.complaint, self.who), event,
                                     **extra)
        await self.services.outbox.reply(self.session, triage_key(self._id), message,
                                         key=f"{self.key}:triage")

    async def staff(self, people: Iterable[Person], event: str, **extra: Any) -> None:
        """A DM to each of `people` (an owner, the leads), in their own time zone."""
        for person in people:
            message = cards.staff_notice(
                _context(self.services, self.complaint, self.who, person.tz), event, **extra)
            await self.services.outbox.send_dm(self.session, person, message,
                                               key=f"{self.key}:to:{person.id}")


async def news(session: AsyncSession, services: Services, complaint: Complaint, key: str
               ) -> News:
    """What to tell about `complaint`, its messages keyed under `key`."""
    return News(session, services, complaint, await parties(session, complaint), key)


async def recorded(session: AsyncSession, services: Services, complaint: Complaint,
                   action: str, actor_id: int | None, **detail: Any) -> News:
    """Record a change of the complaint in its audit trail, in the same transaction, and what
    to tell about it: its messages are keyed by the audit event."""
    event = audit.record(session, actor_id=actor_id, action=action, subject_type=SUBJECT,
                         subject_id=complaint.number, **detail)
    await home_changed(session, services, [complaint.complainant_id])
    await session.flush()  # the event's id names the messages it causes
    return await news(session, services, complaint,
                      f"complaint:{complaint.id}:event:{event.id}")
