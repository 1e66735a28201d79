"""What a flow asks to show: a message or a form, named by template, with no platform types.

Every word comes from a template in messages/. A message template defines the block ``text``
and may define ``header``, ``footer`` and ``notification``; buttons and form fields name
further blocks of the same template for their labels, so wording never lives in Python.
A message may carry one `Image` (a PNG and its alt text), shown below its sections.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from bot.chat.text import ELLIPSIS

ButtonStyle = Literal["primary", "danger"]
MAX_BUTTON_VALUE = 2000
"""Slack's limit, the tighter of the two; a value is data (an id), so it is never cut."""


@dataclass(frozen=True)
class Button:
    action_id: str
    label: str
    """Name of the template block holding the button's text; it is rendered with the
    message's context and ``button_value`` (this button's value)."""
    value: str = ""
    style: ButtonStyle | None = None

    def __post_init__(self) -> None:
        if len(self.value) > MAX_BUTTON_VALUE:
            raise ValueError(f"button {self.action_id!r}: value is over {MAX_BUTTON_VALUE} "
                             "characters; keep an id in it and the data in the database")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"
"""The IEND chunk's type and CRC, the last 8 bytes of every complete PNG."""
MAX_IMAGE_BYTES = 1024 * 1024
"""Teams shows card images of at most 1 MB, the tighter of the two platforms (Slack takes
files of up to 1 GB)."""
MAX_IMAGE_SIDE = 1024
"""Teams shows card images of at most 1024 x 1024 pixels."""
MAX_ALT_TEXT = 1000
"""Slack refuses a file's alt text above 1,000 characters (``alt_txt_too_large``); an image
block's takes 2,000. Longer alt text is cut, like any text shown, never refused."""


@dataclass(frozen=True)
class Image:
    """A PNG shown in a message, and the words that say what it shows.

    Refused when it is not a whole PNG or is beyond what both platforms show (`MAX_IMAGE_BYTES`,
    `MAX_IMAGE_SIDE`), or has no alt text. The alt text may be words a person typed: it is
    kept as plain text (runs of white space and control characters become one space), and the
    renderers only ever put it in plain-text fields, never in markup.
    """

    png: bytes = field(repr=False)
    alt_text: str

    def __post_init__(self) -> None:
        png = self.png
        if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR" or not png.endswith(
                _PNG_END):
            raise ValueError("image: not a complete PNG (no PNG signature, IHDR or IEND)")
        if len(png) > MAX_IMAGE_BYTES:
            raise ValueError(f"image: {len(png):,} bytes, over the {MAX_IMAGE_BYTES:,} bytes "
                             "Teams shows in a card")
        width, height = self.size
        if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
            raise ValueError(f"image: {width}x{height} pixels; Teams shows at most "
                             f"{MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE}")
        alt = " ".join("".join(c if c.isprintable() else " " for c in self.alt_text).split())
        if not alt:
            raise ValueError("image: alt text is required (what the image shows, for people "
                             "who cannot see it)")
        if len(alt) > MAX_ALT_TEXT:
            alt = alt[: MAX_ALT_TEXT - len(ELLIPSIS)] + ELLIPSIS
        object.__setattr__(self, "alt_text", alt)

    @property
    def size(self) -> tuple[int, int]:
        """Width and height in pixels, from the IHDR chunk."""
        return int.from_bytes(self.png[16:20]), int.from_bytes(self.png[20:24])

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the PNG, hex: the same picture has the same digest wherever it is sent."""
        return hashlib.sha256(self.png).hexdigest()

    def to_dict(self) -> dict[str, str]:
        """A JSON-able form: the PNG in base64 and the alt text."""
        return {"png": base64.b64encode(self.png).decode("ascii"), "alt_text": self.alt_text}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Image:
        return cls(base64.b64decode(data["png"], validate=True), data["alt_text"])


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
    image: Image | None = None
    """Shown below the sections in messages sent, posted and updated; a private reply
    (`ChatPort.reply_privately`) leaves it out."""
    locale: str | None = None
    """The reader's language (``de``, ``fr-CA``), closest shipped catalogue wins; None leaves
    it to the renderer's own language (the organisation's)."""


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
    """The option picked at first; with `multiple`, the values picked, comma-separated."""
    multiple: bool = False
    """Several options may be picked; submitted as their values, comma-separated (so a
    value holds no comma: keep an id in it)."""
    style: Literal["menu", "radio"] = "menu"
    """A drop-down menu, or every option shown as a radio button (Slack shows at most 10)."""

    def initial_values(self) -> list[str]:
        if not self.initial:
            return []
        return self.initial.split(",") if self.multiple else [self.initial]


CHECKED = "yes"
"""What a ticked `CheckboxField` submits; an unticked one submits nothing (or ``no``)."""


@dataclass(frozen=True)
class CheckboxField:
    """One box to tick, for an explicit yes (never required: unticked is the answer no)."""

    name: str
    label: str
    text: str
    """Name of the template block holding the words beside the box."""
    initial: bool = False


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
    fields: tuple[TextField | ChoiceField | PeopleField | CheckboxField, ...]
    context: Mapping[str, Any] = field(default_factory=dict)
    metadata: str = ""
    """Opaque state carried back with the submission (Slack limits it to 3,000 chars)."""
    locale: str | None = None
    """The reader's language, as for `Message.locale`."""
    errors: Mapping[str, str] = field(default_factory=dict)
    """Field name -> the template block that says what is wrong with it, when the form is
    shown again after a submission that did not validate."""
