"""The `complaints` section: what a complaint can be about, how fast IT answers it, and how
many one person may file."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from bot.config.base import Strict


class ImpactSla(Strict):
    """Business hours within which a complaint of one impact is acknowledged and resolved."""

    acknowledge_hours: float = Field(gt=0)
    resolve_hours: float = Field(gt=0)

    @model_validator(mode="after")
    def _acknowledge_first(self) -> ImpactSla:
        if self.acknowledge_hours > self.resolve_hours:
            raise ValueError("acknowledge_hours must not be more than resolve_hours")
        return self


def _default_complaint_sla() -> dict[str, ImpactSla]:
    return {"low": ImpactSla(acknowledge_hours=8, resolve_hours=40),
            "medium": ImpactSla(acknowledge_hours=4, resolve_hours=16),
            "high": ImpactSla(acknowledge_hours=1, resolve_hours=8)}


class RateLimit(Strict):
    count: int = Field(default=5, ge=1)
    per_minutes: int = Field(default=60, ge=1)


class ComplaintsConfig(Strict):
    """The complaint log: what a complaint can be about, and how fast IT answers it."""

    services: list[str] = Field(default_factory=lambda: [
        "Service desk", "Laptops and devices", "Email and calendar", "Network and Wi-Fi",
        "Business applications", "Other"], min_length=1)
    categories: list[str] = Field(default_factory=lambda: [
        "Responsiveness", "Quality of fix", "Communication", "Attitude", "Repeat issue"],
        min_length=1)
    root_causes: list[str] = Field(default_factory=lambda: [
        "Process", "People", "Tooling", "Communication", "Third party", "Not an IT issue"],
        min_length=1)
    sla: dict[str, ImpactSla] = Field(default_factory=_default_complaint_sla)
    """Impact (low, medium, high) -> its SLA in business hours."""
    remind_before_hours: float = Field(default=1, ge=0)
    """Business hours before a breach at which the owner is reminded."""
    satisfaction_close_days: int = Field(default=5, ge=1)
    """Days after resolution with no answer to "are you satisfied?" before it is closed."""
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    """How many complaints one person may file in a window."""
    max_length: int = Field(default=3000, ge=100, le=3000)
    ticket_pattern: str = r"^[A-Za-z]{2,10}-?[0-9]{1,10}$"
    """What a related ticket number looks like (INC0012345, SD-42)."""

    @field_validator("sla")
    @classmethod
    def _impacts(cls, sla: dict[str, ImpactSla]) -> dict[str, ImpactSla]:
        if set(sla) != {"low", "medium", "high"}:
            raise ValueError("give exactly the impacts low, medium and high")
        return sla

    @field_validator("services", "categories", "root_causes")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        if len({name.strip().lower() for name in names}) != len(names):
            raise ValueError("names must be distinct")
        if any(not name.strip() or len(name) > 75 for name in names):
            raise ValueError("each name must be 1 to 75 characters")
        return names

    @field_validator("ticket_pattern")
    @classmethod
    def _pattern(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc})") from None
        return pattern
