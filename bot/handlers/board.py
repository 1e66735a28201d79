"""Board: ``/touchpoint board`` (``board`` in Teams) answers with a sign-in link."""

from __future__ import annotations

from bot.flows.board.signin import send_board_link
from bot.handlers.routes import Routes, Turn
from bot.intents import Command


def register(dispatcher: Routes) -> None:
    async def board_command(turn: Turn) -> None:
        assert isinstance(turn.intent, Command)
        await send_board_link(turn.session, turn.services, turn.intent.origin, turn.actor)

    dispatcher.on_command("touchpoint", "board", board_command)
