"""Counted nouns in text people read (the command line, check-config, logs): "1 row",
"2 rows", never "row(s)"."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` and the noun in the number it takes (`nouns`, else `noun` + "s")."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"
