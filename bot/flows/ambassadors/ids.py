"""The ambassadors' scheduled job and outbox keys."""

JOB = "ambassadors.monthly"
"""The monthly summaries' claimed run, at `ambassadors.day_of_month` and `.time`."""
CATCH_UP_JOB = "ambassadors.catch_up"
CATCH_UP_MINUTES = 15


def summary_key(summary_id: int) -> str:
    return f"ambassador:{summary_id}:summary"


def low_score_key(invitation_id: int, person_id: int) -> str:
    """One ambassador's notice of one survey's low score (edited when a comment follows)."""
    return f"ambassador:{invitation_id}:low_score:{person_id}"
