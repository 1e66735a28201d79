"""Answering the person in front of us, the only complaint messages that do not go through the
outbox: a private answer (Slack's response_url, Teams' reply in place), a kind refusal, or a
form opened within Slack's 3 seconds. Each ends the turn's transaction before the chat call:
on SQLite the one connection is shared by every turn, and no turn should wait on Slack."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Form, Message
from bot.chat.port import Origin
from bot.config import Role
from bot.flows.complaints import cards
from bot.services import Services
from storage.models import Person


def is_staff(person: Person) -> bool:
    return Role(person.role).at_least(Role.IT_STAFF)


async def answer_privately(session: AsyncSession, services: Services, origin: Origin,
                           message: Message) -> None:
    """What the turn did is committed, then the person is answered, visible only to them."""
    await session.commit()
    await services.chat.reply_privately(origin, message)


async def refuse(session: AsyncSession, services: Services, origin: Origin, reason: str,
                 **context: object) -> None:
    """Undo anything begun, then tell the person kindly why nothing happened."""
    await session.rollback()
    await services.chat.reply_privately(origin, cards.answer(reason, **context))


async def refused_unless_staff(session: AsyncSession, services: Services, actor: Person,
                               origin: Origin, number: str) -> bool:
    """Only IT staff act on complaints: the role is checked here, on the server, and anyone
    else is told kindly (True) instead of getting the form or the change."""
    if is_staff(actor):
        return False
    await refuse(session, services, origin, "not_staff", number=number)
    return True


async def open_form(session: AsyncSession, services: Services, origin: Origin, form: Form
                    ) -> None:
    await session.commit()
    await services.chat.open_form(origin, form)
