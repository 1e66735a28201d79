"""Shared steps of the broadcast scenarios: the bot with status channels on Slack and Teams
(and a service with a channel of its own), opening and changing broadcasts through the real
Slack protocol and through Teams' cards (Tom in his chat and in the status channel), and
reading back what the emulators recorded."""

from __future__ import annotations

import itertools
import json
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
from tests.scenarios.complaints_kit import (
    blocks_text,
    bot_options,
    button_ids,
    clock,
    inputs_of,
    keyed,
    opened_view,
)
from tests.scenarios.test_help_teams import TENANT, message, post

STATUS, NETSTAT = "C0STATUS1", "C0NETSTAT"
TEAMS_STATUS, TEAMS_NETSTAT = "19:status@thread.tacv2", "19:netstat@thread.tacv2"
ERIN, TOM, LEE = "U0EMPL001", "U0TECH001", "U0LEAD001"
SERVICES = ["Service desk", "Email and calendar", "Network and Wi-Fi", "Other"]
NETWORK = "2"
"""The Network service's value in the form: its place in the catalogue."""
TEAMS_TOM = {"id": "29:1tom-teams", "name": "Tom Tech",
             "aadObjectId": "70a00000-0000-4000-8000-00000000000a"}
"""Tom (IT staff) as Teams knows him; `TOM_CHAT` is his 1:1 chat with Touchpoint."""
TOM_CHAT = "a:1tom-personal-chat"

__all__ = ["blocks_text", "bot_options", "button_ids", "clock", "inputs_of", "opened_view"]
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


def tom_on_teams(connector) -> None:
    """Tom is a member of his chat with Touchpoint and of the Teams status channel."""
    for conversation in (TOM_CHAT, TEAMS_STATUS):
        connector.add_member(conversation, id=TEAMS_TOM["id"], name=TEAMS_TOM["name"],
                             aad_object_id=TEAMS_TOM["aadObjectId"],
                             email="tech1@example.com", tenant_id=TENANT)


def teams_opening(message: str, services: str = NETWORK) -> dict[str, str]:
    """What the Teams opening form card submits: the incident "VPN is down", an outage of
    `services`, saying `message`, with no notification."""
    return {"callback_id": ids.OPEN_FORM, "metadata": "", ids.KIND: "incident",
            ids.TITLE: "VPN is down", ids.SERVICES: services, ids.IMPACT: "outage",
            ids.STATUS: "", ids.MESSAGE: message, ids.WINDOW_START: "", ids.WINDOW_END: "",
            ids.NOTIFY: "no"}


async def on_teams_card(bot: RunningBot, connector, conversation: str, activity_id: str,
                        reply_to: str, value: dict[str, Any],
                        sender: dict[str, Any] = TEAMS_TOM) -> int:
    """A press or a submit on a card in `conversation` (Tom's chat, or a status channel), by
    Tom unless `sender` is given; returns the status Touchpoint answers."""
    channel = {"kind": "channel"} if conversation.startswith("19:") else {}
    status, _ = await post(bot.url, message(connector, None, conversation=conversation,
                                            sender=sender, id=activity_id,
                                            replyToId=reply_to, value=value, **channel))
    return status


def said_on_teams(connector, words: str) -> bool:
    """Whether Touchpoint has sent, replied or updated anything on Teams with `words`."""
    return any(words in json.dumps(c.body, ensure_ascii=False)
               for kind in ("send", "reply", "update") for c in connector.calls_of(kind))


def teams_buttons(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The Action.Submit data of the buttons on a Teams card as the channel holds it."""
    [attachment] = activity["attachments"]
    return [action["data"] for row in attachment["content"]["body"]
            if row["type"] == "ActionSet" for action in row["actions"]]
