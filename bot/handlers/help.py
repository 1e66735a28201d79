"""Help: ``/touchpoint help`` in Slack, ``help`` in Teams, and any word the bot does not know."""

from __future__ import annotations

from bot.flows.help.show import show_help
from bot.handlers.routes import Routes, Turn
from bot.intents import Command


def register(dispatcher: Routes) -> None:
    async def help_command(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        unknown = intent.word if intent.word not in ("", "help") else None
        await show_help(turn.session, turn.services, intent.origin, dispatcher.command_usages,
                        unknown=unknown)

    dispatcher.on_command("touchpoint", "help", help_command)
    dispatcher.on_command("touchpoint", None, help_command)
