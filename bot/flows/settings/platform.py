"""The platform a person's direct messages go to: shown, and chosen, in their settings.

Automatic (the default) sends them where the person last used Touchpoint; Slack or Teams
pins them there. Answers to what a person just did go where they did it whatever they chose,
and a message their platform cannot deliver goes to the other one (`bot.chat.outbox`).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.message import Button, Message
from bot.chat.port import Origin
from bot.flows.settings.ids import AUTOMATIC, CHOICES, LANGUAGE_WORD, PLATFORM_ACTION
from bot.flows.settings.language import current_language, language_names, show_language
from bot.services import Services
from storage.directory import choose_platform
from storage.models import Person


async def show_settings(session: AsyncSession, services: Services, actor: Person,
                        origin: Origin, word: str = "") -> None:
    """``settings``, or ``settings slack|teams|automatic`` to choose at once; ``settings
    language [...]`` is the language's (`bot.flows.settings.language`)."""
    first, _, rest = word.strip().partition(" ")
    if first.lower() == LANGUAGE_WORD:
        await show_language(session, services, actor, origin, rest)
        return
    choice = word.strip().lower()
    if choice:
        await choose(session, services, actor, origin, choice)
        return
    await services.chat.reply_privately(origin, _settings_message(services, actor))


async def choose(session: AsyncSession, services: Services, actor: Person, origin: Origin,
                 choice: str) -> None:
    """Record where `actor`'s direct messages go (a button or a typed word)."""
    if choice not in CHOICES:
        await services.chat.reply_privately(origin, _settings_message(
            services, actor, unknown=choice))
        return
    await choose_platform(session, actor, None if choice == AUTOMATIC else choice)
    # Committed before the answer, so the choice holds whatever the platform does.
    await session.commit()
    await services.chat.reply_privately(origin, _settings_message(services, actor,
                                                                  changed=True))


def _settings_message(services: Services, actor: Person, *, changed: bool = False,
                      unknown: str | None = None) -> Message:
    on = [platform for platform, user_id in (("slack", actor.slack_user_id),
                                             ("teams", actor.teams_user_id))
          if user_id and platform in services.chat.platforms]
    return Message("settings/show", {
        "chosen": actor.preferred_platform or AUTOMATIC, "last": actor.last_platform,
        "on": on, "changed": changed, "unknown": unknown,
        "language": actor.locale or AUTOMATIC,
        "language_name": language_names()[current_language(services, actor)]},
        buttons=tuple(Button(f"{PLATFORM_ACTION}{choice}", choice, value=choice,
                             style="primary" if choice == (actor.preferred_platform
                                                           or AUTOMATIC) else None)
                      for choice in CHOICES))
