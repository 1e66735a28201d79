"""NPS pulse ids: the buttons of a pulse DM and of a lead's reply, and the forms they open."""

SCORE_ACTION = "pulse.score."
"""Followed by the score, 0 to 10: ``pulse.score.7``."""
SCORES = range(11)
WHY_ACTION = "pulse.why"
COMMENT_FORM = "pulse.comment"
COMMENT_FIELD = "comment"
ANSWER_BACK = "pulse.answer_back"
"""The answer-back button on a lead's reply, and the form it opens."""
ANSWER_BACK_FIELD = "text"
SURVEY_OPEN = "pulse.survey"
"""The button of a satisfaction survey's DM, opening its form."""
SURVEY_FORM = "pulse.survey.form"
SURVEY_FIELD = "q"
"""Followed by the question's position: ``q0`` .. ``q9``."""
SATISFACTION = range(1, 6)
