"""What a CSAT answer led to in the other features: the complaint IT staff logged from a low
score, and the kudos voucher the requester sent after praising the assignee.

Each happens once per survey answer, by a constraint: the complaint is filed under a
submission key made from the invitation (the complaint log's own unique key), and the voucher
is linked in `SurveyKudos`, unique per invitation.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.complaints import Complaint
from storage.kudos import KudosVoucher
from storage.types import UTCDateTime, utcnow


class SurveyKudos(SQLModel, table=True):
    """The voucher a requester sent from their survey's thank-you message."""

    __tablename__ = "survey_kudos"

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="survey_invitation.id", unique=True)
    voucher_id: int = Field(foreign_key="kudos_voucher.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def complaint_key(invitation_id: int) -> str:
    """The submission key of the complaint logged from one survey answer."""
    return f"csat:{invitation_id}"


async def complaint_for(session: AsyncSession, invitation_id: int) -> Complaint | None:
    result = await session.exec(select(Complaint).where(
        Complaint.submission_key == complaint_key(invitation_id)))
    return result.first()


async def kudos_for(session: AsyncSession, invitation_id: int) -> KudosVoucher | None:
    result = await session.exec(
        select(KudosVoucher).join(SurveyKudos, SurveyKudos.voucher_id == KudosVoucher.id)
        .where(SurveyKudos.invitation_id == invitation_id))
    return result.first()
