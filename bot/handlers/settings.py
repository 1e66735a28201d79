"""Settings: ``/touchpoint settings`` (``settings`` in Teams) and the buttons choosing where
a person's direct messages go and the language they read."""

from __future__ import annotations

from bot.flows.settings.ids import CHOICES, LANGUAGE_ACTION, PLATFORM_ACTION
from bot.flows.settings.language import choose_language, language_choices
from bot.flows.settings.platform import choose, show_settings
from bot.handlers.routes import Routes, Turn


def register(dispatcher: Routes) -> None:
    async def settings(turn: Turn) -> None:
        intent = turn.command
        await show_settings(turn.session, turn.services, turn.actor, intent.origin,
                            intent.rest)

    async def platform(turn: Turn) -> None:
        intent = turn.press
        await choose(turn.session, turn.services, turn.actor, intent.origin,
                     intent.action_id.removeprefix(PLATFORM_ACTION))

    async def language(turn: Turn) -> None:
        intent = turn.press
        await choose_language(turn.session, turn.services, turn.actor, intent.origin,
                              intent.action_id.removeprefix(LANGUAGE_ACTION))

    dispatcher.on_command("touchpoint", "settings", settings)
    for choice in CHOICES:
        dispatcher.on_button(f"{PLATFORM_ACTION}{choice}", platform)
    for choice in language_choices():
        dispatcher.on_button(f"{LANGUAGE_ACTION}{choice}", language)
