"""A crash in the middle of a broadcast's fan-out to its subscribers: `touchpoint run` is
killed with SIGKILL while it sends the DMs, started again, and in the end every subscriber
has exactly one DM for the update and the status channel one post, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import signal

from bot.chat.port import Origin
from bot.flows.broadcasts.forms import Opening
from bot.flows.broadcasts.lifecycle import broadcast_open
from bot.flows.broadcasts.notify import dm_key, post_key
from bot.server import SERVICES, create_app
from storage import broadcasts as store
from storage.directory import find_by_platform_id
from storage.outbox import BULK
from tests.outbox_kit import messages_with_key, outbox_all_sent, outbox_rows
from tests.scenarios.broadcast_kit import STATUS
from tests.scenarios.broadcast_kit import configure as configure_channels
from tests.scenarios.pulse_kit import sync
from tests.scenarios.test_pulse_cli import operator_env
from tests.scenarios.test_pulse_crash import RATE, killed_mid_fan_out, start

PEOPLE = [f"U0BC{n:05d}" for n in range(240)]


async def test_kill_9_mid_fan_out_then_restart_sends_each_dm_exactly_once(
        make_settings, slack, connector, cli_env, database_url):
    for user_id in PEOPLE:
        slack.add_user(id=user_id, name=user_id.lower(), tz="UTC")
    slack.rate_limit("chat.postMessage", RATE, burst=5, per_channel=False)

    def configure(raw: dict) -> None:
        configure_channels(raw, connector.url)
        raw["channels"]["broadcasts"] = [{"slack": STATUS}]
        raw["outbox"] = {"poll_seconds": 0.1, "lease_seconds": 6, "send_rate": {"slack": RATE}}

    settings = make_settings(config=configure, env={"TOUCHPOINT_TEAMS_DEV_MODE": None})
    services = create_app(settings, scheduler=False)[SERVICES]
    await sync(services)
    async with services.sessions() as session:
        ids = []
        for user_id in PEOPLE:
            person = await find_by_platform_id(session, "slack", user_id)
            assert person is not None and person.id is not None
            await store.subscribe(session, person.id, "Email and calendar")
            ids.append(person.id)
        tom = await find_by_platform_id(session, "slack", "U0TECH001")
        assert tom is not None
        await session.commit()
    async with services.sessions() as session:
        await broadcast_open(
            session, services, tom,
            Origin("slack", "U0TECH001", response_url=slack.response_url("opened")),
            Opening("incident", "Mail is slow", ["Email and calendar"], "degraded",
                    "investigating", "Sending takes minutes.", None, None, False),
            "slack:V0CRASH01")
    [broadcast] = [row for row, _owner in await _open(services)]
    env = operator_env(settings, slack, cli_env, database_url)
    prefix = f"broadcast:{broadcast.id}:1:"

    await killed_mid_fan_out(env, slack, len(PEOPLE))
    rows = await outbox_rows(services, prefix)
    sent_before = sum(r.status == "sent" for r in rows)
    assert 0 < sent_before < len(PEOPLE), "the kill did not land mid fan-out"

    second = await start(env)
    try:
        await outbox_all_sent(services, prefix, len(PEOPLE))
    finally:
        second.send_signal(signal.SIGTERM)
        await second.communicate()

    counts = {person_id: len(messages_with_key(slack, dm_key(broadcast.id, 1, person_id)))
              for person_id in ids}
    assert {person_id for person_id, n in counts.items() if n != 1} == set()
    assert len(messages_with_key(slack, post_key(broadcast.id, 0))) == 1
    assert {r.priority for r in rows} == {BULK}  # the fan-out waits behind answers
    await services.engine.dispose()


async def _open(services):
    async with services.sessions() as session:
        return await store.open_broadcasts(session)
