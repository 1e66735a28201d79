"""Every word a person reads, as Jinja2 templates written once for Slack and Teams.

See bot/chat/templates.py for the filters a template may use and how typed text is escaped.
"""
