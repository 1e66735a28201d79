"""The complaint log as CSV, for IT leads (``touchpoint export complaints``).

One row per complaint filed since a date: every field of the log, the SLA outcome and the
times to acknowledge and resolve in business hours. An anonymous complainant is written as
"anonymous", never by name. Each cell is neutralised (`bot.flows.spreadsheet_cells`), so text
a person typed cannot run as a formula in the reader's spreadsheet.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.flows.spreadsheet_cells import neutralise
from storage.complaint_stats import log_rows

COLUMNS = (
    "number", "status", "filed_at", "complainant", "service", "category", "impact", "ticket",
    "description", "owner", "acknowledged_at", "acknowledge_due_at", "acknowledged_in_sla",
    "acknowledge_business_hours", "resolved_at", "resolve_due_at", "resolved_in_sla",
    "resolution_business_hours", "root_cause", "resolution_note", "escalated", "reopened",
    "satisfied", "closed_at",
)
ANONYMOUS = "anonymous"
def _hours(seconds: int | None) -> str | None:
    return None if seconds is None else f"{seconds / 3600:.2f}"


def _within(done: datetime | None, due: datetime) -> bool | None:
    return None if done is None else done <= due


async def _rows(session: AsyncSession, since: datetime | None, until: datetime | None
                ) -> AsyncIterator[list[Any]]:
    async for c, complainant_name, owner_name in log_rows(session, since, until):
        yield [
            c.number, c.status, c.created_at,
            ANONYMOUS if c.anonymous else complainant_name,
            c.service, c.category, c.impact, c.ticket, c.description, owner_name,
            c.acknowledged_at, c.acknowledge_due_at, _within(c.acknowledged_at,
                                                             c.acknowledge_due_at),
            _hours(c.acknowledge_business_s), c.resolved_at, c.resolve_due_at,
            _within(c.resolved_at, c.resolve_due_at), _hours(c.resolve_business_s),
            c.root_cause, c.resolution_note, c.escalated, c.reopen_count, c.satisfied,
            c.closed_at,
        ]


async def export_complaints(session: AsyncSession, out: TextIO, since: datetime | None = None,
                            until: datetime | None = None) -> int:
    """Write the CSV to `out` (every complaint filed from `since` until `until`, each bound
    left out when None); how many complaints it holds."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    async for row in _rows(session, since, until):
        writer.writerow([neutralise(value) for value in row])
        count += 1
    return count
