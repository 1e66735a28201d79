"""What the project review scenarios share: the people (Lee, the IT lead, creates; Tom, IT
staff, owns; Erin and a Finance colleague are the stakeholders; the other Finance people are
the end users), the project form and conditions submitted over signed Slack requests, and
the results read back from the DMs the Slack emulator received."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.emulators.requests import SlackSender
from bot.emulators.slack import SlackEmulator
from tests.conftest import RunningBot
from tests.outbox_kit import move_clock
from tests.scenarios.pulse_kit import FINANCE, buttons, dm, latest_in, text_of
from tests.waiting import eventually

LEAD, OWNER, ERIN = "U0LEAD001", "U0TECH001", "U0EMPL001"
STAKEHOLDERS = [ERIN, FINANCE[0]]
END_USERS = FINANCE[1:]
CLOSE_DAY = "2026-12-10"
CLOSES = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
TYPED = "Invoices post <!channel> *nightly* <https://evil.example|here>"


async def answer_of(sender: SlackSender, slack: SlackEmulator, user_id: str,
                    text: str) -> str:
    """The private answer to ``/touchpoint TEXT`` typed by `user_id`."""
    slack.clear()
    reply = await sender.command("/touchpoint", text, user_id=user_id)
    assert reply.status == 200
    [answer] = await slack.wait_for_response(1)
    return answer_text(answer.body)


def answer_text(body: dict[str, Any]) -> str:
    return text_of(body) or body.get("text", "")


async def press(sender: SlackSender, slack: SlackEmulator, user_id: str, action_id: str,
                message: dict[str, Any] | None = None) -> None:
    message = message or latest_in(slack, user_id)
    reply = await sender.click(action_id, buttons(message)[action_id], user_id=user_id,
                               channel_id=dm(user_id), message_ts=message["ts"])
    assert reply.status == 200


async def opened_view(slack: SlackEmulator, before: int) -> dict[str, Any]:
    opened = await eventually(lambda: slack.calls_to("views.open")[before:])
    return opened[0].args["view"]


async def create_project(sender: SlackSender, slack: SlackEmulator, name: str) -> None:
    """Lee creates project `name` through its form; Tom is asked for the conditions."""
    slack.clear()
    reply = await sender.command("/touchpoint", f"project create {name}", user_id=LEAD)
    assert reply.status == 200
    view = await opened_view(slack, 0)
    assert view["callback_id"] == "project.create"
    reply = await sender.submit("project.create", {
        "owner": [OWNER], "stakeholders": STAKEHOLDERS, "closes": CLOSE_DAY},
        user_id=LEAD, private_metadata=view["private_metadata"],
        selects={"audience": "department=Finance"})
    assert reply.status == 200
    await eventually(lambda: "project.conditions" in newest_buttons(slack, OWNER))


def newest_buttons(slack: SlackEmulator, user_id: str) -> dict[str, str]:
    """The buttons of the newest DM to `user_id`; none before there is one."""
    return buttons(latest_in(slack, user_id)) if slack.messages_in(dm(user_id)) else {}


async def record_conditions(sender: SlackSender, slack: SlackEmulator,
                            texts: dict[str, str]) -> None:
    before = len(slack.calls_to("views.open"))
    await press(sender, slack, OWNER, "project.conditions")
    view = await opened_view(slack, before)
    assert view["callback_id"] == "project.conditions.form"
    slack.clear()
    reply = await sender.submit("project.conditions.form", texts, user_id=OWNER,
                                private_metadata=view["private_metadata"])
    assert reply.status == 200
    await answered(slack)


async def answered(slack: SlackEmulator) -> str:
    """The private answer to a button (through its response_url) or a form (an ephemeral
    message); call `slack.clear()` before what it answers."""
    said = await eventually(lambda: [call.args for call in slack.calls_to("chat.postEphemeral")]
                            + [post.body for post in slack.responses])
    return answer_text(said[0])


async def run_tick(bot: RunningBot, clock, when: datetime) -> None:
    await move_clock(bot.services, clock, when)
    await bot.run_job("projects.tick", when)
