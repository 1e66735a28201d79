"""Touchpoint: a Slack and Microsoft Teams bot that measures how IT service is received."""
