"""Help: tell a person what Touchpoint can do for them."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.services import Services


async def show_help(session: AsyncSession, services: Services, origin: Origin,
                    usages: list[str], *, unknown: str | None = None) -> None:
    """Answer privately with the list of commands; mention the word we did not understand."""
    await services.chat.reply_privately(origin, Message("help", {"usages": usages,
                                                                 "unknown": unknown}))
