"""The `kudos` section: service-excellence vouchers, who may receive them, how many each
person may give, and the rewards their points buy."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from bot.config.base import Strict
from bot.config.channels import ChannelTarget
from bot.config.people import Role

_REWARD_KEY = r"^[a-z0-9][a-z0-9-]{0,63}$"


class KudosReward(Strict):
    """One token reward people may redeem their kudos points for."""

    key: str = Field(pattern=_REWARD_KEY)
    """What people type: ``/kudos redeem coffee``."""
    name: str = Field(min_length=1, max_length=75)
    cost: int = Field(ge=1)
    stock: int | None = Field(default=None, ge=0)
    """How many can ever be handed out (a declined redemption gives one back); None: no limit."""
    needs_approval: bool = True


def _default_recipient_roles() -> list[Role]:
    return [Role.IT_STAFF, Role.IT_LEAD, Role.ADMIN]


class KudosSettings(Strict):
    """Service-excellence vouchers: who may receive them, how many, what they are worth."""

    recipient_roles: list[Role] = Field(default_factory=_default_recipient_roles, min_length=1)
    weekly_allowance: int = Field(default=5, ge=1, le=100)
    """Vouchers each person may give per week (one per recipient); resets Monday 00:00 in
    the giver's own time zone."""
    points_per_voucher: int = Field(default=10, ge=1)
    values: list[Annotated[str, Field(min_length=1, max_length=75)]] = Field(
        default_factory=list)
    """Optional categories a voucher may name (``Above and beyond``)."""
    rewards: list[KudosReward] = Field(default_factory=list)
    approvals: ChannelTarget | None = None
    """Where redemption requests go for an IT lead or admin; the triage channel when unset."""

    @model_validator(mode="after")
    def _unique_keys(self) -> KudosSettings:
        keys = [reward.key for reward in self.rewards]
        if len(keys) != len(set(keys)):
            raise ValueError("rewards: each reward needs its own key")
        if len(self.values) != len(set(self.values)):
            raise ValueError("values: each value must be named once")
        return self

    def reward(self, key: str) -> KudosReward | None:
        return next((reward for reward in self.rewards if reward.key == key.lower()), None)
