"""The evidence the confidence curve reads (`knowledge.decide.weighed`): a question in another language
than the articles is weighed as if asked in theirs, by undoing the compression of its scores."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.calibration import Curve
from knowledge.chunking import Chunk
from knowledge.decide import evidence, spread, weighed
from knowledge.retrieve import Hit

CURVE = Curve(slope=60.0, intercept=-2.0, background=0.75, spread=0.02)


def ranked(scores: list[float]) -> list[Hit]:
    ordered = sorted(scores, reverse=True)
    return [
        Hit(f"doc{i}", Chunk(f"doc{i}#0", f"doc{i}", "", "", "", None, "public", 0), s, 0.0, s)
        for i, s in enumerate(ordered)
    ]


def compressed(scores: list[float], factor: float) -> list[float]:
    """The same ranking, its differences shrunk by `factor` and every score lowered (a translation)."""
    mean = sum(scores) / len(scores)
    return [mean - 0.05 + (s - mean) * factor for s in scores]


SAME_LANGUAGE = [0.86, 0.81, 0.80, 0.79, 0.785, 0.78, 0.77, 0.76, 0.75, 0.74]


def test_a_foreign_question_compressed_like_a_translation_is_weighed_as_in_the_articles_language() -> None:
    original = ranked(SAME_LANGUAGE)
    curve = replace(CURVE, spread=spread(original))  # the KB's own questions spread like this one
    translated = ranked(compressed(SAME_LANGUAGE, 0.6))
    assert evidence(translated, 5, curve.background) == pytest.approx(0.6 * evidence(original, 5, 0.75))
    assert weighed(translated, 5, curve, foreign=True) == pytest.approx(weighed(original, 5, curve))
    # asked in the articles' language, a question's margin is read as it is, however it spreads
    assert weighed(translated, 5, curve) == evidence(translated, 5, curve.background)


@given(
    st.lists(st.floats(0.5, 0.95), min_size=2, max_size=40),
    st.floats(0.0, 0.1),
    st.booleans(),
)
def test_the_correction_only_ever_undoes_compression(
    scores: list[float], kb_spread: float, foreign: bool
) -> None:
    hits = ranked(scores)
    curve = replace(CURVE, spread=kb_spread)
    margin = evidence(hits, 5, curve.background)
    got = weighed(hits, 5, curve, foreign=foreign)
    if not foreign or kb_spread == 0 or spread(hits) == 0:
        assert got == margin  # same language, an old curve without a spread, or nothing to compare
    else:  # the margin scaled by a factor of at least 1: never shrunk towards "no evidence either way"
        if margin:
            assert got / margin >= 1 - 1e-9
        if spread(hits) >= kb_spread:  # already as sharp as the KB's own questions: left as it is
            assert got == pytest.approx(margin)


def test_a_foreign_question_about_nothing_here_is_not_uncompressed() -> None:
    """Its top article stands out from the rest no more than this KB's typical near miss: a narrow
    spread there says "about nothing in particular", not "translated"."""
    flat = ranked(compressed(SAME_LANGUAGE, 0.3))
    curve = replace(CURVE, spread=spread(ranked(SAME_LANGUAGE)), near_lift=1.0)  # nothing stands out so far
    assert weighed(flat, 5, curve, foreign=True) == evidence(flat, 5, curve.background)
    assert weighed(flat, 5, replace(curve, near_lift=0.0), foreign=True) > evidence(flat, 5, curve.background)


def test_a_degenerate_list_cannot_multiply_a_foreign_margin_without_end() -> None:
    """Three near-equal dense scores spread next to nothing: the factor stops at MOST_UNCOMPRESSED."""
    from knowledge.decide import MOST_UNCOMPRESSED

    hits = [
        Hit(f"d{i}", Chunk(f"d{i}#0", f"d{i}", "", "", "", None, "public", 0), 0.82 + i * 1e-4, 0.0, s)
        for i, s in enumerate([0.90, 0.82, 0.82])
    ]
    curve = replace(CURVE, background=0.827, near_lift=0.0418, spread=0.0165)
    margin = evidence(hits, 5, curve.background)
    assert weighed(hits, 5, curve, foreign=True) == pytest.approx(margin * MOST_UNCOMPRESSED)
