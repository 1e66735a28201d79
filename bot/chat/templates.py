"""The one Jinja environment per dialect that renders every template in messages/.

Each ``{{ expression }}`` is escaped for the dialect unless it is `Formatted` markup made by
the dialect's filters (``bold``, ``italic``, ``code``, ``link``, ``mention``), so a template is
written once and a person's text can never turn into markup on either platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from bot.chat.text import SLACK, TEAMS, Dialect, Formatted


def _finalizer(dialect: Dialect):
    def finalize(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Formatted):
            return value
        return dialect.escape(str(value))

    return finalize


def _local_time(value: datetime, tz: str = "UTC", fmt: str = "%a %d %b %Y, %H:%M") -> str:
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


class Templates:
    """Renders named blocks of message templates for one dialect."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self.env = Environment(
            loader=PackageLoader("messages", ""),
            finalize=_finalizer(dialect),
            undefined=StrictUndefined,
            # Escaping is the dialect's (Slack mrkdwn or Markdown), applied by `finalize`;
            # HTML autoescaping would be wrong for both.
            autoescape=False,  # noqa: S701
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters.update(
            bold=dialect.bold,
            italic=dialect.italic,
            code=dialect.code,
            link=lambda url, label: dialect.link(url, label),
            mention=lambda user_id, fallback="": dialect.mention(user_id, fallback),
            local_time=_local_time,
        )
        self.env.globals["platform"] = dialect.name
        self.env.globals["channel_mention"] = dialect.channel_mention

    def template(self, name: str) -> Template:
        return self.env.get_template(f"{name}.j2")

    def has_block(self, name: str, block: str) -> bool:
        return block in self.template(name).blocks

    def render_block(self, name: str, block: str, context: Mapping[str, Any]) -> str:
        template = self.template(name)
        if block not in template.blocks:
            raise KeyError(f"template {name!r} has no block {block!r}")
        ctx = template.new_context(dict(context))
        return "".join(template.blocks[block](ctx)).strip()


@cache
def templates_for(platform: str) -> Templates:
    return Templates({"slack": SLACK, "teams": TEAMS}[platform])
