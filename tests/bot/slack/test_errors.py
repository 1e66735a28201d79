"""Slack's failures reach the logs and /metrics as what they are, whatever the body of the
answer: a front end's plain-text 5xx page is a SlackApiError with its status, counted under
``http_<status>``, never an AttributeError from reading text as JSON."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.metrics import Metrics
from bot.slack.client import SERVER_ERROR_RETRIES, make_client
from bot.slack.directory import read_roster
from tests.conftest import BOT_TOKEN


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def client(slack, metrics):
    return make_client(BOT_TOKEN, slack.url, metrics)


def counted(metrics: Metrics, method: str, result: str) -> float | None:
    return metrics.registry.get_sample_value(
        "touchpoint_outbound_calls_total",
        {"platform": "slack", "method": method, "result": result})


@pytest.mark.parametrize("status", [500, 503])
async def test_a_plain_text_5xx_is_a_slack_error_counted_by_status(client, slack, metrics,
                                                                   status):
    slack.fail_next("chat.postMessage", status=status, count=SERVER_ERROR_RETRIES + 1)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0TRIAGE1", text="hello")

    assert raised.value.response.status_code == status
    assert counted(metrics, "chat.postMessage", f"http_{status}") == 1


async def test_a_user_group_answered_with_a_5xx_page_fails_the_sync_as_a_slack_error(
        client, slack, metrics):
    slack.fail_next("usergroups.users.list", status=503, count=SERVER_ERROR_RETRIES + 1)

    with pytest.raises(SlackApiError):
        await read_roster(client, ["S0HELPDSK"])

    assert counted(metrics, "usergroups.users.list", "http_503") == 1
