"""A message with an image, end to end on the running bot: posted to a channel on Slack and
Teams, then updated in place on both; Teams' card loads the picture from the signed link
Touchpoint serves (``GET /images/{token}``), from any replica, until the link expires."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlmodel import select

from bot.chat.message import Image, Message
from bot.config import ChannelTarget
from bot.server import SERVICES, create_app
from bot.web.images import LINK_DAYS, ImageLinks
from storage.images import ChatImage
from tests.clock import Clock
from tests.conftest import RunningBot, start_bot
from tests.outbox_kit import outbox_settled
from tests.pngs import bar_chart
from tests.waiting import eventually

PUBLIC = "https://touchpoint.example.com"
IMAGE_KEY = "k3y-for-the-image-links-in-tests-0123456789"
DIGESTS = ChannelTarget(slack="C0DIGEST1", teams="19:digests@thread.tacv2")
HELP = {"usages": ["touchpoint help"], "unknown": None}
CHART = Image(bar_chart(), "CSAT by week: 4.1 rising to 4.6")
NEXT_WEEK = Image(bar_chart((4.2, 4.4, 4.8)), "CSAT by week: 4.2 rising to 4.8")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def image_env() -> dict[str, str | None]:
    return {"TOUCHPOINT_PUBLIC_URL": PUBLIC, "TOUCHPOINT_IMAGE_KEY": IMAGE_KEY}


@pytest.fixture
def settings(make_settings, connector, image_env):
    return make_settings(config=lambda raw: raw.update(teams={"service_url": connector.url}),
                         env=image_env)


@pytest.fixture
def bot_options(clock: Clock) -> dict[str, Any]:
    return {"clock": clock, "scheduler": False}


async def fetch(base: str, link: str) -> tuple[int, bytes, dict[str, str]]:
    """GET the path of a link made for the public address, from the bot at `base`."""
    assert link.startswith(PUBLIC + "/images/")
    async with aiohttp.ClientSession() as http, http.get(
            base + urlsplit(link).path) as response:
        return response.status, await response.read(), dict(response.headers)


def card_image(activity: dict) -> dict | None:
    body = activity["attachments"][0]["content"]["body"]
    return next((element for element in body if element["type"] == "Image"), None)


def slack_image(slack, channel: str, ts: str) -> dict | None:
    blocks = slack.message(channel, ts)["blocks"]
    return next((block for block in blocks if block["type"] == "image"), None)


async def test_an_image_message_is_posted_then_updated_in_place_on_both_platforms(
        bot: RunningBot, slack, connector):
    chat = bot.services.chat

    refs = {ref.platform: ref for ref in await chat.post(
        DIGESTS, Message("help", HELP, image=CHART))}

    # Slack: uploaded as a private file, then shown by an image block in an ordinary post.
    [completed] = slack.calls_to("files.completeUploadExternal")
    assert "channel_id" not in completed.args
    first_file = completed.args["files"][0]["id"]
    assert slack.file(first_file)["data"] == CHART.png
    posted = refs["slack"]
    assert slack_image(slack, posted.channel, posted.message_id) == {
        "type": "image", "slack_file": {"id": first_file}, "alt_text": CHART.alt_text}
    # Teams: the card links the picture, which Touchpoint serves.
    [sent] = connector.calls_of("send")
    image = card_image(sent.body)
    assert image is not None and image["altText"] == CHART.alt_text
    status, png, headers = await fetch(bot.url, image["url"])
    assert (status, png, headers["Content-Type"]) == (200, CHART.png, "image/png")
    assert headers["X-Content-Type-Options"] == "nosniff"

    for ref in refs.values():
        await chat.edit(ref, Message("help", {**HELP, "unknown": "chart"}, image=NEXT_WEEK))

    [update] = slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (posted.channel, posted.message_id)
    second_file = slack.calls_to("files.completeUploadExternal")[1].args["files"][0]["id"]
    assert slack_image(slack, posted.channel, posted.message_id)["slack_file"] == {
        "id": second_file}
    assert len(slack.messages_in("C0DIGEST1")) == 1
    [updated] = connector.calls_of("update")
    assert (updated.conversation_id, updated.activity_id) == (
        refs["teams"].channel, refs["teams"].message_id)
    [shown] = connector.activities_in(refs["teams"].channel)
    new_image = card_image(shown)
    assert new_image is not None and new_image["altText"] == NEXT_WEEK.alt_text
    assert (await fetch(bot.url, new_image["url"]))[:2] == (200, NEXT_WEEK.png)
    # The first link still serves its picture, for anyone who loaded the card before.
    assert (await fetch(bot.url, image["url"]))[:2] == (200, CHART.png)


async def test_an_image_message_goes_through_the_outbox_and_is_edited_by_its_key(
        bot: RunningBot, slack, connector):
    """The way features send images: recorded in a turn's session, sent by the outbox
    sender after the commit, then edited in place by key on both platforms."""
    services = bot.services
    async with services.sessions() as session:
        await services.outbox.post(session, DIGESTS, Message("help", HELP, image=CHART),
                                   key="digest:test:leads")
        await session.commit()
    rows = await outbox_settled(services, "digest:")
    assert sorted((row.platform, row.status) for row in rows) == [("slack", "sent"),
                                                                  ("teams", "sent")]
    [posted] = slack.messages_in("C0DIGEST1")
    first_file = slack.calls_to("files.completeUploadExternal")[0].args["files"][0]["id"]
    assert slack_image(slack, "C0DIGEST1", posted["ts"])["slack_file"] == {"id": first_file}
    assert posted["metadata"]["event_payload"]["key"] == "digest:test:leads"
    [sent] = connector.calls_of("send")
    assert card_image(sent.body)["altText"] == CHART.alt_text

    async with services.sessions() as session:
        await services.outbox.edit(session, "digest:test:leads",
                                   Message("help", {**HELP, "unknown": "chart"}, image=NEXT_WEEK))
        await session.commit()
    await eventually(lambda: slack.calls_to("chat.update") and connector.calls_of("update"))
    second_file = slack.calls_to("files.completeUploadExternal")[1].args["files"][0]["id"]
    assert slack_image(slack, "C0DIGEST1", posted["ts"])["slack_file"] == {"id": second_file}
    assert len(slack.messages_in("C0DIGEST1")) == 1
    [shown] = connector.activities_in(sent.conversation_id)
    assert card_image(shown)["altText"] == NEXT_WEEK.alt_text
    assert (await fetch(bot.url, card_image(shown)["url"]))[:2] == (200, NEXT_WEEK.png)


async def test_a_link_serves_from_any_replica_until_it_expires(bot: RunningBot, settings,
                                                                clock, connector):
    await bot.services.chat.post(DIGESTS, Message("help", HELP, image=CHART))
    link = card_image(connector.calls_of("send")[0].body)["url"]
    runner, replica = await start_bot(create_app(settings, clock=clock, scheduler=False))
    try:
        status, png, headers = await fetch(replica.url, link)
        assert (status, png) == (200, CHART.png)
        assert headers["Cache-Control"] == (
            f"public, max-age={LINK_DAYS * 86400}, immutable")

        token = urlsplit(link).path.rsplit("/", 1)[1]
        digest, expires, mac = token.split(".")
        for forged in (f"{digest}.{int(expires) + 86400}.{mac}",  # a longer life
                       f"{'0' * 64}.{expires}.{mac}",  # another picture
                       f"{digest}.{expires}.{mac[:-2]}AA", "x", "a.b.c", "." * 3):
            assert (await fetch(replica.url, f"{PUBLIC}/images/{forged}"))[0] == 404

        clock.advance(days=LINK_DAYS, seconds=-1)
        assert (await fetch(bot.url, link))[0] == 200
        clock.advance(seconds=1)
        assert (await fetch(bot.url, link))[0] == 404
    finally:
        await runner.cleanup()

    # The next picture published forgets the ones no link can fetch any more.
    await bot.services.chat.post(DIGESTS, Message("help", HELP, image=NEXT_WEEK))
    async with bot.services.sessions() as session:
        kept = (await session.exec(select(ChatImage.digest))).all()
    assert kept == [NEXT_WEEK.digest]


async def test_a_link_signed_with_another_key_is_refused(bot: RunningBot, make_settings,
                                                         connector, clock):
    await bot.services.chat.post(DIGESTS, Message("help", HELP, image=CHART))
    link = card_image(connector.calls_of("send")[0].body)["url"]
    other = make_settings(env={"TOUCHPOINT_PUBLIC_URL": PUBLIC,
                               "TOUCHPOINT_IMAGE_KEY": "another-key-" + "x" * 32})
    runner, replica = await start_bot(create_app(other, clock=clock, scheduler=False))
    try:
        assert (await fetch(replica.url, link))[0] == 404
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("image_env", [{"TOUCHPOINT_PUBLIC_URL": PUBLIC},
                                       {"TOUCHPOINT_IMAGE_KEY": IMAGE_KEY}])
async def test_without_the_image_settings_cards_go_without_images_and_one_warning(
        bot: RunningBot, slack, connector, caplog, image_env):
    missing = ({"TOUCHPOINT_PUBLIC_URL", "TOUCHPOINT_IMAGE_KEY"} - image_env.keys()).pop()

    for image in (CHART, NEXT_WEEK):
        await bot.services.chat.post(DIGESTS, Message("help", HELP, image=image))

    assert [card_image(call.body) for call in connector.calls_of("send")] == [None, None]
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and missing in r.getMessage()]
    assert warnings == [f"teams: cards go out without their images until {missing} is set"]
    # Slack does not need them.
    assert len(slack.calls_to("files.completeUploadExternal")) == 2


async def test_the_image_route_answers_503_while_the_database_is_down(make_settings, clock,
                                                                       caplog):
    # A PostgreSQL server that is not there: nothing listens on the discard port.
    settings = make_settings(env={
        "TOUCHPOINT_PUBLIC_URL": PUBLIC, "TOUCHPOINT_IMAGE_KEY": IMAGE_KEY,
        "DATABASE_URL": "postgresql://touchpoint@127.0.0.1:9/touchpoint"})
    app = create_app(settings, clock=clock, scheduler=False)
    runner, down = await start_bot(app)
    try:
        # A link as a replica with the same key signed it, before the database went away.
        signer = ImageLinks(app[SERVICES].sessions, settings.secrets, clock)
        link = f"{PUBLIC}/images/{signer.token(CHART.digest, clock.now + timedelta(days=1))}"
        answers = [await fetch(down.url, link) for _ in range(3)]
    finally:
        await runner.cleanup()
    assert [(status, headers["Retry-After"]) for status, _, headers in answers] == [
        (503, "5")] * 3
    assert len([r for r in caplog.records if "database is unreachable" in r.getMessage()]) == 1
