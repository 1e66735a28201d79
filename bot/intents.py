"""What enters the bot, each reduced to plain values: intents (what a person asked for),
events (what a chat platform tells us happened: someone joined, changed or left, reacted),
and what a caller hands in and waits on: a scheduled run, a service desk's ticket event.

Adapters, the scheduler and the ticket webhook build these; the dispatcher hands each to the
handler registered for it (`bot.handlers.dispatcher`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.chat.port import MessageRef, Origin, Platform, Profile

if TYPE_CHECKING:
    # Only named here: the ticket flows import intents themselves (through the CSAT flows).
    from bot.flows.tickets.ingest import Inbound


@dataclass(frozen=True)
class Mention:
    """A person named in a command with the platform's own mention (Slack ``<@U1|ann>``,
    Teams ``<at>Ann</at>`` with its entity), in the order they appear in the text."""

    user_id: str
    name: str
    """As the text shows it, so a flow can tell where the mentions end and the words begin."""


_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
"""Zero-width space, word joiner, byte-order mark: pasted along with words, they show as
nothing, so they must not make a word another one. (Joiners that shape emoji and scripts,
U+200C and U+200D, are kept.)"""


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _INVISIBLE.sub("", self.text))

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


@dataclass(frozen=True)
class PeopleListed:
    """A platform listed people (a page of a team's or chat's members, when the bot is added
    to it): each joins the directory or is refreshed. Nobody is let go for being left out: one
    team is not the whole organisation."""

    profiles: tuple[Profile, ...]


@dataclass(frozen=True)
class HomeOpened:
    """A person opened the app's home (Slack's App Home tab)."""

    platform: Platform
    user_id: str


@dataclass(frozen=True)
class SlackAccessLost:
    """Slack took access away: the app was uninstalled from a workspace (`uninstalled`), or
    tokens were revoked, the bot users' (`bot_users`) and people's user tokens
    (`token_users`)."""

    team_id: str
    uninstalled: bool = False
    bot_users: tuple[str, ...] = ()
    token_users: tuple[str, ...] = ()


Event = ProfileChanged | PeopleListed | ReactionChanged | HomeOpened | SlackAccessLost
"""What a platform reports on its own, with nobody waiting for an answer."""


@dataclass(frozen=True)
class Scheduled:
    """A run of a scheduled job, claimed by this replica (`bot.scheduler`)."""

    job: str
    """The job's name, as its handler registered it (``csat.send_due``)."""
    scheduled_for: datetime
    """The fire time the run is for, aware, in the organisation's zone: the same in every
    replica, and not the moment the run started."""


@dataclass(frozen=True)
class TicketEventReceived:
    """A service desk's event about a ticket, authenticated and read by the ticket webhook."""

    inbound: Inbound


Awaited = Scheduled | TicketEventReceived
"""Handed in by a caller that waits for the handler: its result is the caller's answer, and its
failure is raised to the caller (the scheduler records the run failed; the webhook answers 5xx,
so the desk sends the event again)."""
