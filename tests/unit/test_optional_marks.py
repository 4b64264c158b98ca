"""Arabic and Hebrew words are the same words with or without their optional marks (vowel signs,
shadda, tatweel, points), in questions and in articles (knowledge/terms.py, knowledge/spelling.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from knowledge.chunking import Chunk
from knowledge.lexical import analysed
from knowledge.spelling import normalised
from knowledge.terms import tokens

PLAIN = ["حذف", "الحساب", "تفعيل", "المصادقة", "الثنائية", "أصدر", "البيانات", "שלום", "חשבון", "סיסמה"]
ARABIC_MARKS = ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b", "\u0670", "\u0640"]
HEBREW_MARKS = ["\u05b0", "\u05b4", "\u05b7", "\u05b8", "\u05b9", "\u05bc", "\u05c1", "\u05c2"]


@st.composite
def marked(draw: st.DrawFn) -> tuple[str, str]:
    """(a phrase of plain words, the same phrase with marks after some of its letters)"""
    chosen = draw(st.lists(st.sampled_from(PLAIN), min_size=1, max_size=5))
    out = []
    for word in chosen:
        marks = HEBREW_MARKS if "\u0590" <= word[0] <= "\u05ff" else ARABIC_MARKS
        letters = [ch + (draw(st.sampled_from(marks)) if draw(st.booleans()) else "") for ch in word]
        out.append("".join(letters))
    return " ".join(chosen), " ".join(out)


@given(marked())
def test_marks_change_no_term_and_no_question(pair: tuple[str, str]) -> None:
    plain, with_marks = pair
    assert tokens(with_marks) == tokens(plain)  # the lexical index and search
    assert normalised(with_marks) == normalised(plain)  # what the model reads and the search gets
    article = Chunk("d#0", "d", with_marks, "", with_marks, None, "public", 0)
    assert analysed(article) == analysed(Chunk("d#0", "d", plain, "", plain, None, "public", 0))


def test_named_cases_and_other_scripts_untouched() -> None:
    assert tokens("كيف أُصدِّر البيانات")[:3] == ["كيف", "أصدر", "البيانات"]  # was كيف, أ, صد, ر
    assert tokens("حـذف الحـساب")[:2] == ["حذف", "الحساب"]  # tatweel: never matched حذف
    # accents, umlauts, Devanagari vowel signs and CJK are letters of their words, kept
    assert tokens("naïve café Straße")[:3] == ["naïve", "café", "straße"]
    assert normalised("हिन्दी में पासवर्ड") == "हिन्दी में पासवर्ड"
