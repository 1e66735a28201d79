"""When the database cannot be reached: which errors say so, and an outage logged once.

While the database is down (a restart, a failover, a full disk, SQLite's file gone), every
request that needs it fails the same way, and a traceback for each would bury the one line an
operator needs. `Outage` logs a warning with the first failure, counts the rest quietly, and
logs one line when the database answers again. Callers answer 503 with ``Retry-After:
RETRY_AFTER_S`` meanwhile: a service desk or a load balancer then tries again, rather than
taking a 500 for a bug.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

_SQLITE_AWAY = ("locked", "unable to open", "disk i/o", "busy")

RETRY_AFTER_S = 10
"""What a 503 tells the client to wait: a database restart or failover takes seconds."""


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached now (refused or lost connections,
    SQLite unable to open its file or locked past the busy timeout, no pooled connection free
    in time), rather than that the work itself was wrong."""
    if isinstance(error, OperationalError) and isinstance(error.orig, sqlite3.Error):
        # SQLite says "no such table" with the same class as "database is locked".
        return any(words in str(error.orig).lower() for words in _SQLITE_AWAY)
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class Outage:
    """The database's reachability as this process last found it, logged on each change."""

    def __init__(self) -> None:
        self._since: float | None = None
        self._failures = 0

    def failed(self, error: BaseException, where: str) -> None:
        """`where` (a handler, the health check) found the database unreachable."""
        self._failures += 1
        if self._since is None:
            self._since = time.monotonic()
            detail = str(error).splitlines()[0] if str(error) else "no detail"
            log.warning("database unreachable (%s in %s: %s); what needs it fails (503, or an "
                        "apology in chat) until it answers again", type(error).__name__, where,
                        detail)

    def reached(self) -> None:
        """The database answered."""
        if self._since is None:
            return
        log.info("database reachable again after %.0fs; %d failure(s) meanwhile",
                    time.monotonic() - self._since, self._failures)
        self._since, self._failures = None, 0
