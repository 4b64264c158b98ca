"""Answer or abstain, from a confidence each knowledge base calibrates for itself.

The evidence is the top document's fused score *relative to its competitors*: 2·top − mean(next k),
i.e. the top score plus its gap to the runner-up pack. This is the query-side hubness correction of
CSLS (Conneau et al., 2018): a question that is vaguely similar to many articles (a "hub") gets a
high raw score everywhere and a small gap, while a question one article really answers stands out.

That evidence becomes a probability through the KB's own curve (`knowledge.calibration`): fitted at
ingest on the KB's titles asked as questions, with and without their article, and refitted with
people's feedback. The bot answers when the probability reaches `threshold` (KB_ANSWER_THRESHOLD, a
risk setting: raise it to answer less often and more surely). Below it the bot abstains, and when
the probability still reaches `suggest_threshold` it lists the closest articles as "may be related"
(never as an answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.calibration import Curve
from knowledge.retrieve import Hit


@dataclass(frozen=True)
class DecisionParams:
    competitors: int = 5  # k in 2·top − mean(next k)
    threshold: float = 0.65
    suggest_threshold: float = 0.2  # abstentions at or above this list the 3 closest articles as related


def evidence(hits: Sequence[Hit], competitors: int, background: float) -> float:
    """2·top − mean of the next `competitors` fused scores (padded with `background` in a tiny KB)."""
    if not hits:
        return 0.0
    rest = [h.score for h in hits[1 : 1 + competitors]]
    rest += [background] * (competitors - len(rest))
    return 2 * hits[0].score - sum(rest) / competitors


def confidence(hits: Sequence[Hit], params: DecisionParams, curve: Curve) -> float:
    """Calibrated probability that the top document answers the question."""
    if not hits:
        return 0.0
    return curve.probability(evidence(hits, params.competitors, curve.background))
