"""Subscriptions: `/touchpoint subscribe SERVICE`, `unsubscribe SERVICE` and `subscriptions`,
and the Follow button offered to people whose tickets concern an open broadcast.
Anyone may follow a service; its subscribers get a DM for every update of a broadcast that
affects it (`notify.announce`). A service is named as in the catalogue, by its name or an
alias in any case; anything else gets a kind answer listing the services there are."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.port import Origin
from bot.flows.broadcasts.answers import tell
from bot.services import Services
from storage import broadcasts as store
from storage.models import Person


async def _named(session: AsyncSession, services: Services, origin: Origin, typed: str,
                 verb: str) -> str | None:
    """The catalogue's name of the service typed; None after a kind answer."""
    service = services.settings.app.service(typed)
    if service is None:
        await tell(session, services, origin, "unknown_service", typed=typed.strip(),
                   verb=verb, catalogue=[s.name for s in services.settings.app.services])
        return None
    return service.name


async def subscription_change(session: AsyncSession, services: Services, actor: Person,
                              origin: Origin, typed: str, *, follow: bool) -> None:
    """Follow (`follow`) or stop following the service typed."""
    name = await _named(session, services, origin, typed,
                        "subscribe" if follow else "unsubscribe")
    if name is None:
        return
    assert actor.id is not None
    if follow:
        changed = await store.subscribe(session, actor.id, name)
        reason = "subscribed" if changed else "already_subscribed"
    else:
        changed = await store.unsubscribe(session, actor.id, name)
        reason = "unsubscribed" if changed else "not_subscribed"
    await tell(session, services, origin, reason, service=name)


async def subscription_list(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin) -> None:
    assert actor.id is not None
    await tell(session, services, origin, "subscriptions",
               subscribed=await store.subscriptions(session, actor.id),
               catalogue=[s.name for s in services.settings.app.services])


async def subscription_follow(session: AsyncSession, services: Services, actor: Person,
                              origin: Origin, value: str) -> None:
    """Follow every service of the broadcast whose id is `value` (the offer's button)."""
    broadcast = await store.by_id(session, int(value)) if value.isdigit() else None
    if broadcast is None:
        await tell(session, services, origin, "not_found")
        return
    assert actor.id is not None
    for name in broadcast.services:
        await store.subscribe(session, actor.id, name)
    await tell(session, services, origin, "following", followed=list(broadcast.services))
