"""When Slack or Teams fails for a while: which failed sends say the platform itself is away,
and such an outage logged once, as the database's is (`storage.outage`).

While Slack answers 5xx, or its address (or a Teams service URL) refuses connections or does
not resolve, every outbox row the sender tries fails the same way, and each is tried again
with backoff. A warning per attempt would bury the one line an operator needs: `ChatOutage`
logs a warning with the first such failure on a platform, counts the failed attempts and the
messages they were for quietly, and logs one line with the counts when a send on that
platform goes through again. /metrics still counts every attempt
(``touchpoint_outbound_calls_total``, ``touchpoint_outbox_results_total``). What fails for the
message's own sake (a 4xx, a rate limit) is not an outage and is logged per message as before.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import aiohttp
from msrest.exceptions import ClientRequestError, HttpOperationError
from slack_sdk.errors import SlackApiError

from bot.chat.failures import platform_failure

log = logging.getLogger(__name__)

NAMES = {"slack": "Slack", "teams": "Teams"}


def retry_after(error: BaseException) -> float | None:
    """The wait a platform asked for with its error (Retry-After), if it did."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def platform_error(error: BaseException) -> str | None:
    """The error code a platform answered with (Slack's ``"error"``), if its answer had one: a
    front end's 5xx page is text, not JSON, and has none."""
    data = getattr(getattr(error, "response", None), "data", None)
    return data.get("error") if isinstance(data, dict) else None


def is_outage(error: BaseException) -> bool:
    """Whether a failed send says the platform is away (a 5xx, no connection, no answer in
    time) rather than that this message or its pace was wrong."""
    if isinstance(error, SlackApiError | HttpOperationError):
        status = getattr(error.response, "status_code", None)
        return isinstance(status, int) and status >= 500
    return isinstance(error, aiohttp.ClientError | ClientRequestError | TimeoutError)


@dataclass
class _Down:
    since: float = field(default_factory=time.monotonic)
    attempts: int = 0
    rows: set[int] = field(default_factory=set)


class ChatOutage:
    """Each platform's sends as this process last found them, logged when that changes."""

    def __init__(self) -> None:
        self._down: dict[str, _Down] = {}

    def failed(self, platform: str, row_id: int, error: BaseException) -> bool:
        """A send of outbox row `row_id` failed; True when that is part of an outage (logged
        once, and counted), False when the caller should say it for this message."""
        if not is_outage(error):
            return False
        down = self._down.get(platform)
        if down is None:
            down = self._down[platform] = _Down()
            said = platform_failure(error) or type(error).__name__
            log.warning("%s is failing (%s); the outbox keeps its messages and tries them "
                        "again with backoff, and says here when %s answers again",
                        NAMES.get(platform, platform), said, NAMES.get(platform, platform))
        down.attempts += 1
        down.rows.add(row_id)
        return True

    def reached(self, platform: str) -> None:
        """A send on `platform` went through."""
        down = self._down.pop(platform, None)
        if down is None:
            return
        log.info("%s answers again after %.0fs; %d failed attempt(s) at %d message(s) "
                 "meanwhile, which the outbox tries again", NAMES.get(platform, platform),
                 time.monotonic() - down.since, down.attempts, len(down.rows))
