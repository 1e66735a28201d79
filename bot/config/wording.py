"""`Wording`: words an operator writes in app.yaml for people to read (a survey's questions),
as one text, or as one text per language (``{en: ..., de: ...}``), so each reader gets them in
their language (`bot.chat.catalogues.pick`). Each language named must be shipped, so
check-config refuses one nobody could be shown in."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from bot.chat.catalogues import refuse_unshipped


def wording(max_length: int) -> object:
    """The type of a setting holding words of at most `max_length` characters each."""

    def check(value: str | dict[str, str]) -> str | dict[str, str]:
        texts = [value] if isinstance(value, str) else list(value.values())
        if not texts:
            raise ValueError("give the words, or one text per language like {en: ..., de: ...}")
        if isinstance(value, dict):
            for language in value:
                refuse_unshipped(language)
        for text in texts:
            if not text.strip():
                raise ValueError("the words must not be empty")
            if len(text) > max_length:
                raise ValueError(f"at most {max_length} characters: {text[:40]!r}...")
        return value

    return Annotated[str | dict[str, str], AfterValidator(check)]
