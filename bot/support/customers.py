"""The `customers:` and `health:` sections of the support YAML: accounts (a customer organisation, its
tier, the CSM who owns it, its channels and, for Slack Connect, its team ids) and when their health
warns the owner."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _user_id(value: str) -> str:
    if not _USER.match(value):
        raise ValueError(
            f"'{value}' is not a Slack user id; write the person's member id (U…), from their profile's ⋮ menu"
        )
    return value


class Customer(BaseModel):
    """One account. `team_ids`: the Slack team (workspace/organisation) ids of the customer's people in a
    Slack Connect channel (T… or E…), so their requests are theirs wherever they write."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, max_length=120, description="shown name; the key when absent")
    tier: str = "standard"
    owner: str = Field(description="the CSM's Slack user id (U…), who gets the warnings")
    channels: list[str] = Field(default_factory=list, description="channel ids (C…/G…) of this account")
    team_ids: list[str] = Field(default_factory=list, description="Slack Connect team ids (T…/E…)")

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        return _user_id(value)

    @field_validator("channels")
    @classmethod
    def _channel_ids(cls, value: list[str]) -> list[str]:
        for channel in value:
            if not (channel[:1] in ("C", "G") and channel[1:].isalnum() and channel.isupper()):
                raise ValueError(
                    f"'{channel}' is not a channel id; write the id (C… or G…) from the channel's details"
                )
        return value

    @field_validator("team_ids")
    @classmethod
    def _team_ids(cls, value: list[str]) -> list[str]:
        for team in value:
            if not (team[:1] in ("T", "E") and team[1:].isalnum() and team.isupper()):
                raise ValueError(f"'{team}' is not a Slack team id; write the organisation's id (T… or E…)")
        return value


class HealthSettings(BaseModel):
    """When an account's owner is warned: health (0–100) below `warn_below`, or down by `fall_by` points
    or more from its best of the last `fall_days`; once per drop, re-armed at `recover_at` or above."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warn_below: int = Field(default=60, ge=1, le=100)
    recover_at: int = Field(default=70, ge=1, le=100)
    fall_by: int = Field(default=20, ge=1, le=100)
    fall_days: int = Field(default=7, ge=1, le=90)
    window_days: int = Field(default=30, ge=1, le=365, description="the recent period health looks at")
    baseline_windows: int = Field(
        default=3, ge=1, le=24, description="earlier periods of the same length that make the baseline"
    )
    silence_after_checkin_days: int = Field(default=3, ge=1, le=60)
    default_owner: str | None = Field(
        default=None, description="owner of accounts found by themselves (external teams)"
    )

    @field_validator("default_owner")
    @classmethod
    def _default_owner(cls, value: str | None) -> str | None:
        return None if value is None else _user_id(value)

    @model_validator(mode="after")
    def _recover_above_warning(self) -> HealthSettings:
        if self.recover_at < self.warn_below:
            raise ValueError(
                f"recover_at ({self.recover_at}) is below warn_below ({self.warn_below}); "
                "set recover_at to warn_below or higher, or a warning could never re-arm"
            )
        return self
