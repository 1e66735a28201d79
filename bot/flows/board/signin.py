"""``/touchpoint board``: answer privately with a personal sign-in link to the board."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Message
from bot.chat.port import Origin
from bot.flows.board.links import LINK_MINUTES, SigninLinks
from bot.services import Services
from storage.models import Person


async def send_board_link(session: AsyncSession, services: Services, origin: Origin,
                          person: Person) -> None:
    """The link goes only to the person who asked (ephemeral in Slack, their own chat in
    Teams); without the board's key or public address they are told it is not set up."""
    assert person.id is not None
    url = SigninLinks(services.settings.secrets).url_for(person.id, services.clock())
    await services.chat.reply_privately(origin, Message(
        "board/link", {"url": url, "minutes": LINK_MINUTES}))
