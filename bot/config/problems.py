"""Configuration problems as `check-config` lists them: each as ``path: message``.

Every section's validation errors become one line naming the key's dotted path, so an
operator fixes them all in one go; the command line prints them and exits 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError


class ConfigError(Exception):
    """The configuration has problems; `problems` lists each as ``path: message``."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def problems_of(exc: ValidationError) -> list[str]:
    """Each of pydantic's errors as one ``path: message`` line."""
    return [line for error in exc.errors() for line in _describe(error).split("\n")]


def _describe(error: Mapping[str, Any]) -> str:
    path = ".".join(str(part) for part in error["loc"] if not str(part).startswith("function-"))
    kind = error["type"]
    if kind == "missing":
        message = "required"
    elif kind == "extra_forbidden":
        message = "unknown key"
    elif kind in ("model_type", "dict_type"):
        message = "must be a mapping of keys to values"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path}: {message}" if path else message
