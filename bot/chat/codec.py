"""`Message` to JSON and back, so the outbox can keep a message in the database until it is
sent.

A context may hold what JSON holds (str, int, float, bool, None, lists, tuples and dicts
with str keys) plus `datetime` and `date`, which are tagged (``{"$datetime": iso}``) and
come back as themselves; tuples come back as lists. Anything else, or a dict that looks like
a tag, is a TypeError at `encode`, that is when a flow records the message, so a test of the
flow catches it rather than the sender at send time. Markup (`Formatted`) is refused too: it
would come back as plain text and be escaped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.chat.message import Button, Image, Message, TextField
from bot.chat.text import Formatted

_DATETIME, _DATE = "$datetime", "$date"


def encode(message: Message) -> dict[str, Any]:
    """The message as a JSON-able dict; TypeError for a context value JSON cannot keep."""
    encoded: dict[str, Any] = {
        "template": message.template,
        "context": _value(dict(message.context), "context"),
        "sections": list(message.sections),
        "buttons": [dataclasses.asdict(button) for button in message.buttons],
        "inputs": [dataclasses.asdict(field) for field in message.inputs],
        "key": message.key,
        "image": message.image.to_dict() if message.image else None,
        "locale": message.locale,
    }
    return encoded


def decode(data: Mapping[str, Any]) -> Message:
    return Message(
        data["template"], _restore(data["context"]), sections=tuple(data["sections"]),
        buttons=tuple(Button(**button) for button in data["buttons"]),
        inputs=tuple(TextField(**field) for field in data["inputs"]),
        key=data.get("key"),
        image=Image.from_dict(data["image"]) if data.get("image") else None,
        locale=data.get("locale"))


def _value(value: Any, path: str) -> Any:
    if isinstance(value, Formatted):
        raise TypeError(f"{path}: markup (Formatted) cannot be kept in the outbox; pass the "
                        "data and format it in the template")
    if value is None or isinstance(value, str | bool | int | float):
        return value
    # datetime first: it is a date too.
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    if isinstance(value, list | tuple):
        return [_value(item, f"{path}[{n}]") for n, item in enumerate(value)]
    if isinstance(value, Mapping):
        if len(value) == 1 and next(iter(value)) in (_DATETIME, _DATE):
            raise TypeError(f"{path}: a dict with the single key {next(iter(value))!r} "
                            "would read back as a date")
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: key {key!r} is not a str; JSON keys are text")
            out[key] = _value(item, f"{path}.{key}")
        return out
    raise TypeError(f"{path}: {type(value).__name__} cannot be kept in the outbox; give "
                    "JSON values, datetime or date")


def _restore(value: Any) -> Any:
    if isinstance(value, list):
        return [_restore(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1 and _DATETIME in value:
            return datetime.fromisoformat(value[_DATETIME])
        if len(value) == 1 and _DATE in value:
            return date.fromisoformat(value[_DATE])
        return {key: _restore(item) for key, item in value.items()}
    return value
