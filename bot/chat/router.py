"""`Chat`, the ChatPort flows use: it picks the platform for each person, place or message,
and the language each message is read in.

The language is decided here, once for every flow (`reader_locale`, `in_reader_language`): a
message to a person, or answering one, is in the language they chose in their settings, else
the one their platform gives (Slack's user locale, Teams' activity locale), else the
organisation's (the renderers' own); a channel post is in the channel's ``locale`` from
app.yaml, else the organisation's. A message a flow gave a language of its own keeps it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection
from typing import TypeVar

from bot.chat import catalogues
from bot.chat.message import Form, Message
from bot.chat.port import (
    MessageRef,
    Origin,
    Platform,
    PlatformChat,
    Profile,
    Roster,
    Undeliverable,
)
from bot.config import ChannelTarget
from storage.models import Person

log = logging.getLogger(__name__)


Shown = TypeVar("Shown", Message, Form)


def reader_locale(person: Person) -> str | None:
    """The language `person` reads messages in: their choice in settings, else what their
    chat platform last gave; None leaves it to the organisation's."""
    return person.locale or person.platform_locale


def answer_language(origin: Origin, organisation_locale: str) -> str:
    """The shipped language a person who acted from `origin` read what they answered in (the
    language their answer is counted under in results)."""
    return catalogues.negotiate(origin.locale, organisation_locale)


def in_language(shown: Shown, locale: str | None) -> Shown:
    """`shown` in `locale`, unless its flow chose a language for it or `locale` is None."""
    if shown.locale is not None or locale is None:
        return shown
    return dataclasses.replace(shown, locale=locale)


def in_reader_language(shown: Shown, person: Person) -> Shown:
    return in_language(shown, reader_locale(person))


def dm_address(person: Person, platforms: Collection[str], *,
               acted_on: str | None = None) -> tuple[Platform, str] | None:
    """Where a direct message to `person` goes, of the configured `platforms`: (platform,
    user id), or None when they have no account on any. Someone on both gets it where they
    `acted_on` when it answers what they just did; otherwise on the platform they chose in
    their settings, else where they last acted, else Slack. The outbox falls back to the other
    platform when that one fails (`Outbox.fall_back`)."""
    return next(iter(dm_addresses(person, platforms, acted_on=acted_on)), None)


def dm_addresses(person: Person, platforms: Collection[str], *,
                 acted_on: str | None = None) -> list[tuple[Platform, str]]:
    """Every (platform, user id) `person` can be messaged at, the one to try first first."""
    accounts: dict[str, str] = {}
    for platform, user_id in (("slack", person.slack_user_id), ("teams", person.teams_user_id)):
        if user_id and platform in platforms:
            accounts[platform] = user_id
    first = next((p for p in (acted_on, person.preferred_platform, person.last_platform)
                  if p in accounts), None)
    ordered = sorted(accounts, key=lambda platform: platform != first)
    return [(platform, accounts[platform]) for platform in ordered]  # type: ignore[misc]


class Chat:
    def __init__(self, *platforms: PlatformChat):
        self._platforms: dict[str, PlatformChat] = {p.platform: p for p in platforms}

    @property
    def platforms(self) -> frozenset[Platform]:
        return frozenset(self._platforms)  # type: ignore[arg-type]

    def on(self, platform: str) -> PlatformChat:
        try:
            return self._platforms[platform]
        except KeyError:
            raise Undeliverable(f"{platform} is not configured") from None

    async def send_dm(self, person: Person, message: Message) -> MessageRef:
        """Sent at once (not through the outbox): on the platform `dm_address` picks, else,
        when they cannot be reached there, on their other one."""
        addresses = dm_addresses(person, self._platforms)
        if not addresses:
            raise Undeliverable(f"person {person.id} has no reachable chat account")
        message = in_reader_language(message, person)
        for platform, user_id in addresses[:-1]:
            try:
                return await self._platforms[platform].send_dm(user_id, message)
            except Undeliverable as error:
                log.info("person %s cannot be reached on %s (%s); trying the other platform",
                         person.id, platform, error)
        platform, user_id = addresses[-1]
        return await self._platforms[platform].send_dm(user_id, message)

    async def post(self, channel: ChannelTarget, message: Message) -> list[MessageRef]:
        """Post on every platform the channel is on; the refs of the posts made. A platform
        that fails while another took the post is logged, not raised, so the caller still
        keeps the refs it needs to update those posts; raises only when none was made."""
        message = in_language(message, channel.locale)
        refs: list[MessageRef] = []
        failures: list[tuple[str, Exception]] = []
        for platform, channel_id in (("slack", channel.slack), ("teams", channel.teams)):
            if channel_id and platform in self._platforms:
                try:
                    refs.append(await self._platforms[platform].post(channel_id, message))
                except Exception as error:
                    failures.append((platform, error))
        raised = failures[0] if failures and not refs else None
        for failure in failures:
            if failure is not raised:
                log.warning("posting %s to the %s channel failed", message.template, failure[0],
                            exc_info=failure[1])
        if raised is not None:
            raise raised[1]
        return refs

    async def reply_in_thread(self, parent: MessageRef, message: Message) -> MessageRef:
        return await self.on(parent.platform).reply_in_thread(parent, message)

    async def edit(self, ref: MessageRef, message: Message) -> None:
        await self.on(ref.platform).edit(ref, message)

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        await self.on(origin.platform).reply_privately(origin, in_language(message,
                                                                           origin.locale))

    async def open_form(self, origin: Origin, form: Form) -> None:
        await self.on(origin.platform).open_form(origin, in_language(form, origin.locale))

    async def publish_home(self, platform: Platform, person: Person, message: Message) -> None:
        user_id = person.slack_user_id if platform == "slack" else person.teams_user_id
        if user_id is None:
            raise Undeliverable(f"person {person.id} is not on {platform}")
        await self.on(platform).publish_home(user_id, in_reader_language(message, person))

    async def profile(self, platform: Platform, user_id: str) -> Profile | None:
        if platform not in self._platforms:
            return None
        return await self._platforms[platform].profile(user_id)

    async def profile_by_email(self, email: str) -> Profile | None:
        # Slack first, as for direct messages.
        for platform in ("slack", "teams"):
            if platform in self._platforms:
                profile = await self._platforms[platform].profile_by_email(email)
                if profile is not None:
                    return profile
        return None

    async def roster(self, platform: Platform, usergroups: Collection[str]) -> Roster | None:
        if platform not in self._platforms:
            return None
        return await self._platforms[platform].roster(usergroups)
