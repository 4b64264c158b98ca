"""Misspelt words of a question, corrected to words the asker's articles use before it is encoded.

The lexical half of retrieval forgives typos (character trigrams, `knowledge.lexical`); the embedding
model does not: "how can i crosh out my text on git hub" lands elsewhere than "cross out". Measured on
a noisy copy of the StackFAQ dev questions (`python -m tests.bench.kb_noisy`: lower case, a typo in a
fifth of the longer words), hit@1 fell 0.947 → 0.894 and coverage 0.684 → 0.539; trigrams alone
brought back 0.007 of that. The corrected question is what the model reads; the lexical search keeps
the words as typed (its trigrams match them anyway, and a wrong correction then costs only one side).

A word is corrected only when nobody knows it: it is not among the knowledge base's terms, and the
word list of the KB's language (`wordfreq`'s "large" lists: 21 languages, each loads in a fraction of
a second) does not have it either. "charged" is an English word, so it stays, even in a help centre
that only says "changed"; "accont" is in neither, so it becomes the word one edit away (a letter
dropped, added, changed, or two neighbours swapped: Damerau distance 1, the bulk of real typos),
preferably one with the typed first letter, that the most articles *this asker may read* use, then
the language's commonest: a customer's question is
never corrected towards a word only internal articles use. A listed word is never corrected, even a
rare one: on the German dev questions, taking a listed word for a typo when the correction was a
hundred times commoner turned "Pass" into "dass", "Line" into "eine" and "Sicht" into "nicht".
Common misspellings the lists carry ("conect") stay for the trigrams to forgive.

Left as typed: words shorter than `MIN_LENGTH` (too many neighbours to guess from) or longer than
`MAX_LENGTH` (compounds, identifiers, pastes: an edit neighbourhood grows with the square of a word's
length), words with letters outside the KB languages' alphabets, questions with more than
`MAX_UNKNOWN` unknown words (a pasted log or another language), and every question of a KB written in
a language without a large list or without spaces between words (Chinese, Japanese: a typo cannot be
told from a word there). The caller never corrects
a question in another language than the articles' (`knowledge.language.differs`).
"""

from __future__ import annotations

import logging
import re
import string
import threading
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache

from knowledge.terms import term_of, unmarked, unspaced

MIN_LENGTH = 4
MAX_LENGTH = 30
# A question has a typo or two. More unknown words than this is a pasted log, code or another language:
# left as it is (each unknown word costs a few thousand look-ups).
MAX_UNKNOWN = 8
_WORD = re.compile(r"\w+")
_lock = threading.Lock()

Counts = Callable[[Sequence[str]], Mapping[str, int]]  # KB terms -> chunks using each (absent: none)


@cache
def _lists() -> frozenset[str]:
    from wordfreq import available_languages

    return frozenset(available_languages(wordlist="large"))


@cache
def alphabet(language: str) -> frozenset[str] | None:
    """The lower-case letters of a language: those of its 5,000 commonest words, plus a–z. None for a
    language written without spaces between words (Chinese, Japanese): a "word" there is a run of a
    sentence, not something one edit from a typo (and wordfreq would need a segmenter to look it up)."""
    from wordfreq import top_n_list

    with _lock:
        common = top_n_list(language, 5000, wordlist="large")
    letters = {ch for word in common for ch in word if ch.isalpha()}
    if unspaced("".join(letters)):
        return None
    return frozenset(string.ascii_lowercase) | letters


def correctable(languages: Collection[str]) -> frozenset[str] | None:
    """The letters words of these languages are made of, when every one of them can be corrected (a
    large word list, spaces between words); None when one cannot: its words could not be told from
    typos, so nothing is corrected."""
    if not languages or not set(languages) <= _lists():
        return None
    alphabets = [alphabet(lang) for lang in sorted(languages)]
    if any(a is None for a in alphabets):
        return None
    return frozenset().union(*alphabets)  # type: ignore[arg-type]


def frequency(word: str, languages: Sequence[str], *, wordlist: str = "large") -> float:
    """How common `word` is in the likeliest of `languages` (wordfreq's Zipf scale: log10 of uses per
    billion words; 0 when no list has it). Each list loads on first use; `wordlist="small"` holds the
    words used at least once per million (`knowledge.language.by_words`)."""
    from wordfreq import zipf_frequency

    with _lock:  # wordfreq loads and caches a list on first use; one thread at a time does
        return max(zipf_frequency(word, lang, wordlist=wordlist) for lang in languages)


def edits(word: str, letters: Collection[str]) -> set[str]:
    """Every string one edit from `word`: a letter dropped, inserted, substituted, or two swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    out.discard(word)
    return out


def normalised(text: str) -> str:
    """NFC, without invisible format characters (zero-width spaces, joiners, BOM): "acc\\u200bount"
    is one word, and a decomposed accent stays on its letter; without the optional vowel marks and
    tatweel of Arabic and Hebrew (`terms.unmarked`): a fully vowelled question is the same question.
    Without lone surrogates either (JSON may escape half a character, "\\ud800"): no encoder can read
    them (the model's raised UnicodeEncodeError and the question was "unavailable")."""
    return unmarked(
        "".join(
            ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) not in ("Cf", "Cs")
        )
    )


def correct(question: str, *, languages: Collection[str], known: Counts, seen: Counts) -> str:
    """`question` with each word nobody knows replaced by the likeliest word one edit away that the
    asker's articles use (see the module doc); unchanged when nothing needs or allows correcting.

    `known`: how many chunks of the whole KB use each term (cheap, for many terms); `seen`: how many
    chunks this asker may read use each of a few terms."""
    letters = correctable(languages)
    if letters is None:
        return question
    lists = sorted(languages)
    text = normalised(question)
    candidates = {
        w
        for w in (found.lower() for found in _WORD.findall(text))
        if MIN_LENGTH <= len(w) <= MAX_LENGTH and set(w) <= letters and term_of(w) is not None
    }
    if not candidates:
        return question
    df = known(sorted({t for w in candidates if (t := term_of(w))}))
    unknown = [w for w in sorted(candidates) if not df.get(term_of(w) or "") and frequency(w, lists) == 0]
    if not unknown or len(unknown) > MAX_UNKNOWN:
        return question
    neighbours = {w: {e: term_of(e) for e in edits(w, letters) if len(e) >= MIN_LENGTH} for w in unknown}
    df = known(sorted({t for near in neighbours.values() for t in near.values() if t}))
    # a spelling that is a word of the language, or exactly a KB term (product names are in no list)
    plausible = {
        w: {e: t for e, t in near.items() if t and df.get(t) and (t == e or frequency(e, lists) > 0)}
        for w, near in neighbours.items()
    }
    readable = seen(sorted({t for near in plausible.values() for t in near.values()}))
    fixes = {}
    for w, near in plausible.items():
        # one that keeps the typed first letter (people rarely get a word's first letter wrong:
        # "asigned" is "assigned", not "signed" however many articles say "sign"), then the most used
        # by the articles this asker may read, the commonest in the language, the shorter, the first
        # alphabetically: a question is always corrected the same way
        options = sorted(
            (e[:1] != w[:1], -readable[t], -frequency(e, lists), len(e), e)
            for e, t in near.items()
            if readable.get(t)
        )
        if options:
            fixes[w] = options[0][-1]
    if not fixes:
        return question
    return _WORD.sub(lambda m: _cased(fixes.get(m.group(0).lower()), m.group(0)), text)


def _cased(fix: str | None, typed: str) -> str:
    """The correction written as the word was typed: "Accont" → "Account", "ACCONT" → "ACCOUNT"."""
    if fix is None:
        return typed
    if typed.isupper() and len(typed) > 1:
        return fix.upper()
    return fix[:1].upper() + fix[1:] if typed[:1].isupper() else fix


def warm_up(languages: Collection[str]) -> None:
    """Load the word lists of these languages now (a fraction of a second each), not on a question.
    A failure here only means the lists load on the first question (where it is handled): a process
    still starts."""
    try:
        if correctable(languages) is not None:
            frequency("warm", sorted(languages))
    except Exception:  # noqa: BLE001 - the spelling step is a help, never a reason not to start
        logging.getLogger("deskbot.kb").exception("could not load the word lists for spelling")
