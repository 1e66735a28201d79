"""Subscriptions: `/touchpoint subscribe SERVICE`, `unsubscribe SERVICE` and `subscriptions`.
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


async def subscription_add(session: AsyncSession, services: Services, actor: Person,
                           origin: Origin, typed: str) -> None:
    name = await _named(session, services, origin, typed, "subscribe")
    if name is None:
        return
    assert actor.id is not None
    added = await store.subscribe(session, actor.id, name)
    await tell(session, services, origin, "subscribed" if added else "already_subscribed",
               service=name)


async def subscription_remove(session: AsyncSession, services: Services, actor: Person,
                              origin: Origin, typed: str) -> None:
    name = await _named(session, services, origin, typed, "unsubscribe")
    if name is None:
        return
    assert actor.id is not None
    removed = await store.unsubscribe(session, actor.id, name)
    await tell(session, services, origin, "unsubscribed" if removed else "not_subscribed",
               service=name)


async def subscription_list(session: AsyncSession, services: Services, actor: Person,
                            origin: Origin) -> None:
    assert actor.id is not None
    await tell(session, services, origin, "subscriptions",
               subscribed=await store.subscriptions(session, actor.id),
               catalogue=[s.name for s in services.settings.app.services])
