"""Answer or abstain, from a confidence each knowledge base calibrates for itself.

The evidence is the top document's *margin* over its competitors: top − mean(next k) fused scores.
A question that is vaguely similar to many articles (a "hub") scores high everywhere with a small
margin, while a question one article really answers stands out.

The margin, unlike the raw score, does not move when every score moves: a question in another
language than the articles scores lower against *all* of them (measured on the dev sets with e5: the
question's typical score to the KB's articles drops by about as much as its best one), so the raw
score (and the former statistic 2·top − mean(next k) = top + margin) put such questions below every
same-language pseudo-question the curve was fitted on. The margin carries over between languages,
engines and help centres without a constant for any of them.

That evidence becomes a probability through the KB's own curve (`knowledge.calibration`): fitted at
ingest on the KB's own pseudo-questions (titles and their partial versions, with and without their
article; `knowledge.selfcal`), and refitted with people's feedback. The bot answers when the probability reaches `threshold` (KB_ANSWER_THRESHOLD, a
risk setting: raise it to answer less often and more surely). Below it the bot abstains, and when
the probability still reaches `suggest_threshold` it lists the closest articles as "may be related"
(never as an answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.calibration import Curve
from knowledge.retrieve import Hit


@dataclass(frozen=True)
class DecisionParams:
    # k in top − mean(next k). Three: an answer must stand out from its nearest rivals, and help centres
    # come in families (sibling how-tos, the paragraphs of one article), so averaging over five diluted
    # the close sibling of a missing article with distant documents. Dev sets, the same self-calibration
    # (BENCHMARKS, "The margin over the nearest rivals"): precision 0.872 -> 0.902 on a German paragraph
    # KB, StackFAQ 0.960 -> 0.975. Two did more on the dev sets (0.931) but, on the sample help centre
    # (not tuned on), took the answer from "Wie setze ich mein Passwort zurück?", whose article has close
    # siblings (account locked, two-factor, SSO); three changes none of its decisions.
    competitors: int = 3
    threshold: float = 0.65
    suggest_threshold: float = 0.2  # abstentions at or above this list the 3 closest articles as related


# Recorded with each curve: a curve fitted on another statistic is refitted. "/title-raises": the fused
# score a margin is taken on changed (knowledge.retrieve: a title only ever raises a document's score);
# "/spread": the curve records its pseudo-questions' typical spread (`weighed`); "margin3": the margin
# over the next three documents, not five.
STATISTIC = "margin3/title-raises/spread"


def evidence(hits: Sequence[Hit], competitors: int, background: float) -> float:
    """top − mean of the next `competitors` fused scores (padded with `background` in a tiny KB)."""
    if not hits:
        return 0.0
    rest = [h.score for h in hits[1 : 1 + competitors]]
    rest += [background] * (competitors - len(rest))
    return hits[0].score - sum(rest) / competitors


def lift(hits: Sequence[Hit]) -> float:
    """How far the top document stands out from the rest of the candidates (top − their median): a
    question about nothing in the KB ("the best pizza topping") is about as far from every article,
    while a near miss is close to one sibling. Like the margin, it does not move when all scores move."""
    if len(hits) < 2:
        return 0.0
    rest = sorted(h.score for h in hits[1:])
    mid = len(rest) // 2
    median = rest[mid] if len(rest) % 2 else (rest[mid - 1] + rest[mid]) / 2
    return hits[0].score - median


def spread(hits: Sequence[Hit]) -> float:
    """How widely a question's dense scores spread over its candidate documents (their standard
    deviation): how sharply the engine tells this question's articles apart."""
    return float(np.std([h.dense for h in hits])) if len(hits) > 1 else 0.0


# A product bound, not a fitted number (no development figure moves below 1.5): a translation does not
# halve how widely a question's scores spread; a question narrower than that is about nothing in
# particular, and a degenerate list of a few near-equal scores must not multiply its margin without end.
MOST_UNCOMPRESSED = 2.0


def weighed(hits: Sequence[Hit], competitors: int, curve: Curve, *, foreign: bool = False) -> float:
    """The evidence the curve reads: the margin, and for a question in another language than the
    articles the margin as the same question would show it in their language.

    A multilingual engine places a translation less close than the original, and less *distinctly*:
    a foreign question's scores over the articles are compressed, its margin with them, so the curve
    (fitted on the KB's own same-language pseudo-questions) took right answers for near misses (dev
    sets: 0.94 precision at 0.37 coverage for Spanish and German questions to English articles,
    where a curve fitted on those questions themselves reached 0.85 at 0.65). The compression is read
    off the question itself: its spread against the spread of the KB's own pseudo-questions
    (`Curve.spread`). Only ever undone, never applied: a foreign question that already tells the
    articles apart as sharply as the KB's own do is left as it is (with the ratio both ways, "Wie
    setze ich mein Passwort zurück?" on the sample help centre, spread 0.025 against 0.017, lost its
    answer). Per question the factor is not only the translation's: a foreign question about nothing
    in the KB spreads narrowly too, so it gains more than an answerable one (dev medians 1.5–1.6 vs
    1.0–1.1; abstentions on such questions 0.96 → 0.91). So a question whose top article stands out
    from the rest of the KB (`lift`) no more than this KB's typical near miss does is left as it is:
    dev precision 0.907 → 0.919 (es), 0.902 → 0.909 (de) for 0.01 of coverage; BENCHMARKS."""
    margin = evidence(hits, competitors, curve.background)
    own = spread(hits)
    if not foreign or curve.spread <= 0 or own <= 0 or lift(hits) < curve.near_lift:
        return margin
    return margin * min(MOST_UNCOMPRESSED, max(1.0, curve.spread / own))
