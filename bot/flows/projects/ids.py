"""Project review ids: the buttons of the owner's, stakeholders' and end users' DMs and the
forms they open, with their field names."""

CREATE_FORM = "project.create"
OWNER_FIELD = "owner"
STAKEHOLDERS_FIELD = "stakeholders"
AUDIENCE_FIELD = "audience"
CLOSES_FIELD = "closes"
EVERYONE = "everyone"

CONDITIONS_OPEN = "project.conditions"
"""The owner's button opening the conditions form; its value is the project id."""
CONDITIONS_FORM = "project.conditions.form"
STAKEHOLDER_FIELD = "s"
"""Followed by the stakeholder's position: ``s0`` .. ``s5``."""

REVIEW_OPEN = "project.review"
"""A stakeholder's button opening the review form; its value is the project id."""
REVIEW_FORM = "project.review.form"
CONDITION_FIELD = "c"
"""Followed by the condition's position in the review: ``c0`` .. ``c9``."""
OVERALL_FIELD = "overall"
MET, NOT_MET = "met", "not_met"

RATE_ACTION = "project.rate."
"""An end user's 1-5 button: ``project.rate.4``; its value is the project id."""
SATISFACTION = range(1, 6)
