"""Settings: the operator's app.yaml and the environment's secrets, validated into types.

Everything the process needs to know at start-up is read here once. `load_settings` returns
typed `Settings` or raises `ConfigError` carrying every problem found, each with the path of
the offending key (``channels.triage: required``), so an operator fixes them all in one go.
Secrets are only ever taken from the environment and are held as `SecretStr`, so they never
show up in a repr, a log line or an error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_CONFIG_PATH = "app.yaml"
DEFAULT_DATABASE_URL = "sqlite:///touchpoint.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")
_SLACK_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(Exception):
    """The configuration has problems; `problems` lists each as ``path: message``."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class Role(StrEnum):
    """What a person may do; each role includes everything the roles below it may do."""

    EMPLOYEE = "employee"
    IT_STAFF = "it_staff"
    IT_LEAD = "it_lead"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PeopleSelector(_Strict):
    """A set of people named by Slack user id, Teams AAD object id, email or Slack user group."""

    slack_users: list[str] = Field(default_factory=list)
    teams_users: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    slack_usergroups: list[str] = Field(default_factory=list)

    @field_validator("slack_users")
    @classmethod
    def _slack_ids(cls, ids: list[str]) -> list[str]:
        for user_id in ids:
            if not _SLACK_USER.fullmatch(user_id):
                raise ValueError(f"{user_id!r} is not a Slack user id (like U012ABC)")
        return ids

    @field_validator("slack_usergroups")
    @classmethod
    def _usergroup_ids(cls, ids: list[str]) -> list[str]:
        for group_id in ids:
            if not _SLACK_USERGROUP.fullmatch(group_id):
                raise ValueError(f"{group_id!r} is not a Slack user group id (like S012ABC)")
        return ids

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not _EMAIL.fullmatch(email):
                raise ValueError(f"{email!r} is not an email address")
        return [email.lower() for email in emails]

    @field_validator("teams_users")
    @classmethod
    def _teams_ids(cls, ids: list[str]) -> list[str]:
        return [teams_id.lower() for teams_id in ids]


class ChannelTarget(_Strict):
    """Where a kind of message is posted: a Slack channel id and/or a Teams channel id."""

    slack: str | None = None
    teams: str | None = None

    @field_validator("slack")
    @classmethod
    def _slack_channel(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_CHANNEL.fullmatch(value):
            raise ValueError(f"{value!r} is not a Slack channel id (like C012ABC)")
        return value

    @model_validator(mode="after")
    def _one_platform(self) -> ChannelTarget:
        if self.slack is None and self.teams is None:
            raise ValueError("give a slack channel id, a teams channel id, or both")
        return self


class Channels(_Strict):
    triage: ChannelTarget
    digests: ChannelTarget
    kudos_wall: ChannelTarget
    broadcasts: list[ChannelTarget] = Field(min_length=1)


class BusinessHours(_Strict):
    days: list[str] = Field(default_factory=lambda: list(_WEEKDAYS[:5]), min_length=1)
    start: time = time(9, 0)
    end: time = time(17, 0)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[str]) -> list[str]:
        short = []
        for day in days:
            name = day.strip().lower()
            if name not in _WEEKDAYS and name not in _WEEKDAY_NAMES:
                raise ValueError(f"{day!r} is not a weekday (mon..sun)")
            short.append(name[:3])
        return short

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self

    @property
    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(_WEEKDAYS.index(day) for day in self.days)


class HolidayCalendar(_Strict):
    country: str | None = None
    subdivision: str | None = None
    extra_dates: list[str] = Field(default_factory=list)
    """Company days off as YYYY-MM-DD."""

    @field_validator("extra_dates", mode="before")
    @classmethod
    def _iso_dates(cls, values: Any) -> Any:
        # YAML reads an unquoted 2026-12-24 as a date and a quoted one as text: accept both.
        if not isinstance(values, list):
            return values
        days = []
        for value in values:
            try:
                days.append(date.fromisoformat(str(value)).isoformat())
            except ValueError:
                raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        return days

    @model_validator(mode="after")
    def _known_calendar(self) -> HolidayCalendar:
        if self.country is None:
            if self.subdivision is not None:
                raise ValueError("a subdivision needs a country")
            return self
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError as exc:
            raise ValueError(f"unknown holiday calendar: {exc}") from None
        return self


class Organisation(_Strict):
    name: str = Field(min_length=1)
    timezone: str = "UTC"
    locale: str = "en"
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    holidays: HolidayCalendar = Field(default_factory=HolidayCalendar)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (like Europe/London)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Roles(_Strict):
    """Who holds which role; everyone not named is an employee."""

    admin: PeopleSelector = Field(default_factory=PeopleSelector)
    it_lead: PeopleSelector = Field(default_factory=PeopleSelector)
    it_staff: PeopleSelector = Field(default_factory=PeopleSelector)

    def by_rank(self) -> list[tuple[Role, PeopleSelector]]:
        """Highest role first, so the first match wins."""
        return [(Role.ADMIN, self.admin), (Role.IT_LEAD, self.it_lead),
                (Role.IT_STAFF, self.it_staff)]


SegmentName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class TeamsSettings(_Strict):
    """Teams details that are not secrets."""

    service_url: str = "https://smba.trafficmanager.net/teams/"
    app_name: str = "Touchpoint"


_DURATION = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?$")
SourceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


class TicketSource(_Strict):
    """One service desk sending ticket events: which payload preset reads them, and how its own
    statuses and priorities map onto Touchpoint's (on top of the preset's defaults)."""

    preset: Literal["generic", "jira_service_management", "servicenow", "zendesk",
                    "freshservice"] = "generic"
    statuses: dict[str, Literal["open", "resolved", "closed"]] = Field(default_factory=dict)
    """The desk's status name -> open, resolved or closed."""
    priorities: dict[str, str] = Field(default_factory=dict)
    """The desk's priority name -> the priority the SLA targets are named by (P1, ...)."""


def _business_minutes(value: Any) -> timedelta:
    match = _DURATION.fullmatch(str(value).strip())
    if match is None or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration like 30m, 4h or 1h30m")
    duration = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
    if duration <= timedelta(0):
        raise ValueError("must be longer than zero")
    return duration


BusinessDuration = Annotated[timedelta, BeforeValidator(_business_minutes)]


class SlaTarget(_Strict):
    """Business time allowed for one priority, from the ticket's opening."""

    first_response: BusinessDuration
    resolution: BusinessDuration

    @model_validator(mode="after")
    def _response_first(self) -> SlaTarget:
        if self.resolution < self.first_response:
            raise ValueError("resolution must not be shorter than first_response")
        return self


class Tickets(_Strict):
    """Ticket events from service desks, and the SLA they are measured against."""

    sources: dict[SourceName, TicketSource] = Field(
        default_factory=lambda: {"generic": TicketSource()}, min_length=1)
    sla: dict[str, SlaTarget] = Field(default_factory=dict)
    """Priority -> targets; tickets of a priority not listed have no SLA."""
    at_risk: float = Field(default=0.8, gt=0, lt=1)
    """An open ticket is at risk once this share of a target's business time is used."""


class QuietHours(_Strict):
    """Local hours, in each person's own time zone, when no survey is sent (it waits for `end`)."""

    start: time = time(20, 0)
    end: time = time(8, 0)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class Csat(_Strict):
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
    kudos_public: bool = False
    """Whether kudos sent from a survey's thank-you go on the kudos wall; private by default,
    since the comment was written to the IT team, not to everyone."""


class ImpactSla(_Strict):
    """Business hours within which a complaint of one impact is acknowledged and resolved."""

    acknowledge_hours: float = Field(gt=0)
    resolve_hours: float = Field(gt=0)

    @model_validator(mode="after")
    def _acknowledge_first(self) -> ImpactSla:
        if self.acknowledge_hours > self.resolve_hours:
            raise ValueError("acknowledge_hours must not be more than resolve_hours")
        return self


def _default_complaint_sla() -> dict[str, ImpactSla]:
    return {"low": ImpactSla(acknowledge_hours=8, resolve_hours=40),
            "medium": ImpactSla(acknowledge_hours=4, resolve_hours=16),
            "high": ImpactSla(acknowledge_hours=1, resolve_hours=8)}


class RateLimit(_Strict):
    count: int = Field(default=5, ge=1)
    per_minutes: int = Field(default=60, ge=1)


class ComplaintsConfig(_Strict):
    """The complaint log: what a complaint can be about, and how fast IT answers it."""

    services: list[str] = Field(default_factory=lambda: [
        "Service desk", "Laptops and devices", "Email and calendar", "Network and Wi-Fi",
        "Business applications", "Other"], min_length=1)
    categories: list[str] = Field(default_factory=lambda: [
        "Responsiveness", "Quality of fix", "Communication", "Attitude", "Repeat issue"],
        min_length=1)
    root_causes: list[str] = Field(default_factory=lambda: [
        "Process", "People", "Tooling", "Communication", "Third party", "Not an IT issue"],
        min_length=1)
    sla: dict[str, ImpactSla] = Field(default_factory=_default_complaint_sla)
    """Impact (low, medium, high) -> its SLA in business hours."""
    remind_before_hours: float = Field(default=1, ge=0)
    """Business hours before a breach at which the owner is reminded."""
    satisfaction_close_days: int = Field(default=5, ge=1)
    """Days after resolution with no answer to "are you satisfied?" before it is closed."""
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    """How many complaints one person may file in a window."""
    max_length: int = Field(default=3000, ge=100, le=3000)
    ticket_pattern: str = r"^[A-Za-z]{2,10}-?[0-9]{1,10}$"
    """What a related ticket number looks like (INC0012345, SD-42)."""

    @field_validator("sla")
    @classmethod
    def _impacts(cls, sla: dict[str, ImpactSla]) -> dict[str, ImpactSla]:
        if set(sla) != {"low", "medium", "high"}:
            raise ValueError("give exactly the impacts low, medium and high")
        return sla

    @field_validator("services", "categories", "root_causes")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        if len({name.strip().lower() for name in names}) != len(names):
            raise ValueError("names must be distinct")
        if any(not name.strip() or len(name) > 75 for name in names):
            raise ValueError("each name must be 1 to 75 characters")
        return names

    @field_validator("ticket_pattern")
    @classmethod
    def _pattern(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc})") from None
        return pattern


_REWARD_KEY = r"^[a-z0-9][a-z0-9-]{0,63}$"


class KudosReward(_Strict):
    """One token reward people may redeem their kudos points for."""

    key: str = Field(pattern=_REWARD_KEY)
    """What people type: ``/kudos redeem coffee``."""
    name: str = Field(min_length=1, max_length=75)
    cost: int = Field(ge=1)
    stock: int | None = Field(default=None, ge=0)
    """How many can ever be handed out (a declined redemption gives one back); None: no limit."""
    needs_approval: bool = True


def _default_recipient_roles() -> list[Role]:
    return [Role.IT_STAFF, Role.IT_LEAD, Role.ADMIN]


class KudosSettings(_Strict):
    """Service-excellence vouchers: who may receive them, how many, what they are worth."""

    recipient_roles: list[Role] = Field(default_factory=_default_recipient_roles, min_length=1)
    weekly_allowance: int = Field(default=5, ge=1, le=100)
    """Vouchers each person may give per week (one per recipient); resets Monday 00:00 in
    the giver's own time zone."""
    points_per_voucher: int = Field(default=10, ge=1)
    values: list[Annotated[str, Field(min_length=1, max_length=75)]] = Field(
        default_factory=list)
    """Optional categories a voucher may name (``Above and beyond``)."""
    rewards: list[KudosReward] = Field(default_factory=list)
    approvals: ChannelTarget | None = None
    """Where redemption requests go for an IT lead or admin; the triage channel when unset."""

    @model_validator(mode="after")
    def _unique_keys(self) -> KudosSettings:
        keys = [reward.key for reward in self.rewards]
        if len(keys) != len(set(keys)):
            raise ValueError("rewards: each reward needs its own key")
        if len(self.values) != len(set(self.values)):
            raise ValueError("values: each value must be named once")
        return self

    def reward(self, key: str) -> KudosReward | None:
        return next((reward for reward in self.rewards if reward.key == key.lower()), None)


Anonymity = Literal["identified", "confidential", "anonymous"]
_CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute")


class PulseAudience(_Strict):
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


class PulseCampaignConfig(_Strict):
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

    @field_validator("reminders")
    @classmethod
    def _reminder_days(cls, days: list[int] | None) -> list[int] | None:
        return None if days is None else _reminder_days(days)

    @field_validator("recurrence")
    @classmethod
    def _cron(cls, fields: dict[str, str | int]) -> dict[str, str | int]:
        unknown = sorted(set(fields) - set(_CRON_FIELDS))
        if unknown:
            raise ValueError(f"unknown cron field(s) {', '.join(unknown)}; "
                             f"use {', '.join(_CRON_FIELDS)}")
        try:
            CronTrigger(**fields, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"not a valid schedule: {exc}") from None
        return fields


class PulsesConfig(_Strict):
    """NPS pulses: defaults for every campaign, and the recurring campaigns."""

    min_group: int = Field(default=5, ge=1)
    """K: a group with fewer answers is shown as "not enough answers", everywhere."""
    reminders: list[int] = Field(default_factory=lambda: [3, 5], max_length=2)
    """Days after someone's pulse to remind them if they have not answered; at most two."""
    fatigue_days: int = Field(default=14, ge=0)
    """No pulse within this many days of a transactional (CSAT) survey; it waits instead."""
    campaigns: dict[SegmentName, PulseCampaignConfig] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _moved_to_outbox(cls, raw: Any) -> Any:
        moved = [key for key in ("send_rate", "poll_seconds", "lease_seconds")
                 if isinstance(raw, Mapping) and key in raw]
        if moved:
            raise ValueError(f"{', '.join(moved)}: moved to the outbox section "
                             f"(outbox.{moved[0]}), which paces every message, not only pulses")
        return raw

    @field_validator("reminders")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        return _reminder_days(days)


class OutboxConfig(_Strict):
    """The sender of every outbound message (bot.chat.sender), on each replica."""

    send_rate: dict[Literal["slack", "teams"], float] = Field(
        default_factory=lambda: {"slack": 20.0, "teams": 40.0})
    """Messages per second per platform, per replica: with N replicas the platform sees N
    times this (Teams allows about 50 requests per second per app and tenant)."""
    poll_seconds: float = Field(default=1.0, gt=0, le=60)
    """How often each replica looks for messages that have become due (a commit that records
    messages wakes its own replica's sender at once)."""
    lease_seconds: float = Field(default=120.0, ge=1, le=3600)
    """How long a replica holds the messages it took to send; after a crash, what it held
    is sent by another (or the restarted) replica once this has passed."""
    max_attempts: int = Field(default=8, ge=1, le=50)
    """Tries of one message through errors that may pass (5xx, 429, timeouts), with growing
    waits between them (about 4 minutes for the default 8), before it is given up."""

    @field_validator("send_rate")
    @classmethod
    def _positive(cls, rates: dict[str, float]) -> dict[str, float]:
        if any(rate <= 0 for rate in rates.values()):
            raise ValueError("rates are messages per second, above 0")
        return rates


def _reminder_days(days: list[int]) -> list[int]:
    if len(days) > 2:
        raise ValueError("at most two reminders")
    if any(day < 1 for day in days) or days != sorted(set(days)):
        raise ValueError("reminder days must be increasing whole days from 1")
    return days


class AppConfig(_Strict):
    """The whole of app.yaml."""

    organisation: Organisation
    channels: Channels
    roles: Roles = Field(default_factory=Roles)
    segments: dict[SegmentName, dict[str, PeopleSelector]] = Field(default_factory=dict)
    teams: TeamsSettings = Field(default_factory=TeamsSettings)
    tickets: Tickets = Field(default_factory=Tickets)
    csat: Csat = Field(default_factory=Csat)
    complaints: ComplaintsConfig = Field(default_factory=ComplaintsConfig)
    kudos: KudosSettings = Field(default_factory=KudosSettings)
    pulses: PulsesConfig = Field(default_factory=PulsesConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)

    @model_validator(mode="after")
    def _csat_complaint_choices(self) -> AppConfig:
        if self.csat.complaint_service not in (None, *self.complaints.services):
            raise ValueError("csat.complaint_service: must be one of complaints.services")
        if self.csat.complaint_category not in (None, *self.complaints.categories):
            raise ValueError("csat.complaint_category: must be one of complaints.categories")
        return self


class Secrets(BaseModel):
    """Secrets and deployment settings, from the environment only."""

    model_config = ConfigDict(frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_token: SecretStr | None = None
    """TOUCHPOINT_WEBHOOK_TOKEN: a static bearer token for desks that cannot sign requests."""
    seal_key: SecretStr | None = None
    """TOUCHPOINT_SEAL_KEY: seals the way back to an anonymous respondent, so IT leads can
    reply to an anonymous pulse comment; without it they cannot."""
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    teams_dev_mode: bool = False
    """TOUCHPOINT_TEAMS_DEV_MODE=1: accept unauthenticated Teams activities (local emulators)."""

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def teams_enabled(self) -> bool:
        return self.microsoft_app_id is not None or self.teams_dev_mode

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Secrets:
        def value(name: str) -> str | None:
            raw = env.get(name, "").strip()
            return raw or None

        api_url = value("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        return cls(
            slack_bot_token=value("SLACK_BOT_TOKEN"),
            slack_signing_secret=value("SLACK_SIGNING_SECRET"),
            slack_app_token=value("SLACK_APP_TOKEN"),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            microsoft_app_id=value("MICROSOFT_APP_ID"),
            microsoft_app_password=value("MICROSOFT_APP_PASSWORD"),
            microsoft_app_tenant_id=value("MICROSOFT_APP_TENANT_ID"),
            webhook_secret=value("TOUCHPOINT_WEBHOOK_SECRET"),
            webhook_token=value("TOUCHPOINT_WEBHOOK_TOKEN"),
            seal_key=value("TOUCHPOINT_SEAL_KEY"),
            database_url=value("DATABASE_URL") or DEFAULT_DATABASE_URL,
            teams_dev_mode=value("TOUCHPOINT_TEAMS_DEV_MODE") in ("1", "true", "yes"),
        )

    def problems(self) -> list[str]:
        found = []
        if self.slack_bot_token and not self.slack_signing_secret and not self.socket_mode:
            found.append("SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set "
                         "(or set SLACK_APP_TOKEN for Socket Mode)")
        if self.slack_signing_secret and not self.slack_bot_token:
            found.append("SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set")
        if self.slack_app_token and not self.slack_bot_token:
            found.append("SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set")
        if self.slack_app_token and not self.slack_app_token.get_secret_value().startswith(
                "xapp-"):
            found.append("SLACK_APP_TOKEN: must be an app-level token starting with xapp-")
        if self.microsoft_app_id and not self.microsoft_app_password:
            found.append("MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set")
        if self.microsoft_app_id and self.teams_dev_mode:
            found.append("TOUCHPOINT_TEAMS_DEV_MODE: must not be set together with "
                         "MICROSOFT_APP_ID (it turns off Bot Framework authentication)")
        if not self.slack_enabled and not self.teams_enabled:
            found.append("SLACK_BOT_TOKEN or MICROSOFT_APP_ID: set at least one chat platform")
        return found + self.database_problems()

    def database_problems(self) -> list[str]:
        """What is wrong with DATABASE_URL, never repeating it (it may hold a password)."""
        try:
            backend = make_url(self.database_url.get_secret_value()).get_backend_name()
        except ArgumentError:
            backend = None
        if backend not in ("sqlite", "postgresql"):
            return ["DATABASE_URL: must be a sqlite:///path or postgresql://user@host/db URL"]
        return []


class Settings(BaseModel):
    """What the running process is configured with: app.yaml plus the environment."""

    model_config = ConfigDict(frozen=True)

    app: AppConfig
    secrets: Secrets
    config_path: Path


def _describe(error: Mapping[str, Any]) -> str:
    path = ".".join(str(part) for part in error["loc"] if not str(part).startswith("function-"))
    kind = error["type"]
    if kind == "missing":
        message = "required"
    elif kind == "extra_forbidden":
        message = "unknown key"
    elif kind in ("model_type", "dict_type"):
        message = "must be a mapping of keys to values"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path}: {message}" if path else message


def parse_app_config(raw: Any) -> AppConfig:
    """Validate a parsed app.yaml; raise ConfigError listing every problem with its path."""
    if not isinstance(raw, Mapping):
        raise ConfigError(["(top level): must be a mapping of keys to values"])
    try:
        return AppConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([_describe(error) for error in exc.errors()]) from None


def _read_yaml(path: Path) -> Any:
    """The parsed file, or ConfigError saying why it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: is not UTF-8 text (byte {exc.start + 1})"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        raise ConfigError([f"{path}: not valid YAML{where}"
                           + (f" ({problem})" if problem else "")]) from None


def config_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("TOUCHPOINT_CONFIG") or DEFAULT_CONFIG_PATH)


def load_app_config(env: Mapping[str, str] | None = None) -> AppConfig:
    """app.yaml alone, without the secrets (the app manifests are written before any token)."""
    return parse_app_config(_read_yaml(config_path(os.environ if env is None else env)))


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read app.yaml (path from TOUCHPOINT_CONFIG) and the environment."""
    env = os.environ if env is None else env
    path = config_path(env)
    problems: list[str] = []
    app = None
    try:
        # The environment is checked even when the file is unusable: every problem at once.
        app = load_app_config(env)
    except ConfigError as exc:
        problems.extend(exc.problems)
    secrets = Secrets.from_env(env)
    problems.extend(secrets.problems())
    if problems or app is None:
        raise ConfigError(problems)
    return Settings(app=app, secrets=secrets, config_path=path)
