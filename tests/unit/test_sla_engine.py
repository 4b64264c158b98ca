"""The SLA engine against a minute-stepping reference, and worked examples a support lead can check."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.calendar import BusinessCalendar
from bot.sla import Timeline, evaluate
from bot.support.models import Priority, SlaPolicy
from tests.sla_reference import reference, utc

POLICY = SlaPolicy.model_validate(
    {
        "business_hours": True,
        "warn_at": [0.5, 0.75],
        "targets": {
            "urgent": {"first_response": "30m", "resolution": "4h"},
            "high": {"first_response": "1h", "resolution": "8h"},
            "normal": {"first_response": "2h", "resolution": "12h"},
            "low": {"first_response": "8h", "resolution": "1d"},
        },
    }
)
BERLIN = BusinessCalendar.from_week(
    "Europe/Berlin", {d: ((540, 1020),) for d in range(5)}, [date(2026, 12, 25)]
)


def test_normal_ticket_friday_afternoon_is_due_monday_morning() -> None:
    # Created Fri 16:00 Berlin (15:00 UTC, winter): 1 h left on Friday, 1 h more on Monday -> Mon 10:00 local.
    timeline = Timeline(created_at=utc(2026, 12, 4, 15, 0), priority=Priority.NORMAL)
    report = evaluate(timeline, POLICY, BERLIN, now=utc(2026, 12, 4, 15, 30))
    assert report.first_response.due_at == utc(2026, 12, 7, 9, 0)
    assert report.first_response.used_seconds == 30 * 60
    assert report.first_response.state == "running"
    assert report.first_response.warnings_crossed == ()


def test_holiday_is_skipped() -> None:
    # Thu 24 Dec 16:00 local; Fri 25 Dec is a holiday: the second hour falls on Monday 28 Dec.
    timeline = Timeline(created_at=utc(2026, 12, 24, 15, 0), priority=Priority.NORMAL)
    report = evaluate(timeline, POLICY, BERLIN, now=utc(2026, 12, 24, 15, 0))
    assert report.first_response.due_at == utc(2026, 12, 28, 9, 0)


def test_waiting_on_customer_pauses_the_resolution_clock() -> None:
    created = utc(2026, 12, 1, 8, 0)  # Tue 09:00 local
    timeline = Timeline(
        created_at=created,
        priority=Priority.URGENT,
        first_response_at=created + timedelta(minutes=10),
        status_changes=[
            (created + timedelta(hours=1), "waiting_on_customer"),
            (created + timedelta(hours=5), "open"),
        ],
    )
    report = evaluate(timeline, POLICY, BERLIN, now=created + timedelta(hours=6))
    assert report.resolution.used_seconds == 2 * 3600
    assert report.resolution.paused_seconds == 4 * 3600
    assert report.resolution.warnings_crossed == (0.5,)
    assert report.first_response.state == "stopped" and not report.first_response.breached


def test_priority_change_reapplies_targets_from_creation() -> None:
    created = utc(2026, 12, 1, 8, 0)
    timeline = Timeline(
        created_at=created,
        priority=Priority.LOW,
        priority_changes=[(created + timedelta(hours=3), Priority.URGENT)],
    )
    before = evaluate(timeline, POLICY, BERLIN, now=created + timedelta(hours=2))
    after = evaluate(timeline, POLICY, BERLIN, now=created + timedelta(hours=3))
    assert not before.first_response.breached
    assert after.priority is Priority.URGENT
    assert after.first_response.breached_at == created + timedelta(minutes=30)


def test_breach_at_the_target() -> None:
    created = utc(2026, 12, 1, 8, 0)
    timeline = Timeline(created_at=created, priority=Priority.HIGH)
    report = evaluate(timeline, POLICY, BERLIN, now=created + timedelta(hours=2))
    assert report.first_response.breached_at == created + timedelta(hours=1)
    assert report.first_response.left_seconds == -3600


# ---- property test: the engine equals the minute-stepping reference --------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata", "America/Santiago"]
# Windows around DST changes in these zones (and ordinary weeks), so generated timelines cross them.
ANCHORS = [
    utc(2026, 3, 27, 0, 0),
    utc(2026, 10, 23, 0, 0),
    utc(2026, 3, 6, 0, 0),
    utc(2026, 10, 30, 0, 0),
    utc(2026, 4, 3, 0, 0),
    utc(2026, 9, 4, 0, 0),
    utc(2026, 6, 10, 0, 0),
]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    days: dict[int, tuple[tuple[int, int], ...]] = {}
    for day in range(7):
        if draw(st.booleans()):
            start = draw(st.integers(0, 23)) * 60 + draw(st.sampled_from([0, 30]))
            end = draw(st.integers(start + 30, 1440))
            days[day] = ((start, end),)
    if not days:
        days[0] = ((0, 1440),)
    anchor = draw(st.sampled_from(ANCHORS))
    holidays = draw(
        st.lists(st.integers(0, 12), max_size=2).map(
            lambda xs: [(anchor + timedelta(days=x)).date() for x in xs]
        )
    )
    return BusinessCalendar.from_week(zone, days, holidays)


@st.composite
def timelines(draw: st.DrawFn) -> tuple[Timeline, object]:
    anchor = draw(st.sampled_from(ANCHORS))
    created = anchor + timedelta(minutes=draw(st.integers(0, 4 * 1440)))
    t = created
    changes = []
    for _ in range(draw(st.integers(0, 5))):
        t = t + timedelta(minutes=draw(st.integers(1, 900)))
        changes.append(
            (t, draw(st.sampled_from(["open", "waiting_on_customer", "resolved", "reopened", "closed"])))
        )
    responded = None
    if draw(st.booleans()):
        responded = created + timedelta(minutes=draw(st.integers(0, 3000)))
    priority_changes = []
    if draw(st.booleans()):
        priority_changes.append(
            (created + timedelta(minutes=draw(st.integers(0, 3000))), draw(st.sampled_from(list(Priority))))
        )
    timeline = Timeline(
        created_at=created,
        priority=draw(st.sampled_from(list(Priority))),
        status_changes=changes,
        priority_changes=priority_changes,
        first_response_at=responded,
    )
    now = created + timedelta(minutes=draw(st.integers(0, 6000)))
    return timeline, now


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=timelines(), calendar=calendars(), business=st.booleans())
def test_engine_matches_minute_stepping_reference(data, calendar: BusinessCalendar, business: bool) -> None:
    timeline, now = data
    policy = POLICY.model_copy(update={"business_hours": business})
    report = evaluate(timeline, policy, calendar, now)
    expected = reference(timeline, policy, calendar, now)
    for clock in (report.first_response, report.resolution):
        used, paused, breached_at, due, state = expected[clock.metric]
        assert clock.used_seconds == used * 60, clock.metric
        assert clock.paused_seconds == paused * 60, clock.metric
        assert clock.breached_at == breached_at, clock.metric
        assert clock.state == state, clock.metric
        if due is not None or clock.due_at is None or (clock.due_at - now) < timedelta(days=40):
            assert clock.due_at == due, clock.metric
