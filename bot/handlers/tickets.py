"""Tickets: an event from a service desk (`TicketEventReceived`, from the ticket webhook) goes
to the ticket intake, and each change it commits is passed on by `notify_ticket_change`, the
one place that reacts to tickets. The webhook answers the desk with the handler's `Ingested`."""

from __future__ import annotations

from bot.flows.csat.sending import survey_decided, survey_withdrawn
from bot.flows.tickets.ingest import Inbound, Ingested
from bot.flows.tickets.intake import TicketIntake
from bot.flows.tickets.sla import SlaPolicy
from bot.handlers.routes import EventTurn, Routes
from bot.intents import TicketEventReceived
from bot.services import Services


def register(routes: Routes) -> None:
    intake: TicketIntake | None = None

    async def ticket_event(turn: EventTurn) -> Ingested:
        """The intake writes the events of every request in flight in one transaction per
        batch, in a session of its own (it is a batch writer: see `bot.flows.tickets.intake`),
        so the turn's stays unused; it is built on the first event, one per application, so
        that all events meet there."""
        nonlocal intake
        event = turn.event
        assert isinstance(event, TicketEventReceived)
        services = turn.services
        if intake is None:
            intake = TicketIntake(services, SlaPolicy(services.settings.app))
        return await receive_ticket_event(services, intake, event.inbound)

    routes.on_event(TicketEventReceived, ticket_event)


async def receive_ticket_event(services: Services, intake: TicketIntake,
                               inbound: Inbound) -> Ingested:
    """Apply a desk's event; once it is committed, pass its change on."""
    ingested = await intake.receive(inbound)
    if ingested.change is not None:
        await notify_ticket_change(services, ingested)
    return ingested


async def notify_ticket_change(services: Services, ingested: Ingested) -> None:
    """React to a committed ticket change: count it, and survey or withdraw the survey.

    The survey is decided with the change itself, before the desk gets its answer, and its
    DM recorded in the outbox in the same transaction, so a desk that sees 200 knows the
    requester was (or, under the fatigue rules, deliberately was not) invited, or is being
    looked for on the chat platforms; the outbox sends the DM right after (or when the
    person's quiet hours end), and a look-up goes on in the background.
    """
    change = ingested.change
    assert change is not None
    services.metrics.ticket_changes.labels(change.source, change.status_after).inc()
    if change.newly_resolved:
        survey_decided(services, ingested.survey)
    elif change.reopened:
        survey_withdrawn(services, ingested.withdrawn)
