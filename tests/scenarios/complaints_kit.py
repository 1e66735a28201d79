"""Shared steps of the complaint scenarios: the bot on a controlled clock, filing through the
real Slack protocol, and reading back what the emulators recorded."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.flows.complaints import ids
from bot.flows.complaints.notify import receipt_key, triage_key
from storage.complaints import Complaint
from storage.models import AuditEvent
from storage.outbox import SENT
from storage.outbox import rows_for as outbox_rows
from tests.clock import Clock
from tests.conftest import RunningBot
from tests.outbox_kit import outbox_settled
from tests.waiting import eventually

TRIAGE = "C0TRIAGE1"
TEAMS_TRIAGE = "19:triage@thread.tacv2"
ERIN, TOM, LEE = "U0EMPL001", "U0TECH001", "U0LEAD001"
MONDAY_9AM = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Europe/London is on UTC in winter

_views = itertools.count(1)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9AM)


@pytest.fixture
def settings(make_settings, connector):
    """Test settings with Teams' service URL at the connector emulator, so the triage
    channel's Teams half is posted for real."""
    return make_settings(config=lambda raw: raw.update(teams={"service_url": connector.url}))


@pytest.fixture
def settings_without_rate_limit(make_settings, connector):
    """As `settings`, and one person may file any number of complaints (for tests that file
    many at once)."""
    def config(raw):
        raw.update(teams={"service_url": connector.url},
                   complaints={"rate_limit": {"count": 1000}})

    return make_settings(config=config)


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    """The running bot (tests/conftest.py) on the test's clock; scheduled jobs are called by
    the tests."""
    return {"clock": clock, "scheduler": False}


def new_view_id() -> str:
    return f"V0CMP{next(_views):05d}"


async def submit_complaint(sender: SlackSender, user: str = ERIN, *,
                           description: str = "The printer on floor 2 ate my report again",
                           service: str = "Service desk", category: str = "Responsiveness",
                           impact: str = "high", ticket: str = "", anonymous: str = "no",
                           view_id: str | None = None):
    return await sender.submit(
        ids.FILE_FORM, {ids.DESCRIPTION: description, ids.TICKET: ticket}, user_id=user,
        view_id=view_id or new_view_id(),
        selects={ids.SERVICE: service, ids.CATEGORY: category, ids.IMPACT: impact,
                 ids.ANONYMOUS: anonymous})


async def complaints(bot: RunningBot) -> list[Complaint]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(Complaint).order_by(col(Complaint.id)))).all())


async def file_and_wait(bot: RunningBot, sender: SlackSender, slack: SlackEmulator,
                        **fields: Any) -> Complaint:
    """File through Slack and wait until the receipt and the triage cards are out."""
    before = len(await complaints(bot))
    reply = await submit_complaint(sender, **fields)
    assert (reply.status, reply.text) == (200, "")

    async def out() -> bool:
        rows = await complaints(bot)
        return len(rows) > before and delivered(slack, rows[-1], fields.get("user", ERIN))

    await eventually(out)
    await drained(bot)  # the Teams card too
    return (await complaints(bot))[-1]


def delivered(slack: SlackEmulator, complaint: Complaint, user: str = ERIN) -> bool:
    """Whether the complaint's receipt and its Slack triage card have arrived."""
    assert complaint.id is not None
    return (keyed(slack, slack.dm_channel(user), receipt_key(complaint.id)) is not None
            and keyed(slack, TRIAGE, triage_key(complaint.id)) is not None)


def key_of(message: dict[str, Any]) -> str | None:
    """The outbox key a Slack message was sent under (its message metadata)."""
    metadata = message.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return (metadata.get("event_payload") or {}).get("key")


def keyed(slack: SlackEmulator, channel: str, key: str) -> dict[str, Any] | None:
    """The message in a Slack channel (or DM) sent under the outbox key `key`."""
    found = [m for m in slack.messages_in(channel) if key_of(m) == key]
    assert len(found) <= 1, f"{key} is in {channel} {len(found)} times"
    return found[0] if found else None


async def drained(bot: RunningBot) -> None:
    """Wait until the outbox has sent (or given up on) everything recorded so far: before a
    test moves its clock on (a claim's lease is on that clock), and before it reads what a
    scheduled check sent."""
    await outbox_settled(bot.services)


async def sent_on(bot: RunningBot, key: str) -> set[str]:
    """The platforms a message went out on, by its outbox rows."""
    async with bot.services.sessions() as session:
        return {row.platform for row in await outbox_rows(session, key)
                if row.status == SENT}


async def audit_trail(bot: RunningBot, number: str) -> list[AuditEvent]:
    async with bot.services.sessions() as session:
        return list((await session.exec(
            select(AuditEvent).where(col(AuditEvent.subject_id) == number)
            .order_by(col(AuditEvent.id)))).all())


async def opened_view(slack: SlackEmulator) -> dict[str, Any]:
    """The modal of the one views.open call so far, as a dict (the emulator keeps the
    argument as sent: a JSON string or an object)."""
    [opened] = await slack.wait_for("views.open")
    view = opened.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def inputs_of(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's input elements, by block id."""
    return {block["block_id"]: block["element"] for block in view["blocks"]
            if block["type"] == "input"}


def blocks_text(message: dict[str, Any]) -> str:
    """Every text of a Slack message or view, as one string."""
    return json.dumps(message.get("blocks") or message, ensure_ascii=False)


def triage_message(slack: SlackEmulator, complaint: Complaint) -> dict[str, Any]:
    """The complaint's triage card in Slack, as it shows now."""
    assert complaint.id is not None
    message = keyed(slack, TRIAGE, triage_key(complaint.id))
    assert message is not None
    return message


def triage_thread(slack: SlackEmulator, complaint: Complaint) -> list[str]:
    """The texts under the complaint's Slack triage card, oldest first."""
    ts = triage_message(slack, complaint)["ts"]
    return [blocks_text(m) for m in slack.messages_in(TRIAGE) if m.get("thread_ts") == ts]


def receipt(slack: SlackEmulator, user: str, complaint: Complaint) -> dict[str, Any] | None:
    assert complaint.id is not None
    return keyed(slack, slack.dm_channel(user), receipt_key(complaint.id))


def dm_thread(slack: SlackEmulator, user: str, complaint: Complaint) -> list[dict[str, Any]]:
    """Messages in the complainant's DM thread under the receipt, oldest first."""
    first = receipt(slack, user, complaint)
    return [m for m in slack.messages_in(slack.dm_channel(user))
            if first is not None and m.get("thread_ts") == first["ts"]]


async def answer(sender: SlackSender, slack: SlackEmulator, action_id: str,
                 number: str, user: str = ERIN):
    """Click `action_id` on the newest message in the complainant's DM that carries it."""
    channel = slack.dm_channel(ERIN)

    def asking() -> list[dict[str, Any]]:
        return [m for m in slack.messages_in(channel) if action_id in button_ids(m)]

    async def asked() -> bool:
        return bool(asking())

    await eventually(asked)
    message = asking()[-1]
    return await sender.click(action_id, number, user_id=user, channel_id=channel,
                              message_ts=message["ts"])


def button_ids(message: dict[str, Any]) -> list[str]:
    return [element["action_id"] for block in message.get("blocks", [])
            if block["type"] == "actions" for element in block["elements"]]
