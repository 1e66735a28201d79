"""A crash in the middle of a fan-out: `touchpoint run` is killed with SIGKILL while it sends
a pulse, started again, and in the end every person has exactly one pulse DM, on SQLite and
on PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.emulators.slack import SlackEmulator
from bot.flows.pulses.campaigns import CampaignSpec, create_campaign, open_due_campaigns
from bot.server import SERVICES, create_app
from tests.scenarios.pulse_kit import deliveries, sync
from tests.scenarios.test_pulse_cli import operator_env
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [f"U0CR{n:05d}" for n in range(240)]
RATE = 40
"""Messages per second, what the bot paces at and the emulator allows: a fan-out of a few
seconds, long enough to be killed in the middle."""


def configure(raw: dict) -> None:
    raw["outbox"] = {"poll_seconds": 0.1, "lease_seconds": 6, "send_rate": {"slack": RATE}}


def pulse_messages(slack: SlackEmulator, user_id: str) -> list[dict]:
    return [m for m in slack.messages_in(SlackEmulator.dm_channel(user_id))
            if m.get("metadata", {}).get("event_type") == "touchpoint_delivery"]


async def start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", "0",
        "--log-level", "warning", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def killed_mid_fan_out(env: dict[str, str], slack: SlackEmulator, recipients: int
                             ) -> asyncio.subprocess.Process:
    """`touchpoint run` in `env`, killed with SIGKILL once a third of the fan-out to
    `recipients` people is posted; the dead process."""
    first = await start(env)
    try:
        await eventually(lambda: len(slack.calls_to("chat.postMessage")) >= recipients // 3,
                         within_s=60)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    return first


async def test_kill_9_mid_fan_out_then_restart_sends_each_dm_exactly_once(
        make_settings, slack, cli_env, database_url):
    for user_id in PEOPLE:
        slack.add_user(id=user_id, name=user_id.lower(), tz="UTC")
    slack.rate_limit("chat.postMessage", RATE, burst=5, per_channel=False)
    settings = make_settings(config=configure, env={"TOUCHPOINT_TEAMS_DEV_MODE": None})
    services = create_app(settings, scheduler=False)[SERVICES]
    await sync(services)
    # Sent to everyone as it opens, whatever their zone: all due now. (At 00:00 on each
    # person's clock, Lee in New York would wait until 05:00 UTC when run just after midnight.)
    async with services.sessions() as session:
        await create_campaign(session, settings.app, CampaignSpec(
            name="crash", opens_at=datetime.now(UTC), open_days=7, send_time=None,
            reminders=()))
        await session.commit()
    await open_due_campaigns(services)
    everyone = set(PEOPLE) | {"U0EMPL001", "U0TECH001", "U0LEAD001"}
    env = operator_env(settings, slack, cli_env, database_url)

    first = await killed_mid_fan_out(env, slack, len(everyone))
    assert first.returncode == -signal.SIGKILL
    rows = await deliveries(services)
    sent_before = sum(r.status == "sent" for r in rows)
    assert 0 < sent_before < len(everyone), "the kill did not land mid fan-out"
    in_flight = [r for r in rows if r.status == "claimed"]

    second = await start(env)
    try:
        async def all_sent():
            return all(r.status == "sent" for r in await deliveries(services))
        await eventually(all_sent, within_s=60)
    finally:
        second.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(second.communicate(), timeout=30)
    assert second.returncode == 0, err.decode()

    counts = {user_id: len(pulse_messages(slack, user_id)) for user_id in everyone}
    assert {user_id for user_id, n in counts.items() if n != 1} == set()
    rows = await deliveries(services)
    assert len(rows) == len(everyone)
    # The rows the killed process held were taken again after their lease.
    retaken = {r.id for r in rows if r.attempts > 1}
    assert {r.id for r in in_flight} <= retaken
    assert all(r.ref_id for r in rows)
    await services.engine.dispose()
