"""`Chat`, the ChatPort flows use: it picks the platform for each person, place or message."""

from __future__ import annotations

import logging
from collections.abc import Collection

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


class Chat:
    def __init__(self, *platforms: PlatformChat):
        self._platforms: dict[str, PlatformChat] = {p.platform: p for p in platforms}

    def _on(self, platform: Platform) -> PlatformChat:
        try:
            return self._platforms[platform]
        except KeyError:
            raise Undeliverable(f"{platform} is not configured") from None

    async def send_dm(self, person: Person, message: Message) -> MessageRef:
        # Slack first when someone is on both: one DM, in the workspace they use most.
        if person.slack_user_id and "slack" in self._platforms:
            return await self._platforms["slack"].send_dm(person.slack_user_id, message)
        if person.teams_user_id and "teams" in self._platforms:
            return await self._platforms["teams"].send_dm(person.teams_user_id, message)
        raise Undeliverable(f"person {person.id} has no reachable chat account")

    async def post(self, channel: ChannelTarget, message: Message) -> list[MessageRef]:
        """Post on every platform the channel is on; the refs of the posts made. A platform
        that fails while another took the post is logged, not raised, so the caller still
        keeps the refs it needs to update those posts; raises only when none was made."""
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
        return await self._on(parent.platform).reply_in_thread(parent, message)

    async def update(self, ref: MessageRef, message: Message) -> None:
        await self._on(ref.platform).update(ref, message)

    async def find_dm(self, person: Person, key: str) -> MessageRef | None:
        # The platform send_dm would choose.
        if person.slack_user_id and "slack" in self._platforms:
            return await self._platforms["slack"].find_dm(person.slack_user_id, key)
        if person.teams_user_id and "teams" in self._platforms:
            return await self._platforms["teams"].find_dm(person.teams_user_id, key)
        return None

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        await self._on(origin.platform).reply_privately(origin, message)

    async def open_form(self, origin: Origin, form: Form) -> None:
        await self._on(origin.platform).open_form(origin, form)

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
