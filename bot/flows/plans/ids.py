"""Every id the plan feature puts on the wire. `ADD_BUTTON` is the one other features use: a
digest puts it on its message, with the figure as the button's value, and the press opens
the plan form with that figure chosen."""

from __future__ import annotations

ADD_BUTTON = "plan.add"
"""Action id of "Add plan item"; its value is one of storage.plans.FIGURES (or empty)."""

FORM = "plan.form"
"""Callback id of the plan form."""

# Fields of the plan form.
FIGURE = "figure"
CHANGE = "change"
OWNER = "owner"
OWNER_EMAIL = "owner_email"
DUE = "due"
