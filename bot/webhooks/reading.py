"""From a body and a source's name to the event it means: the part of the ticket webhook that
the route (`bot.webhooks.route`) and `touchpoint webhook try` share, so what the command shows
is exactly what the webhook would store.

Every problem is a `BadEvent` whose one line says what is wrong: an unknown source, a body
that is not a JSON object, or a field the source's preset cannot read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.config import TicketSource
from bot.flows.tickets.ingest import TicketEvent
from bot.webhooks.fields import BadEvent
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
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise BadEvent("body: not JSON") from None
    if not isinstance(payload, dict):
        raise BadEvent("body: must be a JSON object")
    preset = PRESETS[sources[source].preset]
    reported = preset.read(payload)
    return Read(source, reported,
                to_event(reported, sources[source], preset, received_at=received_at))
