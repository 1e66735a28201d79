"""Tickets: an event from a service desk goes to the ticket flow, and each change the flow
commits is passed on by `notify_ticket_change`, the one place that reacts to tickets."""

from __future__ import annotations

from bot.flows.sla import SlaPolicy
from bot.flows.tickets import Ingested, TicketChange, TicketEvent, ingest_ticket_event
from bot.services import Services


async def receive_ticket_event(services: Services, sla: SlaPolicy, *, source: str,
                               delivery: str, event: TicketEvent) -> Ingested:
    """Apply a desk's event; once it is committed, pass its change on."""
    ingested = await ingest_ticket_event(
        services.sessions, services.settings.app, services.chat, sla, source=source,
        delivery=delivery, event=event)
    if ingested.change is not None:
        await notify_ticket_change(services, ingested.change)
    return ingested


async def notify_ticket_change(services: Services, change: TicketChange) -> None:
    """React to a committed ticket change; for now, count it."""
    services.metrics.ticket_changes.labels(change.source, change.status_after).inc()
