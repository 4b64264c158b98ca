"""Each knowledge base calibrates its own answer/abstain decision — at ingest, without labels — and
then learns from its own traffic.

**Without labels.** An article's title is the question it answers. Asked verbatim it is far easier
than what people type (the chunks embed the title too, so even with the title vector held out the
article is found with a score real questions rarely reach), so each sampled title also yields
paraphrase-like *partial* questions (`partial_questions`): the title without its most distinctive
word (people rarely know the article's own term: "crossed out" for "strikethrough"), and each half
of it. Each pseudo-question is asked of the index twice:

- with its article held out entirely: the best remaining article is a *near miss* — what the bot
  sees when someone asks a question the help centre does not cover, on this very help centre;
- the partial questions with only the article's title vector held out: the article is *found*
  through its body (a partial question that finds another article first is a near miss too).

The decision statistic (`knowledge.decide.evidence`) of both groups is fitted with a logistic curve,
P(the top article answers | evidence). Nothing in it comes from an evaluation file; the curve is a
property of this KB and this engine (e5's cosines sit in 0.7–0.9, MiniLM's in 0.1–0.8) and is stored
with the index, so rebuilding with another engine recalibrates.

**From use.** A person's verdict is stronger evidence than a title: *Helpful*, and an answer that
never became a ticket, count as positives; *Not helpful*, *Talk to a human* after an answer and a
reopened ticket count as negatives. `refit` adds them (each worth `FEEDBACK_WEIGHT` pseudo-questions)
to the self-calibration, so a desk's threshold moves with its own traffic; `deskbot kb calibrate`
shows the curve before and after.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

SAMPLE = 300  # pseudo-questions per KB at most (ingest cost: one query each)
FEEDBACK_WEIGHT = 3.0  # one person's verdict counts as much as this many pseudo-questions
RIDGE = 1e-3  # keeps the fit finite when the two groups do not overlap
CANNOT_TELL = -50.0  # the intercept of a curve with nothing to fit on: P(right) ≈ 0 whatever the evidence
# what every surface says of a KB whose curve does not rise with the evidence (`Curve.calibrated`)
UNCALIBRATED = (
    "could not calibrate its answers (too few articles, or nothing in them to tell a question it answers "
    "from one it does not)"
)


@dataclass
class Curve:
    """P(right | evidence) = σ(slope·evidence + intercept), and what it was fitted on."""

    slope: float
    intercept: float
    near_miss: list[float] = field(default_factory=list)  # evidence of held-out pseudo-questions (wrong)
    found: list[float] = field(default_factory=list)  # evidence of found pseudo-questions (right)
    positives: list[float] = field(default_factory=list)  # evidence of answers people confirmed
    negatives: list[float] = field(default_factory=list)  # evidence of answers people rejected
    background: float = 0.0  # a typical unrelated article's score (pads a KB with few documents)
    statistic: str = ""  # the decision statistic the curve was fitted on (knowledge.decide.STATISTIC)
    # a typical near miss's lift (knowledge.decide.lift): "may be related" needs as much
    near_lift: float = 0.0
    # a typical same-language question's spread of dense scores (knowledge.decide.weighed); 0: unknown
    spread: float = 0.0

    @property
    def calibrated(self) -> bool:
        """Whether the curve rises with the evidence: one that does not (nothing to calibrate on, or a
        fit that turned over) cannot tell a right answer from a wrong one."""
        return self.slope > 0

    def probability(self, evidence: float) -> float:
        """P(right | evidence); 0 from a curve that is not `calibrated`."""
        if not self.calibrated:
            return 0.0
        return _sigmoid(self.slope * evidence + self.intercept)

    def evidence_at(self, probability: float) -> float:
        """The evidence at which the curve reaches `probability` (the threshold in evidence terms);
        infinite when it never does."""
        if not self.calibrated:
            return math.inf
        p = min(max(probability, 1e-6), 1 - 1e-6)
        return (math.log(p / (1 - p)) - self.intercept) / self.slope

    def to_json(self) -> dict[str, Any]:
        return {
            k: (
                round(v, 5) if isinstance(v, float) else v if isinstance(v, str) else [round(x, 5) for x in v]
            )
            for k, v in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Curve:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def fit(
    negatives: Sequence[float],
    positives: Sequence[float],
    neg_weights: Sequence[float] | None = None,
    pos_weights: Sequence[float] | None = None,
    slope: float | None = None,
) -> tuple[float, float]:
    """Weighted one-feature logistic regression (Newton's method, a small ridge on the slope); with
    `slope` given, only the intercept is fitted (the curve shifts, it never turns over)."""
    if not negatives or not positives:
        return 0.0, 0.0
    xs = [*negatives, *positives]
    ys = [0.0] * len(negatives) + [1.0] * len(positives)
    ws = [*(neg_weights or [1.0] * len(negatives)), *(pos_weights or [1.0] * len(positives))]
    if slope is not None:
        return slope, _intercept(xs, ys, ws, slope)
    a, b = 0.0, 0.0
    for _ in range(100):
        ga = gb = 0.0
        haa, hab, hbb = RIDGE, 0.0, 1e-9
        for x, y, w in zip(xs, ys, ws, strict=True):
            p = _sigmoid(a * x + b)
            ga += w * (y - p) * x
            gb += w * (y - p)
            v = w * p * (1 - p)
            haa += v * x * x
            hab += v * x
            hbb += v
        ga -= RIDGE * a
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a + da, b + db
        if abs(da) < 1e-9 and abs(db) < 1e-9:
            break
    return a, b


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _intercept(xs: Sequence[float], ys: Sequence[float], ws: Sequence[float], slope: float) -> float:
    """The maximum-likelihood intercept for a fixed slope, by bisection: the likelihood's slope in the
    intercept falls monotonically from the positives' weight to minus the negatives', so the root is
    always found. (Newton's step divided by the curvature, which vanishes when every point sits far
    on one side: five verdicts on one question sent the intercept to 2e10, a threshold nobody reaches.)"""

    def pull(b: float) -> float:
        return sum(w * (y - _sigmoid(slope * x + b)) for x, y, w in zip(xs, ys, ws, strict=True))

    ends = sorted((-slope * min(xs), -slope * max(xs)))
    low, high = ends[0] - 60.0, ends[1] + 60.0  # every point saturated at either end
    for _ in range(200):
        mid = (low + high) / 2
        if pull(mid) > 0:
            low = mid
        else:
            high = mid
        if high - low < 1e-9:
            break
    return (low + high) / 2


def self_curve(
    near_miss: Sequence[float],
    found: Sequence[float],
    background: float,
    statistic: str = "",
    near_lift: float = 0.0,
    spread: float = 0.0,
) -> Curve:
    """The label-free curve: both pseudo groups weigh the same in total, whatever their sizes. Without
    both groups (a KB of one article has no near misses worth the name) there is nothing to calibrate
    on: the curve never answers (fails closed), whatever people's verdicts (`with_feedback`), until the
    KB has articles to calibrate on."""
    if not near_miss or not found:
        return Curve(0.0, CANNOT_TELL, [], [], [], [], background, statistic, near_lift, spread)
    scale = len(found) / len(near_miss)
    a, b = fit(near_miss, found, [scale] * len(near_miss))
    return Curve(a, b, list(near_miss), list(found), [], [], background, statistic, near_lift, spread)


def with_feedback(curve: Curve, positives: Sequence[float], negatives: Sequence[float]) -> Curve:
    """The self-calibration plus people's verdicts (each worth FEEDBACK_WEIGHT pseudo-questions).

    The verdicts move the curve (its intercept: where the threshold falls), keeping the steepness the
    KB's own pseudo-questions gave it: a few verdicts on one question cannot turn the curve over."""
    if not curve.near_miss or not curve.found:
        # nothing calibrated to shift: fitted on verdicts alone (raw scores on a KB of one article, no
        # runner-ups), a curve answered "the best pizza topping" with P = 0.999. They are recorded.
        return replace(curve, positives=list(positives), negatives=list(negatives))
    n_neg, n_pos = len(curve.near_miss), len(curve.found)
    scale = n_pos / n_neg
    a, b = fit(
        [*curve.near_miss, *negatives],
        [*curve.found, *positives],
        [scale] * n_neg + [FEEDBACK_WEIGHT] * len(negatives),
        [1.0] * n_pos + [FEEDBACK_WEIGHT] * len(positives),
        slope=curve.slope if curve.calibrated else None,
    )
    return replace(curve, slope=a, intercept=b, positives=list(positives), negatives=list(negatives))


@dataclass(frozen=True)
class Said:
    """A person's verdict on one answer: the question, the audience it was answered for (its evidence is
    relearned with that audience's articles: a customer's verdict scored with internal runbooks in the
    ranking was learned at the wrong evidence) and the article it was answered from (a verdict on an
    article since deleted is not relearned: on today's KB it would be a near miss, learned as a right
    answer)."""

    question: str
    audience: str = "staff"
    article: str | None = None

    def stored(self) -> list[str | None]:
        return [self.question, self.audience, self.article]

    @classmethod
    def of(cls, item: Said | str | Sequence[str | None]) -> Said:
        """A verdict as given or stored: a Said, a bare question (stored by an older Deskbot, or given by
        hand: relearned with every article, as then), or [question, audience, article]."""
        if isinstance(item, Said):
            return item
        if isinstance(item, str):
            return cls(item)
        question, audience, article = (list(item) + [None, None])[:3]
        return cls(str(question), str(audience or "staff"), article)


def sample_docs(doc_ids: Sequence[str], size: int = SAMPLE) -> list[str]:
    """A deterministic sample of documents to ask about (the same KB always calibrates the same way)."""
    ids = sorted(doc_ids)
    return ids if len(ids) <= size else sorted(random.Random(len(ids)).sample(ids, size))


_WORD = re.compile(r"\w+")


def document_frequency(texts: Iterable[str]) -> Counter[str]:
    """How many of `texts` (one per article) contain each lower-case word."""
    return Counter(w for text in texts for w in set(_WORD.findall(text.lower())))


def partial_questions(title: str, frequency: Mapping[str, int]) -> list[str]:
    """Paraphrase-like partial versions of a title, harder than the title itself like real questions:
    without its most distinctive word (the rarest in this KB), its first half and its second half.
    A title of one word (or one run of a script without spaces) yields halves of its characters."""
    words = title.split()
    if len(words) < 2:
        text = title.strip()
        half = len(text) // 2
        return [p for p in (text[:half], text[half:]) if len(p) >= 2]

    def rarity(word: str) -> int:
        return min((frequency.get(w, 0) for w in _WORD.findall(word.lower())), default=1 << 30)

    key = min(range(len(words)), key=lambda i: (rarity(words[i]), i))
    half = (len(words) + 1) // 2
    parts = [
        " ".join(w for i, w in enumerate(words) if i != key),
        " ".join(words[:half]),
        " ".join(words[half:]),
    ]
    return [p for p in dict.fromkeys(parts) if p]


def compare(before: Curve, after: Curve, threshold: float) -> dict[str, Any]:
    """What a refit changed (`deskbot kb calibrate`): the evidence needed at several probabilities
    before and after, and what share of the pseudo-questions the new curve would answer there."""

    def share(values: Sequence[float], at_least: float) -> float:
        return round(sum(v >= at_least for v in values) / len(values), 3) if values else 0.0

    def at(curve: Curve, p: float) -> float | None:  # None: the curve never reaches p
        e = curve.evidence_at(p)
        return round(e, 4) if math.isfinite(e) else None

    rows = [
        {
            "probability": p,
            "evidence_before": at(before, p),
            "evidence_after": at(after, p),
            "near_misses_answered": share(after.near_miss, after.evidence_at(p)),
            "found_answered": share(after.found, after.evidence_at(p)),
        }
        for p in (0.3, 0.5, 0.65, 0.8, 0.9)
    ]
    return {
        "pseudo_questions": {"near_miss": len(after.near_miss), "found": len(after.found)},
        "threshold": threshold,
        "answers_above_evidence": {"before": at(before, threshold), "after": at(after, threshold)},
        "curve": rows,
    }
