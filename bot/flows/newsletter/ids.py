"""The newsletter draft's buttons (each carries the issue's id) and its edit form."""

from __future__ import annotations

APPROVE = "newsletter.approve"
EDIT = "newsletter.edit"
SKIP = "newsletter.skip"

EDIT_FORM = "newsletter.edit_form"
"""Callback id of the form that edits a draft's intro; its metadata is the issue's id."""
INTRO = "intro"
