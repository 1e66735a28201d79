"""Complaints: `/complain`, tracking numbers, triage, the lifecycle and its SLA."""
