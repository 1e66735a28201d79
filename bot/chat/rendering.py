"""What the platform renderers (`bot.slack.render`, `bot.teams.render`) share: the templates in
the platform's dialect, a block of a template rendered, the renderer's twin in another language
(made once per language, since a message carries its reader's), and plain text cut to a limit.
"""

from __future__ import annotations

from typing import Any, Self

from bot.chat.templates import Templates
from bot.chat.text import ELLIPSIS


def cut(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters, ending in an ellipsis (a platform refuses more)."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


class Renderer:
    """A platform's renderer over `templates`; `_in` makes its twin over other templates."""

    def __init__(self, templates: Templates):
        self.templates = templates
        self.dialect = templates.dialect
        self._localized: dict[str, Self] = {}

    def _in(self, templates: Templates) -> Self:
        raise NotImplementedError

    def in_language(self, locale: str | None) -> Self:
        """This renderer, or its twin in the language closest to `locale` (a message's own)."""
        templates = self.templates.localized(locale)
        if templates is self.templates:
            return self
        if templates.locale not in self._localized:
            self._localized[templates.locale] = self._in(templates)
        return self._localized[templates.locale]

    def _block(self, template: str, block: str, context: Any) -> str:
        return self.templates.render_block(template, block, context)
