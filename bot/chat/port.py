"""The chat port: what a flow may ask of a chat platform, and the references it gets back.

A flow holds a `ChatPort` and never a Slack client or a Teams adapter. References to people,
places and sent messages are plain values, so they can be stored and used by another replica.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from bot.chat.message import Form, Message
from bot.config import ChannelTarget
from storage.models import Person

Platform = Literal["slack", "teams"]


@dataclass(frozen=True)
class MessageRef:
    """A message already sent, so it can be updated or replied to later."""

    platform: Platform
    channel: str
    """Slack channel id, or Teams conversation id."""
    message_id: str
    """Slack ``ts``, or Teams activity id."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> MessageRef:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class Origin:
    """Where an intent came from: enough to answer the person privately, in place."""

    platform: Platform
    user_id: str
    """Slack user id, or Teams AAD object id (lower case)."""
    channel: str | None = None
    response_url: str | None = None
    """Slack: where to answer a command or an action privately."""
    trigger_id: str | None = None
    """Slack: lets us open a modal within 3 seconds of the click."""
    reference: dict[str, Any] | None = None
    """Teams: the conversation reference of the incoming activity."""
    locale: str | None = None
    """The language to answer in. An adapter sets what the platform said (Teams' activity
    ``locale``); the dispatcher replaces it with the person's own (`reader_locale`) before a
    handler sees it, and the router stamps it on every answer and form."""


@dataclass(frozen=True)
class Profile:
    """What a platform tells us about a person."""

    platform: Platform
    user_id: str
    display_name: str
    email: str | None = None
    tz: str | None = None
    locale: str | None = None
    """The language the platform gives for them (Slack's user ``locale``, with include_locale;
    the locale of a Teams activity they sent), as a BCP 47 tag."""
    is_bot: bool = False
    """A bot, an app or Slackbot: never a person to thank or to count."""


@dataclass(frozen=True)
class Roster:
    """Everyone a platform lists, read in full for a directory sync."""

    platform: Platform
    members: tuple[Profile, ...]
    """The people who are members now; bots, apps and deleted accounts are left out."""
    usergroups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Slack user group id -> its members' user ids, for the groups asked for that exist."""


class Undeliverable(Exception):
    """The person or place cannot be reached (left, never installed the app, unknown)."""


class ChatPort(Protocol):
    async def send_dm(self, person: Person, message: Message) -> MessageRef:
        """Message a person directly; raises Undeliverable when they cannot be reached."""
        ...

    async def post(self, channel: ChannelTarget, message: Message) -> list[MessageRef]:
        """Post to a configured channel, on every platform it names."""
        ...

    async def reply_in_thread(self, parent: MessageRef, message: Message) -> MessageRef: ...

    async def edit(self, ref: MessageRef, message: Message) -> None: ...

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        """Answer the person who sent a command or pressed a button, visible only to them."""
        ...

    async def open_form(self, origin: Origin, form: Form) -> None: ...

    async def publish_home(self, platform: Platform, person: Person, message: Message) -> None:
        """Replace the person's home view on `platform` (Slack's App Home) with `message`."""
        ...

    async def profile(self, platform: Platform, user_id: str) -> Profile | None: ...

    async def profile_by_email(self, email: str) -> Profile | None:
        """The person with this email on the first platform that knows them, or None."""
        ...

    async def roster(self, platform: Platform, usergroups: Collection[str]) -> Roster | None:
        """Everyone on `platform`, with the members of the named Slack user groups; None when
        the platform is not configured or cannot list its members."""
        ...


    @property
    def platforms(self) -> frozenset[Platform]:
        """The platforms configured."""
        ...

    def on(self, platform: str) -> PlatformChat:
        """One platform's half, for the outbox sender, whose rows name their platform;
        raises Undeliverable when it is not configured."""
        ...


class PlatformChat(Protocol):
    """One platform's half of the port; `bot.chat.router.Chat` picks which one to use."""

    platform: Platform

    async def send_dm(self, user_id: str, message: Message) -> MessageRef: ...

    async def post(self, channel_id: str, message: Message) -> MessageRef: ...

    async def reply_in_thread(self, parent: MessageRef, message: Message) -> MessageRef: ...

    async def edit(self, ref: MessageRef, message: Message) -> None: ...

    async def find_message(self, conversation: str, key: str, *,
                           thread: MessageRef | None = None) -> MessageRef | None:
        """A recent message sent with this `Message.key` in `conversation` (a user id for
        their DM, or a channel id), or in the `thread` of a message there; None when there
        is none or the platform cannot tell (Teams keeps no history a bot may read)."""
        ...

    async def reply_privately(self, origin: Origin, message: Message) -> None: ...

    async def open_form(self, origin: Origin, form: Form) -> None: ...

    async def publish_home(self, user_id: str, message: Message) -> None: ...

    async def profile(self, user_id: str) -> Profile | None: ...

    async def profile_by_email(self, email: str) -> Profile | None:
        """None when no active person on this platform has the email (or it cannot tell)."""
        ...

    async def roster(self, usergroups: Collection[str]) -> Roster | None:
        """None when the platform cannot list its members (Teams: they arrive with
        conversation updates instead)."""
        ...
