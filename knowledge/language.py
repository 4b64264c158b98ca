"""The language of a question or an article, offline.

py3langid (a maintained fork of langid.py; naive Bayes over byte n-grams, 97 languages, the model
ships in the 4.5 MB wheel) was chosen by measurement on the development questions (StackFAQ English,
XQuAD German and Spanish; a lab script at the time, one run on the shared 2-core machine; today's
figures: `python -m tests.bench.language`, BENCHMARKS.md):

| library | accuracy en / de / es | per question | installed |
|---|---|---|---|
| py3langid 0.4 | 1.000 / 0.994 / 1.000 | 0.6 ms | 4.5 MB |
| langdetect 1.0.9 | 0.981 / 0.968 / 0.975 | 28 ms (and random unless seeded) | 2.5 MB |
| lingua 2.1 (all languages, low-accuracy mode) | 0.923 / 0.965 / 0.903 | 8 ms | 96 MB |

Short texts carry little signal: below `MIN_CHARS` letters the answer is None and callers keep their
default (English for the bot's own words). When the detector is unsure, the text's words decide
(`by_words`: "Olvidé mi contraseña" is Spanish by its words, not Extremaduran by its letters), and
None when they do not either.

*Which* language a short request is in and *whether* it is in another language than the articles or
the routing examples are two questions. "Pioverà oggi?" is Italian, Ligurian or Venetian to the
detector (0.48 / 0.15 / 0.10: unsure, so `detect` says None), and English at 0.003: clearly not
English. `differs` answers the second one with odds, not with the first answer: on the routing dev sets
(xSID requests against English examples) it finds 93% / 86% / 93% of the German / Italian / Dutch
requests foreign where `detect` found 91% / 76% / 89%, and flags none of the English BANKING77,
CLINC150, HINT3 and xSID examples that `detect` put in another language (0.2–2%: "cancel alarms" is
Turkish at 0.08).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from functools import cache, lru_cache

MIN_CHARS = 12  # fewer letters than this ("ok", "thanks!") say nothing reliable about the language
MIN_PROBABILITY = 0.5
# `by_words`: the detector's likeliest languages a short, unclear text is checked against word by word,
# and the share of its words a language must know to be the answer
CANDIDATES = 8
KNOWN_SHARE = 0.6
# ... and how many more of them it must know than any other candidate: a misspelt English question is
# made of words of other languages too ("pasword reset not werking": Dutch knows three, English two)
MARGIN = 2
# `differs`: another language must be this many times likelier than the expected one(s). Ten to one is
# the usual bar for strong evidence; a short English phrase ("Delete alarms") spreads its belief over
# many languages and never gets there.
ODDS = 10.0
# Varieties the detector tells apart but a reader of the first does not: a lower-case "how do i rotate
# my api token" is Nigerian Pidgin to py3langid (0.66, English 0.05), "wekker aan" Afrikaans, "Buche bei
# The Halal Guys am 17. Oktober" Luxembourgish. `differs` counts them as the language itself.
VARIETIES: dict[str, frozenset[str]] = {
    "en": frozenset({"pcm"}),
    "nl": frozenset({"af", "fy"}),
    "de": frozenset({"lb"}),
    "it": frozenset({"lij", "vec"}),
    "no": frozenset({"nn"}),
    "nn": frozenset({"no"}),
    "ms": frozenset({"id"}),
    "id": frozenset({"ms"}),
    "hr": frozenset({"bs", "sr"}),
    "bs": frozenset({"hr", "sr"}),
    "sr": frozenset({"hr", "bs"}),
    "zh": frozenset({"wuu", "yue"}),
    "ar": frozenset({"ary", "arz"}),
    "uz": frozenset({"uzs"}),
}
# Detected varieties whose readers read the written language they belong to: `detect` counts their
# probability for it, so "世界杯冠军是谁" (Wu 0.57, Chinese 0.41) is Chinese and a Gulf Arabic question
# ("ابغى ارجع فلوسي": Egyptian 0.61, Arabic 0.26) Arabic, not a reply language nobody writes in. Only
# one-way pairs: Bosnian, Norwegian Nynorsk or Malay are written languages of their own.
READ_AS: dict[str, str] = {
    "pcm": "en",
    "lb": "de",
    "lij": "it",
    "vec": "it",
    "wuu": "zh",
    "yue": "zh",
    "arz": "ar",
    "ary": "ar",
    "uzs": "uz",
}
# Close relatives over which the detector spreads a short question's belief ("¿Cómo cambio mi plan?":
# Spanish 0.36, Galician 0.13, Aragonese 0.08, Ligurian 0.06, Extremaduran 0.05). When a widely written
# language of the family leads clearly (`FAMILY_LEAD` and twice the runner-up) and the family holds
# most of the belief, it is the answer. Short English phrases spread over Italian, Latin and French
# with no clear leader ("Java console error": it 0.23, ca 0.12, pt 0.12) and stay unlabelled; Germanic
# belief spreads over English, Dutch and Afrikaans for a misspelt English question, so Germanic is not
# a family here.
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"es", "pt", "fr", "it", "ca", "gl", "an", "ast", "ext", "oc", "la", "lij", "vec", "wa", "co"}),
)
# the family's languages a question is labelled with: never Latin, Galician or Extremaduran
FAMILY_HEADS = frozenset({"es", "pt", "fr", "it", "ca"})
FAMILY_LEAD = 0.3
SAMPLE = 500  # articles whose language `written_in` detects (0.6 ms each)
MIN_SHARE = 0.02
_lock = threading.Lock()


# What is not the asker's prose: code (blocks and spans), Slack's tokens (mentions, channels, broadcasts;
# a link keeps its label), bare addresses and :emoji: codes. Read as words they outvoted the question: a
# German question with an English error message in a code block got English buttons, and "¿Cómo
# restablezco mi contraseña? :pray: :sweat_smile:" was unclear (a review).
_NOT_PROSE = (
    (re.compile(r"```.*?(?:```|$)", re.S), " "),
    (re.compile(r"`[^`\n]*`"), " "),
    (re.compile(r"<(?:https?://|mailto:)[^|<>\s]*\|([^<>]*)>"), r"\1"),
    (re.compile(r"<[^<>\s]*>"), " "),
    (re.compile(r"(?i)\b(?:https?://|www\.)\S+|\S+@\S+\.\w+"), " "),
    (re.compile(r":(?=[a-z0-9_'-]*[a-z+])[a-z0-9_+'-]{1,40}:"), " "),  # not a time: "10:30:45"
)


def prose(text: str) -> str:
    """`text` without what is not prose (`_NOT_PROSE`) and without invisible format characters (a soft
    hyphen or zero-width space inside a word): what its language is read from, the same whether the
    text was cleaned before (a question) or not (a ticket's title)."""
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cs"))  # Cs: half characters
    for pattern, by in _NOT_PROSE:
        text = pattern.sub(by, text)
    return " ".join(text.split())


@cache
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=256)
def _ranked(text: str) -> tuple[tuple[str, float], ...]:
    """Every language with its probability, likeliest first. Kept for the last few texts: an answer asks
    `detect` (its reply language) and `differs` (whether it is foreign) of the same question."""
    with _lock:
        return tuple((str(lang), float(p)) for lang, p in _identifier().rank(text))


def detect(text: str) -> str | None:
    """ISO 639-1 code of `text`'s language ("de"), or None when it is too short or unclear. A variety's
    belief counts for the language its readers read (`READ_AS`), and a likeliest language whose close
    relatives share the belief is it when the family is likely enough (`FAMILIES`). Read from its
    `prose`: code, links, mentions and emoji codes say nothing of the writer's language."""
    text = prose(text)
    if not _long_enough(text):
        return None
    ranked = _ranked(text)
    belief: Counter[str] = Counter()
    for lang, p in ranked:
        belief[READ_AS.get(lang, lang)] += p
    lang, prob = belief.most_common(1)[0]
    if prob >= MIN_PROBABILITY and lang in _listed():
        return lang
    if prob >= MIN_PROBABILITY:
        # a language without a word list ("Me cobraron dos veces": Galician 0.57, Spanish 0.25) yields
        # to a listed one that knows every word (not "Non podo acceder á miña conta": Galician)
        candidates = [READ_AS.get(code, code) for code, _ in ranked[:CANDIDATES]]
        return by_words(text, candidates, share=1.0) or lang
    (top, p), runner = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    family = next((f for f in FAMILIES if top in f), frozenset())
    clear = top in FAMILY_HEADS and p >= FAMILY_LEAD and p >= 2 * runner
    if clear and sum(q for code, q in ranked if code in family) >= MIN_PROBABILITY:
        return top
    return by_words(text, [READ_AS.get(code, code) for code, _ in ranked[:CANDIDATES]])


def by_words(text: str, candidates: Sequence[str], *, share: float = KNOWN_SHARE) -> str | None:
    """The one of `candidates` (and English) whose common words `text` is written in, when the detector
    cannot say: a short question's letters spread its belief over neighbours ("Olvidé mi contraseña":
    Extremaduran 0.25, Ligurian 0.14, Spanish 0.14), but its words are Spanish ones. A language wins when
    it knows at least `share` of the words and `MARGIN` more than any other candidate: "Java console
    error" is as Italian as English, so it stays None. Common words are wordfreq's small
    lists (words used at least once per million; about 40 written languages, not Chinese, Japanese or
    Korean, whose words it needs a segmenter to split; loaded on first use: up to about 180 MB with every list); a candidate
    without a list is never the answer."""
    words = _plain_words(text)
    if len(words) < 2:
        return None
    known = {
        lang: sum(_common(word, lang) for word in words)
        for lang in dict.fromkeys([*candidates, "en"])
        if lang in _listed()
    }
    ranked = sorted(known.items(), key=lambda kv: -kv[1])
    if not ranked:
        return None
    best, count = ranked[0]
    rival = ranked[1][1] if len(ranked) > 1 else 0
    return best if count >= share * len(words) and count >= rival + MARGIN else None


_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;\n])[\s\"'«“„(]*$")


def _plain_words(text: str) -> list[str]:
    """`text`'s words in lower case, without the names in it: a capitalised word inside a sentence ("¿Qué
    significa 'Da Yuan Tong Zhi'?", "Finde Animationsfilme bei Caribbean Cinemas") is known to many word
    lists and says nothing of the writer's language. All its words when fewer than two are left (a
    title in Title Case)."""
    every, plain = [], []
    for found in _WORD.finditer(text):
        word = found.group(0)
        if len(word) < 2:
            continue
        every.append(word.lower())
        if not (word[0].isupper() and not _SENTENCE_START.search(text[: found.start()])):
            plain.append(word.lower())
    return plain if len(plain) >= 2 else every


@cache
def _listed() -> frozenset[str]:
    from wordfreq import available_languages

    # not the languages whose words wordfreq splits with a segmenter we do not install (jieba, MeCab)
    return frozenset(available_languages(wordlist="small")) - {"zh", "ja", "ko"}


def _common(word: str, lang: str) -> bool:
    from knowledge.spelling import frequency  # the one reader of wordfreq's lists, under its lock

    return frequency(word, [lang], wordlist="small") > 0


def differs(text: str, languages: Collection[str]) -> bool:
    """Whether `text` is clearly in another language than each of `languages` (the articles', the
    routing examples'): long enough to tell, and the detector's likeliest language is neither one of
    them nor one of their `VARIETIES`, and is at least `ODDS` times likelier than all of those together.
    False when `languages` is empty."""
    text = prose(text)
    if not languages or not _long_enough(text):
        return False
    expected = set(languages).union(*(VARIETIES.get(lang, ()) for lang in languages))
    ranked = _ranked(text)
    top, p = ranked[0]
    own = sum(q for lang, q in ranked if lang in expected)
    return top not in expected and p >= ODDS * own


def written_in(texts: Sequence[str], *, sample: int = SAMPLE) -> list[str]:
    """The languages a collection of texts (a knowledge base's articles) is written in: those detected
    for at least `MIN_SHARE` of an evenly spaced sample of them (a stray misdetection is not a language
    of the KB), sorted."""
    step = max(1, len(texts) // sample)
    found = Counter(lang for text in texts[::step] if (lang := detect(text)))
    seen = sum(found.values())
    return sorted(lang for lang, n in found.items() if n >= max(1.0, MIN_SHARE * seen))


def _long_enough(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= MIN_CHARS or any(_wide(ch) for ch in text)


def _wide(ch: str) -> bool:
    """CJK and kana: one character carries a word, so a short question is still clear."""
    return "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"


def warm_up() -> None:
    """Load the detector now (about a second), not on the first question."""
    _identifier()
