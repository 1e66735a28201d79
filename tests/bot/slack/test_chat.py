"""Slack's half of the chat port against the emulator: sending, updating, retrying, refusing."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.chat.message import Button, Message
from bot.chat.port import MessageRef, Origin, Undeliverable
from bot.chat.router import Chat
from bot.metrics import Metrics
from bot.slack.chat import SlackChat
from bot.slack.client import make_client
from storage.models import Person

HELP = Message("help", {"usages": ["touchpoint help"], "unknown": None})


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def chat(slack, metrics) -> SlackChat:
    return SlackChat(make_client("xoxb-test", slack.url, metrics), metrics)


def outbound(metrics: Metrics, method: str, result: str) -> float:
    value = metrics.registry.get_sample_value(
        "touchpoint_outbound_calls_total",
        {"platform": "slack", "method": method, "result": result})
    return value or 0.0


async def test_dm_then_update_in_place(chat, slack):
    ref = await chat.send_dm("U0EMPL001", HELP)

    assert ref == MessageRef("slack", slack.dm_channel("U0EMPL001"), ref.message_id)
    [post] = slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "U0EMPL001"
    assert post.args["blocks"][0]["type"] == "header"

    await chat.edit(ref, Message("help", {"usages": [], "unknown": "thing"}))
    [update] = slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (ref.channel, ref.message_id)
    assert "Sorry, I don't know `thing`" in slack.message(ref.channel, ref.message_id)[
        "blocks"][1]["text"]["text"]


async def test_rate_limited_post_is_retried_after_retry_after(chat, slack, metrics):
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    ref = await chat.post("C0TRIAGE1", HELP)

    attempts = slack.calls_to("chat.postMessage")
    assert [a.faulted for a in attempts] == [True, False]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert ref.channel == "C0TRIAGE1"
    assert outbound(metrics, "chat.postMessage", "ok") == 1


async def test_server_error_is_retried(chat, slack):
    slack.fail_next("chat.postMessage", status=503)

    await chat.post("C0TRIAGE1", HELP)

    assert [a.faulted for a in slack.calls_to("chat.postMessage")] == [True, False]


async def test_unreachable_person_is_undeliverable_not_a_crash(chat, slack, metrics):
    slack.fail_next("chat.postMessage", status=200, error="user_not_found")

    with pytest.raises(Undeliverable, match="user_not_found"):
        await chat.send_dm("U0GONE001", HELP)
    assert outbound(metrics, "chat.postMessage", "user_not_found") == 1


async def test_reply_in_thread_names_the_parent(chat, slack):
    parent = await chat.post("C0TRIAGE1", HELP)

    await chat.reply_in_thread(parent, HELP)

    reply = slack.calls_to("chat.postMessage")[-1]
    assert reply.args["thread_ts"] == parent.message_id


async def test_buttons_render_with_labels_from_the_template(chat, slack):
    # help.j2 has a "header" block; using it as a label proves labels come from templates.
    message = Message("help", {"usages": [], "unknown": None},
                      buttons=(Button("help.again", "header", value="x" * 2000, style="primary"),))

    await chat.post("C0TRIAGE1", message)

    [post] = slack.calls_to("chat.postMessage")
    [actions] = [b for b in post.args["blocks"] if b["type"] == "actions"]
    button = actions["elements"][0]
    assert button["text"]["text"] == "Touchpoint: how can IT help?"
    assert button["action_id"] == "help.again"
    assert len(button["value"]) == 2000
    assert button["style"] == "primary"


def test_a_button_value_too_long_for_slack_is_a_bug_not_cut():
    with pytest.raises(ValueError, match="over 2000 characters"):
        Button("help.again", "header", value="x" * 2001)


async def test_router_prefers_slack_and_refuses_people_without_accounts(slack, metrics):
    router = Chat(SlackChat(make_client("xoxb-test", slack.url, metrics), metrics))
    await router.send_dm(Person(id=1, slack_user_id="U0EMPL001", teams_user_id="aad-1"), HELP)
    assert slack.calls_to("chat.postMessage")[0].args["channel"] == "U0EMPL001"
    with pytest.raises(Undeliverable):
        await router.send_dm(Person(id=2, teams_user_id="aad-2"), HELP)


async def test_private_answer_goes_to_the_response_url(chat, slack, metrics):
    origin = Origin("slack", "U0EMPL001", channel="C0GENERAL",
                    response_url=slack.response_url("help"))
    await chat.reply_privately(origin, HELP)

    [post] = slack.responses_to("help")
    assert post.body["response_type"] == "ephemeral"
    assert post.body["replace_original"] is False
    assert post.body["blocks"][0]["type"] == "header" and post.body["text"]
    assert post.headers["Content-Type"] == "application/json;charset=utf-8"
    assert post.headers["User-Agent"].startswith("Python/")
    assert not slack.calls_to("chat.postEphemeral")
    assert outbound(metrics, "response_url", "ok") == 1


async def test_response_url_post_is_tried_again_after_a_dropped_connection(chat, metrics):
    # A response_url whose first request has its connection closed unanswered.
    bodies: list[dict] = []

    async def answer(request: web.Request) -> web.StreamResponse:
        if not bodies:
            bodies.append({})
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        bodies.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/answer", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await chat.reply_privately(
            Origin("slack", "U0EMPL001", response_url=f"http://127.0.0.1:{port}/answer"), HELP)
    finally:
        await runner.cleanup()

    assert len(bodies) == 2 and bodies[1]["response_type"] == "ephemeral"
    assert outbound(metrics, "response_url", "ok") == 1
