"""Business calendars: weekly hours and holidays in a time zone, exact across DST changes.

A UTC instant is business time when its wall-clock time in the calendar's zone falls inside that
weekday's hours and its local date is not a holiday. Intervals are computed per local date from the
zone's UTC offsets, so skipped (spring) and repeated (autumn) wall-clock hours are counted as they
really happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
_DAY = timedelta(days=1)
_MAX_DAYS = 3700  # ten years: a calendar with no hours at all must not loop forever


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (0=Monday, minutes of the day) and holidays, in `timezone`."""

    timezone: str = "UTC"
    hours: tuple[tuple[tuple[int, int], ...], ...] = field(default_factory=lambda: ((0, 1440),) * 7)
    holidays: frozenset[date] = frozenset()

    @classmethod
    def always(cls) -> BusinessCalendar:
        """A 24x7 calendar with no holidays."""
        return cls("UTC", tuple(((0, 1440),) for _ in range(7)), frozenset())

    @classmethod
    def from_week(
        cls,
        timezone: str,
        days: dict[int, tuple[tuple[int, int], ...]],
        holidays: frozenset[date] | list[date] = (),
    ) -> BusinessCalendar:
        """Build from a {weekday: ((start, end), ...)} mapping."""
        return cls(timezone, tuple(tuple(days.get(d, ())) for d in range(7)), frozenset(holidays))

    @property
    def is_always(self) -> bool:
        return not self.holidays and all(h == ((0, 1440),) for h in self.hours)

    def day_intervals(self, day: date) -> tuple[Interval, ...]:
        """The UTC intervals of business time on local date `day`."""
        return _day_intervals(self.timezone, self.hours[day.weekday()], day in self.holidays, day)

    def intervals(self, start: datetime, end: datetime) -> Iterator[Interval]:
        """Business intervals clipped to [start, end), in order."""
        day = start.astimezone(UTC).date() - _DAY
        last = end.astimezone(UTC).date() + _DAY
        while day <= last:
            for a, b in self.day_intervals(day):
                lo, hi = max(a, start), min(b, end)
                if lo < hi:
                    yield lo, hi
            day += _DAY

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Business seconds in [start, end) (0 when end <= start)."""
        if end <= start:
            return 0.0
        if self.is_always:
            return (end - start).total_seconds()
        return sum((b - a).total_seconds() for a, b in self.intervals(start, end))

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The first instant at which `seconds` of business time have passed since `start`."""
        if seconds <= 0:
            return start
        if self.is_always:
            return start + timedelta(seconds=seconds)
        remaining = seconds
        day = start.astimezone(UTC).date() - _DAY
        for _ in range(_MAX_DAYS):
            for a, b in self.day_intervals(day):
                a = max(a, start)
                if a >= b:
                    continue
                span = (b - a).total_seconds()
                if span >= remaining:
                    return a + timedelta(seconds=remaining)
                remaining -= span
            day += _DAY
        raise ValueError("the calendar has no working hours in the next ten years")


@lru_cache(maxsize=65536)
def _day_intervals(
    timezone: str, hours: tuple[tuple[int, int], ...], holiday: bool, day: date
) -> tuple[Interval, ...]:
    if holiday or not hours:
        return ()
    zone = ZoneInfo(timezone)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)  # the local midnight, read as if UTC
    lo, hi = midnight - timedelta(hours=15), midnight + timedelta(hours=39)
    pieces = _offset_pieces(zone, lo, hi)
    out: list[Interval] = []
    for start_min, end_min in hours:
        wall_a, wall_b = midnight + timedelta(minutes=start_min), midnight + timedelta(minutes=end_min)
        for piece_lo, piece_hi, offset in pieces:
            a, b = max(wall_a - offset, piece_lo), min(wall_b - offset, piece_hi)
            if a < b:
                if out and out[-1][1] >= a:
                    out[-1] = (out[-1][0], max(out[-1][1], b))
                else:
                    out.append((a, b))
    return tuple(sorted(out))


def _offset_pieces(zone: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime, timedelta]]:
    """Split [lo, hi) into pieces of constant UTC offset (real zones change at most once a day)."""
    first, last = _offset(zone, lo), _offset(zone, hi)
    if first == last:
        mid = lo + (hi - lo) / 2
        if _offset(zone, mid) == first:
            return [(lo, hi, first)]
        return [*_offset_pieces(zone, lo, mid), *_offset_pieces(zone, mid, hi)]
    a, b = lo, hi  # find the change to the second: offset(a) == first, offset(b) != first
    while (b - a) > timedelta(seconds=1):
        mid = a + (b - a) / 2
        mid = mid.replace(microsecond=0)
        if mid <= a:
            break
        if _offset(zone, mid) == first:
            a = mid
        else:
            b = mid
    return [(lo, b, first), *_offset_pieces(zone, b, hi)]


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset
