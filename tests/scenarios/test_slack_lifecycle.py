"""Slack's lifecycle events, as its documentation shows them (tests/fixtures/slack): every
signed delivery gets a 200; ``app_uninstalled`` and a revoked bot token stop every call to
Slack with that token (the outbox fails its Slack rows with the reason), recorded and logged
once however often Slack delivers them; ``app_rate_limited`` is logged and counted."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.chat.message import Message
from bot.server import BOLT
from bot.slack import access
from bot.slack.access import SlackAccess, SlackAccessGone
from storage.models import Person
from storage.outbox import FAILED, SENT
from storage.slack_access import SlackAccessLoss
from tests.outbox_kit import outbox_rows
from tests.waiting import eventually

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"


def recorded(name: str, **changes: Any) -> dict[str, Any]:
    return {**json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["payload"],
            **changes}


async def post(slack_sender, payload: dict[str, Any]):
    body = json.dumps(payload).encode()
    return await slack_sender.post_raw(body, slack_sender.signed_headers(body,
                                                                         "application/json"))


@pytest.fixture
def settings(make_settings):
    return make_settings(config=lambda raw: raw.update(outbox={
        "poll_seconds": 0.05, "send_rate": {"slack": 200}, "max_attempts": 3}))


async def dm_erin(bot, slack, key: str) -> None:
    """A DM recorded in the outbox, as any flow records one."""
    slack.add_user(id="U0EMPL001", name="erin", email="erin@example.com")
    services = bot.services
    async with services.sessions() as session:
        erin = (await session.exec(select(Person).where(Person.slack_user_id == "U0EMPL001"))
                ).first()
        if erin is None:
            erin = Person(slack_user_id="U0EMPL001", display_name="Erin")
            session.add(erin)
            await session.flush()
        await services.outbox.send_dm(session, erin, Message("pulses/problem",
                                                             {"problem": "closed"}), key=key)
        await session.commit()


async def finished(bot, key: str):
    async def done():
        rows = await outbox_rows(bot.services, key)
        return rows[0] if rows and rows[0].status in (SENT, FAILED) else None
    return await eventually(done)


async def calls_stopped(bot) -> bool:
    """Whether the bot's Slack client refuses calls now (it reads the database each second)."""
    try:
        await bot.app[BOLT].client.access.check()
    except SlackAccessGone:
        return True
    return False


async def refuses(replica: SlackAccess) -> bool:
    try:
        await replica.check()
    except SlackAccessGone:
        return True
    return False


async def losses(bot) -> list[SlackAccessLoss]:
    async with bot.services.sessions() as session:
        return list((await session.exec(select(SlackAccessLoss))).all())


async def test_app_uninstalled_stops_every_call_and_is_logged_once(bot, slack, slack_sender,
                                                                   caplog):
    caplog.set_level(logging.INFO, logger="bot")
    await dm_erin(bot, slack, "t:1:before")
    assert (await finished(bot, "t:1:before")).status == SENT
    posted = len(slack.calls_to("chat.postMessage"))

    first = await post(slack_sender, recorded("app_uninstalled"))
    retry = await post(slack_sender, recorded("app_uninstalled"))
    again = await post(slack_sender, recorded("app_uninstalled", event_id="Ev0AGAIN01"))

    assert (first.status, retry.status, again.status) == (200, 200, 200)
    [loss] = await eventually(lambda: losses(bot))
    assert (loss.team_id, loss.kind) == ("TXXXXXXXX", "uninstalled")
    await eventually(lambda: calls_stopped(bot))
    await dm_erin(bot, slack, "t:2:after")
    after = await finished(bot, "t:2:after")
    assert after.status == FAILED
    assert after.reason == ("unreachable: slack: the app was uninstalled from workspace "
                            "TXXXXXXXX")
    assert len(slack.calls_to("chat.postMessage")) == posted
    assert len([r for r in caplog.records if r.name == "bot.flows.directory.slack_access"
                and "was uninstalled" in r.getMessage()]) == 1


async def test_a_revoked_bot_token_stops_calls_and_a_user_token_does_not(bot, slack,
                                                                        slack_sender):
    people_only = recorded("tokens_revoked", event_id="Ev0OAUTH01")
    people_only["event"] = {"type": "tokens_revoked", "tokens": {"oauth": ["U0EMPL001"]}}

    assert (await post(slack_sender, people_only)).status == 200
    await eventually(lambda: losses(bot))
    assert not await calls_stopped(bot)
    await dm_erin(bot, slack, "t:1:oauth")
    assert (await finished(bot, "t:1:oauth")).status == SENT

    assert (await post(slack_sender, recorded("tokens_revoked"))).status == 200
    await eventually(lambda: _kinds(bot, {("oauth", "U0EMPL001"), ("oauth", "UXXXXXXXX"),
                                          ("bot", "UXXXXXXXX")}))
    await eventually(lambda: calls_stopped(bot))
    await dm_erin(bot, slack, "t:2:bot")
    after = await finished(bot, "t:2:bot")
    assert after.status == FAILED
    assert after.reason == "unreachable: slack: the bot token was revoked in workspace TXXXXXXXX"


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
async def test_the_replica_slack_tells_stops_at_once_and_the_others_read_it(
        bot, slack_sender, monkeypatch, event):
    token = bot.services.settings.secrets.slack_bot_token.get_secret_value()
    other_replica = SlackAccess(bot.services.sessions, token)
    assert not await calls_stopped(bot)
    # From now on the bot's client does not read the database again: only being told counts.
    monkeypatch.setattr(access, "RECHECK_S", 3600.0)

    assert (await post(slack_sender, recorded(event))).status == 200

    await eventually(lambda: calls_stopped(bot))
    # Another replica learns it from the database, once the loss is stored (after the ack).
    await eventually(lambda: _stored(bot))
    await eventually(lambda: refuses(other_replica))
    with pytest.raises(SlackAccessGone, match="workspace TXXXXXXXX"):
        await bot.app[BOLT].client.access.check()


async def _stored(bot) -> bool:
    return bool(await losses(bot))


async def _kinds(bot, expected: set[tuple[str, str]]) -> bool:
    return {(loss.kind, loss.user_id) for loss in await losses(bot)} == expected


async def test_app_rate_limited_and_unknown_events_get_200(bot, slack_sender, caplog):
    caplog.set_level(logging.INFO, logger="bot")

    limited = await post(slack_sender, recorded("app_rate_limited"))
    unknown = await slack_sender.event({"type": "channel_created", "channel": {"id": "C1"}})

    assert (limited.status, unknown.status) == (200, 200)
    assert bot.services.metrics.registry.get_sample_value(
        "touchpoint_slack_rate_limited_total", {"team": "T123456"}) == 1
    assert any("rate limited" in r.getMessage() for r in caplog.records)
    assert await losses(bot) == []
