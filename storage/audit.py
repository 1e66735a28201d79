"""The audit trail: who did what to which record, and when."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent


def record(session: AsyncSession, *, actor_id: int | None, action: str, subject_type: str,
           subject_id: str | int, **detail: Any) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes."""
    event = AuditEvent(actor_id=actor_id, action=action, subject_type=subject_type,
                       subject_id=str(subject_id), detail=detail)
    session.add(event)
    return event


async def latest(session: AsyncSession, subject_type: str, subject_id: str | int
                 ) -> AuditEvent | None:
    """The last event recorded about one record (its newest change), or None."""
    statement = (select(AuditEvent)
                 .where(col(AuditEvent.subject_type) == subject_type,
                        col(AuditEvent.subject_id) == str(subject_id))
                 .order_by(col(AuditEvent.id).desc()).limit(1))
    return (await session.exec(statement)).first()
