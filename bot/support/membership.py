"""Team membership from Slack user groups (`user_group: S…` on a team): who is in the group counts as an
agent of the team wherever membership counts (roles, assignment candidates).

The resolver is a seam: `SupportConfig.with_groups(resolver)` hands it in; tests pass their own.
`SlackUserGroups` asks `usergroups.users.list` (scope `usergroups:read`), caches each group for a TTL,
and when a lookup fails keeps the last members it knew (logged, reported by `status()`, `/healthz`
and `deskbot config check`) rather than leaving the team without agents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("deskbot.membership")

RETRY_FAILED_AFTER = 30.0  # seconds before a failed group is asked again (not on every role check)


class GroupMembers(Protocol):
    def members(self, group: str) -> Sequence[str]:
        """The group's members now; never raises (the last known members, or none, when Slack fails)."""
        ...


class NoGroups:
    """No resolver: user groups count for nothing (what `config check` reports as unresolved)."""

    def members(self, group: str) -> Sequence[str]:
        return ()


class StaticGroups:
    """Fixed user groups (tests, the demo)."""

    def __init__(self, groups: dict[str, Sequence[str]]) -> None:
        self.groups = groups

    def members(self, group: str) -> Sequence[str]:
        return tuple(self.groups.get(group, ()))


class GroupLookupError(Exception):
    """Slack could not list a user group; `code` is Slack's error (or the exception's name)."""

    def __init__(self, group: str, code: str) -> None:
        super().__init__(f"user group {group}: {code}")
        self.group = group
        self.code = code


@dataclass
class GroupState:
    members: tuple[str, ...] = ()
    resolved: bool = False  # ever listed successfully
    error: str | None = None  # the last lookup's error, None when it succeeded
    failed_since: float | None = None
    expires: float = 0.0


FIXES = {
    "missing_scope": "add the usergroups:read scope (bot/slack_manifest.yaml) and reinstall the app",
    "no_such_subteam": "check the user group id (S…) in the support YAML (Slack: People → User groups)",
    "paid_teams_only": "user groups need a paid Slack plan: list the agents under members instead",
    "not_authed": "set SLACK_BOT_TOKEN",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid for this workspace",
}


def fix_for(code: str) -> str:
    """What to do about a lookup error."""
    return FIXES.get(code, "check that Slack is reachable and the bot token has usergroups:read")


@dataclass
class SlackUserGroups:
    """User groups from Slack's `usergroups.users.list`, cached `ttl` seconds, last known kept on failure."""

    client: object  # a slack_sdk WebClient
    ttl: float = field(default=300.0, kw_only=True)
    monotonic: Callable[[], float] = field(default=time.monotonic, kw_only=True)
    _states: dict[str, GroupState] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def fetch(self, group: str) -> tuple[str, ...]:
        """Ask Slack now; raises GroupLookupError."""
        try:
            answer = self.client.usergroups_users_list(usergroup=group)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - SlackApiError carries Slack's code; others their name
            response = getattr(exc, "response", None)
            code = response.get("error") if response is not None else None
            raise GroupLookupError(group, str(code or type(exc).__name__)) from exc
        return tuple(str(u) for u in answer.get("users") or ())

    def members(self, group: str) -> Sequence[str]:
        now = self.monotonic()
        with self._lock:
            state = self._states.setdefault(group, GroupState())
            if state.expires > now:
                return state.members
        try:
            found = self.fetch(group)
        except GroupLookupError as exc:
            with self._lock:
                state.error = exc.code
                state.failed_since = state.failed_since or now
                state.expires = now + min(RETRY_FAILED_AFTER, self.ttl)
            kept = (
                f"keeping the {len(state.members)} members last known"
                if state.resolved
                else "no members known"
            )
            log.error(
                "user group %s could not be listed (%s): %s; %s", group, exc.code, kept, fix_for(exc.code)
            )
            return state.members
        with self._lock:
            state.members, state.resolved, state.error, state.failed_since = found, True, None, None
            state.expires = now + self.ttl
        return found

    def refresh(self, groups: Sequence[str]) -> dict[str, GroupState]:
        """Look every group up now (at start, so no request waits for it); returns their states."""
        with self._lock:
            for group in groups:
                self._states.setdefault(group, GroupState()).expires = 0.0
        for group in groups:
            self.members(group)
        return self.status()

    def status(self) -> dict[str, GroupState]:
        with self._lock:
            return {group: GroupState(**vars(state)) for group, state in self._states.items()}


def health_check(groups: SlackUserGroups) -> Callable[[], str]:
    """A `/healthz` entry: stale groups are named, without failing the probe (the last members serve)."""

    def check() -> str:
        stale = sorted(group for group, state in groups.status().items() if state.error)
        if not stale:
            return "ok"
        return f"stale: {', '.join(stale)} (last known members in use; see the log)"

    return check
