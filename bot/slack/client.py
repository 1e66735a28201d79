"""The Slack Web API client: slack_sdk's own retry handlers, `SLACK_API_URL`, and metrics."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.metrics import Metrics
from bot.slack.access import SlackAccess

RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2


def slack_error(exc: SlackApiError) -> str | None:
    """The ``error`` of Slack's JSON answer; None when it answered no JSON (a 5xx page from
    its front end), where `exc.response.get` would raise instead."""
    return answer_of(exc).get("error")


def answer_of(exc: SlackApiError) -> dict[str, Any]:
    data = exc.response.data
    return data if isinstance(data, dict) else {}


class MeteredWebClient(AsyncWebClient):
    """An AsyncWebClient that counts every call by method and result in /metrics, and makes
    none once Slack has taken the token's access away (`access`)."""

    def __init__(self, *args, metrics: Metrics, access: SlackAccess | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._metrics = metrics
        self.access = access

    async def api_call(self, api_method: str, **kwargs) -> AsyncSlackResponse:
        counter = self._metrics.outbound
        if self.access is not None:
            await self.access.check()
        try:
            response = await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            # Slack's own error code, or the HTTP status of an answer that had none (a front
            # end's 5xx page is plain text).
            counter.labels("slack", api_method,
                           slack_error(exc) or f"http_{exc.response.status_code}").inc()
            raise
        except Exception as exc:
            counter.labels("slack", api_method, type(exc).__name__).inc()
            raise
        counter.labels("slack", api_method, "ok").inc()
        return response


def make_client(token: str | None, base_url: str, metrics: Metrics, *,
                access: SlackAccess | None = None) -> MeteredWebClient:
    return MeteredWebClient(
        token=token,
        base_url=base_url,
        metrics=metrics,
        access=access,
        timeout=15,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        ],
    )
