"""Intents: what a person asked for, with every platform detail reduced to plain values, and
events: what a platform tells us happened (someone joined, changed or left).

Adapters build these from Slack payloads and Teams activities; handlers receive them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.chat.port import MessageRef, Origin, Platform, Profile


@dataclass(frozen=True)
class Mention:
    """A person named in a command with the platform's own mention (Slack ``<@U1|ann>``,
    Teams ``<at>Ann</at>`` with its entity), in the order they appear in the text."""

    user_id: str
    name: str
    """As the text shows it, so a flow can tell where the mentions end and the words begin."""


@dataclass(frozen=True)
class Command:
    """A slash command in Slack, or the same words typed to the bot in Teams."""

    command: str
    """Without the slash: ``touchpoint``, ``complain``, ``kudos``, ``broadcast``."""
    text: str
    origin: Origin
    profile: Profile | None = None
    """What the platform told us about the sender with the request, when it did."""
    mentions: tuple[Mention, ...] = ()
    """People the text mentions (never the bot itself); ``@name`` in `text` stands for each."""

    @property
    def word(self) -> str:
        """The first word of the text, lower case (``help`` in ``/touchpoint help``)."""
        return self.text.split(maxsplit=1)[0].lower() if self.text.strip() else ""

    @property
    def rest(self) -> str:
        parts = self.text.split(maxsplit=1)
        return parts[1] if len(parts) > 1 else ""


@dataclass(frozen=True)
class ButtonPress:
    action_id: str
    value: str
    origin: Origin
    message: MessageRef | None = None
    """The message the button was on, so the flow can update it in place."""
    profile: Profile | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    """What the person typed into the message's `inputs`, by field name (Teams only)."""


@dataclass(frozen=True)
class FormSubmit:
    callback_id: str
    values: Mapping[str, str] = field(default_factory=dict)
    metadata: str = ""
    origin: Origin | None = None
    profile: Profile | None = None
    submission_id: str = ""
    """The platform's id of the form being submitted (Slack view id, Teams card activity id):
    the same on a double submit or a retry, so a handler can store the result once."""


Intent = Command | ButtonPress | FormSubmit


@dataclass(frozen=True)
class ProfileChanged:
    """A person joined a platform or changed their profile, or (active False) was deleted."""

    profile: Profile
    active: bool = True


@dataclass(frozen=True)
class ReactionChanged:
    """Someone added or took back a reaction (an emoji, a Teams like) on a message."""

    platform: Platform
    channel: str
    """Slack channel id, or the Teams conversation id the message was posted to."""
    message_id: str
    user_id: str
    reaction: str
    added: bool = True


Event = ProfileChanged | ReactionChanged
"""What a platform reports on its own, with nobody waiting for an answer."""
