"""What a giver asks for, before any rule is checked: the recipients and story of
``/kudos @tom @tina what they did`` (or the giving form's values), and where to answer a
form's submission. Handlers build a `Gift` from an intent with these; `giving` checks it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.chat.port import Origin
from bot.config import KudosSettings
from bot.flows.kudos.ids import RECIPIENTS, STORY, VALUE, VISIBILITY
from bot.intents import Mention

_JOINER = re.compile(r"^(?:and|&|\+)\s+", re.IGNORECASE)
_SEPARATORS = " ,;:\t\n"


@dataclass(frozen=True)
class Problem:
    """One reason a voucher cannot be given; `reason` names a case in kudos/refused.j2."""

    reason: str
    name: str = ""
    count: int = 0
    detail: str = ""


@dataclass
class Gift:
    """What the giver asked for, from the command or the form."""

    recipients: Sequence[Mention]
    story: str
    value: str | None = None
    public: bool = True
    problems: list[Problem] = field(default_factory=list)


def _named_first(text: str, mentions: Sequence[Mention]) -> tuple[Mention, str] | None:
    """The mention `text` starts with (as ``@name`` or ``name``) and the text after it."""
    for mention in mentions:
        for shown in (f"@{mention.name}", mention.name):
            end = len(shown)
            if (mention.name and text[:end].lower() == shown.lower()
                    and (len(text) == end or not text[end].isalnum())):
                return mention, text[end:]
    return None


def split_recipients(text: str, mentions: Sequence[Mention]) -> tuple[list[Mention], str]:
    """(recipients, story): mentions leading the text are recipients and are taken off the
    story; with none leading, everyone mentioned is a recipient and the text stays whole."""
    rest = text.strip()
    leading: list[Mention] = []
    pending = list(mentions)
    while pending:
        rest = rest.lstrip(_SEPARATORS)
        # "@ann and @bob": the joiner belongs to the list only when a mention follows it.
        found = _named_first(rest, pending) or (
            _named_first(_JOINER.sub("", rest), pending) if leading else None)
        if found is None:
            break
        leading.append(found[0])
        pending.remove(found[0])
        rest = found[1]
    if leading:
        return _unique(leading), rest.strip(_SEPARATORS)
    return _unique(mentions), text.strip()


def _unique(mentions: Sequence[Mention]) -> list[Mention]:
    seen: dict[str, Mention] = {}
    for mention in mentions:
        seen.setdefault(mention.user_id, mention)
    return list(seen.values())


def gift_from_command(text: str, mentions: Sequence[Mention]) -> Gift:
    recipients, story = split_recipients(text, mentions)
    return Gift(recipients=recipients, story=story)


def gift_from_form(values: Mapping[str, str], config: KudosSettings) -> Gift:
    ids = [part.strip() for part in values.get(RECIPIENTS, "").split(",") if part.strip()]
    gift = Gift(recipients=_unique([Mention(user_id=i, name="") for i in ids]),
                story=values.get(STORY, "").strip())
    value = values.get(VALUE, "").strip()
    if value:
        if value in config.values:
            gift.value = value
        else:
            gift.problems.append(Problem("unknown_value", detail=value))
    visibility = values.get(VISIBILITY, "public").strip() or "public"
    if visibility not in ("public", "private"):
        gift.problems.append(Problem("unknown_visibility"))
    gift.public = visibility != "private"
    return gift


def form_metadata(origin: Origin) -> str:
    """What the giving form carries, so its submission is answered where the command was
    typed."""
    return json.dumps({"channel": origin.channel}) if origin.channel else ""


def form_origin(origin: Origin, metadata: str) -> Origin:
    """Where to answer a form's submission: the place its command was typed, if known."""
    try:
        channel = json.loads(metadata).get("channel") if metadata else None
    except (ValueError, AttributeError):
        channel = None
    if origin.channel or not isinstance(channel, str):
        return origin
    return replace(origin, channel=channel)
