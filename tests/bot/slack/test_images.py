"""Images in Slack messages, against the emulator: uploaded as private files, shown by image
blocks, updated in place, and left out (with one warning) where the workspace refuses them."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.errors import SlackApiError

from bot.chat.message import Image, Message
from bot.metrics import Metrics
from bot.slack import images
from bot.slack.chat import SlackChat
from bot.slack.client import make_client
from tests.pngs import bar_chart

HELP = {"usages": ["touchpoint help"], "unknown": None}
CHART = Image(bar_chart(), "CSAT by week: 4.1 rising to 4.6")
NEXT_WEEK = Image(bar_chart((4.2, 4.4, 4.8)), "CSAT by week: 4.2 rising to 4.8")


@pytest.fixture
def chat(slack) -> SlackChat:
    metrics = Metrics()
    return SlackChat(make_client("xoxb-test", slack.url, metrics), metrics)


def image_of(slack, ref) -> dict | None:
    blocks = slack.message(ref.channel, ref.message_id)["blocks"]
    return next((block for block in blocks if block["type"] == "image"), None)


def warnings_about(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and text in r.getMessage()]


async def test_an_image_is_uploaded_privately_posted_and_updated_in_place(chat, slack):
    ref = await chat.post("C0DIGEST1", Message("help", HELP, image=CHART))

    [asked] = slack.calls_to("files.getUploadURLExternal")
    assert asked.args["length"] == str(len(CHART.png))
    assert asked.args["alt_txt"] == CHART.alt_text
    [completed] = slack.calls_to("files.completeUploadExternal")
    assert "channel_id" not in completed.args and "channels" not in completed.args
    file_id = completed.args["files"][0]["id"]
    assert slack.file(file_id)["data"] == CHART.png
    assert image_of(slack, ref) == {"type": "image", "slack_file": {"id": file_id},
                                    "alt_text": CHART.alt_text}

    await chat.edit(ref, Message("help", HELP, image=NEXT_WEEK))

    assert len(slack.calls_to("files.completeUploadExternal")) == 2
    new_file = slack.calls_to("files.completeUploadExternal")[1].args["files"][0]["id"]
    assert slack.file(new_file)["data"] == NEXT_WEEK.png
    [update] = slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (ref.channel, ref.message_id)
    assert image_of(slack, ref)["slack_file"] == {"id": new_file}
    assert len(slack.messages_in("C0DIGEST1")) == 1


async def test_the_same_picture_is_uploaded_once(chat, slack):
    first = await chat.send_dm("U0EMPL001", Message("help", HELP, image=CHART))
    second = await chat.send_dm("U0TECH001", Message("help", HELP, image=CHART))
    await chat.edit(first, Message("help", {**HELP, "unknown": "x"}, image=CHART))

    assert len(slack.calls_to("files.getUploadURLExternal")) == 1
    assert image_of(slack, first) == image_of(slack, second)


async def test_a_reply_in_a_thread_shows_its_image(chat, slack):
    parent = await chat.post("C0TRIAGE1", Message("help", HELP))

    reply = await chat.reply_in_thread(parent, Message("help", HELP, image=CHART))

    [_, post] = slack.calls_to("chat.postMessage")
    assert post.args["thread_ts"] == parent.message_id
    assert image_of(slack, reply)["alt_text"] == CHART.alt_text


async def test_a_post_waits_while_slack_processes_the_file(chat, slack):
    slack.file_processing_s = 0.5

    ref = await chat.post("C0DIGEST1", Message("help", HELP, image=CHART))

    attempts = slack.calls_to("chat.postMessage")
    assert len(attempts) >= 2
    assert attempts[-1].at - attempts[0].at >= 0.5
    assert image_of(slack, ref) is not None
    assert len(slack.messages_in("C0DIGEST1")) == 1


async def test_a_file_slack_never_accepts_is_left_out(chat, slack, monkeypatch, caplog):
    slack.file_processing_s = 3600
    monkeypatch.setattr(images, "FILE_READY_TIMEOUT_S", 0.6)

    ref = await chat.post("C0DIGEST1", Message("help", HELP, image=CHART))

    assert image_of(slack, ref) is None
    assert warnings_about(caplog, "goes without its image")
    # Forgotten: the next message with the picture uploads it again.
    slack.file_processing_s = 0
    again = await chat.post("C0DIGEST1", Message("help", HELP, image=CHART))
    assert len(slack.calls_to("files.getUploadURLExternal")) == 2
    assert image_of(slack, again) is not None


async def test_without_files_write_messages_go_without_images_and_one_warning(chat, slack,
                                                                             caplog):
    slack.scopes = frozenset({"chat:write", "chat:write.public", "im:write", "im:history"})

    first = await chat.post("C0DIGEST1", Message("help", HELP, image=CHART))
    second = await chat.send_dm("U0EMPL001", Message("help", HELP, image=NEXT_WEEK))
    await chat.edit(first, Message("help", HELP, image=NEXT_WEEK))

    assert image_of(slack, first) is None and image_of(slack, second) is None
    assert slack.message(first.channel, first.message_id)["blocks"][0]["type"] == "header"
    [warning] = warnings_about(caplog, "files:write")
    assert "without their images" in warning
    assert slack.uploaded_files == []


async def test_an_upload_over_the_workspaces_limit_leaves_the_image_out(chat, slack, caplog):
    slack.max_upload_bytes = len(CHART.png) - 1

    ref = await chat.post("C0DIGEST1", Message("help", HELP, image=CHART))

    assert image_of(slack, ref) is None
    assert len(warnings_about(caplog, "file_upload_size_restricted")) == 1


async def test_a_failing_upload_is_raised_for_the_sender_to_retry(chat, slack):
    slack.fail_next("files.getUploadURLExternal", status=500, count=3)

    with pytest.raises(SlackApiError) as failed:
        await chat.post("C0DIGEST1", Message("help", HELP, image=CHART))

    assert failed.value.response.status_code == 500

    assert slack.calls_to("chat.postMessage") == []
