"""Every table of the schema, imported in one place so SQLModel's metadata is complete."""

from sqlmodel import SQLModel

from storage.ambassadors import AmbassadorSummary
from storage.board import BoardSession, BoardSigninUsed
from storage.broadcasts import (
    Broadcast,
    BroadcastRating,
    BroadcastReminder,
    BroadcastSubscription,
    BroadcastUpdate,
)
from storage.complaints import Complaint, ComplaintAlert, ComplaintCounter
from storage.csat import SurveyAnswer, SurveyFollowUp, SurveyInvitation
from storage.csat_links import SurveyKudos
from storage.digest_rollups import DigestHour, DigestHourFigures
from storage.digests import DigestPost
from storage.home_views import HomeView
from storage.images import ChatImage
from storage.kudos import (
    KudosLedger,
    KudosReaction,
    KudosRecipient,
    KudosRedemption,
    KudosRewardStock,
    KudosVoucher,
)
from storage.milestones import Milestone
from storage.models import AuditEvent, ConversationRef, Person, ProcessedRequest, ScheduledRun
from storage.newsletter import NewsletterIssue
from storage.outbox import OutboxMessage
from storage.people_cache import DirectoryVersion
from storage.plans import PlanItem
from storage.previous_contacts import PreviousContact
from storage.projects import (
    Project,
    ProjectCondition,
    ProjectConditionAnswer,
    ProjectReview,
    ProjectStakeholder,
)
from storage.pulse_surveys import PulseQuestionAnswer, PulseResponse
from storage.pulses import PulseAnswer, PulseCampaign, PulseDelivery, PulseOptOut, PulseReply
from storage.send_budget import SendBudget
from storage.slack_access import SlackAccessLoss
from storage.tickets import Ticket

metadata = SQLModel.metadata

__all__ = ["AmbassadorSummary",
           "AuditEvent", "BoardSession", "BoardSigninUsed", "Broadcast", "BroadcastRating",
           "BroadcastReminder", "BroadcastSubscription", "BroadcastUpdate", "ChatImage",
           "Complaint", "ComplaintAlert", "ComplaintCounter", "ConversationRef", "DigestHour",
           "DigestHourFigures", "DigestPost",
           "DirectoryVersion",
           "HomeView",
           "KudosLedger", "KudosReaction", "KudosRecipient", "KudosRedemption",
           "KudosRewardStock", "KudosVoucher", "Milestone", "NewsletterIssue", "OutboxMessage",
           "Person",
           "PlanItem", "PreviousContact",
           "ProcessedRequest", "Project", "ProjectCondition", "ProjectConditionAnswer",
           "ProjectReview", "ProjectStakeholder",
           "PulseAnswer", "PulseCampaign", "PulseDelivery", "PulseOptOut", "PulseQuestionAnswer",
           "PulseReply", "PulseResponse", "ScheduledRun", "SendBudget", "SlackAccessLoss",
           "SurveyAnswer", "SurveyFollowUp", "SurveyInvitation", "SurveyKudos",
           "Ticket",
           "metadata"]
