"""`touchpoint import tickets FILE.csv`: ticket history from a CSV file, one event per row,
for SLA baselines and digests.

The columns are the generic webhook shape's fields (`id`, `status`, `created_at` required;
see `bot.webhooks.presets.generic`), read with the chosen source's status and priority
mappings and applied by the same ticket flow as the webhook, so importing a file twice stores
it once and rows in any order leave each ticket at its newest state. A bad row is reported by
its line number and the rest carry on. History notifies nobody: nothing reacts to an imported
change (no survey goes out for a ticket resolved last year). Like the webhook's intake, the
import is a batch writer: `ingest_ticket_events` opens and commits one session per
`BATCH_ROWS` rows.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.config import TicketSource
from bot.flows.tickets.ingest import Inbound, delivery_key, ingest_ticket_events
from bot.flows.tickets.sla import SlaPolicy
from bot.services import Services
from bot.webhooks.fields import BadEvent
from bot.webhooks.presets import PRESETS, to_event
from bot.webhooks.presets.generic import FIELDS

REQUIRED = ("id", "status", "created_at")
BATCH_ROWS = 200
"""Rows applied per transaction."""


class UnreadableFile(Exception):
    """The file as a whole cannot be imported (its header is wrong); the message says why."""


@dataclass
class ImportSummary:
    outcomes: Counter[str] = field(default_factory=Counter)
    """stored, duplicate, stale: how the good rows went."""
    bad: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason) of each row that could not be imported."""

    @property
    def rows(self) -> int:
        return self.outcomes.total() + len(self.bad)


def _columns(names: list[str]) -> str:
    return f"{'column' if len(names) == 1 else 'columns'} {', '.join(names)}"


def check_header(columns: Iterable[str] | None) -> None:
    found = list(columns or [])
    missing = [name for name in REQUIRED if name not in found]
    unknown = [name for name in found if name not in FIELDS]
    problems = []
    if missing:
        problems.append(f"missing {_columns(missing)}")
    if unknown:
        problems.append(f"unknown {_columns(unknown)} "
                        f"(the columns are {', '.join(FIELDS)})")
    if problems:
        raise UnreadableFile("; ".join(problems))


async def import_tickets(services: Services, lines: Iterable[str], source_name: str,
                         source: TicketSource) -> ImportSummary:
    """Import every row of a CSV text; raises UnreadableFile when the header is wrong."""
    reader = csv.DictReader(lines)
    check_header(reader.fieldnames)
    sla = SlaPolicy(services.settings.app)
    preset = PRESETS["generic"]
    summary = ImportSummary()
    batch: list[Inbound] = []

    async def apply() -> None:
        for ingested in await ingest_ticket_events(services, sla, batch):
            summary.outcomes[ingested.outcome.value] += 1
        batch.clear()

    next_line = reader.line_num + 1
    for row in reader:
        line, next_line = next_line, reader.line_num + 1
        if None in row:
            summary.bad.append((line, "more values than columns"))
            continue
        payload = {name: value for name, value in row.items() if value}
        try:
            event = to_event(preset.read(payload), source, preset, received_at=None)
        except BadEvent as exc:
            summary.bad.append((line, str(exc)))
            continue
        batch.append(Inbound(source=source_name, event=event, delivery=delivery_key(
            payload.get("event_id"), json.dumps(payload, sort_keys=True).encode())))
        if len(batch) == BATCH_ROWS:
            await apply()
    if batch:
        await apply()
    return summary
