"""The confidence curve's fit (knowledge.calibration): people's verdicts shift it, always to a finite place."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.calibration import fit, self_curve, with_feedback


@settings(max_examples=200)
@given(
    wrong=st.lists(st.floats(min_value=-0.1, max_value=0.6), min_size=1, max_size=30),
    right=st.lists(st.floats(min_value=-0.1, max_value=0.6), min_size=1, max_size=30),
    slope=st.floats(min_value=0.5, max_value=400.0),
    verdict=st.floats(min_value=-0.1, max_value=0.6),
    n=st.integers(min_value=1, max_value=20),
)
def test_the_intercept_for_a_fixed_slope_is_always_found(
    wrong: list[float], right: list[float], slope: float, verdict: float, n: int
) -> None:
    """People's verdicts shift the curve; the shift is the likelihood's root whatever the data (a
    Newton step on a curve whose points all sat far on one side sent the intercept to 2e10)."""
    _, b = fit(wrong, right, slope=slope)
    assert math.isfinite(b) and abs(b) <= slope * 0.7 + 61
    ws = [1.0] * (len(wrong) + n)
    _, shifted = fit([*wrong, *[verdict] * n], right, ws, slope=slope)
    assert shifted <= b + 1e-6  # more wrong answers never make the curve answer sooner
    pull = sum(
        w * (y - 1 / (1 + math.exp(-max(-50, min(50, slope * x + shifted)))))
        for x, y, w in zip(
            [*wrong, *[verdict] * n, *right],
            [0.0] * len(ws) + [1.0] * len(right),
            [*ws, *[1.0] * len(right)],
            strict=True,
        )
    )
    assert abs(pull) < 1e-3 or abs(shifted) > 50  # the root, or saturated (every point on one side)


def test_five_wrong_answers_on_one_question_move_the_threshold_above_it() -> None:
    curve = self_curve(
        [0.0, 0.1, 0.13, 0.18, 0.22, 0.32], [0.25, 0.3, 0.39, 0.39, 0.39, 0.45], 0.04, "margin"
    )
    after = with_feedback(curve, [], [0.30] * 5)
    assert curve.evidence_at(0.65) < after.evidence_at(0.65) < 1.0
