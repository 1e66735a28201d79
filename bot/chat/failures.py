"""What a failed call to Slack or Teams was, in one line: for logs and the command line, so
an unreachable platform or a refused token reads as itself, not as a stack trace."""

from __future__ import annotations

import re

import aiohttp
from msrest.exceptions import ClientRequestError, HttpOperationError
from slack_sdk.errors import SlackApiError, SlackClientError
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError

BAD_TOKEN = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive",
                       "token_expired", "not_allowed_token_type"})
"""Slack's answers meaning the bot token is wrong or gone."""

_ERRNO = re.compile(r"^\[Errno -?\d+\] ")


def unreachable(exc: BaseException) -> str | None:
    """Why no connection could be made at all (refused, a name that does not resolve, no
    answer to connect), as "host:port: reason"; None for anything else, a dropped connection
    or an HTTP error included. Nothing was sent, and trying again at once will not help."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"{exc.host}:{exc.port}: {exc.os_error.strerror or exc.os_error}"
    if not isinstance(exc, ClientRequestError):
        return None
    # msrest wraps requests' ConnectionError, which wraps urllib3's MaxRetryError, whose
    # reason is what happened (NameResolutionError is a kind of NewConnectionError, which is
    # a kind of ConnectTimeoutError).
    inner = getattr(exc, "inner_exception", None)
    reason = getattr(inner.args[0], "reason", None) if inner is not None and inner.args else None
    if not isinstance(reason, ConnectTimeoutError):
        return None
    pool = getattr(reason, "conn", None) or getattr(reason, "pool", None)
    where = f"{pool.host}:{pool.port}" if pool is not None else "the service URL"
    if isinstance(reason, NameResolutionError):
        return f"{where}: the name does not resolve"
    # "HTTPConnection(...): Failed to establish a new connection: [Errno 111] Connection
    # refused" says it last.
    said = str(reason).rsplit(": ", 1)[-1]
    return f"{where}: {_ERRNO.sub('', said).lower()}"


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
        where = unreachable(exc)
        return f"cannot reach Teams at {where}" if where else f"cannot reach Teams: {exc}"
    return None
