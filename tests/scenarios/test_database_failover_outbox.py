"""The outbox sender through a PostgreSQL failover, played by cutting a TCP proxy in front of
the test's database (tests/tcp_proxy.py) while messages are on their way to Slack.

The sends under way when the database goes cannot record their result; the rows queued
meanwhile cannot get a slot of the shared budget, and their leases run out. Neither is a
traceback or a line per message: the outage is logged once when it begins and once when it
ends (with the failures counted), the lapsed leases in a line or two. Once the database is
back every message is out exactly once: a row claimed again is looked for by its key before
it is sent.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.engine import make_url

from tests.outbox_kit import messages_with_key, outbox_all_sent
from tests.scenarios.test_database_failover import bot_options, database_url, proxy
from tests.scenarios.test_outbox_faults import record_many
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres
__all__ = ["bot_options", "database_url", "proxy"]  # the failover's fixtures, used here too

LEASE_S = 10
OUTAGE_S = 12.0
"""Longer than the lease: the rows claimed before the cut lapse while it lasts."""


@pytest.fixture
def settings(make_settings, database_url: str, proxy: TcpProxy):
    through_proxy = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return make_settings(
        config=lambda raw: raw.update(outbox={"poll_seconds": 0.1, "lease_seconds": LEASE_S}),
        env={"DATABASE_URL": through_proxy.render_as_string(hide_password=False)})


async def test_sends_under_way_when_the_database_goes_are_logged_once_and_sent_once(
        bot, proxy, slack, caplog):
    slack.slow("chat.postMessage", 0.5)  # so that sends are under way at the cut
    with caplog.at_level(logging.INFO):
        keys = await record_many(bot.services, dms=120, posts=0)
        await slack.wait_for("chat.postMessage", 20)
        await proxy.cut()
        await asyncio.sleep(OUTAGE_S)
        await proxy.restore()
        rows = await outbox_all_sent(bot.services, "test:", len(keys), within_s=90)
    records = caplog.records

    assert {r.status for r in rows} == {"sent"}
    assert {key: len(messages_with_key(slack, key)) for key in keys} == dict.fromkeys(keys, 1)
    assert [r.getMessage() for r in records if r.exc_info] == []
    outage = [r.getMessage() for r in records if r.name == "storage.outage"]
    assert len(outage) == 2, outage
    assert outage[0].startswith("database unreachable (OperationalError in the outbox sender")
    assert outage[1].startswith("database reachable again after ")
    assert " failure(s) meanwhile" in outage[1]
    others = [r.getMessage() for r in records
              if r.levelno >= logging.WARNING and r.name != "storage.outage"]
    assert all("had too little of their lease left" in line for line in others), others
    assert len(others) <= 2, others  # a line or two, not one per message queued
