"""What a flow asks to show: a message or a form, named by template, with no platform types.

Every word comes from a template in messages/. A message template defines the block ``text``
and may define ``header``, ``footer`` and ``notification``; buttons and form fields name
further blocks of the same template for their labels, so wording never lives in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ButtonStyle = Literal["primary", "danger"]
MAX_BUTTON_VALUE = 2000
"""Slack's limit, the tighter of the two; a value is data (an id), so it is never cut."""


@dataclass(frozen=True)
class Button:
    action_id: str
    label: str
    """Name of the template block holding the button's text."""
    value: str = ""
    style: ButtonStyle | None = None

    def __post_init__(self) -> None:
        if len(self.value) > MAX_BUTTON_VALUE:
            raise ValueError(f"button {self.action_id!r}: value is over {MAX_BUTTON_VALUE} "
                             "characters; keep an id in it and the data in the database")


@dataclass(frozen=True)
class Message:
    template: str
    """Template path under messages/, without the .j2 suffix (``help``, ``csat/invite``)."""
    context: Mapping[str, Any] = field(default_factory=dict)
    sections: tuple[str, ...] = ("text",)
    """Blocks shown as separate sections, in order."""
    buttons: tuple[Button, ...] = ()
    inputs: tuple[TextField, ...] = ()
    """Fields filled in on the message itself, sent with any of its buttons, where the
    platform's messages take input (Teams cards). Slack leaves them out: a flow that gets a
    press without them asks with a `Form` instead."""
    key: str | None = None
    """An idempotency key kept with the sent message where the platform can (Slack message
    metadata), so a sender that may have sent it before a crash can find it (`find_dm`)."""


@dataclass(frozen=True)
class Option:
    value: str
    text: str = ""
    """Shown as given (it is data, such as a service name from app.yaml), escaped."""
    label: str | None = None
    """Instead of `text`: the name of the template block holding the option's words."""


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    multiline: bool = False
    required: bool = True
    initial: str = ""
    max_length: int = 3000


@dataclass(frozen=True)
class ChoiceField:
    name: str
    label: str
    options: tuple[Option, ...]
    required: bool = True
    initial: str | None = None


@dataclass(frozen=True)
class PeopleField:
    """People picked from the platform's own directory; submitted as their user ids,
    comma-separated (Slack user ids, or Teams AAD object ids)."""

    name: str
    label: str
    required: bool = True
    max_people: int = 10


@dataclass(frozen=True)
class Form:
    template: str
    """Template with the blocks ``title``, ``submit`` and one block per field label."""
    callback_id: str
    fields: tuple[TextField | ChoiceField | PeopleField, ...]
    context: Mapping[str, Any] = field(default_factory=dict)
    metadata: str = ""
    """Opaque state carried back with the submission (Slack limits it to 3,000 chars)."""
    errors: Mapping[str, str] = field(default_factory=dict)
    """Field name -> the template block that says what is wrong with it, when the form is
    shown again after a submission that did not validate."""
