"""Every payload shape the service desks document, from a recorded fixture
(tests/fixtures/tickets/<preset>/, each naming its source in `_source`), sent signed into the
running bot: what each stores, what a shape missing a field is told, and the time an event
without one is given (when it arrived, never the ticket's opening)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.emulators.tickets import TicketSender
from bot.webhooks.presets import PRESETS
from tests.clock import Clock
from tests.scenarios.test_ticket_webhook import SECRET, all_tickets, deliveries, person_id

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tickets"
RECEIVED = datetime(2026, 11, 10, 17, 0, tzinfo=UTC)
"""The bot's clock while the events arrive."""
ERIN, TOM = "erin@example.com", "tech1@example.com"


@pytest.fixture
def settings(make_settings):
    def config(raw: dict[str, Any]) -> None:
        raw["tickets"] = {
            "sources": {**{name: {"preset": name} for name in PRESETS},
                        # A business rule whose script names the emails its own way.
                        "snow-own": {"preset": "servicenow",
                                     "fields": {"requester_email": "u_requester.mail",
                                                "resolved_at": "u_fixed_on"}}},
            "sla": {"P1": {"first_response": "30m", "resolution": "4h"},
                    "P2": {"first_response": "1h", "resolution": "8h"},
                    "P3": {"first_response": "4h", "resolution": "24h"},
                    "P4": {"first_response": "8h", "resolution": "40h"}},
        }

    return make_settings(config=config, env={"TOUCHPOINT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
def bot_options() -> dict[str, Any]:
    return {"clock": Clock(RECEIVED), "scheduler": False}


@pytest.fixture
async def desk(bot):
    async with TicketSender(bot.url, secret=SECRET) as sender:
        yield sender


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Stored:
    ticket: str
    status: str
    priority: str
    service: str
    requester: str | None
    assignee: str | None
    opened: str
    happened: str
    resolved: str | None = None
    first_response: str | None = None


# The fixture (under tests/fixtures/tickets/, whose folder names the preset) -> what it stores.
EXPECTED = {
    "generic/event.json": Stored(
        "INC-2001", "resolved", "P2", "Facilities", ERIN, TOM, "2026-11-10 09:00",
        "2026-11-10 12:30", resolved="2026-11-10 12:30", first_response="2026-11-10 09:20"),
    "jira_service_management/webhook_issue_updated.json": Stored(
        "ITSM-231", "resolved", "P3", "Email", ERIN, TOM, "2026-11-10 09:00",
        "2026-11-10 13:00", resolved="2026-11-10 13:00", first_response="2026-11-10 13:00"),
    "jira_service_management/webhook_comment_created.json": Stored(
        "ITSM-232", "open", "P2", "Network", ERIN, TOM, "2026-11-10 09:00", "2026-11-10 09:20",
        first_response="2026-11-10 09:20"),
    "jira_service_management/automation_jira_format.json": Stored(
        "ITSM-233", "resolved", "P4", "Hardware", ERIN, TOM, "2026-11-10 07:00",
        "2026-11-11 09:00", resolved="2026-11-11 09:00", first_response="2026-11-11 09:00"),
    # An unmapped status ("Awaiting CAB") falls back on its category; no assignee, no component.
    "jira_service_management/automation_automation_format.json": Stored(
        "ITSM-234", "open", "P1", "", ERIN, None, "2026-11-10 09:00", "2026-11-10 10:15"),
    "servicenow/business_rule_dot_walked.json": Stored(
        "INC0020001", "resolved", "P3", "Collaboration", ERIN, TOM, "2026-11-10 09:00",
        "2026-11-10 15:00", resolved="2026-11-10 15:00", first_response="2026-11-10 15:00"),
    "servicenow/business_rule_caller_email.json": Stored(
        "INC0020002", "resolved", "P4", "", ERIN, TOM, "2026-11-10 10:00", "2026-11-10 10:30",
        resolved="2026-11-10 10:30", first_response="2026-11-10 10:30"),
    # A reference without its display value names no service (its value is a sys_id).
    "servicenow/table_api_record.json": Stored(
        "INC0020003", "closed", "P1", "", ERIN, TOM, "2026-11-09 08:00", "2026-11-10 16:00",
        resolved="2026-11-09 11:00", first_response="2026-11-09 11:00"),
    # The stored values are read, not the display values (times in the reader's zone).
    "servicenow/table_api_display_value_all.json": Stored(
        "INC0020004", "open", "P2", "SAP", ERIN, None, "2026-11-10 09:00", "2026-11-10 09:40"),
    "zendesk/trigger_placeholders.json": Stored(
        "5001", "resolved", "P2", "Workplace", ERIN, TOM, "2026-11-10 08:30", "2026-11-10 11:05",
        resolved="2026-11-10 11:05", first_response="2026-11-10 11:05"),
    "zendesk/trigger_readme_names.json": Stored(
        "5002", "open", "", "Access", ERIN, None, "2026-11-10 09:00", "2026-11-10 09:00"),
    "zendesk/trigger_dotted_keys.json": Stored(
        "5005", "open", "P1", "Email", ERIN, TOM, "2026-11-10 07:45", "2026-11-10 08:10"),
    # Event subscriptions name people by id only: no requester, no assignee.
    "zendesk/event_status_changed.json": Stored(
        "5003", "resolved", "P4", "", None, None, "2026-11-10 10:00", "2026-11-10 14:00",
        resolved="2026-11-10 14:00", first_response="2026-11-10 14:00"),
    "zendesk/event_ticket_created.json": Stored(
        "5004", "open", "", "", None, None, "2026-11-10 10:00", "2026-11-10 10:00:05"),
    "freshservice/workflow_requester_object.json": Stored(
        "INC-5201", "resolved", "P4", "Software", ERIN, TOM, "2026-11-10 10:00",
        "2026-11-10 12:00", resolved="2026-11-10 12:00", first_response="2026-11-10 12:00"),
    "freshservice/api_ticket.json": Stored(
        "5202", "closed", "P1", "Access", ERIN, TOM, "2026-11-10 10:00", "2026-11-11 09:30",
        resolved="2026-11-11 09:00", first_response="2026-11-10 10:20"),
    "freshdesk/automation_json.json": Stored(
        "811", "resolved", "P3", "", ERIN, TOM, "2026-11-10 09:00", "2026-11-10 09:45",
        resolved="2026-11-10 09:45", first_response="2026-11-10 09:45"),
    # The Simple encoding gives no update time: the event happened when it arrived.
    "freshdesk/automation_simple.json": Stored(
        "812", "open", "P1", "", ERIN, TOM, "2026-11-10 10:00", "2026-11-10 17:00"),
}


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_every_fixture_names_its_source_and_has_a_test():
    found = sorted(str(path.relative_to(FIXTURES)) for path in FIXTURES.rglob("*.json"))

    assert found == sorted(EXPECTED)
    for name in found:
        source = fixture(name)["_source"]
        assert "http" in source or "README" in source, name
        assert name.split("/")[0] in PRESETS, name


@pytest.mark.parametrize("name", list(EXPECTED))
async def test_each_documented_shape_is_stored_as_the_desk_meant(bot, desk, name):
    expected = EXPECTED[name]

    reply = await desk.send(fixture(name), source=name.split("/")[0])

    assert (reply.status, reply.json()["outcome"]) == (200, "stored"), reply.text
    [ticket] = await all_tickets(bot)
    assert (ticket.external_id, ticket.status, ticket.priority, ticket.service) == (
        expected.ticket, expected.status, expected.priority, expected.service)
    assert (ticket.requester_email, ticket.assignee_email) == (expected.requester,
                                                               expected.assignee)
    if expected.requester is not None:
        assert ticket.requester_id == await person_id(bot, expected.requester) is not None
    assert (ticket.opened_at, ticket.last_event_at) == (at(expected.opened),
                                                         at(expected.happened))
    assert (ticket.resolved_at, ticket.first_response_at) == (at(expected.resolved),
                                                              at(expected.first_response))


@pytest.mark.parametrize(("source", "body", "reason"), [
    ("servicenow", {"result": {"state": "1", "opened_at": "2026-11-10 09:00:00"}},
     "result.number: required"),
    ("servicenow", {"result": [{"number": "INC1"}]},
     "result: must be one record (the Table API's answer for one sys_id)"),
    ("servicenow", {"number": "INC1", "state": "1", "opened_at": "2026-11-10 09:00:00",
                    "caller_email": "erin"}, "caller_email: 'erin' is not an email address"),
    ("zendesk", {"type": "zen:event-type:ticket.status_changed",
                 "detail": {"id": "1", "status": "OPEN"}}, "detail.created_at: required"),
    ("zendesk", {"type": "zen:event-type:user.active_changed", "detail": {"id": "7"}},
     "type: 'zen:event-type:user.active_changed' is not a ticket event (subscribe the webhook "
     "to ticket events only)"),
    ("zendesk", {"ticket": {"id": "1", "status": "Open", "created_at": "November 10, 2026"}},
     "ticket.created_at: 'November 10, 2026' is not an ISO 8601 time "
     "(send {{ticket.created_at_with_timestamp}})"),
    ("zendesk", {"ticket": {"id": "1", "status": "Open"}},
     "ticket.created_at: required (send {{ticket.created_at_with_timestamp}})"),
    ("jira_service_management", {"key": "ITSM-1", "fields": {"status": {"name": "Open"}}},
     "fields.created: required"),
    ("jira_service_management", {"issue": {"key": "ITSM-1"}}, "issue.fields.status.name: required"),
    ("freshservice", {"ticket": {"status": 2, "created_at": "2026-11-10T09:00:00Z"}},
     "ticket.id: required"),
    ("freshdesk", {"freshdesk_webhook": {"ticket_id": 5, "ticket_status": "Open"}},
     "freshdesk_webhook.ticket_created_at: required"),
])
async def test_a_shape_missing_a_field_is_told_which_and_nothing_is_written(
        bot, desk, source, body, reason):
    reply = await desk.send(body, source=source)

    assert (reply.status, reply.json()) == (400, {"error": reason})
    assert await all_tickets(bot) == []
    assert await deliveries(bot) == 0


async def test_a_resolution_without_a_time_is_stamped_when_it_arrives_not_at_opening(bot, desk):
    # Opened on Monday 2 November: resolved (as far as Touchpoint can know) on the 10th, when
    # the event arrived, long after the 8 business hours of a P2.
    reply = await desk.send({"id": "INC-9", "status": "resolved", "priority": "P2",
                             "created_at": "2026-11-02T09:00:00Z"}, source="generic")

    assert reply.status == 200
    [ticket] = await all_tickets(bot)
    assert ticket.resolved_at == ticket.last_event_at == RECEIVED
    assert ticket.opened_at < ticket.resolution_due_at < ticket.resolved_at


async def test_an_event_without_a_time_comes_after_the_ones_before_it(bot, desk):
    opened = await desk.send({"id": "INC-9", "status": "open",
                              "created_at": "2026-11-10T09:00:00Z",
                              "updated_at": "2026-11-10T09:00:00Z"}, source="generic")
    resolved = await desk.send({"id": "INC-9", "status": "resolved",
                                "created_at": "2026-11-10T09:00:00Z"}, source="generic")

    assert [reply.json()["outcome"] for reply in (opened, resolved)] == ["stored", "stored"]
    [ticket] = await all_tickets(bot)
    assert (ticket.status, ticket.resolved_at) == ("resolved", RECEIVED)


async def test_a_source_reads_the_fields_it_names_from_their_own_places(bot, desk):
    body = {**fixture("servicenow/business_rule_dot_walked.json"),
            "u_requester": {"mail": "Erin@Example.com"}, "u_fixed_on": "2026-11-10 14:00:00"}
    del body["caller_id.email"]

    mine = await desk.send(body, source="snow-own")
    plain = await desk.send(body, source="servicenow")

    assert (mine.status, plain.status) == (200, 200)
    by_source = {ticket.source: ticket for ticket in await all_tickets(bot)}
    assert (by_source["snow-own"].requester_email,
            by_source["snow-own"].resolved_at) == (ERIN, at("2026-11-10 14:00"))
    assert (by_source["servicenow"].requester_email,
            by_source["servicenow"].resolved_at) == (None, at("2026-11-10 15:00"))


async def test_a_field_in_its_own_place_is_read_as_strictly(bot, desk):
    body = {**fixture("servicenow/business_rule_dot_walked.json"),
            "u_requester": {"mail": "not an email"}}

    reply = await desk.send(body, source="snow-own")

    assert (reply.status, reply.json()) == (
        400, {"error": "u_requester.mail: 'not an email' is not an email address"})
    assert await all_tickets(bot) == []
