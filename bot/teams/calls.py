"""Outbound Bot Connector calls: retried with backoff and counted in /metrics.

botframework-connector's client retries nothing, so every call Touchpoint makes to the
Connector goes through `call`: a 429 or a 5xx (and a dropped connection) is tried again,
waiting as long as ``Retry-After`` asks when the service says, with jittered exponential
backoff otherwise; each attempt is counted by method and result.
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
    return isinstance(error, ClientRequestError) or status_of(error) in RETRYABLE_STATUS


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


def _wait(state: RetryCallState) -> float:
    asked = _retry_after(state.outcome.exception() if state.outcome else None)
    return min(asked, MAX_WAIT_S) if asked is not None else _backoff(state)


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


async def call(metrics: Metrics, method: str, operation: Callable[[], Awaitable[T]]) -> T:
    """Run one Connector operation, retrying transient failures; the last failure is raised."""
    retrying = AsyncRetrying(retry=retry_if_exception(_transient), wait=_wait,
                             stop=stop_after_attempt(MAX_ATTEMPTS), reraise=True)
    return await retrying(_counted, metrics, method, operation)
