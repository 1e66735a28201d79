"""Settings: ``/touchpoint settings`` (``settings`` in Teams) and the buttons choosing where
a person's direct messages go."""

from __future__ import annotations

from bot.flows.settings.ids import CHOICES, PLATFORM_ACTION
from bot.flows.settings.platform import choose, show_settings
from bot.handlers.routes import Routes, Turn
from bot.intents import ButtonPress, Command


def register(dispatcher: Routes) -> None:
    async def settings(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, Command)
        await show_settings(turn.session, turn.services, turn.actor, intent.origin,
                            intent.rest)

    async def platform(turn: Turn) -> None:
        intent = turn.intent
        assert isinstance(intent, ButtonPress)
        await choose(turn.session, turn.services, turn.actor, intent.origin,
                     intent.action_id.removeprefix(PLATFORM_ACTION))

    dispatcher.on_command("touchpoint", "settings", settings)
    for choice in CHOICES:
        dispatcher.on_button(f"{PLATFORM_ACTION}{choice}", platform)
