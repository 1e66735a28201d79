"""The language a person reads Touchpoint in: shown, and chosen, in their settings.

Automatic (the default) follows their chat platform (Slack's user locale, the locale of their
Teams client), else the organisation's; a shipped language pins it. The choice is stored on
the person (`Person.locale`) and applied to everything sent to them by the chat port
(`bot.chat.router.reader_locale`), whichever flow sends it.
"""

from __future__ import annotations

import dataclasses

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat import catalogues
from bot.chat.message import Button, Message
from bot.chat.port import Origin
from bot.chat.router import reader_locale
from bot.flows.settings.ids import AUTOMATIC, LANGUAGE_ACTION
from bot.services import Services
from storage.directory import choose_locale
from storage.models import Person


def language_names() -> dict[str, str]:
    """Each shipped language in its own name (English, Deutsch), as language pickers show
    them: a reader looks for the language they read."""
    return {code: catalogues.language_name(code) for code in catalogues.available()}


def language_choices() -> tuple[str, ...]:
    return (AUTOMATIC, *catalogues.available())


def current_language(services: Services, person: Person) -> str:
    """The shipped language `person` reads messages in now."""
    return catalogues.negotiate(reader_locale(person),
                                services.settings.app.organisation.locale)


async def show_language(session: AsyncSession, services: Services, actor: Person,
                        origin: Origin, word: str = "") -> None:
    """``settings language``, or ``settings language de|automatic`` to choose at once."""
    choice = word.strip()
    if choice:
        await choose_language(session, services, actor, origin, choice)
        return
    await services.chat.reply_privately(origin, language_message(services, actor))


async def choose_language(session: AsyncSession, services: Services, actor: Person,
                          origin: Origin, choice: str) -> None:
    """Record the language `actor` reads messages in (a button or a typed word); the answer is
    already in it."""
    language = AUTOMATIC if choice.lower() == AUTOMATIC else catalogues.shipped(choice)
    if language is None:
        await services.chat.reply_privately(origin, language_message(
            services, actor, unknown=choice))
        return
    await choose_locale(session, actor, None if language == AUTOMATIC else language)
    # Committed before the answer, so the choice holds whatever the platform does.
    await session.commit()
    # The answer is in the language just chosen, not the one this turn started in.
    answer = dataclasses.replace(origin, locale=reader_locale(actor))
    await services.chat.reply_privately(answer, language_message(services, actor,
                                                                 changed=True))


def language_message(services: Services, actor: Person, *, changed: bool = False,
                     unknown: str | None = None) -> Message:
    chosen = actor.locale or AUTOMATIC
    return Message("settings/language", {
        "chosen": chosen, "current": current_language(services, actor),
        "names": language_names(), "changed": changed, "unknown": unknown,
        "shipped": ", ".join(catalogues.available())},
        buttons=tuple(Button(f"{LANGUAGE_ACTION}{choice}",
                             "automatic" if choice == AUTOMATIC else "language", value=choice,
                             style="primary" if choice == chosen else None)
                      for choice in language_choices()))
