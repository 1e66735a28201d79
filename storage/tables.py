"""Every table of the schema, imported in one place so SQLModel's metadata is complete."""

from sqlmodel import SQLModel

from storage.complaints import Complaint, ComplaintAlert, ComplaintCounter
from storage.csat import SurveyAnswer, SurveyFollowUp, SurveyInvitation
from storage.models import AuditEvent, ConversationRef, Person, ProcessedRequest, ScheduledRun
from storage.tickets import Ticket

metadata = SQLModel.metadata

__all__ = ["AuditEvent", "Complaint", "ComplaintAlert", "ComplaintCounter", "ConversationRef",
           "Person", "ProcessedRequest", "ScheduledRun", "SurveyAnswer", "SurveyFollowUp",
           "SurveyInvitation", "Ticket", "metadata"]
