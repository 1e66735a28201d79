"""Every table of the schema, imported in one place so SQLModel's metadata is complete."""

from sqlmodel import SQLModel

from storage.kudos import (
    KudosLedger,
    KudosReaction,
    KudosRecipient,
    KudosRedemption,
    KudosRewardStock,
    KudosVoucher,
    KudosWallPost,
)
from storage.models import AuditEvent, ConversationRef, Person, ProcessedRequest, ScheduledRun

metadata = SQLModel.metadata

__all__ = ["AuditEvent", "ConversationRef", "Person", "ProcessedRequest", "ScheduledRun",
           "metadata"]
__all__ += ["KudosLedger", "KudosReaction", "KudosRecipient", "KudosRedemption",
            "KudosRewardStock", "KudosVoucher", "KudosWallPost"]
