"""Tickets: an event from a service desk goes to the ticket intake, and each change it
commits is passed on by `notify_ticket_change`, the one place that reacts to tickets."""

from __future__ import annotations

from bot.flows import csat
from bot.flows.ticket_intake import TicketIntake
from bot.flows.tickets import Inbound, Ingested
from bot.services import Services


async def receive_ticket_event(services: Services, intake: TicketIntake,
                               inbound: Inbound) -> Ingested:
    """Apply a desk's event; once it is committed, pass its change on."""
    ingested = await intake.receive(inbound)
    if ingested.change is not None:
        await notify_ticket_change(services, ingested)
    return ingested


async def notify_ticket_change(services: Services, ingested: Ingested) -> None:
    """React to a committed ticket change: count it, and survey or withdraw the survey.

    The survey is decided before the desk gets its answer (mostly with the change itself),
    so a desk that sees 200 knows the requester was (or, under the fatigue rules,
    deliberately was not) invited; the DM follows in the background, and one that cannot go
    out yet stays pending for the every-minute `csat.send_due` run.
    """
    change = ingested.change
    assert change is not None
    services.metrics.ticket_changes.labels(change.source, change.status_after).inc()
    if change.newly_resolved and ingested.surveys_done:
        csat.survey_decided(services, ingested.survey)
    elif change.newly_resolved:
        await csat.ticket_resolved(services, change.ticket_id)
    elif change.reopened:
        csat.survey_withdrawn(services, ingested.withdrawn)
