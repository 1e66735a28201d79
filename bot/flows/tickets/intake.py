"""The ticket intake: events from every request in flight, applied a batch at a time.

While one batch is being written, the events arriving meanwhile wait and then go together, in
arrival order, in one transaction. An idle webhook applies each event at once; a busy one pays
for one transaction per batch instead of one per event, which is what lets a single SQLite
writer keep up. The batch decides the surveys of the tickets it resolves too, in the same
transaction. Each caller gets its own event's outcome once the batch is committed; a batch
that fails fails for every caller in it, and none of it is written.

Who owns the session, in the flow convention's terms (README, "How it is built"): the intake
is a claimed background writer, like a scheduled run. A webhook request's turn (the ticket
handler's, through the dispatcher) uses no session and holds no transaction; it hands its
event over and waits for its outcome. The one
writer task opens one session per batch, `ingest_ticket_events` writes the whole batch in it
and commits it (each retry after a conflict in a fresh session), and only then are the
callers answered. Writing per request instead would cost a transaction per event, which a
single SQLite writer cannot keep up with at the rates in the README's `bench/webhook.py`
figures.
"""

from __future__ import annotations

import asyncio

from bot.flows.tickets.ingest import Inbound, Ingested, ingest_ticket_events
from bot.flows.tickets.sla import SlaPolicy
from bot.services import Services

MAX_BATCH = 100


class TicketIntake:
    def __init__(self, services: Services, sla: SlaPolicy):
        self._services = services
        self._sla = sla
        self._waiting: list[tuple[Inbound, asyncio.Future[Ingested]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def receive(self, inbound: Inbound) -> Ingested:
        """Apply one event with whatever else is waiting; its outcome once committed."""
        future: asyncio.Future[Ingested] = asyncio.get_running_loop().create_future()
        self._waiting.append((inbound, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                results = await ingest_ticket_events(
                    self._services, self._sla, [inbound for inbound, _future in batch],
                    surveys=True)
            except Exception as exc:
                # Raised to each caller, whose turn logs it (an outage once, not per batch).
                for _inbound, future in batch:
                    if not future.done():  # its request may have gone away meanwhile
                        future.set_exception(exc)
                continue
            for (_inbound, future), ingested in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(ingested)
