"""The demo clock: forward only, human durations, and a start on a working morning."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.demo.workspace import DemoClock, _human


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


def test_the_demo_starts_on_a_weekday_morning_in_the_managers_zone() -> None:
    clock = DemoClock.on_a_working_morning("Europe/Berlin")
    local = clock().astimezone(ZoneInfo("Europe/Berlin"))
    assert local.weekday() < 5 and 9 <= local.hour < 15
    assert clock.offset >= timedelta(0)
