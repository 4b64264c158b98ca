"""Misspelt words corrected to the knowledge base's own before a question is searched
(`knowledge.spelling`): what is corrected, to what, and what never is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.spelling import MIN_LENGTH, alphabet, correct, edits, frequency
from knowledge.terms import words

HELP_CENTRE = """
Connect Acme to Slack. Install the Slack integration from the admin console and connect your account.
Refunds: we refund annual plans within 30 days. Your invoice changed? Download your invoice as PDF.
Remove a member who left: open Members, choose the account and remove it. Strikethrough formatting.
Schlüssel und Passwort ändern: öffnen Sie die Einstellungen, dass Konto wechseln.
"""
INTERNAL = "Runbook: the voice of our macros and their tone; close the ticket; escalate to the on-call."
KB = Counter(words(HELP_CENTRE))
EVERY = KB + Counter(words(INTERNAL))


def frequencies(terms: Sequence[str]) -> Mapping[str, int]:
    return {t: KB[t] for t in terms if KB[t]}


def fix(question: str, languages: Sequence[str] = ("en",), audience: Counter[str] = KB) -> str:
    """As a customer asks (only the public help centre is theirs to read), of a KB with internal articles."""
    return correct(
        question,
        languages=set(languages),
        known=lambda terms: {t: EVERY[t] for t in terms if EVERY[t]},
        seen=lambda terms: {t: audience[t] for t in terms if audience[t]},
    )


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("how do i reemove a membr who left", "how do i remove a member who left"),
        ("Accont settings", "Account settings"),  # written as typed
        ("ACCONT", "ACCOUNT"),
        ("where is my invocie", "where is my invoice"),  # two letters swapped
        ("connect acme to slakc", "connect acme to slack"),
        # "conect" is a misspelling common enough to be listed: it stays (the lexical side's trigrams
        # forgive it); "slak" is in no list
        ("conect acme to slak", "conect acme to slack"),
        ("stikethrough in a message", "strikethrough in a message"),
    ],
)
def test_a_word_nobody_knows_becomes_the_knowledge_bases_word_one_edit_away(
    typed: str, searched: str
) -> None:
    assert fix(typed) == searched


@pytest.mark.parametrize(
    "question",
    [
        "We were charged twice",  # "charged" is English, though the KB only says "changed"
        "Can I get a refund for my invoice?",  # every word known
        "acme",  # shorter than MIN_LENGTH, or known
        "xqzvkw frobnicator",  # nothing in the KB one edit away
        "我怎么下载发票",  # another script
    ],
)
def test_known_words_and_hopeless_ones_stay_as_typed(question: str) -> None:
    assert fix(question) == question


def test_a_listed_word_of_the_kbs_language_is_never_taken_for_a_typo() -> None:
    # German: "Pass" and "Sicht" are words one edit from the far commoner "dass" and "nicht"
    assert fix("Pass und Sicht", languages=["de"]) == "Pass und Sicht"
    assert fix("Passwort ändenr", languages=["de"]) == "Passwort ändern"


def test_a_language_without_a_word_list_is_left_alone() -> None:
    assert fix("reemove a membr", languages=["xx"]) == "reemove a membr"
    assert fix("reemove a membr", languages=[]) == "reemove a membr"
    # a KB partly in a language without a list: its words could not be told from typos
    assert fix("reemove a membr", languages=["en", "da"]) == "reemove a membr"


@pytest.mark.parametrize(
    ("typed", "customer", "staff"),
    [
        # "voice", "tone" and "close" are only in the internal runbook
        ("download my nvoice", "download my invoice", "download my invoice"),
        ("the macros and their tnoe", "the macros and their tnoe", "the macros and their tone"),
        ("clsoe my plan", "clsoe my plan", "close my plan"),
    ],
)
def test_a_question_is_corrected_only_towards_words_the_asker_may_read(
    typed: str, customer: str, staff: str
) -> None:
    assert fix(typed) == customer
    assert fix(typed, audience=EVERY) == staff


def test_unicode_is_compared_as_written() -> None:
    assert fix("my acc\u200bont settings") == "my account settings"  # a zero-width space is not a word break
    assert (
        fix("Passwort a\u0308ndenr", languages=["de"]) == "Passwort ändern"
    )  # a decomposed "ä" is one letter
    assert fix("Pass\u0308wort") == "Pass\u0308wort"  # nothing to correct: the question is returned as typed


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(sorted(set(HELP_CENTRE.lower().split()) | {"accont", "reemove", "membr"})), max_size=8
    )
)
def test_corrections_are_kb_words_one_edit_away_and_stable(typed: list[str]) -> None:
    question = " ".join(typed)
    searched = fix(question)
    assert len(searched.split()) == len(question.split())
    for before, after in zip(question.split(), searched.split(), strict=True):
        if before != after:
            bare_before, bare_after = before.strip(".,:?!").lower(), after.strip(".,:?!").lower()
            assert len(bare_before) >= MIN_LENGTH and frequency(bare_before, ["en"]) == 0
            assert bare_after in edits(bare_before, alphabet("en")) and KB[words(bare_after)[0]] > 0
    assert fix(searched) == searched  # a corrected question needs no second pass


def test_a_paste_of_unknown_words_is_left_alone_without_looking_up_their_neighbours() -> None:
    import random

    rng = random.Random(1)
    paste = " ".join("".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7)) for _ in range(5000))
    asked: list[int] = []

    def counted(terms: Sequence[str]) -> Mapping[str, int]:
        asked.append(len(terms))
        return frequencies(terms)

    assert correct(paste, languages={"en"}, known=counted, seen=counted) == paste
    assert len(asked) == 1  # its own words only: no edits of 5,000 unknown words (~7 million look-ups)
    # one unknown word repeated is one word to correct
    assert fix("reemove " + " ".join(["membr"] * 50)) == "remove " + " ".join(["member"] * 50)
    # one very long unknown word: its edit neighbourhood (~100 strings per letter) is not computed
    asked.clear()
    assert correct("accont" + "x" * 3000, languages={"en"}, known=counted, seen=counted).startswith("accont")
    assert len(asked) <= 1


def test_languages_written_without_spaces_are_not_corrected() -> None:
    # a "word" of Chinese or Japanese is a run of a sentence; wordfreq would need a segmenter for it
    assert fix("我怎么下载发票呢朋友们", languages=["zh"]) == "我怎么下载发票呢朋友们"
    assert fix("reemove a membr", languages=["en", "ja"]) == "reemove a membr"  # a KB partly in Japanese


def test_the_typed_first_letter_is_kept_when_a_correction_can_keep_it() -> None:
    """ "asigned" is one edit from "signed" and from "assigned"; the articles say "sign" far more often,
    but people rarely get a word's first letter wrong."""
    kb = Counter(words("Sign in. Signed in? Sign out. Sign up with SSO. Tickets are assigned to a team."))
    counts = lambda terms: {t: kb[t] for t in terms if kb[t]}  # noqa: E731
    typed = "my ticket was asigned to the wrong team"
    assert (
        correct(typed, languages={"en"}, known=counts, seen=counts)
        == "my ticket was assigned to the wrong team"
    )
