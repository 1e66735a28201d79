"""What the improvement-plan scenarios share, in English and in German: the bot on a Wednesday
clock without its scheduler, the plan items stored, the private answer to a `/touchpoint`
command, the Slack form submitted, and on Teams a bot where Erin is an IT lead, her `plan add`
form card and a way to submit it.

The fixtures are taken into a test module by name, e.g.
``bot_options, clock = plans_kit.bot_options, plans_kit.clock``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.flows.plans import ids
from bot.server import create_app
from storage.plans import PlanItem
from tests.clock import Clock
from tests.conftest import RunningBot, start_bot
from tests.scenarios.complaints_kit import LEE, TOM, blocks_text
from tests.scenarios.test_help_teams import PERSONAL, card_of, message, post, seed_erin

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

# A valid Teams form for Erin's `plan add nps`: she owns it, by her email typed in any case.
VALID_NPS = {ids.FIGURE: "nps", ids.CHANGE: "Ask *every* detractor back within a week",
             ids.OWNER: "", ids.OWNER_EMAIL: "Erin@Example.com", ids.DUE: "2027-01-15"}


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY)


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    return {"clock": clock, "scheduler": False}


def erin_leads(connector) -> Callable[[dict[str, Any]], None]:
    """app.yaml with Teams, where Erin (erin@example.com) is an IT lead beside Lee on Slack."""
    def config(raw: dict[str, Any]) -> None:
        raw["teams"] = {"service_url": connector.url}
        raw["roles"]["it_lead"]["emails"] = ["erin@example.com"]
    return config


@pytest.fixture
def teams_settings(make_settings, connector):
    return make_settings(config=erin_leads(connector))


@pytest.fixture
async def teams_bot(teams_settings, bot_options):
    runner, running = await start_bot(create_app(teams_settings, **bot_options))
    yield running
    await runner.cleanup()


async def items(bot: RunningBot) -> list[PlanItem]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(PlanItem).order_by(col(PlanItem.id)))).all())


async def count(bot: RunningBot, n: int) -> bool:
    return len(await items(bot)) == n


async def true(value: bool) -> bool:
    """`value` as the awaitable `eventually` waits on."""
    return value


async def answer(slack, sender, user: str, text: str) -> str:
    """What the bot answered privately to ``/touchpoint <text>`` from `user`."""
    slack.clear()
    await sender.command("/touchpoint", text, user_id=user)
    [reply] = await slack.wait_for_response(1)
    return blocks_text(reply.body)


async def submit(sender, user: str = LEE, *, view_id: str = "V0PLAN001",
                 change: str = "Callback within 2 hours for every <!channel> complaint",
                 owner: list[str] | None = None, email: str = "", due: str = "2026-12-10",
                 figure: str = "csat"):
    """The Slack plan form submitted by `user`; by default a valid one Tom owns."""
    return await sender.submit(
        ids.FORM, {ids.CHANGE: change, ids.OWNER: owner if owner is not None else [TOM],
                   ids.OWNER_EMAIL: email, ids.DUE: due},
        user_id=user, view_id=view_id, selects={ids.FIGURE: figure})


async def teams_form(bot: RunningBot, connector, figure: str
                     ) -> tuple[dict, Callable[[dict, str], Awaitable[Any]]]:
    """Erin's ``plan add <figure>`` in her Teams chat: the form card the bot sent, and a way to
    submit the card with some values (as the activity with the given id)."""
    seed_erin(connector)
    await post(bot.url, message(connector, f"plan add {figure}"))
    [sent] = await connector.wait_for("send")
    card_id = connector.activities_in(PERSONAL)[-1]["id"]

    async def submit_card(values: dict, activity_id: str) -> Any:
        return await post(bot.url, message(
            connector, None, id=activity_id, replyToId=card_id,
            value={"callback_id": ids.FORM, "metadata": "", **values}))

    return card_of(sent), submit_card
