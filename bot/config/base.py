"""The base every app.yaml section is built on: a strict, frozen model.

Strict, so a misspelt key is reported (``csat.quiet_hour: unknown key``) instead of silently
ignored; frozen, so settings read at start-up cannot change under a running process.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
