"""Settings: the operator's app.yaml and the environment's secrets, validated into types.

One module per app.yaml section (`organisation`, `channels`, `services`, `people` for roles
and segments, `teams`, `tickets`, `csat`, `complaints`, `kudos`, `pulses`, `outbox`,
`milestones`, `newsletter`, `board`, `digests`), composed into `AppConfig` in `app`; the shared
pieces beside them: the strict base model (`base`), where messages go
(`channels.ChannelTarget`), the environment's secrets (`environment`), how problems are listed
(`problems`) and reading it all into `Settings` (`loading`).

New code imports from the module that owns a name (``from bot.config.csat import Csat``);
the names are also exported here, for code written before the split.
"""

from bot.config.app import AppConfig
from bot.config.channels import Channels, ChannelTarget
from bot.config.complaints import ComplaintsConfig, ImpactSla, RateLimit
from bot.config.csat import Csat, QuietHours
from bot.config.environment import DEFAULT_DATABASE_URL, DEFAULT_SLACK_API_URL, Secrets
from bot.config.kudos import KudosReward, KudosSettings
from bot.config.loading import (
    DEFAULT_CONFIG_PATH,
    Settings,
    config_path,
    load_app_config,
    load_settings,
    parse_app_config,
)
from bot.config.organisation import BusinessHours, HolidayCalendar, Organisation
from bot.config.outbox import OutboxConfig
from bot.config.people import PeopleSelector, Role, Roles, SegmentName
from bot.config.problems import ConfigError
from bot.config.pulses import (
    Anonymity,
    PulseAudience,
    PulseCampaignConfig,
    PulsesConfig,
    SurveyQuestion,
)
from bot.config.teams import TeamsSettings
from bot.config.tickets import BusinessDuration, SlaTarget, SourceName, Tickets, TicketSource

__all__ = [
    "DEFAULT_CONFIG_PATH", "DEFAULT_DATABASE_URL", "DEFAULT_SLACK_API_URL", "Anonymity",
    "AppConfig", "BusinessDuration", "BusinessHours", "ChannelTarget", "Channels",
    "ComplaintsConfig", "ConfigError", "Csat", "HolidayCalendar", "ImpactSla", "KudosReward",
    "KudosSettings", "Organisation", "OutboxConfig", "PeopleSelector", "PulseAudience",
    "PulseCampaignConfig", "PulsesConfig", "QuietHours", "RateLimit", "Role", "Roles",
    "Secrets", "SegmentName", "Settings", "SlaTarget", "SourceName", "SurveyQuestion",
    "TeamsSettings", "TicketSource", "Tickets", "config_path", "load_app_config",
    "load_settings", "parse_app_config",
]
