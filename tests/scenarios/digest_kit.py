"""What the digest scenarios share, in English and in German: the app.yaml (a Slack and a Teams
digest channel, two services, a weekly digest with an SLA target, image links on), the bot on a
clock at the data set's `NOW` without its scheduler, the data set seeded, the slot the weekly
digest runs for and the digest posted for it, and an IT lead's and an employee's
`/touchpoint digest` look at the week so far.

The fixtures are taken into a test module by name, e.g.
``bot_options, clock = digest_kit.bot_options, digest_kit.clock``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tests import digest_data
from tests.clock import Clock
from tests.outbox_kit import outbox_settled

TEAMS_CHANNEL = "19:digests@thread.tacv2"
IMAGE_ENV = {"TOUCHPOINT_PUBLIC_URL": "https://touchpoint.example.com",
             "TOUCHPOINT_IMAGE_KEY": "k3y-for-the-image-links-in-tests-0123456789"}


@pytest.fixture
def clock() -> Clock:
    return Clock(digest_data.NOW)


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    return {"clock": clock, "scheduler": False}


def configure(connector, locale: str | None = None) -> Callable[[dict], None]:
    """The digest's app.yaml, the organisation's language `locale` when one is given."""
    def change(raw: dict) -> None:
        if locale:
            raw["organisation"]["locale"] = locale
        raw["teams"] = {"service_url": connector.url}
        raw["channels"]["digests"] = {"slack": "C0DIGEST1", "teams": TEAMS_CHANNEL}
        raw["services"] = [{"name": "Email and calendar"}, {"name": "Laptops and devices"}]
        raw["digests"] = [{"name": "weekly", "targets": {"sla": {"P1": 95}}}]
    return change


def slot(bot) -> datetime:
    """The weekly digest's run after week 2026-W48: Monday 30 November, 09:00."""
    return datetime(2026, 11, 30, 9, 0, tzinfo=bot.services.settings.app.organisation.zone)


async def seeded(bot) -> None:
    async with bot.services.sessions() as session:
        await digest_data.seed(session)


async def posted_weekly(bot, slack) -> tuple[dict[str, Any], str]:
    """The weekly digest run for `slot` on the seeded data, sent on both platforms: the Slack
    post, and the text of its blocks."""
    await seeded(bot)
    await bot.run_job("digest.weekly", slot(bot))

    rows = await outbox_settled(bot.services, "digest:")
    assert sorted((row.platform, row.status) for row in rows) == [("slack", "sent"),
                                                                  ("teams", "sent")]
    [posted] = slack.messages_in("C0DIGEST1")
    return posted, " ".join(block["text"]["text"] for block in posted["blocks"]
                            if "text" in block)


async def week_so_far(bot, slack, slack_sender, clock) -> tuple[Any, Any]:
    """On Friday of the week, the IT lead's and then an employee's `/touchpoint digest`: the
    private answer each got."""
    await seeded(bot)
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=digest_data.NOW.tzinfo))
    # A whole week's digest is composed before each answer: slower than a reply on a busy
    # machine, and well inside the half hour a response_url is good for.
    await slack_sender.command("/touchpoint", "digest", user_id="U0LEAD001")
    [lead] = await slack.wait_for_response(1, timeout=20)
    await slack_sender.command("/touchpoint", "digest", user_id="U0EMPL001")
    employee = (await slack.wait_for_response(2, timeout=20))[1]
    return lead, employee
