"""Answering the person in front of us, the only broadcast messages that skip the outbox: a
private answer, a kind refusal, or a form opened within Slack's 3 seconds. Each ends the turn's
transaction first (committed, or rolled back for a refusal): no turn waits on Slack holding
SQLite's one connection, and a refusal leaves nothing half-written."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form
from bot.chat.port import Origin
from bot.config import AppConfig, Role
from bot.flows.broadcasts import cards
from bot.services import Services
from storage.models import Person


def may_broadcast(app: AppConfig, person: Person) -> bool:
    """Whether `person` may open, change and press the buttons of broadcasts."""
    return Role(person.role).at_least(app.broadcasts.min_role)


async def tell(session: AsyncSession, services: Services, origin: Origin, reason: str,
               **context: Any) -> None:
    """Commit what the turn did, then tell the person privately."""
    await session.commit()
    await services.chat.reply_privately(origin, cards.answer(reason, **context))


async def refuse(session: AsyncSession, services: Services, origin: Origin, reason: str,
                 **context: Any) -> None:
    """Undo anything begun, then tell the person kindly why nothing happened."""
    await session.rollback()
    await services.chat.reply_privately(origin, cards.answer(reason, **context))


async def refused(session: AsyncSession, services: Services, actor: Person, origin: Origin
                  ) -> bool:
    """True (after a kind refusal) unless the actor may broadcast: checked on the server for
    every command, button and form, whoever was shown them."""
    if may_broadcast(services.settings.app, actor):
        return False
    await refuse(session, services, origin, "not_allowed",
                 role=services.settings.app.broadcasts.min_role.value)
    return True


async def show_form(session: AsyncSession, services: Services, origin: Origin, form: Form
                    ) -> None:
    await session.commit()
    await services.chat.open_form(origin, form)
