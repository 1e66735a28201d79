"""Reading fields out of a desk's JSON: text, emails and times, each either right or a
`BadEvent` whose one-line reason names the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

MAX_EMAIL = 320
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class BadEvent(ValueError):
    """The payload cannot be read as a ticket event; the message says why, in one line."""


def pick(payload: Any, path: str) -> Any:
    """The value at a dotted `path` of nested objects, or None when any step is absent. A key
    holding the dots itself (ServiceNow's dot-walked `caller_id.email`) is taken first."""
    if isinstance(payload, Mapping) and path in payload:
        return payload[path]
    value = payload
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def present(payload: Any, *paths: str) -> str:
    """The first of `paths` holding a value (the first of them when none does), for a field a
    desk sends under one of several documented names: reading it then names the right one."""
    for path in paths:
        value = pick(payload, path)
        if value is not None and value != "":
            return path
    return paths[0]


def text(payload: Any, path: str, *, required: bool = False) -> str | None:
    """A string (numbers are taken as written) without NUL characters, which PostgreSQL
    cannot store; empty text counts as absent."""
    value = pick(payload, path)
    if isinstance(value, bool) or (value is not None and not isinstance(value, str | int)):
        raise BadEvent(f"{path}: must be text")
    found = str(value).replace("\x00", "").strip() if value is not None else ""
    if not found:
        if required:
            raise BadEvent(f"{path}: required")
        return None
    return found


def email(payload: Any, path: str) -> str | None:
    found = text(payload, path)
    if found is None:
        return None
    if ("@" not in found or any(character.isspace() for character in found)
            or len(found) > MAX_EMAIL):
        raise BadEvent(f"{path}: {found[:80]!r} is not an email address")
    return found.lower()


def when(payload: Any, path: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 time (without an offset it is taken as UTC) or Unix epoch milliseconds,
    between 1970 and 2100."""
    value = pick(payload, path)
    epoch_ms = isinstance(value, int) and not isinstance(value, bool)
    found = None if epoch_ms else text(payload, path, required=required)
    if not epoch_ms and found is None:
        return None
    try:
        if found is None:
            parsed = datetime.fromtimestamp(value / 1000, UTC)
        else:
            parsed = datetime.fromisoformat(found)
            parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    except (ValueError, OverflowError, OSError):
        shown = str(value) if found is None else repr(found[:80])
        raise BadEvent(f"{path}: {shown} is not an ISO 8601 time") from None
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise BadEvent(f"{path}: {found!r} is not between 1970 and 2100") from None
    if not _EARLIEST <= parsed < _LATEST:
        raise BadEvent(f"{path}: {parsed.isoformat()} is not between 1970 and 2100")
    return parsed
