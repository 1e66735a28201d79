"""Every table of the schema, imported in one place so SQLModel's metadata is complete."""

from sqlmodel import SQLModel

from storage.complaints import Complaint, ComplaintAlert, ComplaintCounter
from storage.csat import SurveyAnswer, SurveyFollowUp, SurveyInvitation
from storage.csat_links import SurveyKudos
from storage.images import ChatImage
from storage.kudos import (
    KudosLedger,
    KudosReaction,
    KudosRecipient,
    KudosRedemption,
    KudosRewardStock,
    KudosVoucher,
)
from storage.models import AuditEvent, ConversationRef, Person, ProcessedRequest, ScheduledRun
from storage.outbox import OutboxMessage
from storage.pulses import PulseAnswer, PulseCampaign, PulseDelivery, PulseOptOut, PulseReply
from storage.send_budget import SendBudget
from storage.tickets import Ticket

metadata = SQLModel.metadata

__all__ = ["AuditEvent", "ChatImage", "Complaint", "ComplaintAlert", "ComplaintCounter",
           "ConversationRef",
           "KudosLedger", "KudosReaction", "KudosRecipient", "KudosRedemption",
           "KudosRewardStock", "KudosVoucher", "OutboxMessage", "Person",
           "ProcessedRequest",
           "PulseAnswer", "PulseCampaign", "PulseDelivery", "PulseOptOut", "PulseReply",
           "ScheduledRun", "SendBudget", "SurveyAnswer", "SurveyFollowUp", "SurveyInvitation",
           "SurveyKudos",
           "Ticket",
           "metadata"]
