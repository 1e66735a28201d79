"""The chat port: what a flow may ask of a chat platform, and the references it gets back.

A flow holds a `ChatPort` and never a Slack client or a Teams adapter. References to people,
places and sent messages are plain values, so they can be stored and used by another replica.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
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


@dataclass(frozen=True)
class Profile:
    """What a platform tells us about a person."""

    platform: Platform
    user_id: str
    display_name: str
    email: str | None = None
    tz: str | None = None


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

    async def update(self, ref: MessageRef, message: Message) -> None: ...

    async def reply_privately(self, origin: Origin, message: Message) -> None:
        """Answer the person who sent a command or pressed a button, visible only to them."""
        ...

    async def open_form(self, origin: Origin, form: Form) -> None: ...

    async def profile(self, platform: Platform, user_id: str) -> Profile | None: ...


class PlatformChat(Protocol):
    """One platform's half of the port; `bot.chat.router.Chat` picks which one to use."""

    platform: Platform

    async def send_dm(self, user_id: str, message: Message) -> MessageRef: ...

    async def post(self, channel_id: str, message: Message) -> MessageRef: ...

    async def reply_in_thread(self, parent: MessageRef, message: Message) -> MessageRef: ...

    async def update(self, ref: MessageRef, message: Message) -> None: ...

    async def reply_privately(self, origin: Origin, message: Message) -> None: ...

    async def open_form(self, origin: Origin, form: Form) -> None: ...

    async def profile(self, user_id: str) -> Profile | None: ...
