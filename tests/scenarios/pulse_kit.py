"""What the pulse scenarios share: a workspace of people in segments, the running bot's options
(a clock the test moves, the pulse tick run by the test as it moves it), the deliveries as
their schedule and the outbox say together, and ways to read the pulse DMs the Slack emulator
received; the Slack side seeded and synced into the directory with a lead's `pulse create`, and
the Teams side with Ann, who uses only Teams, and her pulse cards' buttons.

The fixtures here are taken into a test module by name, e.g.
``bot_options, clock = pulse_kit.bot_options, pulse_kit.clock``."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from bot.flows.directory.sync import sync_directory
from bot.flows.pulses.campaigns import tick
from bot.services import Services
from storage.pulse_deliveries import delivery_key
from storage.pulses import QUEUED, PulseAnswer, PulseDelivery
from tests.clock import Clock
from tests.conftest import RunningBot
from tests.outbox_kit import move_clock, outbox_rows
from tests.scenarios.test_help_teams import TENANT, message, post
from tests.waiting import eventually

# A Tuesday. London is on UTC in December, New York five hours behind, Tokyo nine ahead.
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FINANCE = [f"U0FIN{n:04d}" for n in range(1, 7)]
SALES = ["U0SAL0001", "U0SAL0002"]
TOKYO = "U0TOKYO01"


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    """The running bot (tests/conftest.py) on the test's clock, without the scheduler: the
    tests move the clock and run the pulse tick (`move_to`), and the outbox sends."""
    return {"clock": clock, "scheduler": False}


async def move_to(services: Services, clock: Clock, when: datetime) -> None:
    """Once the outbox is quiet, set the clock, then run the pulse tick as the scheduler would
    that minute."""
    await move_clock(services, clock, when)
    await tick(services, when)


def seed_people(slack: SlackEmulator, locale: str = "en-US",
                german: Collection[str] = ()) -> None:
    """Besides conftest's Erin (Finance, London), Tom (IT staff) and Lee (IT lead, New York):
    six more in Finance, two in Sales, and one in Tokyo with no segment, their Slack in
    `locale` but for those in `german`, whose Slack is German."""
    for user_id in (*FINANCE, *SALES):
        slack.add_user(id=user_id, name=user_id.lower(), email=f"{user_id.lower()}@example.com",
                       locale="de-DE" if user_id in german else locale)
    slack.add_user(id=TOKYO, name="toshi", email="toshi@example.com", tz="Asia/Tokyo",
                   locale=locale)


def configure(raw: dict[str, Any]) -> None:
    raw["segments"]["department"]["Finance"]["emails"] += [
        f"{user_id.lower()}@example.com" for user_id in FINANCE]
    raw["segments"]["department"]["Sales"] = {
        "emails": [f"{user_id.lower()}@example.com" for user_id in SALES]}
    raw["outbox"] = {"poll_seconds": 0.05, "send_rate": {"slack": 100, "teams": 100}}


SEAL_KEY = {"TOUCHPOINT_SEAL_KEY": "test-seal-key"}
"""The environment of the scenarios whose pulses are confidential (answers sealed)."""


def with_teams(connector, change: Callable[[dict[str, Any]], None] | None = None
               ) -> Callable[[dict[str, Any]], None]:
    """The kit's app.yaml (`configure`) with Teams (the Bot Connector emulator), then the
    test's own `change`."""
    def config(raw: dict[str, Any]) -> None:
        configure(raw)
        raw["teams"] = {"service_url": connector.url}
        if change is not None:
            change(raw)
    return config


EVERYONE = ["U0EMPL001", "U0TECH001", "U0LEAD001", *FINANCE, *SALES, TOKYO]
LONDON = [u for u in EVERYONE if u not in ("U0LEAD001", TOKYO)]


async def sync(services: Services) -> None:
    async with services.sessions() as session:
        await sync_directory(session, services)


def seeded_slack(german: Collection[str] = ()):
    """A `slack` fixture: the Slack emulator with the kit's people (`seed_people`), in their
    `people_locale` or, for those in `german`, in German; a module takes it with
    ``slack = pulse_kit.seeded_slack(german=[...])``."""
    @pytest.fixture
    async def slack(slack: SlackEmulator, people_locale: str) -> SlackEmulator:
        seed_people(slack, people_locale, german)
        return slack
    return slack


slack = seeded_slack()


@pytest.fixture
async def pulse_bot(bot: RunningBot) -> RunningBot:
    """The running bot, with the workspace's people already in its directory."""
    await sync(bot.services)
    return bot


@pytest.fixture
def sender(pulse_bot: RunningBot, slack_sender: SlackSender) -> SlackSender:
    """Signed Slack requests, sent once the directory is synced."""
    return slack_sender


async def start_pulse(sender: SlackSender, slack: SlackEmulator, options: str) -> str:
    """The lead's `/touchpoint pulse create <options>`; returns the private answer's text."""
    slack.clear()  # an earlier answer must not pass for this one
    reply = await sender.command("/touchpoint", f"pulse create {options}", user_id="U0LEAD001")
    assert reply.status == 200
    [answer] = await slack.wait_for_response(1)
    slack.clear()
    return answer.body["blocks"][0]["text"]["text"]


# Ann uses only Teams: the bot reaches her in her 1:1 chat once she has installed the app.
ANN = {"id": "29:1ann-teams-id", "name": "Ann Andersen",
       "aadObjectId": "7a1b2c3d-0000-4000-8000-00000000a001"}
ANN_CHAT = "a:1ann-personal-chat"


def teams_config(connector) -> dict[str, Any]:
    """app.yaml's Teams (the Bot Connector emulator) and a quick outbox."""
    return {"teams": {"service_url": connector.url}, "outbox": {"poll_seconds": 0.05}}


async def ann_installed(bot: RunningBot, connector) -> None:
    """Ann installs the app (here: a first message), which lets the bot message her later."""
    connector.add_member(ANN_CHAT, id=ANN["id"], name=ANN["name"],
                         aad_object_id=ANN["aadObjectId"], email="ann@example.com",
                         tenant_id=TENANT)
    status, _ = await post(bot.url, message(connector, "pulses", conversation=ANN_CHAT,
                                            sender=ANN))
    assert status == 201
    await connector.wait_for("send")
    connector.clear()


def buttons_of(card: dict) -> dict[str, dict]:
    """A Teams pulse card's Action.Submit data, by action id."""
    return {action["data"]["action_id"]: action["data"]
            for block in card["body"] if block["type"] == "ActionSet"
            for action in block["actions"]}


def dm(user_id: str) -> str:
    return SlackEmulator.dm_channel(user_id)


def pulse_dms(slack: SlackEmulator) -> list[tuple[str, dict[str, Any]]]:
    """(channel, message) for every pulse DM posted so far, in order."""
    return [(call.args["channel"], call.args) for call in slack.calls_to("chat.postMessage")
            if str(call.args.get("channel", "")).startswith("U")
            and "metadata" in call.args]


def recipients(slack: SlackEmulator) -> list[str]:
    return sorted(channel for channel, _ in pulse_dms(slack))


def latest_in(slack: SlackEmulator, user_id: str) -> dict[str, Any]:
    """The newest message in the person's DM, as it is now (after any update)."""
    messages = slack.messages_in(dm(user_id))
    assert messages, f"no message to {user_id}"
    return max(messages, key=lambda m: float(m["ts"]))


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {element["action_id"]: element["value"]
            for block in message.get("blocks", []) if block["type"] == "actions"
            for element in block["elements"]}


def text_of(message: dict[str, Any]) -> str:
    parts = []
    for block in message.get("blocks", []):
        if block["type"] in ("section", "header"):
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(element["text"] for element in block["elements"])
    return "\n".join(parts)


@dataclass(frozen=True)
class Delivery:
    """A pulse delivery as its schedule and its outbox row say together."""

    id: int
    campaign_id: int
    person_id: int
    kind: str
    status: str
    reason: str | None
    attempts: int
    due_at: datetime
    answered: bool
    ref_id: str | None


async def deliveries(services: Services) -> list[Delivery]:
    async with services.sessions() as session:
        rows = (await session.exec(select(PulseDelivery)
                                   .order_by(col(PulseDelivery.id)))).all()
        await session.commit()
    sent = {row.key: row for row in await outbox_rows(services, "pulse:")}
    found = []
    for row in rows:
        assert row.id is not None
        out = sent.get(delivery_key(row.campaign_id, row.person_id, row.kind))
        if row.status == QUEUED and out is not None:
            found.append(Delivery(row.id, row.campaign_id, row.person_id, row.kind, out.status,
                                  out.reason, out.attempts, out.due_at, row.answered,
                                  out.ref_id))
        else:
            found.append(Delivery(row.id, row.campaign_id, row.person_id, row.kind, row.status,
                                  row.reason, 0, row.due_at, row.answered, None))
    return found


async def answers(services: Services) -> list[PulseAnswer]:
    async with services.sessions() as session:
        rows = (await session.exec(select(PulseAnswer).order_by(col(PulseAnswer.id)))).all()
        await session.commit()
    return list(rows)


async def settled(services: Services) -> list[Delivery]:
    """The deliveries once nothing due is pending or being sent."""
    async def check():
        rows = await deliveries(services)
        busy = [r for r in rows if r.status == "claimed"
                or (r.status == "pending" and r.due_at <= services.clock())]
        return None if busy else rows
    return await eventually(check)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in December 2026, UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)
