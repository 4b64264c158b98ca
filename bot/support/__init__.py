"""Support configuration: teams, categories, SLA policies, roles, channels, check-ins (one YAML file)."""

from bot.support.loader import ConfigError, ConfigIssue, load_support_config, parse_support_config
from bot.support.models import (
    Category,
    ChannelConfig,
    Level,
    Priority,
    SlaPolicy,
    SupportConfig,
    Team,
)

__all__ = [
    "Category",
    "ChannelConfig",
    "ConfigError",
    "ConfigIssue",
    "Level",
    "Priority",
    "SlaPolicy",
    "SupportConfig",
    "Team",
    "load_support_config",
    "parse_support_config",
]
