"""Misspelt words of a question, corrected to the knowledge base's own words before it is searched.

The lexical half of retrieval forgives typos (character trigrams, `knowledge.lexical`); the embedding
model does not: "how can i crosh out my text on git hub" lands elsewhere than "cross out". Measured on
a noisy copy of the StackFAQ dev questions (lower case, a typo in a fifth of the longer words; seeded
script in BENCHMARKS), hit@1 fell 0.947 → 0.894 and coverage 0.684 → 0.539; trigrams alone brought
back 0.007 of that.

A word is corrected only when nobody knows it: it is not among the knowledge base's terms, and the
word list of the KB's language (`wordfreq`: ~40 languages, each list loads in a fraction of a second)
does not have it either. "charged" is an English word, so it stays, even in a help centre that only
says "changed"; "accont" is in neither, so it becomes the knowledge base's word one edit away (a
letter dropped, added, changed, or two neighbours swapped: Damerau distance 1, the bulk of real
typos) that the language uses most, then the KB. A listed word is never corrected, even a rare one
next to a common one: on the German dev questions, taking a listed word for a typo when the
correction was a hundred times commoner turned "Pass" into "dass", "Line" into "eine" and "Sicht" into
"nicht" (English words and nouns next to German function words). Common misspellings that the lists
carry ("conect") stay for the lexical side's trigrams to forgive. Words shorter than `MIN_LENGTH`
have too many neighbours one edit away to guess from, and a knowledge base in a language without a
word list is left alone (a typo cannot be told from a word there). The caller never corrects a question in another language
than the articles' (`knowledge.language.differs`): its words are unknown to the KB by nature.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache

from knowledge.lexical import STOP_WORDS, stem

MIN_LENGTH = 4
# A question has a typo or two. More unknown words than this is a pasted log, code or another language:
# left as it is (each unknown word costs ~1,000 look-ups, so this also bounds a hostile 40,000-character
# message's cost).
MAX_UNKNOWN = 8
# the letters of the words corrected and of their edits (Latin scripts, accents included); words in
# other scripts stay as typed
LETTERS = "abcdefghijklmnopqrstuvwxyzàáâãäåæçèéêëìíîïñòóôõöøùúûüýßœ"
_LETTERS = frozenset(LETTERS)
_WORD = re.compile(r"\w+")
_lock = threading.Lock()

Frequencies = Callable[[Sequence[str]], Mapping[str, int]]  # KB terms -> how many chunks use each


@cache
def _lists() -> frozenset[str]:
    from wordfreq import available_languages

    return frozenset(available_languages(wordlist="large"))


def listed(languages: Collection[str]) -> list[str]:
    """The languages among `languages` that have a word list (sorted)."""
    return sorted(set(languages) & _lists())


def frequency(word: str, languages: Sequence[str]) -> float:
    """How common `word` is in the likeliest of `languages` (wordfreq's Zipf scale: log10 of uses per
    billion words; 0 when no list has it). Each list loads on first use."""
    from wordfreq import zipf_frequency

    with _lock:  # wordfreq loads and caches a list on first use; one thread at a time does
        return max(zipf_frequency(word, lang, wordlist="large") for lang in languages)


def edits(word: str) -> set[str]:
    """Every string one edit from `word`: a letter dropped, inserted, substituted, or two swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    out |= {a + c + b for a, b in splits for c in LETTERS}
    out.discard(word)
    return out


def _term(word: str) -> str | None:
    """The KB term a lower-case word of `LETTERS` is indexed under (None for a stop word): what
    `knowledge.lexical.words` makes of it, without its tokenizing (a question's edits number thousands)."""
    return None if word in STOP_WORDS else stem(word)


def correct(question: str, *, languages: Collection[str], frequencies: Frequencies) -> str:
    """`question` with each word nobody knows replaced by the KB's likeliest word one edit away (see
    the module doc); unchanged when nothing needs or allows correcting."""
    lists = listed(languages)
    if not lists:
        return question
    candidates = {
        w
        for w in (found.lower() for found in _WORD.findall(question))
        if len(w) >= MIN_LENGTH and set(w) <= _LETTERS and _term(w) is not None
    }
    if not candidates:
        return question
    asked = {w: _term(w) for w in candidates}
    df = frequencies(sorted({t for t in asked.values() if t}))
    unknown = [w for w in sorted(candidates) if not df.get(asked[w] or "") and frequency(w, lists) == 0]
    if not unknown or len(unknown) > MAX_UNKNOWN:
        return question
    neighbours = {w: {e: _term(e) for e in edits(w) if len(e) >= MIN_LENGTH} for w in unknown}
    terms = sorted({t for near in neighbours.values() for t in near.values() if t})
    df = frequencies(terms)
    fixes = {}
    for w, near in neighbours.items():
        # the commonest word of the language among the KB's words (the noisy channel's prior:
        # "formatting", not the misspelling "formating", though the KB indexes both), then the most used
        # in the KB (product names are in no list), the shorter, the first alphabetically: a question is
        # always corrected the same way
        options = sorted(
            (-frequency(e, lists), -df[t], len(e), e) for e, t in near.items() if t and df.get(t, 0) > 0
        )
        if options:
            fixes[w] = options[0][3]
    if not fixes:
        return question
    return _WORD.sub(lambda m: _cased(fixes.get(m.group(0).lower()), m.group(0)), question)


def _cased(fix: str | None, typed: str) -> str:
    """The correction written as the word was typed: "Accont" → "Account", "ACCONT" → "ACCOUNT"."""
    if fix is None:
        return typed
    if typed.isupper() and len(typed) > 1:
        return fix.upper()
    return fix[:1].upper() + fix[1:] if typed[:1].isupper() else fix


def warm_up(languages: Collection[str]) -> None:
    """Load the word lists of these languages now (a fraction of a second each), not on a question."""
    if lists := listed(languages):
        frequency("warm", lists)
