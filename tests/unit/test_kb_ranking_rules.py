"""The knowledge base's ranking rule (knowledge.retrieve.fuse), checked on examples and as a property."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from knowledge.chunking import Chunk
from knowledge.retrieve import RetrievalParams, fuse


def _chunk(doc: str, position: int) -> Chunk:
    return Chunk(f"{doc}#{position}", doc, doc, "", "", None, "public", position)


def _ranking(
    nearest: Sequence[tuple[str, int, float]], matched: Sequence[tuple[str, float]] = ()
) -> list[str]:
    hits = fuse(
        [(_chunk(d, p), s) for d, p, s in nearest],
        [(_chunk(d, 0), s) for d, s in matched],
        params=RetrievalParams(),
    )
    return [h.doc_id for h in hits]


def test_a_detail_question_is_not_pulled_down_by_a_title_about_something_broader() -> None:
    # "How many points did the Broncos score in the last three minutes?": the passage that says so is
    # the closest thing in the KB, its article's title (the season) is not; another article's title
    # and passage are both fairly close. The passage's article must rank first.
    nearest = [
        ("season", 0, 0.86),  # the passage with the answer
        ("season", -1, 0.70),  # its title
        ("playoffs", 0, 0.82),
        ("playoffs", -1, 0.81),
    ]
    assert _ranking(nearest)[0] == "season"


def test_a_title_that_matches_still_raises_its_article() -> None:
    nearest = [("refunds", 0, 0.80), ("refunds", -1, 0.90), ("billing", 0, 0.82), ("billing", -1, 0.60)]
    assert _ranking(nearest)[0] == "refunds"


scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(chunk=scores, title=scores, other=scores)
def test_a_title_only_ever_raises_a_document(chunk: float, title: float, other: float) -> None:
    """Whatever the scores, an article whose best passage beats every other article's passage and
    title is never ranked below it for its own title."""
    if chunk <= other + 1e-6:
        return
    nearest = [("a", 0, chunk), ("a", -1, title), ("b", 0, other), ("b", -1, other)]
    assert _ranking(nearest)[0] == "a"
