"""The stage scenes play on: people act through the real protocols, and whatever Touchpoint
shows them (as recorded by the local emulators) is printed in the transcript.

A scene calls `scene()` for its heading, then acts: `slack_command(...)` posts a signed slash
command as Slack would, `teams_message(...)` posts a message activity as Teams would, and each
waits for the answers the script expects, and then until Touchpoint has finished all the
action set off (`_settled`). Everything the bot showed since the previous action is printed
conversation by conversation (see `_reading_order`), so a run prints what any other run does.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bot.demo.cast import CAST, CHANNEL_NAMES, GENERAL, TENANT, Actor
from bot.demo.transcript import (
    Delivery,
    Transcript,
    connector_call_delivery,
    response_url_delivery,
    slack_call_delivery,
)
from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.emulators.teams import BotConnectorEmulator
from bot.emulators.tickets import TicketSender
from bot.handlers.dispatcher import Dispatcher
from bot.intents import Scheduled
from bot.services import Services
from storage import outbox

ANSWER_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_S = 60.0
"""How long a step waits, at most, for Touchpoint to finish what the step set off (a loaded
machine takes seconds). A message due later than this, such as one held for quiet hours, is
not waited for."""
_POLL_S = 0.01
BOT_ACCOUNT = {"id": "28:touchpoint-demo", "name": "Touchpoint"}


class DemoError(Exception):
    """The scripted conversation did not go as written."""


class Stage:
    def __init__(self, transcript: Transcript, bot_url: str, slack: SlackEmulator,
                 sender: SlackSender, connector: BotConnectorEmulator,
                 http: aiohttp.ClientSession, tickets: TicketSender | None = None,
                 services: Services | None = None, dispatcher: Dispatcher | None = None,
                 in_hand: Callable[[], int] | None = None):
        """`in_hand()`: how much work the server has started and not finished (see
        `bot.demo.run`); a step waits for it to be none."""
        self.transcript = transcript
        self._in_hand = in_hand
        self._dispatcher = dispatcher
        self._services = services
        self.tickets = tickets
        self.slack = slack
        self.sender = sender
        self.connector = connector
        self._http = http
        self._activities_url = bot_url.rstrip("/") + "/api/messages"
        self._activity_ids = itertools.count(1)
        self._names: dict[str, str] = dict(CHANNEL_NAMES)
        for actor in CAST:
            if actor.slack_id:
                self._names[actor.slack_id] = actor.name
                self._names[slack.dm_channel(actor.slack_id)] = actor.name
            if actor.teams_id:
                self._names[actor.teams_chat] = actor.name
        self._seen = (0, 0, 0)

    def joins(self, actor: Actor) -> None:
        """`actor` joins the Slack workspace now; the directory learns of them when they first
        use Touchpoint."""
        assert actor.slack_id is not None, f"{actor.name} is not on Slack"
        self.slack.add_user(**actor.slack_user())
        self._names[actor.slack_id] = actor.name
        self._names[self.slack.dm_channel(actor.slack_id)] = actor.name

    def scene(self, template: str, **context: Any) -> None:
        self.transcript.scene(template, **context)

    async def slack_command(self, actor: Actor, command: str, text: str = "", *,
                            answers: int = 1, answer_last: bool = False) -> None:
        """`actor` types a slash command in #general; show the `answers` the bot gives.

        `answer_last`: show the private answer to `actor` after the other answers. The bot
        answers at once and the outbox sends the rest a moment later, but the answer reads
        best as the last word of the step ("...and on the kudos wall")."""
        assert actor.slack_id is not None, f"{actor.name} is not on Slack"
        typed = f"{command} {text}".strip()
        self.transcript.says(actor.name, "slack", typed)
        reply = await self.sender.command(command, self._escaped(text), user_id=actor.slack_id,
                                          channel_id=GENERAL, user_name=actor.name.lower())
        if reply.status != 200:
            raise DemoError(f"{typed} got HTTP {reply.status} instead of 200")
        await self._show(actor, GENERAL, answers, answer_last=answer_last)

    def last_with_button(self, channel: str, action_id: str) -> dict[str, Any]:
        """The newest message in a Slack channel (or DM) carrying the button `action_id`."""
        for message in reversed(self.slack.messages_in(channel)):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("action_id") == action_id:
                        return {**message, "button": element}
        raise DemoError(f"no {action_id} button in {self._names.get(channel, channel)}")

    async def slack_click(self, actor: Actor, action_id: str, channel: str, *,
                          answers: int = 1, say_where: bool = False) -> None:
        """`actor` clicks the button `action_id` on the newest message in `channel` carrying it;
        show the answers. `say_where` narrates the channel too, for a click away from the
        conversation the reader is following."""
        assert actor.slack_id is not None, f"{actor.name} is not on Slack"
        message = self.last_with_button(channel, action_id)
        label = message["button"]["text"]["text"]
        if say_where:
            self.transcript.presses(actor.name, label, self._names.get(channel, channel))
        else:
            self.transcript.says(actor.name, "slack", f"[ {label} ]")
        reply = await self.sender.click(action_id, message["button"].get("value", ""),
                                        user_id=actor.slack_id, channel_id=channel,
                                        message_ts=message["ts"])
        if reply.status != 200:
            raise DemoError(f"clicking {label} got HTTP {reply.status} instead of 200")
        await self._show(actor, channel, answers)

    async def slack_submit(self, actor: Actor, values: dict[str, str], *,
                           answers: int = 1, answer_last: bool = False) -> None:
        """`actor` fills in the form last opened for them (each field by its block id; a
        choice by its option's value) and submits it; `answer_last` as for `slack_command`."""
        assert actor.slack_id is not None, f"{actor.name} is not on Slack"
        opened = [call for call in self.slack.calls_to("views.open") if not call.faulted]
        if not opened:
            raise DemoError(f"no form is open for {actor.name}")
        view = opened[-1].args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        texts: dict[str, str] = {}
        choices: dict[str, str] = {}
        several: dict[str, dict[str, list[str]]] = {"multi_static_select": {},
                                                     "checkboxes": {}}
        radios: dict[str, str | None] = {}
        shown = []
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                continue
            name, element = block["block_id"], block["element"]
            if element["type"] in several:
                # Several values, comma-separated in `values` (a box ticked: its value);
                # those picked already when not given.
                initial = ",".join(o["value"] for o in element.get("initial_options") or [])
                picked_values = [v for v in values.get(name, initial).split(",") if v]
                several[element["type"]][name] = picked_values
                typed = ", ".join(o["text"]["text"] for o in element["options"]
                                  if o["value"] in picked_values)
            elif element["type"] in ("static_select", "radio_buttons"):
                value = values.get(name) or (element.get("initial_option") or {}).get("value")
                if element["type"] == "radio_buttons":
                    radios[name] = value or None
                else:
                    choices[name] = value or ""
                picked = [o["text"]["text"] for o in element["options"] if o["value"] == value]
                typed = picked[0] if picked else ""
            else:
                typed = values.get(name, element.get("initial_value", ""))
                texts[name] = typed
            if typed:
                shown.append(f"{block['label']['text']} {typed}")
        self.transcript.says(actor.name, "slack",
                             " · ".join(shown) + f" [ {view['submit']['text']} ]")
        reply = await self.sender.submit(
            view["callback_id"], texts, user_id=actor.slack_id, selects=choices, radios=radios,
            multi_selects=several["multi_static_select"], checkboxes=several["checkboxes"],
            private_metadata=view.get("private_metadata", ""),
            view_id=f"V0DEMO{next(self._activity_ids):04d}")
        if reply.status != 200 or reply.text:
            raise DemoError(f"the {view['callback_id']} form was not accepted: {reply.text}")
        await self._show(actor, GENERAL, answers, answer_last=answer_last)

    def _escaped(self, text: str) -> str:
        """The text as Slack sends it: &, < and > escaped, and ``@Tom`` as a mention of a cast
        member (the form of commands with should_escape)."""
        text = html.escape(text, quote=False)
        for actor in CAST:
            if actor.slack_id:
                text = text.replace(f"@{actor.name}", f"<@{actor.slack_id}|{actor.name.lower()}>")
        return text

    async def desk_event(self, actor: Actor, event: dict[str, Any], *,
                         answers: int = 1) -> None:
        """The service desk posts a signed ticket `event` to the webhook; show the `answers`
        the bot gives (to `actor`, the person the event concerns)."""
        assert self.tickets is not None, "this stage has no service desk"
        self.transcript.desk(str(event.get("id", "")), str(event.get("status", "")))
        reply = await self.tickets.send(event)
        if reply.status != 200:
            raise DemoError(f"ticket event got HTTP {reply.status} instead of 200: {reply.text}")
        await self._show(actor, GENERAL, answers)

    async def scheduled_run(self, job: str, actor: Actor, channel: str, *,
                            answers: int = 1, at: datetime | None = None) -> None:
        """The scheduler runs `job` now (or for the fire time `at`), as a replica does once it
        has claimed a run; show the `answers` it posts in `channel` (as `actor` sees them)."""
        assert self._dispatcher is not None, "this stage has no dispatcher"
        self.transcript.scheduled(job)
        await self._dispatcher.run(Scheduled(job, at or datetime.now(UTC)))
        await self._show(actor, channel, answers)

    async def teams_message(self, actor: Actor, text: str, *, answers: int = 1) -> None:
        """`actor` writes to Touchpoint in their personal Teams chat; show the answers."""
        assert actor.teams_id is not None, f"{actor.name} is not on Teams"
        self.transcript.says(actor.name, "teams", text)
        activity = {
            "type": "message",
            "id": f"{1_700_000_000_000 + next(self._activity_ids)}",
            "timestamp": datetime.now(UTC).isoformat(),
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": actor.teams_account, "name": actor.full_name,
                     "aadObjectId": actor.teams_id},
            "conversation": {"id": actor.teams_chat, "conversationType": "personal",
                             "tenantId": TENANT},
            "recipient": BOT_ACCOUNT,
            "text": text,
            "textFormat": "plain",
            "locale": "en-GB",
            "channelData": {"tenant": {"id": TENANT}},
        }
        async with self._http.post(self._activities_url, json=activity) as response:
            if response.status >= 300:
                raise DemoError(f"Teams message {text!r} got HTTP {response.status}")
        await self._show(actor, actor.teams_chat, answers)

    async def _show(self, actor: Actor, channel: str, expected: int, *,
                    answer_last: bool = False) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANSWER_TIMEOUT_S
        while len(found := self._new_deliveries(actor, channel)) < expected:
            if loop.time() > deadline:
                raise DemoError(f"expected {expected} answer(s) to {actor.name} within "
                                f"{ANSWER_TIMEOUT_S:.0f}s, saw {len(found)}")
            await asyncio.sleep(_POLL_S)
        await self._settled()
        found = self._new_deliveries(actor, channel)
        self._seen = (len(self.slack.responses), len(self.slack.calls),
                      len(self.connector.calls))
        ordered = _reading_order(found)
        if answer_last:
            ordered.sort(key=lambda delivery: delivery.heading == "private")
        for delivery in ordered:
            self.transcript.shows(delivery)

    async def _settled(self) -> None:
        """Wait until Touchpoint has finished all the step set off: no acknowledged work, turn
        or background work left in hand, and no message due in the outbox. Then what a step
        caused is shown under it, however slow the machine, and what the next step reads
        (a count of answers, say) includes it. (Waiting for the outbox alone, as the demo once
        did, let a button's work that had not started yet, or its change in the bulk lane, be
        shown under the next step or under this one, depending on timing.)"""
        if self._services is None or self._in_hand is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT_S
        while True:
            # Work in hand first: a turn records its messages before it ends, so once none is
            # running, the outbox holds all they will send.
            if not self._in_hand():
                async with self._services.sessions() as session:
                    due = await outbox.due_unfinished(
                        session, datetime.now(UTC) + timedelta(seconds=SETTLE_TIMEOUT_S))
                    await session.commit()
                if not due and not self._in_hand():
                    return
            if loop.time() > deadline:
                raise DemoError(f"Touchpoint was still busy {SETTLE_TIMEOUT_S:.0f}s after a "
                                "step")
            await asyncio.sleep(_POLL_S)

    def _new_deliveries(self, actor: Actor, channel: str) -> list[tuple[float, Delivery]]:
        responses, slack_calls, connector_calls = self._seen
        found = [(post.at, response_url_delivery(post.body, actor.name, channel, self._names))
                 for post in self.slack.responses[responses:]]
        for call in self.slack.calls[slack_calls:]:
            delivery = slack_call_delivery(call.method, call.args, actor.name, self._names)
            if delivery is not None and not call.faulted:
                found.append((call.at, delivery))
        for teams_call in self.connector.calls[connector_calls:]:
            delivery = connector_call_delivery(teams_call.method, teams_call.conversation_id,
                                               teams_call.body, self._names)
            if delivery is not None and not teams_call.faulted:
                found.append((teams_call.at, delivery))
        return sorted(found, key=lambda item: item[0])


def _reading_order(found: list[tuple[float, Delivery]]) -> list[Delivery]:
    """One step's deliveries conversation by conversation, in the order each was first written
    to, and within one, new messages before changes to earlier ones. The outbox sends a step's
    messages side by side, so the order they reach Slack or Teams within a step (a change to
    an earlier message needs no look-up, a reply in a thread waits for its parent's) is not an
    order a reader should see change from run to run."""
    def conversation(delivery: Delivery) -> tuple[str, ...]:
        kind = {"updated_direct": "direct", "updated": "channel", "thread": "channel"}.get(
            delivery.heading, delivery.heading)
        return (kind, *delivery.context.values())

    first: dict[tuple[str, ...], int] = {}
    for index, (_at, delivery) in enumerate(found):
        first.setdefault(conversation(delivery), index)
    order = sorted(range(len(found)), key=lambda index: (
        first[conversation(found[index][1])], found[index][1].heading.startswith("updated"),
        index))
    return [found[index][1] for index in order]
