"""Every table of the schema, imported in one place so SQLModel's metadata is complete."""

from sqlmodel import SQLModel

from storage.models import AuditEvent, ConversationRef, Person, ProcessedRequest, ScheduledRun
from storage.pulses import PulseAnswer, PulseCampaign, PulseDelivery, PulseOptOut, PulseReply

metadata = SQLModel.metadata

__all__ = ["AuditEvent", "ConversationRef", "Person", "ProcessedRequest", "ScheduledRun",
           "metadata"]
__all__ += ["PulseAnswer", "PulseCampaign", "PulseDelivery", "PulseOptOut", "PulseReply"]
