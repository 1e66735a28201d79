"""Logging for every command: one line per record, as text or, with
``TOUCHPOINT_LOG_FORMAT=json``, as JSON lines (time, level, logger, message, and the error
when there is one) for a log collector. The libraries' own start-up chatter (Alembic's
"Context impl", APScheduler's "Adding job tentatively" and "executed successfully",
slack_sdk's retry notes) is kept to warnings, so starting Touchpoint reads as one line per
component.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

import click

FORMATS = ("text", "json")
QUIET = ("alembic", "apscheduler", "slack_sdk", "slack_bolt")
"""Libraries whose INFO lines say nothing an operator needs."""
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def log_format() -> str:
    """TOUCHPOINT_LOG_FORMAT, text by default; a usage error (exit 2) when it is neither."""
    chosen = os.environ.get("TOUCHPOINT_LOG_FORMAT", "text").strip().lower() or "text"
    if chosen not in FORMATS:
        raise click.UsageError(f"TOUCHPOINT_LOG_FORMAT: {chosen!r} is not one of "
                               f"{', '.join(FORMATS)}")
    return chosen


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format() == "json" else logging.Formatter(TEXT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    if level.lower() == "info":
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
