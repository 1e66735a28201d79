"""The kudos scenarios' kit: an app.yaml with a rewards catalogue, more people in the Slack
emulator (a second technician, an admin, a second employee), a bot whose clock the test
controls, and helpers to send a command, read the private answer it gets, and wait for the
outbox to send what the command recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import func, select

from bot.emulators.slack import SlackEmulator
from storage.kudos import KudosLedger
from storage.models import Person
from tests.clock import Clock
from tests.outbox_kit import move_clock, outbox_settled

EMPLOYEE, TECH, LEAD = "U0EMPL001", "U0TECH001", "U0LEAD001"
TECH2, ADMIN, EMPLOYEE2 = "U0TECH002", "U0ADMN001", "U0EMPL002"
WALL, TRIAGE = "C0KUDOS01", "C0TRIAGE1"
WEDNESDAY_NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def kudos_config(raw: dict[str, Any]) -> None:
    raw["channels"]["triage"] = {"slack": TRIAGE}
    raw["roles"]["it_staff"]["emails"].append("tech2@example.com")
    raw["kudos"] = {
        "weekly_allowance": 5,
        "points_per_voucher": 10,
        "values": ["Above and beyond", "Fast fix"],
        "rewards": [
            {"key": "coffee", "name": "Coffee on IT", "cost": 20, "needs_approval": False},
            {"key": "half-day", "name": "Half a day off", "cost": 30, "stock": 2},
        ],
    }
    raw["outbox"] = {"poll_seconds": 0.05}


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY_NOON)


@pytest.fixture
def config_change():
    """What a test changes in the kudos app.yaml; override to change more."""
    return None


@pytest.fixture
def settings(make_settings, config_change):
    def config(raw: dict[str, Any]) -> None:
        kudos_config(raw)
        if config_change is not None:
            config_change(raw)

    return make_settings(config=config)


@pytest.fixture
async def slack(slack: SlackEmulator, people_locale: str) -> SlackEmulator:
    slack.add_user(TECH2, name="tina.tech", email="tech2@example.com", locale=people_locale)
    slack.add_user(ADMIN, name="ada.admin", email="admin@example.com", locale=people_locale)
    slack.add_user(EMPLOYEE2, name="eve.employee", email="eve@example.com",
                   locale=people_locale)
    return slack


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    """The test's clock, and no scheduler (no directory sync at start-up)."""
    return {"clock": clock, "scheduler": False}


def text_of(body: dict[str, Any]) -> str:
    """Every text of a Block Kit message, one block a line."""
    lines = []
    for block in body.get("blocks") or []:
        if "text" in block:
            lines.append(block["text"]["text"])
        for element in block.get("elements") or []:
            if element.get("type") in ("mrkdwn", "plain_text"):
                lines.append(element["text"])
    return "\n".join(lines)


def buttons_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(element["action_id"], element["value"])
            for block in body.get("blocks") or [] if block["type"] == "actions"
            for element in block["elements"]]


@dataclass
class Kudos:
    """Sends commands as Slack would and reads what Touchpoint answered privately."""

    bot: Any
    slack: SlackEmulator
    sender: Any

    async def command(self, text: str, user: str = EMPLOYEE) -> str:
        """Run ``/kudos text`` and return the private answer's text."""
        before = len(self.slack.responses)
        reply = await self.sender.command("/kudos", text, user_id=user)
        assert reply.status == 200
        answers = await self.slack.wait_for_response(before + 1)
        return text_of(answers[before].body)

    async def sent(self) -> None:
        """Wait until the outbox has sent (or given up on) every kudos message recorded."""
        await outbox_settled(self.bot.services, "kudos:")

    async def at(self, when: datetime) -> None:
        """The bot's clock moved to `when`, once no send is in flight (a day's jump would
        outlast its claim's lease, and the message could go out twice)."""
        await move_clock(self.bot.services, self.bot.services.clock, when)

    async def click(self, action_id: str, value: str, user: str, ts: str) -> None:
        reply = await self.sender.click(action_id, value, user_id=user, channel_id=TRIAGE,
                                        message_ts=ts)
        assert reply.status == 200

    async def person(self, slack_id: str) -> Person:
        async with self.bot.services.sessions() as session:
            found = (await session.exec(select(Person).where(
                Person.slack_user_id == slack_id))).one()
        return found

    async def balance(self, slack_id: str) -> int:
        person = await self.person(slack_id)
        async with self.bot.services.sessions() as session:
            total = await session.exec(select(func.coalesce(func.sum(KudosLedger.points), 0))
                                       .where(KudosLedger.person_id == person.id))
            return int(total.one())

    async def grant(self, slack_id: str, points: int) -> None:
        """Give someone points to spend, as an adjust entry (they are added on first use)."""
        await self.command("balance", user=slack_id)
        person = await self.person(slack_id)
        async with self.bot.services.sessions() as session:
            session.add(KudosLedger(person_id=person.id, kind="adjust", points=points))
            await session.commit()


@pytest.fixture
def kudos(bot, slack, slack_sender) -> Kudos:
    return Kudos(bot, slack, slack_sender)


def mention(user_id: str, name: str) -> str:
    """A mention as Slack sends it in a command with should_escape."""
    return f"<@{user_id}|{name}>"
