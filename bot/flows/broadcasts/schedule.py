"""The broadcast clock, run every minute: reminders to post the next update, and planned
maintenance kept to its window.

- An open incident (or maintenance in progress) with no update for its impact's interval
  (`broadcasts.remind_after_minutes`, tighter for a service named in
  `service_remind_after_minutes`) reminds its owner, with an Update button, once per interval
  of silence; after `leads_after_reminders` such reminders the IT leads are reminded too.
- The posts show how many tickets for the broadcast's services the desks opened while it was
  open ("14 related tickets"), edited when that number changes.
- Scheduled maintenance reminds the subscribers of its services a day before its start and
  an hour before, switches to in progress when it starts (an update like any other: posts
  edited, thread, DMs), and asks its owner to complete it when its window ends.

Each reminder and step is claimed in `broadcast_reminder` (unique per broadcast, kind and
update) in the transaction that sends it, so however many replicas run the check, and however
often, each happens once. The run is claimed, so it opens its own session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.config import AppConfig, Role
from bot.flows.broadcasts import cards, ids, states
from bot.flows.broadcasts.lifecycle import record_change
from bot.flows.broadcasts.notify import count_related_tickets
from bot.services import Services
from storage import broadcasts as store
from storage.broadcasts import Broadcast
from storage.complaints import people_with_roles
from storage.models import Person

LEAD_ROLES = (Role.IT_LEAD.value, Role.ADMIN.value)
BEFORE = (("day_before", timedelta(days=1)), ("hour_before", timedelta(hours=1)))
"""Reminders to subscribers before maintenance starts, each sent until the next is due."""


def remind_after(app: AppConfig, impact: str, services: list[str]) -> timedelta:
    """How long a broadcast may go without an update: the tightest of its services'."""
    per_service = {}
    for name, intervals in app.broadcasts.service_remind_after_minutes.items():
        service = app.service(name)
        if service is not None:
            per_service[service.name] = intervals
    minutes = [per_service[name][impact] for name in services
               if impact in per_service.get(name, {})]
    return timedelta(minutes=min(minutes or [app.broadcasts.remind_after_minutes[impact]]))


async def broadcasts_check(services: Services, scheduled_for: datetime | None = None) -> None:
    """The scheduled job: what is due now, by the application's clock."""
    now = services.clock()
    async with services.sessions() as session:
        for broadcast, _owner in await store.open_broadcasts(session):
            assert broadcast.id is not None
            if broadcast.kind == states.MAINTENANCE:
                await _keep_window(session, services, broadcast.id, now)
            await _remind(session, services, broadcast.id, now)
            locked = await store.by_id(session, broadcast.id, lock=True)
            if locked is not None and locked.is_open:
                await count_related_tickets(session, services, locked)
            await session.commit()


def _reminder(broadcast: Broadcast, context: dict, reason: str, **extra: object) -> Message:
    buttons: tuple[Button, ...] = ()
    if reason in ("owner", "leads"):
        buttons = (Button(ids.UPDATE, "update", str(broadcast.id), style="primary"),)
    elif reason == "ended":
        buttons = (Button(ids.RESOLVE, "complete", str(broadcast.id), style="primary"),)
    return Message("broadcasts/reminder", {**context, "reason": reason, **extra},
                   buttons=buttons)


async def _context(session: AsyncSession, services: Services, broadcast: Broadcast,
                   reader: Person) -> dict:
    owner = await session.get(Person, broadcast.owner_id)
    assert owner is not None
    return cards.broadcast_context(broadcast, owner, [], tz=reader.tz)


async def _keep_window(session: AsyncSession, services: Services, broadcast_id: int,
                       now: datetime) -> None:
    broadcast = await store.by_id(session, broadcast_id, lock=True)
    if broadcast is None or broadcast.window_start is None or not broadcast.is_open:
        return
    start, end = broadcast.window_start, broadcast.window_end
    if broadcast.status == "scheduled":
        for place, (kind, lead) in enumerate(BEFORE):
            until = BEFORE[place + 1][1] if place + 1 < len(BEFORE) else timedelta(0)
            if start - lead <= now < start - until and await store.claim_reminder(
                    session, broadcast_id, kind, broadcast.reopen_count, now):
                await _tell_subscribers(session, services, broadcast, kind)
        if now >= start and await store.claim_reminder(session, broadcast_id, states.STARTED,
                                                       broadcast.reopen_count, now):
            before = broadcast.status
            broadcast.status = "in_progress"
            await record_change(session, services, broadcast, None, states.STARTED, before,
                                broadcast.message, False)
    elif (broadcast.status == "in_progress" and end is not None and now >= end
          and await store.claim_reminder(session, broadcast_id, "ended",
                                         broadcast.reopen_count, now)):
        owner = await session.get(Person, broadcast.owner_id)
        assert owner is not None
        await services.outbox.send_dm(
            session, owner, _reminder(broadcast, await _context(session, services, broadcast,
                                                                owner), "ended"),
            key=f"broadcast:{broadcast_id}:ended:{broadcast.reopen_count}")


async def _tell_subscribers(session: AsyncSession, services: Services, broadcast: Broadcast,
                            kind: str) -> None:
    subscribers = await store.subscribers(session, broadcast.services)
    dms = []
    for person in subscribers:
        context = await _context(session, services, broadcast, person)
        dms.append((person, _reminder(broadcast, context, kind),
                    f"broadcast:{broadcast.id}:{kind}:{broadcast.reopen_count}:{person.id}"))
    await services.outbox.send_dms(session, dms, bulk=True)


async def _remind(session: AsyncSession, services: Services, broadcast_id: int,
                  now: datetime) -> None:
    """Remind the owner (then the leads) of a broadcast that has gone quiet too long."""
    broadcast = await store.by_id(session, broadcast_id)
    if broadcast is None or not broadcast.is_open or broadcast.status == "scheduled":
        return
    app = services.settings.app
    interval = remind_after(app, broadcast.impact, broadcast.services)
    silences = int((now - broadcast.updated_at) / interval)
    if silences < 1:
        return
    number = broadcast.update_count
    prefix = f"broadcast:{broadcast_id}:{number}"
    owner = await session.get(Person, broadcast.owner_id)
    assert owner is not None
    if await store.claim_reminder(session, broadcast_id, f"owner:{silences}", number, now):
        context = await _context(session, services, broadcast, owner)
        await services.outbox.send_dm(
            session, owner, _reminder(broadcast, context, "owner",
                                      minutes=int(interval.total_seconds() // 60) * silences),
            key=f"{prefix}:remind:{silences}")
    if silences > app.broadcasts.leads_after_reminders and await store.claim_reminder(
            session, broadcast_id, "leads", number, now):
        for lead in await people_with_roles(session, LEAD_ROLES):
            context = await _context(session, services, broadcast, lead)
            await services.outbox.send_dm(
                session, lead, _reminder(broadcast, context, "leads",
                                         minutes=int(interval.total_seconds() // 60)
                                         * silences),
                key=f"{prefix}:leads:{lead.id}")
