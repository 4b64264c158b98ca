"""Pydantic models of the support configuration; cross-references are checked in `loader.py`."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from bot.support.customers import Customer, HealthSettings
from bot.support.durations import parse_day_spec, parse_minutes, parse_time_range
from bot.support.knowledge import KnowledgeConfig
from bot.support.membership import GroupMembers, NoGroups


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Level(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"

    def next(self) -> Level | None:
        """The level above this one, or None at the top."""
        order = list(Level)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


Minutes = Annotated[int, BeforeValidator(parse_minutes)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{value}' is not a known time zone; use an IANA name such as 'Europe/Berlin' or 'UTC'"
        ) from None
    return value


class WeeklyHours(_Strict):
    """Working hours: weekday index (0=Monday) -> list of (start, end) minutes of the day."""

    days: dict[int, tuple[tuple[int, int], ...]]

    @classmethod
    def parse(cls, value: object) -> WeeklyHours:
        """Accept '24x7', 'mon-fri 09:00-17:00', a list of such lines, or a {days: ranges} mapping."""
        if isinstance(value, WeeklyHours):
            return value
        if isinstance(value, str) and value.strip().lower() in ("24x7", "24/7", "always"):
            return cls(days={d: ((0, 1440),) for d in range(7)})
        lines: list[tuple[str, str]] = []
        if isinstance(value, str):
            value = [value]
        if isinstance(value, dict):
            for key, ranges in value.items():
                for r in ranges if isinstance(ranges, list) else [ranges]:
                    lines.append((str(key), str(r)))
        elif isinstance(value, list):
            for line in value:
                head, _, tail = str(line).strip().partition(" ")
                if not tail:
                    raise ValueError(f"'{line}' needs days and hours, like 'mon-fri 09:00-17:00'")
                lines.append((head, tail))
        else:
            raise ValueError("working hours must be '24x7', 'mon-fri 09:00-17:00' or a list of such lines")
        days: dict[int, list[tuple[int, int]]] = {}
        for day_spec, ranges in lines:
            for part in ranges.split(","):
                span = parse_time_range(part)
                for d in parse_day_spec(day_spec):
                    days.setdefault(d, []).append(span)
        merged = {d: tuple(_merge(spans)) for d, spans in days.items()}
        return cls(days=merged)

    def is_always(self) -> bool:
        return all(self.days.get(d) == ((0, 1440),) for d in range(7))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


Hours = Annotated[WeeklyHours, BeforeValidator(WeeklyHours.parse)]


class Team(_Strict):
    name: str | None = None
    triage_channel: str = Field(description="Channel id (C…) or #name where ticket cards are posted")
    members: list[str] = Field(default_factory=list)
    user_group: str | None = Field(
        default=None, description="Slack user group id (S…): its members are agents of the team too"
    )
    timezone: Annotated[str, BeforeValidator(_check_timezone)] = "UTC"
    working_hours: Hours = Field(default_factory=lambda: WeeklyHours.parse("mon-fri 09:00-17:00"))
    holidays: list[date] = Field(default_factory=list)
    assignment: Literal["manual", "round_robin", "least_loaded"] = "manual"
    max_open_per_agent: int | None = Field(default=None, ge=1)


class PriorityCue(_Strict):
    """What sets a request's priority: phrases ('production down' → urgent, whole words) and/or example
    requests ('Nobody on our team can log in since this morning'): a request closer to one of the
    examples than to any ordinary category example gets the priority. A cue that refers to a past
    incident ("a credit for last week's outage") does not apply; the reason says so."""

    priority: Priority
    phrases: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_trigger(self) -> PriorityCue:
        if not self.phrases and not self.examples:
            raise ValueError("give 'phrases' (words that set the priority) or 'examples' (requests like it)")
        return self


class Category(_Strict):
    team: str
    description: str = ""
    examples: list[str] = Field(default_factory=list)
    level: Level = Level.L1
    default_priority: Priority | None = None
    priority_cues: list[PriorityCue] = Field(
        default_factory=list, description="cues that apply to this category's requests only"
    )


class Targets(_Strict):
    first_response: Minutes
    resolution: Minutes


class SlaPolicy(_Strict):
    business_hours: bool = Field(default=True, description="false: the clock runs 24x7")
    targets: dict[Priority, Targets]
    warn_at: list[float] = Field(default_factory=lambda: [0.75])
    breach_actions: list[Literal["notify_assignee", "notify_team", "notify_managers", "raise_level"]] = Field(
        default_factory=lambda: ["notify_assignee", "notify_team"]
    )

    @field_validator("warn_at")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        for f in value:
            if not 0 < f < 1:
                raise ValueError(f"warning fraction {f} must be between 0 and 1; write e.g. 0.75 for 75%")
        return sorted(set(value))

    @field_validator("targets")
    @classmethod
    def _all_priorities(cls, value: dict[Priority, Targets]) -> dict[Priority, Targets]:
        missing = [p.value for p in Priority if p not in value]
        if missing:
            raise ValueError(f"targets are missing for {', '.join(missing)}; give each priority a target")
        return value


class Sla(_Strict):
    default_policy: str
    policies: dict[str, SlaPolicy]
    policy_by_tier: dict[str, str] = Field(default_factory=dict)


class Roles(_Strict):
    agents: list[str] = Field(default_factory=list)
    managers: list[str] = Field(default_factory=list)
    admins: list[str] = Field(default_factory=list)


class ChannelConfig(_Strict):
    name: str | None = None
    mode: Literal["answer_all", "mention_only", "tickets_only"] = "mention_only"
    audience: Literal["customer", "staff"] = "customer"
    on_abstain: Literal["offer_ticket", "open_ticket"] = "offer_ticket"
    tier: str = "standard"
    team: str | None = None


class CheckIn(_Strict):
    channel: str
    days: Annotated[list[int], BeforeValidator(lambda v: parse_day_spec(v) if isinstance(v, str) else v)]
    at: str = Field(pattern=r"^\d{2}:\d{2}$")
    message: str = Field(min_length=1)


class Onboarding(_Strict):
    after_days: list[int] = Field(default_factory=lambda: [1, 7, 30])
    message: str = "Hi! Checking in: how is everything going? Reply here if you need anything."


class Managers(_Strict):
    channel: str | None = None
    digest_time: str = Field(default="09:00", pattern=r"^\d{2}:\d{2}$")
    timezone: Annotated[str, BeforeValidator(_check_timezone)] = "UTC"


class CannedAnswer(_Strict):
    """A fixed reply checked before the knowledge base: any keyword (whole words) or the regex matches."""

    keywords: list[str] = Field(default_factory=list)
    pattern: str | None = None
    reply: str = Field(min_length=1, max_length=2800)
    title: str = "Quick answer"
    url: str | None = None

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(
                    f"not a valid regular expression ({exc}); check the brackets and escapes"
                ) from None
        return value

    @model_validator(mode="after")
    def _has_a_trigger(self) -> CannedAnswer:
        if not self.keywords and not self.pattern:
            raise ValueError(
                "give 'keywords' (a list of words) or 'pattern' (a regex) to say when it applies"
            )
        return self

    def matches(self, question: str) -> bool:
        text = question.lower()
        if any(re.search(rf"\b{re.escape(k.lower())}\b", text) for k in self.keywords):
            return True
        return bool(self.pattern and re.search(self.pattern, question, flags=re.I))


class Routing(_Strict):
    out_of_scope_threshold: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="leave unset: the router calibrates its out-of-scope rule from the categories' "
        "examples; a number here overrides it with a fixed probability threshold",
    )
    out_of_scope_examples: list[str] = Field(default_factory=list)
    priority_cues: list[PriorityCue] = Field(default_factory=list)
    tier_priority: dict[str, Priority] = Field(default_factory=dict, description="minimum priority per tier")
    acknowledge_within: Minutes | None = Field(
        default=None, description="reassign an auto-assigned ticket not acknowledged in time"
    )
    presence_cache_seconds: int = Field(default=300, ge=0)
    user_group_cache_seconds: int = Field(
        default=300, ge=10, description="how long a team's Slack user group members are reused"
    )


class Reminders(_Strict):
    """Nudges: durations are business time of the ticket's team."""

    stale_after: Minutes = Field(
        default=240, description="nudge the assignee after this long without an update"
    )
    unclaimed_after: Minutes = Field(default=30, description="remind the team about a ticket nobody took")
    waiting_followup_after: Minutes = Field(
        default=480, description="ask the requester again after this long"
    )
    waiting_max_nudges: int = Field(default=2, ge=0, description="then resolve the ticket automatically")


class SupportConfig(_Strict):
    general_team: str
    teams: dict[str, Team]
    categories: dict[str, Category] = Field(default_factory=dict)
    escalation: dict[Level, str] = Field(default_factory=dict, description="level -> team that takes it")
    sla: Sla
    roles: Roles = Field(default_factory=Roles)
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    checkins: list[CheckIn] = Field(default_factory=list)
    onboarding: Onboarding = Field(default_factory=Onboarding)
    managers: Managers = Field(default_factory=Managers)
    canned_answers: list[CannedAnswer] = Field(default_factory=list)
    routing: Routing = Field(default_factory=Routing)
    reminders: Reminders = Field(default_factory=Reminders)
    knowledge: KnowledgeConfig = Field(default_factory=KnowledgeConfig)
    customers: dict[str, Customer] = Field(default_factory=dict, description="accounts, by key")
    health: HealthSettings = Field(default_factory=HealthSettings)
    reopen_window_days: int = Field(
        default=7, ge=0, description="a requester reply this soon after resolve reopens"
    )
    _groups: GroupMembers = PrivateAttr(default_factory=NoGroups)

    def with_groups(self, groups: GroupMembers) -> SupportConfig:
        """This configuration with teams' `user_group` members resolved by `groups` (the composition root's)."""
        copy = self.model_copy()
        copy._groups = groups
        return copy

    def members_of(self, team: str) -> list[str]:
        """A team's agents: its listed `members`, then its Slack user group's (no duplicates)."""
        spec = self.teams[team]
        group = self._groups.members(spec.user_group) if spec.user_group else ()
        return list(dict.fromkeys([*spec.members, *group]))

    def teams_of(self, user_id: str) -> list[str]:
        """The teams a user is an agent of (members or user group)."""
        return [name for name in self.teams if user_id in self.members_of(name)]

    def user_groups(self) -> dict[str, list[str]]:
        """User group id -> the teams defined (in part) by it."""
        out: dict[str, list[str]] = {}
        for name, team in self.teams.items():
            if team.user_group:
                out.setdefault(team.user_group, []).append(name)
        return out

    def policy_for(self, tier: str | None) -> tuple[str, SlaPolicy]:
        """The SLA policy name and policy for a customer tier (the default when the tier has none)."""
        name = self.sla.policy_by_tier.get(tier or "", self.sla.default_policy)
        return name, self.sla.policies[name]

    def team_for_category(self, category: str | None) -> str:
        """The team that owns a category; the general team when there is none."""
        if category and category in self.categories:
            return self.categories[category].team
        return self.general_team

    def team(self, name: str | None) -> Team:
        """A team by name; the general team for a team no longer configured."""
        return self.teams.get(name or "") or self.teams[self.general_team]

    def role_of(self, user_id: str) -> Literal["admin", "manager", "agent", "requester"]:
        """A Slack user's role: admins, managers, agents (incl. team members and user groups); everyone
        else requests."""
        if user_id in self.roles.admins:
            return "admin"
        if user_id in self.roles.managers:
            return "manager"
        if user_id in self.roles.agents or self.teams_of(user_id):
            return "agent"
        return "requester"
