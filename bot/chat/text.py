"""Text dialects: how each platform marks up text, and how typed text is made inert in it.

Slack mrkdwn treats ``&``, ``<`` and ``>`` as control characters (``<!channel>``, ``<@U1>``,
``<https://x|label>``); Teams Adaptive Card text is Markdown. Anything a person typed is
escaped for the dialect it is shown in. Our own markup (bold, mentions, links) is produced by
the dialect as `Formatted` text, the only kind that passes through unescaped.

A word a person typed and a reply names back ("I do not know ``*b*``") goes through `echo`:
on one line, cut to `ECHO_LIMIT`, and shown literally. Slack has no escape for ``*``, ``_``,
``~`` or a backtick (only for ``& < >``, see its "Formatting text" reference), but shows a
code span as typed, so Slack echoes in one; Teams Markdown has backslash escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ELLIPSIS = "…"
ECHO_LIMIT = 60
"""Characters of typed text a reply names back, the ellipsis included when it is cut."""


class Formatted(str):
    """Markup produced by a dialect; trusted, so templates do not escape it again."""

    __slots__ = ()


@dataclass(frozen=True)
class Dialect:
    name: str

    def escape(self, text: str) -> str:
        raise NotImplementedError

    def bold(self, text: str) -> Formatted:
        raise NotImplementedError

    def italic(self, text: str) -> Formatted:
        return Formatted(f"_{self.escape(text)}_")

    def code(self, text: str) -> Formatted:
        # Backticks inside would end the span early; a typographic quote keeps the meaning.
        return Formatted("`" + self.escape(text.replace("`", "ʼ")) + "`")  # noqa: RUF001

    def echo(self, text: str) -> Formatted:
        """A word a person typed, named back to them: on one line (a code span does not
        cross lines), cut to ECHO_LIMIT with an ellipsis, markup in it shown as typed."""
        words = " ".join(str(text).split())
        if len(words) > ECHO_LIMIT:
            words = words[: ECHO_LIMIT - len(ELLIPSIS)] + ELLIPSIS
        return self.code(words)

    def link(self, url: str, label: str) -> Formatted:
        raise NotImplementedError

    def mention(self, user_id: str | None, fallback: str) -> Formatted:
        raise NotImplementedError

    def channel_mention(self) -> Formatted:
        """What notifies everyone in a channel; shown only where a person asked for it."""
        raise NotImplementedError

    def truncate(self, text: str, limit: int) -> str:
        """Cut rendered text to `limit` characters, ending in an ellipsis, never mid-markup."""
        if len(text) <= limit:
            return text
        cut = text[: limit - len(ELLIPSIS)]
        return self._repair(cut) + ELLIPSIS

    def _repair(self, cut: str) -> str:
        return cut


_SLACK_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SLACK_UNSAFE = re.compile("[&<>]")
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


class SlackMrkdwn(Dialect):
    def __init__(self) -> None:
        super().__init__("slack")

    def escape(self, text: str) -> str:
        return _SLACK_UNSAFE.sub(lambda match: _SLACK_ESCAPES[match.group()], text)

    def bold(self, text: str) -> Formatted:
        return Formatted(f"*{self.escape(text)}*")

    def link(self, url: str, label: str) -> Formatted:
        # Inside <url|label> a "|" or ">" in the url would end it early.
        safe_url = self.escape(url).replace("|", "%7C")
        return Formatted(f"<{safe_url}|{self.escape(label)}>")

    def mention(self, user_id: str | None, fallback: str) -> Formatted:
        if user_id and _SLACK_USER_ID.fullmatch(user_id):
            return Formatted(f"<@{user_id}>")
        return Formatted(self.escape(fallback))

    def channel_mention(self) -> Formatted:
        return Formatted("<!channel>")

    def _repair(self, cut: str) -> str:
        # Drop a half-cut entity ("&am") or a half-cut <...> construct.
        amp, semi = cut.rfind("&"), cut.rfind(";")
        if amp > semi:
            cut = cut[:amp]
        if cut.rfind("<") > cut.rfind(">"):
            cut = cut[: cut.rfind("<")]
        return cut


_MARKDOWN_UNSAFE = re.compile(r"([\\`*_\[\]<>#~|{}])")
# Lines end at \n, \r or \r\n in Markdown (Adaptive Cards use a bare \r in lists).
_MARKDOWN_LINE_START = re.compile(r"(?:^|(?<=[\r\n]))([ \t]*)(?:([-+])|(\d+)([.)]))(?=\s|$)")


def _inert_list_marker(match: re.Match[str]) -> str:
    indent, bullet, number, delimiter = match.groups()
    return f"{indent}\\{bullet}" if bullet else f"{indent}{number}\\{delimiter}"


class TeamsMarkdown(Dialect):
    def __init__(self) -> None:
        super().__init__("teams")

    def escape(self, text: str) -> str:
        text = _MARKDOWN_UNSAFE.sub(r"\\\1", text)
        # A typed "- " or "1. " at a line start would become a list. A backslash before a
        # digit is no escape in Markdown, so "1. " becomes "1\. ", not "\1. ".
        return _MARKDOWN_LINE_START.sub(_inert_list_marker, text)

    def bold(self, text: str) -> Formatted:
        return Formatted(f"**{self.escape(text)}**")

    def code(self, text: str) -> Formatted:
        # Adaptive Card Markdown has no code spans (backticks show as typed, and backslash
        # escapes inside them would show too): commands and ids are set in bold instead.
        return self.bold(text)

    def link(self, url: str, label: str) -> Formatted:
        safe_url = url.replace(")", "%29").replace(" ", "%20")
        return Formatted(f"[{self.escape(label)}]({safe_url})")

    def mention(self, user_id: str | None, fallback: str) -> Formatted:
        # Card text cannot carry a real mention without an entity; the name is enough.
        return Formatted(self.escape(fallback))

    def channel_mention(self) -> Formatted:
        # A bot's card cannot mention a Teams channel without a mention entity; the post in
        # the channel is what people see, with no mention.
        return Formatted("")

    def _repair(self, cut: str) -> str:
        # An odd run of trailing backslashes would escape the ellipsis.
        trailing = len(cut) - len(cut.rstrip("\\"))
        return cut[:-1] if trailing % 2 else cut


class PlainText(Dialect):
    """Text for places that show no markup (Teams' notification and activity-feed
    summaries): our own markup becomes plain words, and typed text is shown as typed, since
    nothing in it can be read as markup there. It keeps the platform's name, so templates
    choose the platform's wording."""

    def escape(self, text: str) -> str:
        return text

    def bold(self, text: str) -> Formatted:
        return Formatted(text)

    def italic(self, text: str) -> Formatted:
        return Formatted(text)

    def code(self, text: str) -> Formatted:
        return Formatted(text)

    def link(self, url: str, label: str) -> Formatted:
        return Formatted(label)

    def mention(self, user_id: str | None, fallback: str) -> Formatted:
        return Formatted(fallback)


SLACK = SlackMrkdwn()
TEAMS = TeamsMarkdown()
TEAMS_PLAIN = PlainText("teams")
