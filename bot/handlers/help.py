"""Help: ``/touchpoint help`` in Slack, ``help`` in Teams, and any word the bot does not know."""

from __future__ import annotations

from bot.flows.help.show import help_show
from bot.handlers.routes import Routes, Turn
from bot.intents import Command


def register(dispatcher: Routes) -> None:
    async def show_help(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        unknown = intent.word if intent.word not in ("", "help") else None
        await help_show(turn.services.chat, intent.origin, dispatcher.command_usages,
                        unknown=unknown)

    dispatcher.on_command("touchpoint", "help", show_help)
    dispatcher.on_command("touchpoint", None, show_help)
