"""Shared steps of the broadcast scenarios: the bot with status channels on Slack and Teams
(and a service with a channel of its own), opening and changing broadcasts through the real
Slack protocol, and reading back what the emulators recorded."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlmodel import col, select

from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.flows.broadcasts import ids
from bot.flows.broadcasts.notify import post_key
from storage.broadcasts import Broadcast, BroadcastRating, BroadcastUpdate
from storage.models import AuditEvent
from tests.conftest import RunningBot
from tests.outbox_kit import outbox_settled
from tests.scenarios.complaints_kit import blocks_text, bot_options, button_ids, clock, keyed

STATUS, NETSTAT = "C0STATUS1", "C0NETSTAT"
TEAMS_STATUS, TEAMS_NETSTAT = "19:status@thread.tacv2", "19:netstat@thread.tacv2"
ERIN, TOM, LEE = "U0EMPL001", "U0TECH001", "U0LEAD001"
SERVICES = ["Service desk", "Email and calendar", "Network and Wi-Fi", "Other"]
NETWORK = "2"
"""The Network service's value in the form: its place in the catalogue."""

__all__ = ["blocks_text", "bot_options", "button_ids", "clock"]
_views = itertools.count(1)


def configure(raw: dict[str, Any], connector_url: str) -> None:
    raw["teams"] = {"service_url": connector_url}
    raw["channels"]["broadcasts"] = [{"slack": STATUS, "teams": TEAMS_STATUS}]
    raw["services"] = [{"name": name} for name in SERVICES]
    raw["services"][2].update(aliases=["Network", "VPN"],
                              broadcast_channel={"slack": NETSTAT, "teams": TEAMS_NETSTAT})


@pytest.fixture
def settings(make_settings, connector):
    return make_settings(config=lambda raw: configure(raw, connector.url))


def view_id() -> str:
    return f"V0BRD{next(_views):05d}"


async def submit_opening(sender: SlackSender, user: str = TOM, *, kind: str = "incident",
                         title: str = "VPN is down", services: list[str] | None = None,
                         impact: str = "outage", status: str = "",
                         message: str = "Nobody can connect from home.", notify: bool = False,
                         window: tuple[str, str] = ("", ""), view: str | None = None):
    return await sender.submit(
        ids.OPEN_FORM, {ids.TITLE: title, ids.MESSAGE: message, ids.WINDOW_START: window[0],
                        ids.WINDOW_END: window[1]},
        user_id=user, view_id=view or view_id(),
        selects={ids.KIND: kind, ids.IMPACT: impact, ids.STATUS: status},
        multi_selects={ids.SERVICES: services if services is not None else [NETWORK]},
        checkboxes={ids.NOTIFY: ["yes"] if notify else []})


async def submit_change(sender: SlackSender, action: str, broadcast_id: int, user: str = TOM,
                        *, message: str = "We found the cause.", status: str = "identified",
                        impact: str = "outage", services: list[str] | None = None,
                        notify: bool = False):
    selects = ({ids.STATUS: status, ids.IMPACT: impact} if action == "updated" else {})
    multi = ({ids.SERVICES: services if services is not None else [NETWORK]}
             if action == "updated" else {})
    return await sender.submit(
        ids.CHANGE_FORM, {ids.MESSAGE: message}, user_id=user, view_id=view_id(),
        private_metadata=f"{action}:{broadcast_id}", selects=selects, multi_selects=multi,
        checkboxes={ids.NOTIFY: ["yes"] if notify else []})


async def broadcasts(bot: RunningBot) -> list[Broadcast]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(Broadcast).order_by(col(Broadcast.id)))).all())


async def updates(bot: RunningBot, broadcast_id: int) -> list[BroadcastUpdate]:
    async with bot.services.sessions() as session:
        return list((await session.exec(
            select(BroadcastUpdate).where(col(BroadcastUpdate.broadcast_id) == broadcast_id)
            .order_by(col(BroadcastUpdate.number)))).all())


async def ratings(bot: RunningBot) -> list[tuple[int, int]]:
    """(broadcast, score) of every answer to "how well were you kept informed?"."""
    async with bot.services.sessions() as session:
        return [(r.broadcast_id, r.score) for r in (await session.exec(
            select(BroadcastRating).order_by(col(BroadcastRating.id)))).all()]


async def audit_trail(bot: RunningBot, broadcast_id: int) -> list[AuditEvent]:
    async with bot.services.sessions() as session:
        return list((await session.exec(
            select(AuditEvent).where(col(AuditEvent.subject_type) == "broadcast",
                                     col(AuditEvent.subject_id) == str(broadcast_id))
            .order_by(col(AuditEvent.id)))).all())


async def settled(bot: RunningBot) -> None:
    await outbox_settled(bot.services)


def post_in(slack: SlackEmulator, channel: str, broadcast_id: int, place: int
            ) -> dict[str, Any]:
    """The broadcast's post in a Slack channel, as it shows now."""
    message = keyed(slack, channel, post_key(broadcast_id, place))
    assert message is not None, f"no post of broadcast {broadcast_id} in {channel}"
    return message


def thread(slack: SlackEmulator, channel: str, post: dict[str, Any]) -> list[str]:
    """The texts under a post, oldest first."""
    return [blocks_text(m) for m in slack.messages_in(channel) if m.get("thread_ts") == post["ts"]]


def dms(slack: SlackEmulator, user: str) -> list[str]:
    return [blocks_text(m) for m in slack.messages_in(slack.dm_channel(user))]


def marked_up(message: dict[str, Any]) -> str:
    """Every text of a Slack message that Slack reads as mrkdwn (sections, context, and the
    notification text), as one string; plain_text (a header, a button) shows as written."""
    texts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        parts = [block.get("text"), *(block.get("elements") or [])]
        texts += [part["text"] for part in parts
                  if isinstance(part, dict) and part.get("type") == "mrkdwn"]
    return "\n".join(texts)
