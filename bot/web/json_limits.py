"""Bounds on JSON a request carries, checked before anything parses it.

Python's json module parses nesting recursively: a few thousand ``[`` raise RecursionError,
and a few hundred still reach Bolt, botbuilder and the presets, whose own recursion may fail
later. No payload Slack, Teams or a service desk sends nests anywhere near `MAX_DEPTH`, so
deeper bodies are refused with a 400 before parsing. The size bound is the application's
`client_max_size` (`MAX_BODY_BYTES`): aiohttp answers 413 to anything larger.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 40
MAX_BODY_BYTES = 1024 * 1024

# Possessive, so a long or unterminated string costs one pass and no backtracking.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")


class UnreadableJson(ValueError):
    """A body that is not JSON (UTF-8 JSON text)."""


class TooDeep(UnreadableJson):
    """JSON nested deeper than `MAX_DEPTH`."""


def too_deep(text: str) -> bool:
    """Whether the JSON in `text` nests deeper than MAX_DEPTH (strings are not counted)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= MAX_DEPTH:
        return False
    return max(accumulate(1 if char in "[{" else -1 for char in brackets)) > MAX_DEPTH


def loads(body: bytes | str) -> Any:
    """The JSON value of `body`; UnreadableJson when it is not JSON, TooDeep when it nests
    too deep."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise UnreadableJson("not UTF-8") from None
    if too_deep(text):
        raise TooDeep(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise UnreadableJson("not JSON") from None
