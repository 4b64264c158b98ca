"""The demo clock: forward only, human durations, and a start when every team is at work."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import SAMPLE_DIR
from bot.demo.workspace import DemoClock, _human
from bot.support import load_support_config
from bot.tickets.clocks import calendar_for


def test_advance_takes_human_durations_forward_only() -> None:
    clock = DemoClock()
    assert clock.advance("+2h") == timedelta(hours=2)
    assert clock.advance("1h30m") == timedelta(minutes=90)
    assert clock.offset == timedelta(hours=3, minutes=30)
    for bad, says in (
        ("-2h", "only moves forward"),
        ("soon", "not a duration"),
        ("90d", "more than 60 days"),
    ):
        with pytest.raises(ValueError, match=says):
            clock.advance(bad)
    assert clock.offset == timedelta(hours=3, minutes=30)  # a refused move changes nothing
    assert _human(timedelta(days=1, hours=2, minutes=5)) == "+1d2h5m"


SAMPLE = load_support_config(SAMPLE_DIR / "support.yaml")
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "real",
    [
        datetime(2026, 11, 30, 21, 34, tzinfo=UTC),  # Monday evening in Berlin: next day, 15:00 Berlin
        datetime(2026, 12, 1, 8, 30, tzinfo=UTC),  # Tuesday morning in Berlin: New York still asleep
        datetime(2026, 12, 4, 19, 0, tzinfo=UTC),  # Friday evening: the next Monday
        datetime(2026, 11, 26, 10, 0, tzinfo=UTC),  # Thanksgiving: New York's holiday is skipped
    ],
)
def test_the_demo_starts_when_every_team_of_the_sample_is_at_work(real: datetime) -> None:
    clock = DemoClock.when_every_team_works(SAMPLE, now=real)
    start = real + clock.offset
    assert clock.offset >= timedelta(0)
    berlin, new_york = start.astimezone(BERLIN), start.astimezone(NEW_YORK)
    assert berlin.weekday() < 5 and (berlin.hour, berlin.minute) == (15, 0)
    assert (new_york.hour, new_york.minute) == (9, 0) and new_york.date() != date(2026, 11, 26)


def test_the_demo_keeps_real_time_when_everyone_is_already_at_work() -> None:
    real = datetime(2026, 12, 2, 14, 10, tzinfo=UTC)  # Wednesday, 15:10 Berlin, 09:10 New York
    assert DemoClock.when_every_team_works(SAMPLE, now=real).offset == timedelta(0)


def test_a_new_york_ticket_breaches_within_the_tours_three_hours() -> None:
    """Tour step 4: a normal ticket of the New York team (2 working hours to a first reply), opened
    when the demo starts, is breached after `/demo clock +3h`."""
    start = datetime(2026, 11, 30, 21, 34, tzinfo=UTC)
    start += DemoClock.when_every_team_works(SAMPLE, now=start).offset
    due = calendar_for(SAMPLE, "technical").add_business_seconds(start, 2 * 3600)
    assert due - start == timedelta(hours=2)
