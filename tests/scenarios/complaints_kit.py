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
from storage.complaints import Complaint
from storage.models import AuditEvent
from tests.clock import Clock
from tests.conftest import RunningBot
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
    """File through Slack and wait until the receipt and the triage cards are recorded."""
    before = len(await complaints(bot))
    reply = await submit_complaint(sender, **fields)
    assert (reply.status, reply.text) == (200, "")

    async def carded() -> bool:
        rows = await complaints(bot)
        return len(rows) > before and bool(rows[-1].triage_refs)

    await eventually(carded, within_s=5)
    return (await complaints(bot))[-1]


async def audit_trail(bot: RunningBot, number: str) -> list[AuditEvent]:
    async with bot.services.sessions() as session:
        return list((await session.exec(
            select(AuditEvent).where(col(AuditEvent.subject_id) == number)
            .order_by(col(AuditEvent.id)))).all())


def blocks_text(message: dict[str, Any]) -> str:
    """Every text of a Slack message or view, as one string."""
    return json.dumps(message.get("blocks") or message, ensure_ascii=False)


def triage_message(slack: SlackEmulator, complaint: Complaint) -> dict[str, Any]:
    [ref] = [r for r in complaint.triage_refs if r["platform"] == "slack"]
    message = slack.message(ref["channel"], ref["message_id"])
    assert message is not None
    return message


def dm_thread(slack: SlackEmulator, user: str, complaint: Complaint) -> list[dict[str, Any]]:
    """Messages in the complainant's DM thread under the receipt, oldest first."""
    receipt = json.loads(complaint.dm_ref or "{}")
    return [m for m in slack.messages_in(slack.dm_channel(user))
            if m.get("thread_ts") == receipt.get("message_id")]


async def answer(sender: SlackSender, slack: SlackEmulator, action_id: str,
                 number: str, user: str = ERIN):
    """Click `action_id` on the newest message in the complainant's DM that carries it."""
    channel = slack.dm_channel(ERIN)

    def asking() -> list[dict[str, Any]]:
        return [m for m in slack.messages_in(channel) if action_id in button_ids(m)]

    async def asked() -> bool:
        return bool(asking())

    await eventually(asked, within_s=5)
    message = asking()[-1]
    return await sender.click(action_id, number, user_id=user, channel_id=channel,
                              message_ts=message["ts"])


def button_ids(message: dict[str, Any]) -> list[str]:
    return [element["action_id"] for block in message.get("blocks", [])
            if block["type"] == "actions" for element in block["elements"]]
