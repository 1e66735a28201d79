"""Kudos' action, callback and form field ids: the giving form and the buttons of a
redemption's approval card. Flows, handlers and tests import them from here."""

GIVE_FORM = "kudos.give"
"""Callback id of the giving form (``/kudos`` with nothing after it)."""

RECIPIENTS = "recipients"
STORY = "story"
VALUE = "value"
VISIBILITY = "visibility"
"""Field ids of the giving form."""

APPROVE = "kudos.approve"
DECLINE = "kudos.decline"
FULFIL = "kudos.fulfil"
"""Action ids of the buttons on a redemption's approval card."""
