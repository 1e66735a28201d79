"""Help: tell a person what Touchpoint can do for them."""

from __future__ import annotations

from bot.chat.message import Message
from bot.chat.port import ChatPort, Origin


async def help_show(chat: ChatPort, origin: Origin, usages: list[str],
                    unknown: str | None = None) -> None:
    """Answer privately with the list of commands; mention the word we did not understand."""
    await chat.reply_privately(origin, Message("help", {"usages": usages, "unknown": unknown}))
