"""From a body and a source's name to the event it means: the part of the ticket webhook that
the route (`bot.webhooks.route`) and `touchpoint webhook try` share, so what the command shows
is exactly what the webhook would store.

A source may read some generic fields from places of its own (`tickets.sources.<name>.fields`
in app.yaml), before the preset's. Every problem is a `BadEvent` whose one line says what is
wrong: an unknown source, a body that is not a JSON object, or a field that cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot.config import TicketSource
from bot.flows.tickets.ingest import TicketEvent
from bot.web.json_limits import TooDeep, UnreadableJson, loads
from bot.webhooks.fields import BadEvent, email, text, when
from bot.webhooks.presets import PRESETS, Reported, to_event


@dataclass(frozen=True)
class Read:
    source: str
    reported: Reported
    event: TicketEvent


def source_named(name: str | None, sources: Mapping[str, TicketSource]) -> str:
    """The source a request names, or the only one configured when it names none."""
    if name is None and len(sources) == 1:
        return next(iter(sources))
    if name is None or name not in sources:
        raise BadEvent(f"source: {'say which with ?source=NAME' if name is None else 'unknown'}"
                       f" (one of {', '.join(sorted(sources))})")
    return name


def read_event(body: bytes, name: str | None, sources: Mapping[str, TicketSource],
               received_at: datetime) -> Read:
    source = source_named(name, sources)
    try:
        payload = loads(body)
    except TooDeep as exc:
        raise BadEvent(f"body: JSON {exc}") from None
    except UnreadableJson:
        raise BadEvent("body: not JSON") from None
    if not isinstance(payload, dict):
        raise BadEvent("body: must be a JSON object")
    preset = PRESETS[sources[source].preset]
    reported = _own_fields(payload, sources[source], preset.read(payload))
    return Read(source, reported,
                to_event(reported, sources[source], preset, received_at=received_at))


def _own_fields(payload: dict, source: TicketSource, reported: Reported) -> Reported:
    """The fields the source reads from places of its own (`fields` in app.yaml), where the
    body has them; the preset's reading stands for the others."""
    found = {}
    for name, path in source.fields.items():
        read = email if name.endswith("_email") else when if name.endswith("_at") else text
        value = read(payload, path)
        if value is not None:
            found[name] = value
    return replace(reported, **found) if found else reported
