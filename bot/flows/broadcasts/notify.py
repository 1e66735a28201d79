"""Every broadcast message that is not an answer to the person in front of us: one post per
channel (channels.broadcasts and each affected service's broadcast_channel) kept current in
place, each later update in the thread under it, and a DM per update to each subscriber of an
affected service (the bulk lane). All are recorded in the outbox in the transaction of the
change, and sent once after its commit.

Keys come from the broadcast's id, the update's number and the channel's place in
`Broadcast.channels` (or the subscriber's id), so nothing stores a platform reference and a
retried turn records nothing twice:

- ``broadcast:{id}:post:{place}``: the post, edited in place at every change;
- ``broadcast:{id}:{number}:thread:{place}``: the update in the post's thread;
- ``broadcast:{id}:{number}:{person}``: the update in a subscriber's DM;
- ``broadcast:{id}:offer:{person}``: the updates offered to a related ticket's requester;
- ``broadcast:{id}:informed:{person}``: "how well were you kept informed?" once resolved.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import AppConfig, ChannelTarget
from bot.flows.broadcasts import cards, states
from bot.services import Services
from storage import broadcasts as store
from storage import outbox as outbox_store
from storage.broadcasts import Broadcast, BroadcastUpdate
from storage.models import Person


def post_key(broadcast_id: int, place: int) -> str:
    return f"broadcast:{broadcast_id}:post:{place}"


def thread_key(broadcast_id: int, number: int, place: int) -> str:
    return f"broadcast:{broadcast_id}:{number}:thread:{place}"


def dm_key(broadcast_id: int, number: int, person_id: int) -> str:
    return f"broadcast:{broadcast_id}:{number}:{person_id}"


def informed_key(broadcast_id: int, person_id: int) -> str:
    return f"broadcast:{broadcast_id}:informed:{person_id}"


def channels_for(app: AppConfig, services: list[str]) -> list[ChannelTarget]:
    """Where a broadcast about `services` is posted, each channel once."""
    found = list(app.channels.broadcasts)
    for name in services:
        service = app.service(name)
        if service is not None and service.broadcast_channel is not None:
            found.append(service.broadcast_channel)
    return list({(c.slack, c.teams): c for c in found}.values())


async def _context(session: AsyncSession, services: Services, broadcast: Broadcast
                   ) -> dict:
    """The broadcast as its posts show it, with its last updates, in the organisation's zone."""
    assert broadcast.id is not None
    owner = await session.get(Person, broadcast.owner_id)
    assert owner is not None
    timeline = await store.timeline(session, broadcast.id,
                                     services.settings.app.broadcasts.timeline_length)
    return cards.broadcast_context(broadcast, owner, timeline,
                                   tz=services.settings.app.organisation.timezone)


async def count_related_tickets(session: AsyncSession, services: Services,
                                broadcast: Broadcast) -> None:
    """Show on the posts how many tickets for its services arrived while it was open, when
    that has changed since they last showed it (no thread, no update DMs), and offer the
    updates to the people who raised them."""
    count = await store.related_ticket_count(session, broadcast)
    if count == broadcast.related_tickets:
        return
    broadcast.related_tickets = count
    context = await _context(session, services, broadcast)
    for place in range(len(broadcast.channels)):
        await services.outbox.edit(session, post_key(broadcast.id or 0, place),
                                   cards.post(context))
    if services.settings.app.broadcasts.offer_requesters:
        # Once per broadcast and person (the key), however many tickets they raise.
        await services.outbox.send_dms(session, [
            (person, cards.offer({**context, "tz": person.tz}),
             f"broadcast:{broadcast.id}:offer:{person.id}")
            for person in await store.unsubscribed_requesters(session, broadcast)])


async def announce(session: AsyncSession, services: Services, broadcast: Broadcast,
                   update: BroadcastUpdate, actor: Person | None) -> None:
    """Tell of `update`, just stored: every post shows the broadcast as it is now, channels
    newly concerned get a post, the others the update in their thread, and subscribers of
    its services a DM each."""
    assert broadcast.id is not None
    app = services.settings.app
    broadcast.related_tickets = await store.related_ticket_count(session, broadcast)
    context = await _context(session, services, broadcast)
    told = cards.update_context(update, actor)
    posted = [ChannelTarget(**channel) for channel in broadcast.channels]
    for place in range(len(posted)):
        key = post_key(broadcast.id, place)
        await services.outbox.edit(session, key, cards.post(context))
        await services.outbox.reply(session, key, cards.thread_update(context, told),
                                    key=thread_key(broadcast.id, update.number, place))
    for channel in channels_for(app, broadcast.services):
        if channel in posted:
            continue
        await services.outbox.post(session, channel,
                                   cards.post(context, mention=update.notify_channel),
                                   key=post_key(broadcast.id, len(posted)))
        posted.append(channel)
    broadcast.channels = [channel.model_dump() for channel in posted]
    subscribers = await store.subscribers(session, broadcast.services)
    await services.outbox.send_dms(session, [
        (person, cards.subscriber_dm({**context, "tz": person.tz}, told),
         dm_key(broadcast.id, update.number, person.id or 0))
        for person in subscribers], bulk=True)
    if update.action == states.RESOLVED and app.broadcasts.informed_survey:
        # Asked once per broadcast and person, after the resolution's DM: the key makes a
        # retried turn record it once, and those asked at an earlier resolution are left out
        # (the key alone would not, were they now reached on their other platform).
        keys = {informed_key(broadcast.id, person.id or 0): person for person in subscribers}
        asked = await outbox_store.keys_present(session, keys)
        await services.outbox.send_dms(session, [
            (person, cards.informed_question({**context, "tz": person.tz}), key)
            for key, person in keys.items() if key not in asked], bulk=True)
