"""The people directory: who is who on Slack and Teams, their roles and segments."""
