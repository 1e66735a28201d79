"""The demo transcript: what each person would see, printed as terminal text.

Block Kit (Slack) and Adaptive Cards (Teams) become indented lines: markup is turned into
terminal styles, entities are unescaped, buttons read ``[ 1 ] [ 2 ]``. Which Slack call is
seen by whom ("only visible to you", a direct message, a channel) is decided here too. The
narration around it comes from messages/demo/. Styles are added with click, which drops them
unless stdout is a terminal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import click

from bot.chat.templates import templates_for

Style = Literal["header", "body", "note", "buttons"]
Names = Mapping[str, str]
"""Slack user and channel ids to what people call them (``Erin``, ``#general``)."""

NARRATION = "demo/transcript"
RULE_WIDTH = 64
INDENT = "  "
_STYLES: dict[Style, dict[str, Any]] = {
    "header": {"bold": True},
    "body": {},
    "note": {"dim": True},
    "buttons": {"fg": "cyan"},
}


@dataclass(frozen=True)
class Line:
    text: str
    style: Style = "body"


@dataclass(frozen=True)
class Delivery:
    """Something the bot showed: the narration block saying to whom, and what they saw."""

    heading: str
    """A block of messages/demo/transcript.j2: private, direct, channel, thread, ..."""
    context: Mapping[str, str]
    lines: list[Line] = field(default_factory=list)


def _lines(text: str, style: Style = "body") -> list[Line]:
    return [Line(part, style) for part in text.splitlines() if part.strip()]


# --------------------------------------------------------------------------- Slack


_SLACK_MENTION = re.compile(r"<([@#])([A-Z0-9]+)(?:\|([^<>]*))?>")
_SLACK_SPECIAL = re.compile(r"<!(\w+)[^<>|]*(?:\|([^<>]*))?>")
_SLACK_LINK = re.compile(r"<([^<>@#!|][^<>|]*)(?:\|([^<>]*))?>")
_CODE = re.compile(r"`([^`\n]+)`")
_SLACK_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)\*(?![\w*])")
_SLACK_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)_(?![\w_])")
_SLACK_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)~(?![\w~])")


def _link(label: str | None, url: str) -> str:
    return f"{label} ({url})" if label and label != url else url


def slack_text(text: str, names: Names) -> str:
    """Slack mrkdwn as a terminal shows it: mentions named, links spelled out, styles applied."""

    def mention(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        name = names.get(target) or label or target
        return name if name.startswith(sigil) else sigil + name

    text = _SLACK_MENTION.sub(mention, text)
    text = _SLACK_SPECIAL.sub(lambda m: m.group(2) or "@" + m.group(1), text)
    text = _SLACK_LINK.sub(lambda m: _link(m.group(2), m.group(1)), text)
    text = _CODE.sub(lambda m: click.style(m.group(1), fg="yellow"), text)
    text = _SLACK_BOLD.sub(lambda m: click.style(m.group(1), bold=True), text)
    text = _SLACK_ITALIC.sub(lambda m: click.style(m.group(1), italic=True), text)
    text = _SLACK_STRIKE.sub(lambda m: click.style(m.group(1), strikethrough=True), text)
    # Slack text arrives with &, < and > escaped; the markup above was read before unescaping
    # so that a person's typed "<!channel>" stays text.
    return html.unescape(text)


def _slack_object(text: Mapping[str, Any] | None, names: Names) -> str:
    if not text:
        return ""
    if text.get("type") == "mrkdwn":
        return slack_text(str(text.get("text", "")), names)
    return str(text.get("text", ""))


def _slack_control(element: Mapping[str, Any], names: Names) -> str:
    kind = element.get("type", "")
    if kind == "button":
        return f"[ {_slack_object(element.get('text'), names)} ]"
    if kind == "plain_text_input":
        return "[ " + "_" * 24 + " ]"
    if "options" in element:
        options = (_slack_object(option.get("text"), names) for option in element["options"])
        return "  ".join(f"( ) {option}" for option in options)
    placeholder = _slack_object(element.get("placeholder"), names) or kind.replace("_", " ")
    return f"[ {placeholder} ▾ ]"


def block_kit_lines(blocks: Iterable[Mapping[str, Any]] | None, fallback: str,
                    names: Names) -> list[Line]:
    """The lines a message shows; its notification `fallback` text when it has no blocks."""
    blocks = list(blocks or [])
    if not blocks:
        return _lines(slack_text(fallback, names))
    lines: list[Line] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines += _lines(_slack_object(block.get("text"), names), "header")
        elif kind == "section":
            lines += _lines(_slack_object(block.get("text"), names))
            for item in block.get("fields") or []:
                lines += _lines(_slack_object(item, names))
            if block.get("accessory"):
                lines.append(Line(_slack_control(block["accessory"], names), "buttons"))
        elif kind == "context":
            parts = (_slack_object(element, names) for element in block.get("elements") or [])
            lines += _lines("  ".join(part for part in parts if part), "note")
        elif kind == "actions":
            controls = (_slack_control(element, names) for element in block.get("elements") or [])
            lines.append(Line(" ".join(controls), "buttons"))
        elif kind == "divider":
            lines.append(Line("─" * 24, "note"))
        elif kind == "input":
            lines += _lines(_slack_object(block.get("label"), names))
            lines.append(Line(_slack_control(block.get("element") or {}, names), "buttons"))
    return lines


def view_lines(view: Mapping[str, Any], names: Names) -> list[Line]:
    """A modal: its title, its blocks, and its submit button."""
    lines = _lines(_slack_object(view.get("title"), names), "header")
    lines += block_kit_lines(view.get("blocks"), "", names)
    if view.get("submit"):
        lines.append(Line(f"[ {_slack_object(view['submit'], names)} ]", "buttons"))
    return lines


def _place(channel: str, names: Names) -> str:
    return names.get(channel, channel)


def slack_call_delivery(method: str, args: Mapping[str, Any], actor: str,
                        names: Names) -> Delivery | None:
    """What a Web API call shows, to whom; None for calls nobody sees (users.info, ...).

    `actor` is the name of the person whose action is being answered: a modal opens for them.
    """
    channel = str(args.get("channel") or "")
    lines = block_kit_lines(args.get("blocks"), str(args.get("text") or ""), names)
    if method == "chat.postMessage":
        if channel[:1] in ("U", "W", "D"):
            return Delivery("direct", {"name": _place(channel, names)}, lines)
        if args.get("thread_ts"):
            return Delivery("thread", {"channel": _place(channel, names)}, lines)
        return Delivery("channel", {"channel": _place(channel, names)}, lines)
    if method == "chat.postEphemeral":
        return Delivery("private", {"name": _place(str(args.get("user") or ""), names)}, lines)
    if method == "chat.update":
        if channel[:1] in ("U", "W", "D"):
            return Delivery("updated_direct", {"name": _place(channel, names)}, lines)
        return Delivery("updated", {"channel": _place(channel, names)}, lines)
    if method in ("views.open", "views.push"):
        return Delivery("form", {"name": actor}, view_lines(args.get("view") or {}, names))
    return None


def response_url_delivery(body: Mapping[str, Any], actor: str, channel: str,
                          names: Names) -> Delivery:
    """An answer posted to a command's or a click's response_url by `actor` in `channel`."""
    lines = block_kit_lines(body.get("blocks"), str(body.get("text") or ""), names)
    if body.get("response_type") == "in_channel":
        return Delivery("channel", {"channel": _place(channel, names)}, lines)
    return Delivery("private", {"name": actor}, lines)


# --------------------------------------------------------------------------- Teams


_MD_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]+)\)")
_MD_BOLD = re.compile(r"\*\*(?=\S)(.+?)\*\*")
_MD_ITALIC = re.compile(r"(?<![\w*_])([*_])(?=\S)([^*_\n]+?)\1(?![\w*_])")
_SHELTER = 0xE000
"""Escaped characters wait in the Private Use Area while markup is read around them."""


def teams_text(text: str) -> str:
    """Adaptive Card Markdown as a terminal shows it: escapes undone, styles applied."""
    text = _MD_ESCAPED.sub(lambda m: chr(_SHELTER + ord(m.group(1))), text)
    text = _MD_LINK.sub(lambda m: _link(m.group(1), m.group(2)), text)
    text = _CODE.sub(lambda m: click.style(m.group(1), fg="yellow"), text)
    text = _MD_BOLD.sub(lambda m: click.style(m.group(1), bold=True), text)
    text = _MD_ITALIC.sub(lambda m: click.style(m.group(2), italic=True), text)
    return re.sub("[\ue000-\ue07f]", lambda m: chr(ord(m.group()) - _SHELTER), text)


def _card_buttons(actions: Iterable[Mapping[str, Any]]) -> Line:
    return Line(" ".join(f"[ {action.get('title', '')} ]" for action in actions), "buttons")


def _card_input(element: Mapping[str, Any]) -> Line:
    if element.get("type") == "Input.ChoiceSet":
        choices = element.get("choices") or []
        return Line("  ".join(f"( ) {choice.get('title', '')}" for choice in choices), "buttons")
    return Line("[ " + "_" * 24 + " ]", "buttons")


def _card_elements(elements: Iterable[Mapping[str, Any]], lines: list[Line]) -> None:
    for element in elements:
        kind = str(element.get("type", ""))
        if kind == "TextBlock":
            style: Style = "body"
            if element.get("weight") == "Bolder" or element.get("size") in ("Large",
                                                                            "ExtraLarge"):
                style = "header"
            elif element.get("isSubtle"):
                style = "note"
            lines += _lines(teams_text(str(element.get("text", ""))), style)
        elif kind == "RichTextBlock":
            runs = (str(run.get("text", "")) if isinstance(run, dict) else str(run)
                    for run in element.get("inlines") or [])
            lines += _lines("".join(runs))
        elif kind == "Container":
            _card_elements(element.get("items") or [], lines)
        elif kind == "ColumnSet":
            for column in element.get("columns") or []:
                _card_elements(column.get("items") or [], lines)
        elif kind == "FactSet":
            for fact in element.get("facts") or []:
                lines += _lines(f"{teams_text(str(fact.get('title', '')))}: "
                                f"{teams_text(str(fact.get('value', '')))}")
        elif kind == "ActionSet":
            lines.append(_card_buttons(element.get("actions") or []))
        elif kind.startswith("Input."):
            if element.get("label"):
                lines += _lines(teams_text(str(element["label"])))
            lines.append(_card_input(element))


def card_lines(card: Mapping[str, Any]) -> list[Line]:
    """An Adaptive Card's body, then its actions as buttons."""
    lines: list[Line] = []
    _card_elements(card.get("body") or [], lines)
    if card.get("actions"):
        lines.append(_card_buttons(card["actions"]))
    return lines


ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


def activity_lines(activity: Mapping[str, Any]) -> list[Line]:
    """A Bot Framework message activity: its text, then each Adaptive Card it carries."""
    lines = _lines(teams_text(str(activity.get("text") or "")))
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == ADAPTIVE_CARD:
            lines += card_lines(attachment.get("content") or {})
    return lines


def connector_call_delivery(kind: str, conversation_id: str | None, activity: Mapping[str, Any],
                            names: Names) -> Delivery | None:
    """What a Bot Connector call shows, and where; None for roster look-ups and the like.

    `kind` is the emulator's name for the call (``send``, ``reply``, ``update``, ...).
    """
    conversation = conversation_id or ""
    place = _place(conversation, names)
    lines = activity_lines(activity)
    if kind == "update":
        if conversation.startswith("a:"):
            return Delivery("updated_direct", {"name": place}, lines)
        return Delivery("updated", {"channel": place}, lines)
    if kind not in ("send", "reply"):
        return None
    # Teams names a personal chat "a:...", channels and group chats "19:...".
    if conversation.startswith("a:"):
        return Delivery("direct", {"name": place}, lines)
    if kind == "reply" or ";messageid=" in conversation:
        return Delivery("thread", {"channel": place}, lines)
    return Delivery("channel", {"channel": place}, lines)


# --------------------------------------------------------------------------- printing


class Transcript:
    """Prints the demo: narration from messages/demo/, and each delivery, indented."""

    def __init__(self, echo: Callable[[str], Any] = click.echo):
        self._echo = echo
        self._templates = templates_for("slack")
        self._scenes = 0

    def _narration(self, template: str, block: str, **context: Any) -> str:
        # Narration is written like any message and rendered as Slack text, so it is shown
        # through the same conversion as the messages themselves.
        return slack_text(self._templates.render_block(template, block, context), {})

    def intro(self) -> None:
        self._echo(self._narration(NARRATION, "intro"))

    def scene(self, template: str, **context: Any) -> None:
        """A scene's heading (block ``title`` of `template`) and its setting, if it has one."""
        self._scenes += 1
        title = self._narration(NARRATION, "scene", number=self._scenes,
                                title=self._narration(template, "title", **context))
        rule = "─" * max(3, RULE_WIDTH - len(click.unstyle(title)) - 4)
        self._echo("")
        self._echo(click.style(f"── {title} {rule}", fg="magenta", bold=True))
        if self._templates.has_block(template, "setting"):
            self._echo(click.style(self._narration(template, "setting", **context), dim=True))

    def says(self, name: str, via: str, text: str) -> None:
        self._echo("")
        self._echo(click.style(self._narration(NARRATION, "says", name=name, via=via,
                                               text=text), bold=True))

    def desk(self, ticket: str, status: str) -> None:
        """The service desk sends a ticket event to the webhook."""
        self._echo("")
        self._echo(click.style(self._narration(NARRATION, "desk", ticket=ticket,
                                               status=status), bold=True))

    def scheduled(self, job: str) -> None:
        """A scheduled job runs (the demo runs it now rather than at its hour)."""
        self._echo("")
        self._echo(click.style(self._narration(NARRATION, "scheduled", job=job), bold=True))

    def presses(self, name: str, button: str, channel: str) -> None:
        self._echo("")
        self._echo(click.style(self._narration(NARRATION, "presses", name=name, button=button,
                                               channel=channel), bold=True))

    def shows(self, delivery: Delivery) -> None:
        self._echo(click.style(self._narration(NARRATION, delivery.heading,
                                               **delivery.context), fg="green"))
        for line in delivery.lines:
            self._echo(INDENT + click.style(line.text, **_STYLES[line.style]))

    def outro(self) -> None:
        self._echo("")
        self._echo(self._narration(NARRATION, "outro"))
