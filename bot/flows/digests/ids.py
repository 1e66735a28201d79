"""The digest's names the handlers and the command line share: the chat command's word and
the scheduled jobs'."""

WORD = "digest"
"""``/touchpoint digest [NAME]``."""
CATCH_UP_JOB = "digests.catch_up"
CATCH_UP_MINUTES = 5


def job_name(digest: str) -> str:
    """The scheduled job of one digest, claimed per fire time across replicas."""
    return f"digest.{digest}"
