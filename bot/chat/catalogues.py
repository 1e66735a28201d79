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
from functools import cache
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
    for wanted in (tag, default):
        if wanted:
            for candidate in (wanted.replace("-", "_"), _language(wanted)):
                found = negotiate_locale([candidate], available(), sep="_")
                if found is not None:
                    # negotiate_locale answers in the case it was asked in.
                    return next(a for a in available() if a.lower() == found.lower())
    return SOURCE_LANGUAGE


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
