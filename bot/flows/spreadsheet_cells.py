"""What a CSV cell holds so that no spreadsheet evaluates it (CSV or formula injection).

Every CSV Touchpoint writes (the complaint log, pulse and survey results) may carry text a
person typed or put in their profile. A spreadsheet reads a cell starting with ``= + - @``, a
tab or a carriage return as a formula, so such text is prefixed with an apostrophe. Numbers
are numbers: a negative NPS is written as ``-20``, not as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The value as CSV cell text that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def row(values: Iterable[Any]) -> list[str]:
    """A CSV row, each cell neutralised."""
    return [neutralise(value) for value in values]
