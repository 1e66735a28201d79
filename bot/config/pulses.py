"""The `pulses` section: defaults for every NPS pulse (K, reminders, fatigue) and the
recurring campaigns defined in app.yaml (their pace is the outbox's, `bot.config.outbox`).
A campaign with `questions` is a satisfaction survey rather than an NPS pulse; its questions
are grouped by the aspects listed in `pulses.aspects`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, field_validator, model_validator

from bot.config.base import Strict
from bot.config.people import PeopleSelector, SegmentName
from bot.config.wording import wording

Anonymity = Literal["identified", "confidential", "anonymous"]
MAX_REMINDER_DAY = 90
_CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute")


def _reminder_days(days: list[int]) -> list[int]:
    if len(days) > 2:
        raise ValueError("at most two reminders")
    if any(day < 1 for day in days) or days != sorted(set(days)):
        raise ValueError("reminder days must be increasing whole days from 1")
    if days and days[-1] > MAX_REMINDER_DAY:
        # A pulse is open at most that long; a larger day also overflows the date arithmetic.
        raise ValueError(f"a reminder comes at most {MAX_REMINDER_DAY} days after the pulse")
    return days


class PulseAudience(Strict):
    """Who a pulse goes to: everyone, the people in some segment values, or named people."""

    everyone: bool = False
    segments: dict[SegmentName, list[str]] = Field(default_factory=dict)
    people: PeopleSelector = Field(default_factory=PeopleSelector)

    @model_validator(mode="after")
    def _someone(self) -> PulseAudience:
        people = self.people
        if people.slack_usergroups:
            # Group memberships are only known during a directory sync; a segment keeps them.
            raise ValueError("people: name a Slack user group through a segment instead")
        if not (self.everyone or self.segments or people.slack_users or people.teams_users
                or people.emails):
            raise ValueError("give everyone: true, segments, or people")
        return self


QuestionKind = Literal["satisfaction", "scale", "text"]
"""1-5 (very dissatisfied .. very satisfied), 0-10, or free text."""
MAX_QUESTIONS = 10
MAX_QUESTION_TEXT = 150
"""Slack's limit on an input block's label (and so on a question's words)."""
DEFAULT_ASPECTS = ("service desk", "incident response", "availability", "projects",
                   "communication")


class SurveyQuestion(Strict):
    """One question of a satisfaction survey: its words, its scale and the aspect it measures."""

    text: wording(MAX_QUESTION_TEXT)  # type: ignore[valid-type]
    """The question: one text, or one per language (``{en: ..., de: ...}``)."""
    aspect: str = Field(min_length=1, max_length=40)
    kind: QuestionKind = "satisfaction"


class PulseCampaignConfig(Strict):
    """A recurring NPS pulse defined in app.yaml; each recurrence opens a new campaign."""

    template: str = "pulses/invite"
    """The template holding the question and the why-question, under messages/."""
    audience: PulseAudience = Field(default_factory=lambda: PulseAudience(everyone=True))
    recurrence: dict[str, str | int] = Field(min_length=1)
    """APScheduler cron fields (month, day, day_of_week, hour, ...) in the organisation's zone."""
    send_time: time = time(10, 0)
    open_days: int = Field(default=14, ge=1, le=90)
    reminders: list[int] | None = None
    """Days after someone's pulse to remind them; the `pulses.reminders` default if unset."""
    anonymity: Anonymity = "confidential"
    min_group: int | None = Field(default=None, ge=1)
    questions: list[SurveyQuestion] = Field(default_factory=list, max_length=MAX_QUESTIONS)
    """A satisfaction survey's questions (at most 10); none: the NPS pulse."""
    question: wording(MAX_QUESTION_TEXT) | None = None  # type: ignore[valid-type]
    """The NPS pulse's question instead of the template's ("How likely are you to recommend IT
    to a colleague or friend?"): one text, or one per language (``{en: ..., de: ...}``)."""
    why_question: wording(MAX_QUESTION_TEXT) | None = None  # type: ignore[valid-type]
    """The follow-up after a score instead of the template's ("What is the main reason for
    your score?"), the same way."""

    @model_validator(mode="after")
    def _nps_wording(self) -> PulseCampaignConfig:
        if self.questions and (self.question is not None or self.why_question is not None):
            raise ValueError("question and why_question word an NPS pulse; a survey's "
                             "questions each have their own text")
        return self

    @property
    def nps_wording(self) -> dict[str, Any] | None:
        """The NPS pulse's words app.yaml gives, as its campaign keeps them; None if none."""
        given = {key: value for key, value in (("question", self.question),
                                               ("why", self.why_question))
                 if value is not None}
        return given or None

    @field_validator("reminders")
    @classmethod
    def _reminder_days(cls, days: list[int] | None) -> list[int] | None:
        return None if days is None else _reminder_days(days)

    @field_validator("recurrence")
    @classmethod
    def _cron(cls, fields: dict[str, str | int]) -> dict[str, str | int]:
        unknown = sorted(set(fields) - set(_CRON_FIELDS))
        if unknown:
            noun = "field" if len(unknown) == 1 else "fields"
            raise ValueError(f"unknown cron {noun} {', '.join(unknown)}; "
                             f"use {', '.join(_CRON_FIELDS)}")
        try:
            CronTrigger(**fields, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"not a valid schedule: {exc}") from None
        return fields


class PulsesConfig(Strict):
    """NPS pulses: defaults for every campaign, and the recurring campaigns."""

    min_group: int = Field(default=5, ge=1)
    """K: a group with fewer answers is shown as "not enough answers", everywhere."""
    reminders: list[int] = Field(default_factory=lambda: [3, 5], max_length=2)
    """Days after someone's pulse to remind them if they have not answered; at most two."""
    fatigue_days: int = Field(default=14, ge=0)
    """No pulse or satisfaction survey within this many days of any other survey sent to the
    person (a transactional CSAT survey, another pulse or survey); it waits instead."""
    aspects: list[str] = Field(default_factory=lambda: list(DEFAULT_ASPECTS), min_length=1,
                               max_length=20)
    """What survey questions are grouped by; each question names one."""
    target_points: float = Field(default=3.0, ge=0, le=50)
    """The yearly target: this many points of "% satisfied" above the baseline (the same
    recurring survey a year before)."""
    campaigns: dict[SegmentName, PulseCampaignConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_aspects(self) -> PulsesConfig:
        for name, campaign in self.campaigns.items():
            for n, question in enumerate(campaign.questions):
                if question.aspect not in self.aspects:
                    raise ValueError(
                        f"campaigns.{name}.questions.{n}.aspect: {question.aspect!r} is not "
                        f"one of pulses.aspects ({', '.join(self.aspects)})")
        return self

    @model_validator(mode="before")
    @classmethod
    def _moved_to_outbox(cls, raw: Any) -> Any:
        moved = [key for key in ("send_rate", "poll_seconds", "lease_seconds")
                 if isinstance(raw, Mapping) and key in raw]
        if moved:
            raise ValueError(f"{', '.join(moved)}: moved to the outbox section "
                             f"(outbox.{moved[0]}), which paces every message, not only pulses, "
                             "for all replicas together")
        return raw

    @field_validator("reminders")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        return _reminder_days(days)
