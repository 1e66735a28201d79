"""Teams dev mode (no app id, nothing authenticated) answers only activities whose serviceUrl
is on loopback, where the local emulators run: another address is refused with 400 and a
warning, and the bot neither stores it nor calls it, so nobody can make it post elsewhere.
With an app id, the signed token vouches for the service URL instead (test_teams_auth)."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from storage.models import ConversationRef
from tests.scenarios.test_help_teams import message, post, seed_erin

FOREIGN = [
    "https://smba.trafficmanager.net/amer/",
    "http://10.0.0.7:8080/",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1@attacker.example/",
    "http://localhost.attacker.example/",
    "http://[::ffff:10.0.0.7]/",
]


@pytest.mark.parametrize("service_url", FOREIGN)
async def test_dev_mode_refuses_a_service_url_off_loopback(bot, connector, caplog,
                                                            service_url):
    seed_erin(connector)
    caplog.set_level(logging.INFO)

    status, text = await post(bot.url, message(connector, "help")
                              | {"serviceUrl": service_url})

    assert (status, text) == (400, "Teams dev mode answers only loopback service URLs\n")
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "dev mode" in warning.getMessage() and "loopback" in warning.getMessage()
    async with bot.services.sessions() as session:
        assert (await session.exec(select(ConversationRef))).all() == []
    assert connector.calls == []


async def test_dev_mode_answers_at_localhost_and_loopback_addresses(bot, connector):
    seed_erin(connector)
    port = connector.url.rsplit(":", 1)[1].strip("/")

    for n, service_url in enumerate((f"http://localhost:{port}/", connector.url)):
        status, _ = await post(bot.url, message(connector, "help", id=f"17000000005{n:02d}")
                               | {"serviceUrl": service_url})
        assert status == 201
        await connector.wait_for("send", n + 1)
