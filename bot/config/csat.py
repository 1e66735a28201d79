"""The `csat` section: the transactional survey sent when a ticket is resolved, its fatigue
rules, and what a low score leads to (an alert, a complaint logged from it)."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field, model_validator

from bot.config.base import Strict
from bot.config.wording import wording

MAX_QUESTION = 150
"""A question longer than this would not read as one at a glance (Slack cuts a button row's
section at 3,000 characters; this is for people)."""


class QuietHours(Strict):
    """Local hours, in each person's own time zone, when no survey is sent (it waits for `end`)."""

    start: time = time(20, 0)
    end: time = time(8, 0)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class Csat(Strict):
    """The transactional CSAT survey sent when a ticket is resolved, and its fatigue rules."""

    enabled: bool = True
    min_days_between: int = Field(default=7, ge=0)
    """At most one survey per person in this many days (0: no limit)."""
    sample_one_in: int = Field(default=1, ge=1)
    """Survey one resolved ticket in this many (1: every ticket); the same tickets on every
    replica."""
    quiet_hours: QuietHours | None = Field(default_factory=QuietHours)
    """None (``quiet_hours: null``) sends at any hour."""
    expire_after_days: int = Field(default=7, ge=1)
    low_score: int = Field(default=2, ge=1, le=5)
    """A score at or below this alerts the triage channel."""
    complaint_service: str | None = None
    """The service of a complaint logged from a low-score alert; None: the ticket's service
    when complaints.services names it, else the last of complaints.services ("Other")."""
    complaint_category: str | None = None
    """Its category; None: the first of complaints.categories."""
    complaint_impact: Literal["low", "medium", "high"] = "medium"
    question: wording(MAX_QUESTION) | None = None  # type: ignore[valid-type]
    """The survey's question in place of the catalogue's ("How did we do?"): one text, or
    one per language (``{en: ..., de: ...}``), each reader getting theirs."""
    kudos_public: bool = False
    """Whether kudos sent from a survey's thank-you go on the kudos wall; private by default,
    since the comment was written to the IT team, not to everyone."""
