"""A broadcast's life: opened from the `/broadcast` form, then updated, resolved and reopened
from the buttons on its channel posts; and `/broadcast list`, what is open now.

Every change is checked here, on the server: only people of `broadcasts.min_role` (IT staff by
default) may open or change one, whoever was shown the form or the buttons, and each change
must start from a status it is allowed from. The broadcast row is locked while it changes; the
change, its numbered update, its audit event (who, when, from, to) and its messages
(`notify.announce`) are recorded in the turn's transaction and commit together, with the
CSAT surveys held while an incident was open released (`bot.flows.csat.holding`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form
from bot.chat.port import Origin
from bot.flows.broadcasts import cards, forms, notify, states
from bot.flows.broadcasts.answers import refuse, refused, show_form, tell
from bot.flows.broadcasts.forms import Change, Opening
from bot.flows.csat.sending import release_held_surveys
from bot.services import Services
from storage import audit
from storage import broadcasts as store
from storage.broadcasts import SUBJECT, Broadcast, BroadcastUpdate
from storage.models import Person
from storage.once import first_delivery


async def broadcast_open_form(session: AsyncSession, services: Services, actor: Person,
                              origin: Origin, text: str) -> None:
    """The form for a new broadcast, with what was typed after /broadcast as its title."""
    if await refused(session, services, actor, origin):
        return
    await show_form(session, services, origin,
                    forms.open_form(services.settings.app, {"title": text}))


async def record_change(session: AsyncSession, services: Services, broadcast: Broadcast,
                        actor: Person | None, action: str, before: str | None, message: str,
                        notify_channel: bool) -> None:
    """The broadcast's next update, its audit event and the messages it causes; `actor` is
    None for a step the clock took (maintenance starting)."""
    assert broadcast.id is not None
    now = services.clock()
    broadcast.update_count += 1
    broadcast.message = message
    broadcast.updated_at = now
    update = BroadcastUpdate(broadcast_id=broadcast.id, number=broadcast.update_count,
                             action=action, actor_id=actor.id if actor else None,
                             status=broadcast.status,
                             impact=broadcast.impact, message=message,
                             notify_channel=notify_channel, created_at=now)
    await store.add_update(session, update)
    audit.record(session, actor_id=actor.id if actor else None, action=action, subject_type=SUBJECT,
                 subject_id=broadcast.id, to=broadcast.status, impact=broadcast.impact,
                 services=list(broadcast.services), update=update.number,
                 notify_channel=notify_channel, **({"from": before} if before else {}))
    await notify.announce(session, services, broadcast, update, actor)
    services.metrics.broadcasts.labels(action).inc()


async def broadcast_open(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin, opening: Opening, submission_key: str) -> None:
    """Store the broadcast once per submission and announce it; a double submit or a retry
    (the same `submission_key`) does nothing."""
    if await refused(session, services, actor, origin):
        return
    assert actor.id is not None
    now = services.clock()
    broadcast_id = await store.insert_broadcast(session, Broadcast(
        submission_key=submission_key, kind=opening.kind, title=opening.title,
        services=opening.services, impact=opening.impact, status=opening.status,
        message=opening.message, owner_id=actor.id, window_start=opening.window_start,
        window_end=opening.window_end, created_at=now, updated_at=now))
    if broadcast_id is None:
        await session.rollback()
        return
    broadcast = await store.by_id(session, broadcast_id, lock=True)
    assert broadcast is not None
    await record_change(session, services, broadcast, actor, states.OPENED, None,
                        opening.message, opening.notify_channel)
    await tell(session, services, origin, "opened", id=broadcast_id, title=broadcast.title,
               channels=len(broadcast.channels))


def _allowed(broadcast: Broadcast, action: str) -> bool:
    """Update and resolve an open broadcast; reopen a closed one."""
    return broadcast.is_open is (action != states.REOPENED)


async def _changeable(session: AsyncSession, services: Services, actor: Person,
                      origin: Origin, action: str, broadcast_id: int, *, lock: bool
                      ) -> Broadcast | None:
    """The broadcast when the actor may take `action` on it now; else None after telling
    them kindly why not."""
    if await refused(session, services, actor, origin):
        return None
    broadcast = await store.by_id(session, broadcast_id, lock=lock)
    if broadcast is None:
        await refuse(session, services, origin, "not_found", id=broadcast_id)
        return None
    if not _allowed(broadcast, action):
        await refuse(session, services, origin, "wrong_status", id=broadcast_id,
                     title=broadcast.title, status=broadcast.status, action=action)
        return None
    return broadcast


async def broadcast_change_start(session: AsyncSession, services: Services, actor: Person,
                                 origin: Origin, action: str, broadcast_id: int) -> None:
    """A button on the post: the form for an update, a resolution or a reopening."""
    broadcast = await _changeable(session, services, actor, origin, action, broadcast_id,
                                  lock=False)
    if broadcast is not None:
        await show_form(session, services, origin,
                        forms.change_form(services.settings.app, action, broadcast))


async def broadcast_change_checked(session: AsyncSession, services: Services, metadata: str,
                                   values: Mapping[str, str]
                                   ) -> tuple[Change | None, Form | None]:
    """What a change form's submission asks for: the change, or else the form again with
    its errors; (None, None) when it names no broadcast (the change then refuses kindly).
    It writes nothing, so it may run before the role is checked."""
    parsed = forms.parse_metadata(metadata)
    broadcast = await store.by_id(session, parsed[1]) if parsed else None
    if parsed is None or broadcast is None:
        return None, None
    app = services.settings.app
    checked, errors = forms.check_change(app, broadcast, parsed[0], values)
    if errors:
        return None, forms.change_form(app, parsed[0], broadcast, values, errors)
    return checked, None


async def broadcast_change(session: AsyncSession, services: Services, actor: Person,
                           origin: Origin, change: Change, submission_key: str) -> None:
    """Apply a submitted update, resolution or reopening once per submission, and announce
    it; a double submit or a retry (the same `submission_key`) does nothing."""
    broadcast = await _changeable(session, services, actor, origin, change.action,
                                  change.broadcast_id, lock=True)
    if broadcast is None:
        return
    if not await first_delivery(session, "broadcast-change", submission_key):
        await session.rollback()
        return
    before = broadcast.status
    if change.action == states.UPDATED:
        assert change.status and change.impact and change.services
        broadcast.status, broadcast.impact = change.status, change.impact
        broadcast.services = change.services
    elif change.action == states.RESOLVED:
        broadcast.status = states.closing_status(broadcast.kind)
        broadcast.is_open = False
        broadcast.resolved_at = services.clock()
    else:
        broadcast.status = states.reopened_status(broadcast.kind)
        broadcast.is_open = True
        broadcast.resolved_at = None
        broadcast.reopen_count += 1
    await record_change(session, services, broadcast, actor, change.action, before,
                        change.message, change.notify_channel)
    # Surveys held while this incident was open go out with its resolution (or an update
    # taking a service off it), in the same transaction: released once.
    await release_held_surveys(session, services)
    await tell(session, services, origin, change.action, id=broadcast.id,
               title=broadcast.title, status=broadcast.status)


async def broadcast_list(session: AsyncSession, services: Services, actor: Person,
                         origin: Origin) -> None:
    """What is open now, oldest first: anyone may ask (the posts are public anyway)."""
    rows = [cards.broadcast_context(broadcast, owner, [], tz=actor.tz)
            for broadcast, owner in await store.open_broadcasts(session)]
    await session.commit()
    await services.chat.reply_privately(origin, cards.listing(rows))
