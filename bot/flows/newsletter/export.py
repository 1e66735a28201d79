"""`touchpoint newsletter export`: an issue as Markdown (for e-mail) or a standalone HTML
page (for the intranet), from the same template as the chat post, in the issue's language.

Markdown is the Teams dialect's (the cards' Markdown, typed text escaped for it); HTML has a
dialect of its own here, escaping typed text as HTML. Lines that start with a bullet become
list items, every other line a paragraph.
"""

from __future__ import annotations

import html
from typing import Literal

from bot.chat import catalogues
from bot.chat.templates import Templates, templates_for
from bot.chat.text import Dialect, Formatted
from bot.flows.newsletter.review import issue_message
from storage.newsletter import NewsletterIssue

Format = Literal["md", "html"]
BULLET = "• "


class HtmlText(Dialect):
    def __init__(self) -> None:
        super().__init__("html")

    def escape(self, text: str) -> str:
        return html.escape(text, quote=True)

    def bold(self, text: str) -> Formatted:
        return Formatted(f"<strong>{self.escape(text)}</strong>")

    def italic(self, text: str) -> Formatted:
        return Formatted(f"<em>{self.escape(text)}</em>")

    def code(self, text: str) -> Formatted:
        return Formatted(f"<code>{self.escape(text)}</code>")

    def link(self, url: str, label: str) -> Formatted:
        return Formatted(f'<a href="{self.escape(url)}">{self.escape(label)}</a>')

    def mention(self, user_id: str | None, fallback: str) -> Formatted:
        return Formatted(self.escape(fallback))


HTML = HtmlText()


def _markdown(header: str, sections: list[str]) -> str:
    lines = [f"# {header}"]
    in_list = False
    for line in (line for section in sections for line in section.splitlines()):
        if not line.strip():
            continue
        bullet = line.startswith(BULLET)
        if not (bullet and in_list):
            lines.append("")  # a blank line before each paragraph and each list
        lines.append(f"- {line.removeprefix(BULLET)}" if bullet else line)
        in_list = bullet
    return "\n".join(lines) + "\n"


def _html_body(sections: list[str]) -> str:
    parts = []
    for section in sections:
        items: list[str] = []
        for line in [*section.splitlines(), ""]:
            if line.startswith(BULLET):
                items.append(f"<li>{line.removeprefix(BULLET)}</li>")
                continue
            if items:
                parts.append("<ul>" + "".join(items) + "</ul>")
                items = []
            if line.strip():
                parts.append(f"<p>{line}</p>")
    return "\n".join(parts)


def export_issue(found: NewsletterIssue, fmt: Format) -> str:
    message = issue_message(found)
    # In the issue's language; the HTML page says which (its lang attribute).
    locale = message.locale or catalogues.SOURCE_LANGUAGE
    templates = templates_for("teams", locale) if fmt == "md" else Templates(HTML, locale)
    header = templates.render_block(message.template, "header", message.context)
    sections = [templates.render_block(message.template, name, message.context)
                for name in message.sections]
    if fmt == "md":
        return _markdown(header, sections)
    return templates.render_block("newsletter/export_html", "document", {
        "title": Formatted(header), "body": Formatted(_html_body(sections))}) + "\n"
