"""The Slack Web API client: slack_sdk's own retry handlers (a 429 reported to the pacers
first, so every replica pauses, not only the call that met it), `SLACK_API_URL`, and
metrics."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.chat.pacer import Throttles
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


class ReportedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (wait Retry-After, then try again), where the outbox's pacers
    pause every replica for as long as Slack asked and the call is tried again in a slot of
    theirs (without pacers, as slack_sdk does)."""

    def __init__(self, throttles: Throttles, max_retry_count: int):
        super().__init__(max_retry_count=max_retry_count)
        self.throttles = throttles

    async def prepare_for_next_attempt_async(self, *, state, request, response=None,
                                             error=None) -> None:
        if response is not None:
            asked = next((values[0] for name, values in response.headers.items()
                          if name.lower() == "retry-after" and values), None)
            try:
                seconds = float(asked) if asked is not None else 1.0
            except ValueError:
                seconds = 1.0
            if await self.throttles.throttled("slack", seconds):
                state.next_attempt_requested = True
                state.increment_current_attempt()
                return
        await super().prepare_for_next_attempt_async(state=state, request=request,
                                                     response=response, error=error)


def make_client(token: str | None, base_url: str, metrics: Metrics,
                throttles: Throttles | None = None, *,
                access: SlackAccess | None = None) -> MeteredWebClient:
    rate_limits: AsyncRetryHandler = (
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
        if throttles is None else ReportedRateLimitRetryHandler(throttles, RATE_LIMIT_RETRIES))
    return MeteredWebClient(
        token=token,
        base_url=base_url,
        metrics=metrics,
        access=access,
        timeout=15,
        retry_handlers=[
            rate_limits,
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        ],
    )
