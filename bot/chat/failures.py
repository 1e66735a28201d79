"""What a failed call to Slack or Teams was, in one line: for logs and the command line, so
an unreachable platform or a refused token reads as itself, not as a stack trace."""

from __future__ import annotations

import aiohttp
from msrest.exceptions import ClientRequestError, HttpOperationError
from slack_sdk.errors import SlackApiError, SlackClientError

BAD_TOKEN = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive",
                       "token_expired", "not_allowed_token_type"})
"""Slack's answers meaning the bot token is wrong or gone."""


def platform_failure(exc: BaseException) -> str | None:
    """One line saying how Slack or Teams failed, or None when `exc` is something else."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data
        error = (data.get("error") if isinstance(data, dict) else None) or (
            f"HTTP {exc.response.status_code}")
        method = exc.response.api_url.rsplit("/", 1)[-1]
        hint = " (check SLACK_BOT_TOKEN)" if error in BAD_TOKEN else ""
        return f"Slack refused {method}: {error}{hint}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return (f"cannot reach {exc.host}:{exc.port} (SLACK_API_URL, or a Teams service URL): "
                f"{exc.os_error.strerror or exc.os_error}")
    if isinstance(exc, aiohttp.ClientError | SlackClientError):
        return f"a chat platform failed: {exc or type(exc).__name__}"
    if isinstance(exc, TimeoutError):
        return "a chat platform did not answer in time"
    if isinstance(exc, HttpOperationError):
        status = exc.response.status_code if exc.response is not None else "no answer"
        return f"Teams refused the call: HTTP {status}"
    if isinstance(exc, ClientRequestError):
        return f"cannot reach Teams: {exc}"
    return None
