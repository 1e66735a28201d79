"""The Jinja environments, one per dialect and language, that render every template in
messages/.

Words are translated with Jinja's i18n extension over the gettext catalogues of
`bot.chat.catalogues` (``{% trans %}``, ``_()``, plural forms from the catalogue); dates,
times, numbers and percentages are formatted for the reader's language with Babel (the
``local_time``, ``day``, ``number``, ``percent`` and ``signed`` filters); words from app.yaml
given in several languages (``{en: ..., de: ...}``) are shown in the reader's (``wording``).

Each ``{{ expression }}`` is escaped for the dialect unless it is `Formatted` markup made by
the dialect's filters (``bold``, ``italic``, ``code``, ``link``, ``mention``), so a template is
written once and a person's text can never turn into markup on either platform.

A block rendered from plain values (text, numbers, dates, lists and mappings of them) is kept,
`KEPT_RENDERINGS` at most per language and dialect: rendering is a function of the template
and its values, and the same few messages (help, a receipt's wording, an apology) are asked
for over and over.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cache, partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_name
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined, Template

from bot.chat import catalogues
from bot.chat.text import SLACK, TEAMS, TEAMS_PLAIN, Dialect, Formatted

KEPT_RENDERINGS = 512
"""Rendered blocks kept per `Templates`; the oldest kept goes first."""

_PLAIN = (str, int, float, bool, type(None), date, datetime)


def _frozen(value: Any) -> Hashable:
    """`value` as a key that equals another's only when both render alike: types are part of
    it (a `Formatted` string is not escaped, a str is). Raises TypeError for anything else
    than plain values, lists, tuples and mappings of them."""
    if isinstance(value, _PLAIN):
        return type(value), value
    if isinstance(value, list | tuple):
        return type(value), tuple(_frozen(item) for item in value)
    if isinstance(value, Mapping):
        return type(value), tuple((key, _frozen(item)) for key, item in value.items())
    raise TypeError(f"not a plain value: {type(value).__name__}")


def _finalizer(dialect: Dialect):
    def finalize(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Formatted):
            return value
        return dialect.escape(str(value))

    return finalize


def local_time(value: datetime, tz: str = "UTC",
               pattern: str = "EEE dd MMM yyyy, HH:mm", *,
               locale: str = catalogues.SOURCE_LANGUAGE) -> str:
    """``local_time(tz, pattern)``: `value` in the reader's zone `tz` (an IANA name; UTC when
    it is not one), as a Babel (CLDR) date pattern. A pattern with an hour in it is followed by
    the zone (`zone_label`), so a time never reads as the reader's when it is not."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = value.astimezone(zone)
    text = format_datetime(local, pattern, tzinfo=zone, locale=locale)
    if "H" in pattern or "h" in pattern:
        return f"{text} {zone_label(local, locale=locale)}"
    return text


def day(value: date, pattern: str = "EEE dd MMM yyyy", *,
        locale: str = catalogues.SOURCE_LANGUAGE) -> str:
    """``day(pattern)``: a calendar day (a date, or a datetime's own date) as a Babel (CLDR)
    date pattern; a day has no zone to show, unlike `local_time`."""
    return format_date(value, pattern, locale=locale)


def number(value: float, places: int = 0, *, locale: str = catalogues.SOURCE_LANGUAGE) -> str:
    """``number(places)``: `value` rounded to `places` decimals, with the reader's digit
    grouping and decimal sign (1,234.5 in English, 1.234,5 in German)."""
    decimals = "." + "0" * places if places else ""
    return format_decimal(value, f"#,##0{decimals}", locale=locale)


def percent(value: float, places: int = 0, *,
            locale: str = catalogues.SOURCE_LANGUAGE) -> str:
    """``percent(places)``: a percentage given as 0-100 (as every figure here is), written as
    the reader's language writes one (85% in English, 85 % in German)."""
    decimals = "." + "0" * places if places else ""
    pattern = Locale.parse(locale).percent_formats[None].pattern
    return format_percent(value / 100, pattern.replace("#,##0", "#,##0" + decimals, 1),
                          locale=locale)


def signed(value: float, places: int = 0, *, locale: str = catalogues.SOURCE_LANGUAGE) -> str:
    """``signed(places)``: `value` with its sign always shown (an NPS of +12, a change of
    -3.5 points)."""
    decimals = "." + "0" * places if places else ""
    return format_decimal(value, f"+#,##0{decimals};-#,##0{decimals}", locale=locale)


def sentence_list(items: Sequence[str], *, locale: str = catalogues.SOURCE_LANGUAGE) -> str:
    """``sentence_list``: items joined as the reader's language lists them in a sentence
    ("a, b and c", "a, b und c"), so a list needs no glue words in a template."""
    return format_list([str(item) for item in items], locale=locale) if items else ""


def zone_label(local: datetime, *, locale: str = catalogues.SOURCE_LANGUAGE) -> str:
    """The zone of an aware `local` time as readers know it: its abbreviation where CLDR has
    one for the reader's language (GMT, EST, UTC), else its offset from UTC (UTC+1,
    UTC+5:30, UTC-3)."""
    name = get_timezone_name(local, width="short", locale=locale)
    if name.isalpha():
        return name
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _translators(translations: gettext.NullTranslations, dialect: Dialect
                 ) -> dict[str, Callable[..., Formatted]]:
    """Jinja's newstyle gettext callables (what ``{% trans %}`` and ``_()`` call): the
    translated text is trusted like the template's own words, and each variable in it is
    escaped for the dialect unless it is markup the dialect made (``name | bold``). Jinja's
    own callables would leave the escaping to `finalize`, which would then escape the
    markup of the whole sentence."""

    def fill(text: str, variables: Mapping[str, Any]) -> Formatted:
        return Formatted(text % {name: _safe(value, dialect) for name, value in variables.items()})

    def gettext_(message: str, /, **variables: Any) -> Formatted:
        return fill(translations.gettext(message), variables)

    def ngettext_(singular: str, plural: str, count: int, /, **variables: Any) -> Formatted:
        variables.setdefault("num", count)
        return fill(translations.ngettext(singular, plural, count), variables)

    def pgettext_(context: str, message: str, /, **variables: Any) -> Formatted:
        return fill(translations.pgettext(context, message), variables)

    def npgettext_(context: str, singular: str, plural: str, count: int, /,
                   **variables: Any) -> Formatted:
        variables.setdefault("num", count)
        return fill(translations.npgettext(context, singular, plural, count), variables)

    return {"gettext": gettext_, "ngettext": ngettext_, "pgettext": pgettext_,
            "npgettext": npgettext_}


def _safe(value: Any, dialect: Dialect) -> Any:
    if isinstance(value, Formatted) or (isinstance(value, int | float)
                                        and not isinstance(value, bool)):
        return value
    return dialect.escape("" if value is None else str(value))


class Templates:
    """Renders named blocks of message templates for one dialect, in one language."""

    def __init__(self, dialect: Dialect, locale: str = catalogues.SOURCE_LANGUAGE, *,
                 loader: BaseLoader | None = None, fallback: str | None = None):
        self.dialect = dialect
        self.locale = catalogues.negotiate(locale)
        self.fallback = fallback or self.locale
        """The language app.yaml's words are read in when not given in this one (the
        organisation's, for the templates in every reader's language made from its own)."""
        self._siblings: dict[str, Templates] = {self.locale: self}
        self._rendered: dict[Hashable, str] = {}
        self.env = Environment(
            loader=loader or PackageLoader("messages", ""),
            extensions=["jinja2.ext.i18n"],
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
            echo=dialect.echo,
            link=lambda url, label: dialect.link(url, label),
            mention=lambda user_id, fallback="": dialect.mention(user_id, fallback),
            local_time=partial(local_time, locale=self.locale),
            day=partial(day, locale=self.locale),
            number=partial(number, locale=self.locale),
            percent=partial(percent, locale=self.locale),
            signed=partial(signed, locale=self.locale),
            sentence_list=partial(sentence_list, locale=self.locale),
            wording=partial(catalogues.pick, tag=self.locale, default=self.fallback),
        )
        self.env.newstyle_gettext = True  # type: ignore[attr-defined]
        self.env.globals.update(_translators(catalogues.translations(self.locale), dialect))
        self.env.globals["locale"] = self.locale
        self.env.globals["platform"] = dialect.name
        self.env.globals["channel_mention"] = dialect.channel_mention

    def localized(self, locale: str | None) -> Templates:
        """The same templates, dialect, loader and fallback in the language closest to
        `locale` (this one's when `locale` is None)."""
        if locale is None:
            return self
        language = catalogues.negotiate(locale)
        if language not in self._siblings:
            sibling = Templates(self.dialect, language, loader=self.env.loader,
                                fallback=self.fallback)
            sibling._siblings = self._siblings
            self._siblings[language] = sibling
        return self._siblings[language]

    def template(self, name: str) -> Template:
        return self.env.get_template(f"{name}.j2")

    def has_block(self, name: str, block: str) -> bool:
        return block in self.template(name).blocks

    def render_block(self, name: str, block: str, context: Mapping[str, Any]) -> str:
        try:
            key = (name, block, _frozen(context))
        except TypeError:
            return self._render_block(name, block, context)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = self._render_block(name, block, context)
            if len(self._rendered) > KEPT_RENDERINGS:
                del self._rendered[next(iter(self._rendered))]
        return rendered

    def _render_block(self, name: str, block: str, context: Mapping[str, Any]) -> str:
        template = self.template(name)
        if block not in template.blocks:
            raise KeyError(f"template {name!r} has no block {block!r}")
        ctx = template.new_context(dict(context))
        return "".join(template.blocks[block](ctx)).strip()


@cache
def templates_for(platform: str, locale: str = catalogues.SOURCE_LANGUAGE) -> Templates:
    """The platform's templates in `locale`, the organisation's: those in its readers'
    languages are made from these, and read app.yaml's words in `locale` when not given in
    theirs."""
    return Templates({"slack": SLACK, "teams": TEAMS}[platform], locale)


@cache
def plain_templates_for(platform: str, locale: str = catalogues.SOURCE_LANGUAGE) -> Templates:
    """The platform's wording with no markup at all (Teams' notification summaries)."""
    return Templates({"teams": TEAMS_PLAIN}[platform], locale)
