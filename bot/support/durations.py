"""Parse human durations ("90m", "2h", "1h30m", "3d") and weekly schedules ("mon-fri 09:00-17:00")."""

from __future__ import annotations

import re

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_minutes(value: object) -> int:
    """Return a duration in minutes from an int (minutes) or a string like '2h', '1h30m', '3d'."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '2h' or '90m', got a boolean")
    if isinstance(value, int | float):
        minutes = int(value)
    else:
        match = _DURATION.match(str(value))
        if not match or not any(match.groups()):
            raise ValueError(f"'{value}' is not a duration; write it like '30m', '2h', '1h30m' or '3d'")
        d, h, m = (int(g) if g else 0 for g in match.groups())
        minutes = d * 1440 + h * 60 + m
    if minutes <= 0:
        raise ValueError(f"duration must be positive, got {value!r}; use e.g. '2h'")
    return minutes


def parse_day_spec(spec: str) -> list[int]:
    """Return weekday indexes (0=Monday) from 'mon-fri', 'sat,sun', 'daily' or 'mon'."""
    spec = spec.strip().lower()
    if spec in ("daily", "every day", "all"):
        return list(range(7))
    days: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            first, last = (p.strip()[:3] for p in part.split("-", 1))
            if first not in DAYS or last not in DAYS:
                raise ValueError(f"'{part}' is not a day range; use names like 'mon-fri'")
            a, b = DAYS.index(first), DAYS.index(last)
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            if part[:3] not in DAYS:
                raise ValueError(f"'{part}' is not a day; use mon, tue, wed, thu, fri, sat or sun")
            days.append(DAYS.index(part[:3]))
    return sorted(set(days))


def parse_time_range(text: str) -> tuple[int, int]:
    """Return (start, end) minutes of the day from '09:00-17:30'; '24:00' is the end of the day."""
    match = _RANGE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time range; write it like '09:00-17:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"'{text}' has an impossible time; hours run 00-24, minutes 00-59")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(f"'{text}' ends before it starts; overnight shifts are two ranges on two days")
    return start, end
