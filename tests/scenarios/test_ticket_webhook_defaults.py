"""The ticket webhook as shipped, with no `tickets` section in app.yaml: one generic source
that needs no `?source=`, and no secret or token meaning no request gets in."""

from __future__ import annotations

import pytest

from bot.emulators.tickets import TicketSender
from bot.server import create_app
from tests.conftest import start_bot
from tests.scenarios.test_ticket_webhook import SECRET, all_tickets, event


@pytest.fixture
def settings(make_settings):
    return make_settings(env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


async def test_the_only_source_is_used_without_naming_it(bot):
    async with TicketSender(bot.url, secret=SECRET) as desk:
        reply = await desk.send(event(status="resolved"))

    assert (reply.status, reply.json()["outcome"]) == (200, "stored")
    [ticket] = await all_tickets(bot)
    assert (ticket.source, ticket.status) == ("generic", "resolved")
    # No SLA targets are configured: the ticket has no deadlines.
    assert ticket.response_due_at is None and ticket.resolution_due_at is None


async def test_without_a_secret_or_token_every_request_is_refused(make_settings, caplog):
    runner, running = await start_bot(create_app(make_settings()))
    try:
        async with TicketSender(running.url, secret=SECRET) as signed, \
                TicketSender(running.url, token="anything") as bearer:
            replies = [await signed.send(event()), await bearer.send(event())]
        assert [reply.status for reply in replies] == [401, 401]
        assert await all_tickets(running) == []
        assert "the ticket webhook refuses every request" in caplog.text
    finally:
        await runner.cleanup()
