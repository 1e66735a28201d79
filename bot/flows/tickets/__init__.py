"""Tickets from the service desk: intake, SLA targets and their states."""
