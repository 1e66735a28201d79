"""The one Jinja environment per dialect that renders every template in messages/.

Each ``{{ expression }}`` is escaped for the dialect unless it is `Formatted` markup made by
the dialect's filters (``bold``, ``italic``, ``code``, ``link``, ``mention``), so a template is
written once and a person's text can never turn into markup on either platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, get_timezone_name
from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from bot.chat.text import SLACK, TEAMS, TEAMS_PLAIN, Dialect, Formatted


def _finalizer(dialect: Dialect):
    def finalize(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Formatted):
            return value
        return dialect.escape(str(value))

    return finalize


TIME_LOCALE = "en"
"""The locale of dates and times in messages: the templates' own language."""


def _local_time(value: datetime, tz: str = "UTC",
                pattern: str = "EEE dd MMM yyyy, HH:mm") -> str:
    """``local_time(tz, pattern)``: `value` in the reader's zone `tz` (an IANA name; UTC when
    it is not one), as a Babel (CLDR) date pattern. A pattern with an hour in it is followed by
    the zone (`zone_label`), so a time never reads as the reader's when it is not."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = value.astimezone(zone)
    text = format_datetime(local, pattern, tzinfo=zone, locale=TIME_LOCALE)
    return f"{text} {zone_label(local)}" if "H" in pattern or "h" in pattern else text


def day(value: date, pattern: str = "EEE dd MMM yyyy") -> str:
    """``day(pattern)``: a calendar day (a date, or a datetime's own date) as a Babel (CLDR)
    date pattern; a day has no zone to show, unlike `local_time`."""
    return format_date(value, pattern, locale=TIME_LOCALE)


def zone_label(local: datetime) -> str:
    """The zone of an aware `local` time as readers know it: its abbreviation where CLDR has
    one for English (GMT, EST, UTC), else its offset from UTC (UTC+1, UTC+5:30, UTC-3)."""
    name = get_timezone_name(local, width="short", locale=TIME_LOCALE)
    if name.isalpha():
        return name
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


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
            # Templates ship with the code and change only with a restart: without this,
            # every message stats its template files to see whether they changed.
            auto_reload=False,
        )
        self.env.filters.update(
            bold=dialect.bold,
            italic=dialect.italic,
            code=dialect.code,
            link=lambda url, label: dialect.link(url, label),
            mention=lambda user_id, fallback="": dialect.mention(user_id, fallback),
            local_time=_local_time,
            day=day,
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


@cache
def plain_templates_for(platform: str) -> Templates:
    """The platform's wording with no markup at all (Teams' notification summaries)."""
    return Templates({"teams": TEAMS_PLAIN}[platform])
