"""The foundation tables: the people directory, the audit trail, request dedupe, scheduled-run
claims and Teams conversation references.

Feature tables live beside these in their own modules and are imported by `storage.tables`
so Alembic sees the whole schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _timestamp(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class Person(SQLModel, table=True):
    """Someone Touchpoint can talk to, known by a Slack id, a Teams id, or both."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str | None = Field(default=None, unique=True, max_length=32)
    teams_user_id: str | None = Field(default=None, unique=True, max_length=64,
                                      description="Azure AD object id, lower case")
    email: str | None = Field(default=None, index=True, max_length=320,
                              description="lower case")
    display_name: str = Field(default="", max_length=200)
    tz: str = Field(default="UTC", max_length=64, description="IANA time zone")
    role: str = Field(default="employee", max_length=16)
    segments: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)
    last_platform: str | None = Field(default=None, max_length=8,
                                      description="slack or teams: where they last acted")
    preferred_platform: str | None = Field(
        default=None, max_length=8,
        description="slack or teams for their direct messages; none: where they last acted")
    locale: str | None = Field(
        default=None, max_length=35,
        description="the language they chose in their settings; none: automatic")
    platform_locale: str | None = Field(
        default=None, max_length=35,
        description="the language their chat platform last gave (Slack profile, Teams activity)")
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, and when; written in the same transaction as the change."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = _timestamp(index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ProcessedRequest(SQLModel, table=True):
    """An inbound delivery already handled (Slack event id, webhook delivery id, ...)."""

    __tablename__ = "processed_request"

    key: str = Field(primary_key=True, max_length=200)
    source: str = Field(max_length=32)
    received_at: datetime = _timestamp(index=True)


class ScheduledRun(SQLModel, table=True):
    """One run of a scheduled job, claimed by the first replica to insert it."""

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("job", "scheduled_for", name="uq_scheduled_run_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=100)
    scheduled_for: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str = Field(max_length=200)
    claimed_at: datetime = _timestamp()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=16, description="ok or failed")


class ConversationRef(SQLModel, table=True):
    """A Teams conversation the bot may message proactively (a person's 1:1 chat or a channel)."""

    __tablename__ = "conversation_ref"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(unique=True, max_length=300)
    kind: str = Field(max_length=16, description="personal, channel or groupChat")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    reference: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _timestamp()
