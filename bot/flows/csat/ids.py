"""CSAT's ids: the action id of each button on the survey, the thank-you and the low-score
alert, and the comment form's callback id and field. The flows draw them, the handlers route
them, the tests press them."""

ACTION_SCORE = "csat.score"
"""A score button on the survey; its value is ``<invitation id>:<score>``."""
ACTION_COMMENT = "csat.comment"
""""Add a comment" on the thank-you (Teams: "Send comment", with the card's comment box)."""
ACTION_KUDOS = "csat.kudos"
""""Send kudos" on the thank-you for praise of the assignee."""
ACTION_REACH_OUT = "csat.reach_out"
""""Reach out" on a low-score alert."""
ACTION_COMPLAINT = "csat.complaint"
""""Log as complaint" on a low-score alert."""

FORM_COMMENT = "csat.comment"
"""The comment form (Slack's modal after a score); its metadata is the invitation id."""

FIELD_COMMENT = "comment"
"""The comment, in the form and in the survey card's comment box (Teams)."""
