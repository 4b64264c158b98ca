"""Answer or abstain, from a calibrated confidence.

The evidence is the top document's fused score *relative to its competitors*: 2·top − mean(next k),
i.e. the top score plus its gap to the runner-up pack. This is the query-side hubness correction of
CSLS (Conneau et al., 2018): a question that is vaguely similar to many articles (a "hub") gets a
high raw score everywhere and a small gap, while a question one article really answers stands out.
One number, no per-corpus features, so it carries over to knowledge bases it was never fitted on.

That evidence is mapped to a probability with Platt scaling (a one-feature logistic regression) and
compared with a threshold. Slope, intercept and threshold were fitted on the development split of
the evaluation data (`deskbot eval kb`, stackfaq dev) and ship as product defaults; a team can
raise `KB_ANSWER_THRESHOLD` to answer less often and more surely.

Below that threshold the bot abstains, but when the confidence still reaches `suggest_threshold` it
lists the closest articles as "may be related" (never as an answer): on stackfaq dev, 22 of the 32
answerable questions it abstains on get the right article among those links (`make kb-signals`
measures the decision; the README explains the trade-off).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.retrieve import Hit


@dataclass(frozen=True)
class DecisionParams:
    competitors: int = 5  # k in 2·top − mean(next k)
    background: float = 0.15  # stands in for missing competitors in a knowledge base of < k+1 documents
    slope: float = 10.67  # Platt scaling of the evidence into a probability (fitted: eval kb --calibrate)
    intercept: float = -8.96
    threshold: float = 0.65
    suggest_threshold: float = 0.2  # abstentions at or above this list the 3 closest articles as related


def evidence(hits: Sequence[Hit], competitors: int, background: float) -> float:
    """2·top − mean of the next `competitors` fused scores (padded with `background` in a tiny KB)."""
    if not hits:
        return 0.0
    rest = [h.score for h in hits[1 : 1 + competitors]]
    rest += [background] * (competitors - len(rest))
    return 2 * hits[0].score - sum(rest) / competitors


def confidence(hits: Sequence[Hit], params: DecisionParams) -> float:
    """Calibrated probability that the top document answers the question."""
    if not hits:
        return 0.0
    z = params.slope * evidence(hits, params.competitors, params.background) + params.intercept
    return 1.0 / (1.0 + math.exp(-z))
