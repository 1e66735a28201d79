"""The gettext catalogues that translate messages/: which languages there are, and the
translations for a reader's locale.

A language is shipped as ``messages/locale/<lang>/LC_MESSAGES/messages.po``, kept with Babel
(``make catalogues``: extract, update, compile). English is the templates' own language and
has no catalogue. A catalogue is read from its compiled ``.mo`` when that is at least as new
as the ``.po``, else compiled from the ``.po`` in memory, so a checkout works before anyone has
run ``make catalogues``.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def locale_dir() -> Path:
    return Path(str(files("messages"))) / "locale"


@cache
def available() -> tuple[str, ...]:
    """The languages messages can be read in: English and every shipped catalogue."""
    shipped = sorted(path.parent.parent.name
                     for path in locale_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *shipped)


def negotiate(tag: str | None, default: str = SOURCE_LANGUAGE) -> str:
    """The shipped language closest to `tag` (a BCP 47 or POSIX tag as Slack, Teams or a person
    gives it: ``de-DE``, ``de_AT``, ``fr``), else `default`'s, else English."""
    return shipped(tag) or shipped(default) or SOURCE_LANGUAGE


@lru_cache(maxsize=256)
def shipped(tag: str | None) -> str | None:
    """The shipped language closest to `tag`, or None when no catalogue serves it (``pt-BR``
    while only English and German ship). Kept for the tags last asked about: every message
    rendered asks, and Babel's negotiation parses locales each time."""
    if not tag:
        return None
    for candidate in (tag.replace("-", "_"), _language(tag)):
        found = negotiate_locale([candidate], available(), sep="_")
        if found is not None:
            # negotiate_locale answers in the case it was asked in.
            return next(a for a in available() if a.lower() == found.lower())
    return None


_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,3}")


def language_tag(value: object) -> str | None:
    """`value` when it is a language tag as platforms give one (``de-DE``, ``en_GB``, ``fr``),
    else None: what a request says is kept only when it can be a language."""
    if isinstance(value, str) and len(value) <= 35 and _TAG.fullmatch(value):
        return value
    return None


def language_name(language: str) -> str:
    """A shipped language in its own name (English, Deutsch), as people look for the language
    they read."""
    try:
        name = Locale.parse(language).get_display_name(language) or language
    except (UnknownLocaleError, ValueError):
        name = language
    return name[:1].upper() + name[1:]


def pick(wording: str | Mapping[str, str], tag: str | None, default: str | None = None) -> str:
    """The text of `wording` (app.yaml's words: one text, or one per language) for a reader of
    `tag`: the language closest to it, else `default`'s (the organisation's), else the first
    given."""
    if isinstance(wording, str):
        return wording
    by_language = {shipped(key) or key: text for key, text in wording.items()}
    for wanted in (shipped(tag), shipped(default)):
        if wanted in by_language:
            return by_language[wanted]
    return next(iter(by_language.values()))


def refuse_unshipped(tag: str) -> str:
    """`tag` when a shipped catalogue serves it; else a ValueError naming the shipped languages
    (for app.yaml's validators, so check-config lists it with its path)."""
    if shipped(tag) is None:
        raise ValueError(f"no messages are shipped in {tag!r}; the languages shipped are "
                         f"{', '.join(available())} (add one by copying a catalogue: see the "
                         "README's Languages)")
    return tag


def _language(tag: str) -> str:
    try:
        return Locale.parse(tag.replace("-", "_")).language
    except (UnknownLocaleError, ValueError):
        return tag.replace("-", "_").split("_", 1)[0].lower()


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The translations into a shipped `language`; English (or an unknown language) gets the
    templates' own words."""
    if language == SOURCE_LANGUAGE or language not in available():
        return gettext.NullTranslations()
    po = locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    with po.open("rb") as source:
        catalogue = read_po(source, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)
