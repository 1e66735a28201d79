"""The audit trail: who did what to which record, and when."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent


def record(session: AsyncSession, *, actor_id: int | None, action: str, subject_type: str,
           subject_id: str | int, **detail: Any) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes."""
    event = AuditEvent(actor_id=actor_id, action=action, subject_type=subject_type,
                       subject_id=str(subject_id), detail=detail)
    session.add(event)
    return event
