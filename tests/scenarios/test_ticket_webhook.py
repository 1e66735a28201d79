"""The ticket webhook end to end: signed (or bearer) HTTP requests into the running bot on
SQLite and PostgreSQL, and what they leave in the database and in /metrics."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import aiohttp
import pytest
from sqlmodel import func, select

from bot.emulators.tickets import TicketSender
from bot.webhooks.presets import PRESETS
from bot.webhooks.signature import sign
from storage.models import Person, ProcessedRequest
from storage.tickets import Ticket

SECRET = "test-webhook-secret"
TOKEN = "test-webhook-token"


def tickets_config(config: dict[str, Any]) -> None:
    config["tickets"] = {
        "sources": {
            "desk": {"preset": "generic", "statuses": {"Awaiting parts": "open"}},
            "jira": {"preset": "jira_service_management"},
            "snow": {"preset": "servicenow"},
            "zendesk": {"preset": "zendesk"},
            "fresh": {"preset": "freshservice"},
            "freshdesk": {"preset": "freshdesk"},
        },
        "sla": {"P1": {"first_response": "30m", "resolution": "4h"},
                "P2": {"first_response": "1h", "resolution": "8h"},
                "P3": {"first_response": "4h", "resolution": "24h"}},
    }


@pytest.fixture
def settings(make_settings):
    return make_settings(config=tickets_config, env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET,
                                                     "TOUCHPOINT_WEBHOOK_TOKEN": TOKEN})


@pytest.fixture
async def desk(bot):
    async with TicketSender(bot.url, secret=SECRET) as sender:
        yield sender


def event(**fields: Any) -> dict[str, Any]:
    base = {"id": "INC-1", "title": "Printer on fire", "requester_email": "erin@example.com",
            "assignee_email": "tech1@example.com", "priority": "P2", "service": "Printing",
            "status": "open", "created_at": "2026-11-10T09:00:00Z",
            "updated_at": "2026-11-10T09:00:00Z"}
    return {**base, **fields}


async def all_tickets(bot) -> list[Ticket]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(Ticket).order_by(Ticket.id))).all())


async def deliveries(bot) -> int:
    async with bot.services.sessions() as session:
        return (await session.exec(select(func.count()).select_from(ProcessedRequest))).one()


async def person_id(bot, email: str) -> int | None:
    async with bot.services.sessions() as session:
        person = (await session.exec(select(Person).where(Person.email == email))).first()
        return None if person is None else person.id


async def changes_counted(bot, source: str, status: str) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/metrics") as response:
        text = await response.text()
    match = re.search(rf'^touchpoint_ticket_changes_total{{source="{source}",'
                      rf'status="{status}"}} (\S+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_a_signed_event_is_stored_with_people_from_the_directory(bot, desk, slack):
    reply = await desk.send(event(status="resolved", resolved_at="2026-11-10T11:00:00Z",
                                  updated_at="2026-11-10T11:00:00Z"), source="desk")

    assert reply.status == 200
    assert reply.json()["outcome"] == "stored"
    [ticket] = await all_tickets(bot)
    assert reply.json()["ticket"] == ticket.id
    assert (ticket.source, ticket.external_id, ticket.status) == ("desk", "INC-1", "resolved")
    assert (ticket.priority, ticket.service, ticket.title) == ("P2", "Printing",
                                                                "Printer on fire")
    # Erin and Tom were not in the directory yet: Slack was asked, and they were added.
    assert ticket.requester_id == await person_id(bot, "erin@example.com") is not None
    assert ticket.assignee_id == await person_id(bot, "tech1@example.com") is not None
    assert len(slack.calls_to("users.lookupByEmail")) == 2
    assert ticket.resolved_at.isoformat() == "2026-11-10T11:00:00+00:00"
    # Tuesday 10 November, London (GMT), 09:00 + 1 business hour.
    assert ticket.response_due_at.isoformat() == "2026-11-10T10:00:00+00:00"
    assert await changes_counted(bot, "desk", "resolved") == 1


async def test_a_signature_with_a_fresh_timestamp_is_accepted_and_a_stale_one_refused(bot, desk):
    now = int(time.time())
    fresh = await desk.send(event(), source="desk", timestamp=now)
    stale = await desk.send(event(id="INC-2"), source="desk", timestamp=now - 600)

    assert (fresh.status, stale.status) == (200, 401)
    assert [ticket.external_id for ticket in await all_tickets(bot)] == ["INC-1"]


async def test_the_bearer_token_is_accepted(bot):
    async with TicketSender(bot.url, token=TOKEN) as sender:
        reply = await sender.send(event(), source="desk")

    assert reply.status == 200
    assert len(await all_tickets(bot)) == 1


@pytest.mark.parametrize("headers", [
    {"X-Touchpoint-Signature": "sha256=" + "0" * 64},
    {"X-Touchpoint-Signature": "sha256=" + "0" * 64, "X-Touchpoint-Timestamp": "¹²³"},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Basic {TOKEN}"},
    {},
], ids=["bad-hmac", "bad-timestamp", "wrong-token", "not-bearer", "nothing"])
async def test_anything_else_is_refused_with_401_and_nothing_written(bot, headers):
    async with TicketSender(bot.url) as sender:
        reply = await sender.send(event(), source="desk", headers=headers)

    assert (reply.status, reply.text) == (401, "")
    assert await all_tickets(bot) == []
    assert await deliveries(bot) == 0


async def test_a_body_changed_after_signing_is_refused(bot, desk):
    signed_for = b'{"id": "INC-1"}'
    reply = await desk.send(None, source="desk", raw=b'{"id": "INC-666"}',
                            headers={"X-Touchpoint-Signature": sign(SECRET, signed_for)})

    assert reply.status == 401
    assert await all_tickets(bot) == []


@pytest.mark.parametrize(("raw", "source", "reason"), [
    (b"{not json", "desk", "body: not JSON"),
    (b"[1, 2]", "desk", "body: must be a JSON object"),
    (b'{"id": "INC-1", "created_at": "2026-11-10T09:00:00Z"}', "desk", "status: required"),
    (b'{"id": "INC-1", "status": "open"}', "desk", "created_at: required"),
    (b'{"id": "INC-1", "status": "open", "created_at": "yesterday"}', "desk",
     "created_at: 'yesterday' is not an ISO 8601 time"),
    (b'{"id": "INC-1", "status": "open", "created_at": "2026-11-10T09:00:00Z", '
     b'"requester_email": "not an email"}', "desk",
     "requester_email: 'not an email' is not an email address"),
    (b'{"id": "INC-1", "status": "open", "created_at": "2026-11-10T09:00:00Z", '
     b'"assignee_email": "' + b"a" * 320 + b'@example.com"}', "desk",
     "assignee_email: '" + "a" * 80 + "' is not an email address"),
    (b'{"id": "' + b"9" * 129 + b'", "status": "open", "created_at": "2026-11-10T09:00:00Z"}',
     "desk", "id: longer than 128 characters"),
    (b'{"id": "INC-1", "status": "exploded", "created_at": "2026-11-10T09:00:00Z"}', "desk",
     "status: 'exploded' is not mapped to open, resolved or closed (add it to the source's "
     "statuses in app.yaml)"),
    (b'{"id": "INC-1", "status": "open", "created_at": "2026-11-10T09:00:00Z"}', "nowhere",
     "source: unknown (one of desk, fresh, freshdesk, jira, snow, zendesk)"),
    (b'{"id": "INC-1", "status": "open", "created_at": "2026-11-10T09:00:00Z"}', None,
     "source: say which with ?source=NAME (one of desk, fresh, freshdesk, jira, snow, zendesk)"),
])
async def test_an_unreadable_event_gets_400_with_one_line_and_nothing_written(
        bot, desk, raw, source, reason):
    reply = await desk.send(None, source=source, raw=raw)

    assert reply.status == 400
    assert reply.json() == {"error": reason}
    assert await all_tickets(bot) == []
    assert await deliveries(bot) == 0


async def test_nul_characters_are_dropped_so_every_database_can_store_the_text(bot, desk):
    reply = await desk.send(event(title="Printer\u0000 on fire", event_id="e\u0000-1"),
                            source="desk")

    assert reply.status == 200
    assert [ticket.title for ticket in await all_tickets(bot)] == ["Printer on fire"]


async def test_a_source_maps_its_own_status_names(bot, desk):
    reply = await desk.send(event(status="Awaiting parts"), source="desk")

    assert reply.status == 200
    assert [ticket.status for ticket in await all_tickets(bot)] == ["open"]


async def test_the_same_event_twice_is_stored_once(bot, desk):
    payload = event(status="resolved", updated_at="2026-11-10T12:00:00Z")

    first = await desk.send(payload, source="desk")
    second = await desk.send(payload, source="desk")

    assert (first.json()["outcome"], second.json()["outcome"]) == ("stored", "duplicate")
    assert len(await all_tickets(bot)) == 1
    assert await changes_counted(bot, "desk", "resolved") == 1


async def test_an_event_id_makes_two_different_bodies_one_delivery(bot, desk):
    first = await desk.send(event(event_id="e-1"), source="desk")
    again = await desk.send(event(event_id="e-1", title="changed in transit"), source="desk")

    assert (first.json()["outcome"], again.json()["outcome"]) == ("stored", "duplicate")
    assert [ticket.title for ticket in await all_tickets(bot)] == ["Printer on fire"]


async def test_an_older_event_arriving_late_does_not_move_the_ticket_back(bot, desk):
    resolved = await desk.send(event(status="resolved", updated_at="2026-11-10T12:00:00Z"),
                               source="desk")
    late = await desk.send(event(status="open", title="old title",
                                 updated_at="2026-11-10T10:00:00Z"), source="desk")

    assert (resolved.json()["outcome"], late.json()["outcome"]) == ("stored", "stale")
    [ticket] = await all_tickets(bot)
    assert (ticket.status, ticket.title, ticket.reopen_count) == ("resolved", "Printer on fire",
                                                                  0)
    assert ticket.last_event_at.isoformat() == "2026-11-10T12:00:00+00:00"


async def test_an_unknown_requester_is_stored_without_a_person(bot, desk, slack):
    reply = await desk.send(event(requester_email="Nobody@Example.com"), source="desk")
    again = await desk.send(event(title="Printer still on fire",
                                  requester_email="nobody@example.com",
                                  updated_at="2026-11-10T13:00:00Z"), source="desk")

    assert (reply.status, again.status) == (200, 200)
    [ticket] = await all_tickets(bot)
    assert (ticket.requester_email, ticket.requester_id) == ("nobody@example.com", None)
    assert ticket.title == "Printer still on fire"
    # The ticket keeps its match: the second event asked Slack about nobody.
    asked = [call.args.get("email") for call in slack.calls_to("users.lookupByEmail")]
    assert asked.count("nobody@example.com") == 1


async def test_reopening_is_counted_each_time(bot, desk):
    steps = [("open", "09:00"), ("resolved", "10:00"), ("open", "11:00"), ("resolved", "12:00"),
             ("open", "13:00")]
    for status, at in steps:
        reply = await desk.send(event(status=status, updated_at=f"2026-11-10T{at}:00Z"),
                                source="desk")
        assert reply.json()["outcome"] == "stored"

    [ticket] = await all_tickets(bot)
    assert (ticket.status, ticket.reopen_count, ticket.resolved_at) == ("open", 2, None)
    assert ticket.reopened_at.isoformat() == "2026-11-10T13:00:00+00:00"
    # The first resolution answered the requester: it stands as the first response.
    assert ticket.first_response_at.isoformat() == "2026-11-10T10:00:00+00:00"
    assert await changes_counted(bot, "desk", "open") == 3
    assert await changes_counted(bot, "desk", "resolved") == 2


EXPECTED = {
    "desk": ("generic", "INC-1042", "P2", "Printing"),
    "jira": ("jira_service_management", "ITSM-42", "P2", "Network"),
    "snow": ("servicenow", "INC0010042", "P2", "Email"),
    "zendesk": ("zendesk", "4711", "P3", "Workplace"),
    "fresh": ("freshservice", "5120", "P2", "Access"),
    "freshdesk": ("freshdesk", "812", "P2", "Billing"),
}


@pytest.mark.parametrize("source", list(EXPECTED))
async def test_each_preset_maps_its_sample_payload(bot, desk, source):
    preset, external_id, priority, service = EXPECTED[source]

    reply = await desk.send(PRESETS[preset].sample, source=source)

    assert reply.status == 200, reply.text
    [ticket] = await all_tickets(bot)
    assert (ticket.source, ticket.external_id, ticket.status) == (source, external_id,
                                                                  "resolved")
    assert (ticket.priority, ticket.service) == (priority, service)
    assert (ticket.requester_email, ticket.assignee_email) == ("erin@example.com",
                                                               "tech1@example.com")
    assert ticket.requester_id == await person_id(bot, "erin@example.com") is not None
    assert ticket.resolved_at is not None and ticket.response_due_at is not None


async def test_a_jira_comment_by_the_agent_is_the_first_response(bot, desk):
    sample = PRESETS["jira_service_management"].sample
    opened = {**sample, "issue": {**sample["issue"], "fields": {
        **sample["issue"]["fields"], "status": {"name": "Waiting for support",
                                                "statusCategory": {"key": "new"}},
        "resolutiondate": None, "updated": "2026-11-10T09:00:00.000+0000"}}}
    commented = {**opened, "webhookEvent": "comment_created", "timestamp": 1762766400000,
                 "comment": {"author": {"emailAddress": "tech1@example.com"},
                             "created": "2026-11-10T09:20:00.000+0000"}}
    commented["issue"]["fields"] = {**opened["issue"]["fields"],
                                    "updated": "2026-11-10T09:20:00.000+0000"}

    for payload in (opened, commented):
        assert (await desk.send(payload, source="jira")).status == 200

    [ticket] = await all_tickets(bot)
    assert ticket.status == "open"
    assert ticket.first_response_at.isoformat() == "2026-11-10T09:20:00+00:00"


async def test_concurrent_events_of_one_new_ticket_make_one_ticket(bot, desk):
    events = [event(status=status, updated_at=f"2026-11-10T{hour:02d}:00:00Z",
                    event_id=f"e-{hour}")
              for hour, status in zip(range(9, 17), ["open", "open", "open", "resolved"] * 2,
                                      strict=True)]

    replies = await asyncio.gather(*(desk.send(payload, source="desk") for payload in events))

    assert [reply.status for reply in replies] == [200] * len(events)
    assert {reply.json()["outcome"] for reply in replies} <= {"stored", "stale"}
    [ticket] = await all_tickets(bot)
    # Whatever order they were applied in, the newest event decides.
    assert ticket.status == "resolved"
    assert ticket.last_event_at.isoformat() == "2026-11-10T16:00:00+00:00"
    assert await person_id(bot, "erin@example.com") is not None
