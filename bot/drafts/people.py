"""The names of a ticket's customer side (its requester, the people they added) as Slack knows them,
so a draft can leave them out."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from slack_sdk.errors import SlackApiError

log = logging.getLogger("deskbot.drafts")
PROFILE_NAMES = ("real_name", "display_name", "first_name", "last_name")


def names_of(client: Any, user: str) -> list[str]:
    """`user`'s names (users.info); none when Slack cannot say (their e-mails and phones go anyway)."""
    try:
        found = client.users_info(user=user)["user"]
    except (SlackApiError, OSError, KeyError, TypeError):  # refused, unreachable, or an odd answer
        log.info("no names for %s: a draft from their ticket cannot leave out their name", user)
        return []
    profile = found.get("profile") or {}
    names = [found.get("real_name"), found.get("name"), *(profile.get(k) for k in PROFILE_NAMES)]
    return [str(n) for n in names if n]


def names_of_all(client: Any, users: Iterable[str]) -> list[str]:
    """The names of each of `users` (see `names_of`), in order."""
    return [name for user in users for name in names_of(client, user)]
