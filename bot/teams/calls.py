"""Outbound Bot Connector calls: retried with backoff and counted in /metrics.

botframework-connector's client retries neither 429 nor a POST's 5xx (its HTTP layer retries
failed connections, which Touchpoint turns off in `bot.teams.adapter`), so every call
Touchpoint makes to the Connector goes through `call`: a 429 or a 5xx (and a dropped
connection) is tried again, waiting as long as ``Retry-After`` asks when the service says,
with jittered exponential backoff otherwise (after a 429, in a slot of the outbox's Teams
pacers, which it pauses on every replica); each attempt is counted by method and result. A
service URL that cannot be connected to at all (refused, a name that does not resolve) fails
at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

from msrest.exceptions import ClientRequestError, HttpOperationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from bot.chat.failures import unreachable
from bot.chat.pacer import Throttles
from bot.metrics import Metrics
from storage.types import utcnow

T = TypeVar("T")

MAX_ATTEMPTS = 5
MAX_WAIT_S = 60.0
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

_backoff = wait_exponential_jitter(multiplier=0.5, max=20, jitter=0.5)


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a failed Connector call, when the service answered at all."""
    if isinstance(error, HttpOperationError) and error.response is not None:
        return error.response.status_code
    return None


def _transient(error: BaseException) -> bool:
    # A service URL that refuses connections or does not resolve is not tried again here: it
    # will not answer in the next seconds, and a turn must not wait on it (what the outbox
    # sends, the outbox tries again later).
    if isinstance(error, ClientRequestError):
        return unreachable(error) is None
    return status_of(error) in RETRYABLE_STATUS


def _retry_after(error: BaseException | None) -> float | None:
    if not isinstance(error, HttpOperationError) or error.response is None:
        return None
    header = error.response.headers.get("Retry-After")
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(header) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def _waiting(throttles: Throttles | None):
    """How long to wait before the next attempt. After a 429, where the outbox's pacers
    listen, they are paused (on every replica) for as long as the service asked and this
    call waits for a slot of theirs instead: a tenant's back-off is everyone's, as Slack's
    is (bot.slack.client)."""

    async def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = _retry_after(error)
        if status_of(error) == 429 and throttles is not None and await throttles.throttled(
                "teams", min(asked if asked is not None else 1.0, MAX_WAIT_S)):
            return 0.0
        return min(asked, MAX_WAIT_S) if asked is not None else _backoff(state)
    return wait


async def _counted(metrics: Metrics, method: str, operation: Callable[[], Awaitable[T]]) -> T:
    try:
        result = await operation()
    except Exception as error:
        status = status_of(error)
        metrics.outbound.labels("teams", method,
                                str(status) if status else type(error).__name__).inc()
        raise
    metrics.outbound.labels("teams", method, "ok").inc()
    return result


async def call(metrics: Metrics, method: str, operation: Callable[[], Awaitable[T]],
               throttles: Throttles | None = None) -> T:
    """Run one Connector operation, retrying transient failures; the last failure is raised.
    With `throttles`, a 429 pauses the Teams pacers that listen there (see `_waiting`)."""
    retrying = AsyncRetrying(retry=retry_if_exception(_transient), wait=_waiting(throttles),
                             stop=stop_after_attempt(MAX_ATTEMPTS), reraise=True)
    return await retrying(_counted, metrics, method, operation)
