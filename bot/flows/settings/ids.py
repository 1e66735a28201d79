"""Settings ids: the buttons that choose where direct messages go, and in which language."""

PLATFORM_ACTION = "settings.platform."
"""Followed by the choice: ``settings.platform.teams``. One action id per button, since
Slack refuses two buttons with the same action id in one block."""
AUTOMATIC = "automatic"
"""Direct messages go where the person last used Touchpoint."""
CHOICES = (AUTOMATIC, "slack", "teams")
LANGUAGE_ACTION = "settings.language."
"""Followed by the choice: ``settings.language.de``, or ``settings.language.automatic``."""
LANGUAGE_WORD = "language"
"""``settings language`` shows the language choice; ``settings language de`` makes it."""
