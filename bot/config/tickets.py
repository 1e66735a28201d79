"""The `tickets` section: the service desks sending ticket events, and the SLA targets per
priority that tickets are measured against, in business time."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BeforeValidator, Field, field_validator, model_validator

from bot.config.base import Strict

_DURATION = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?$")
SourceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
OverridableField = Literal["title", "requester_email", "assignee_email", "priority", "service",
                           "updated_at", "first_response_at", "resolved_at", "reopened_at"]
"""The generic fields a source may read from a place of its own (`fields`)."""


class TicketSource(Strict):
    """One service desk sending ticket events: which payload preset reads them, and how its own
    statuses and priorities map onto Touchpoint's (on top of the preset's defaults)."""

    preset: Literal["generic", "jira_service_management", "servicenow", "zendesk",
                    "freshservice", "freshdesk"] = "generic"
    statuses: dict[str, Literal["open", "resolved", "closed"]] = Field(default_factory=dict)
    """The desk's status name -> open, resolved or closed."""
    priorities: dict[str, str] = Field(default_factory=dict)
    """The desk's priority name -> the priority the SLA targets are named by (P1, ...)."""
    fields: dict[OverridableField, Annotated[str, Field(min_length=1, max_length=200)]] = \
        Field(default_factory=dict)
    """A generic field -> the dotted path of the body where this desk sends it, read before
    the preset's own place (a business rule naming the caller's email `u_caller_mail`)."""
    ticket_url: str | None = None
    """Where the desk shows a ticket, with ``{id}`` for its number
    (``https://desk.example.com/browse/{id}``): digests link the tickets they name."""

    @field_validator("ticket_url")
    @classmethod
    def _ticket_url(cls, url: str | None) -> str | None:
        if url is not None and (not url.startswith("https://") or "{id}" not in url):
            raise ValueError("give an https:// address with {id} where the ticket's number goes")
        return url

    def link(self, external_id: str) -> str | None:
        """The ticket's address at the desk, if the desk gives one."""
        return None if self.ticket_url is None else self.ticket_url.replace(
            "{id}", quote(external_id, safe=""))


def _business_minutes(value: Any) -> timedelta:
    match = _DURATION.fullmatch(str(value).strip())
    if match is None or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration like 30m, 4h or 1h30m")
    duration = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
    if duration <= timedelta(0):
        raise ValueError("must be longer than zero")
    return duration


BusinessDuration = Annotated[timedelta, BeforeValidator(_business_minutes)]


class SlaTarget(Strict):
    """Business time allowed for one priority, from the ticket's opening."""

    first_response: BusinessDuration
    resolution: BusinessDuration

    @model_validator(mode="after")
    def _response_first(self) -> SlaTarget:
        if self.resolution < self.first_response:
            raise ValueError("resolution must not be shorter than first_response")
        return self


class Tickets(Strict):
    """Ticket events from service desks, and the SLA they are measured against."""

    sources: dict[SourceName, TicketSource] = Field(
        default_factory=lambda: {"generic": TicketSource()}, min_length=1)
    sla: dict[str, SlaTarget] = Field(default_factory=dict)
    """Priority -> targets; tickets of a priority not listed have no SLA."""
    at_risk: float = Field(default=0.8, gt=0, lt=1)
    """An open ticket is at risk once this share of a target's business time is used."""
