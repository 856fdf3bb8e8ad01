"""How well medcite knows what its sources do not cover: AUROC of confidence, precision/recall of abstaining.

Abstaining is the "positive" call here: precision is the share of abstentions that were on out-of-scope
questions, recall the share of out-of-scope questions abstained on. The threshold that would have maximised F1
is reported so the shipped one can be calibrated against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise


@dataclass(frozen=True)
class AbstentionFigures:
    """The abstention figures of one run; None where a ratio has an empty denominator."""

    in_scope: int
    out_of_scope: int
    auroc: float | None
    precision: float | None
    recall: float | None
    f1: float | None
    abstained_in_scope: float | None
    best_threshold: float | None
    best_f1: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Probability that a random positive scores above a random negative, ties counting one half.

    This is the Mann-Whitney U statistic over (positives x negatives) pairs (Hanley & McNeil, Radiology 1982).
    None when either class is empty.
    """
    if len(scores) != len(positive):
        raise ValueError(f"{len(scores)} scores for {len(positive)} labels")
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return None
    # Rank-sum form: O(n log n) instead of comparing every pair; average ranks handle ties.
    ordered = sorted(scores)
    first: dict[float, int] = {}
    last: dict[float, int] = {}
    for i, value in enumerate(ordered, start=1):
        first.setdefault(value, i)
        last[value] = i
    rank_sum = sum((first[s] + last[s]) / 2 for s in pos)
    u = rank_sum - len(pos) * (len(pos) + 1) / 2
    return u / (len(pos) * len(neg))


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _abstention_f1(confidence: Sequence[float], in_scope: Sequence[bool], threshold: float) -> float:
    abstain = [c < threshold for c in confidence]
    hit = sum(1 for a, ins in zip(abstain, in_scope, strict=True) if a and not ins)
    precision = _ratio(hit, sum(abstain))
    recall = _ratio(hit, sum(1 for ins in in_scope if not ins))
    return _f1(precision, recall) or 0.0


def best_threshold(confidence: Sequence[float], in_scope: Sequence[bool]) -> tuple[float, float] | None:
    """The threshold t (abstain when confidence < t) with the highest abstention F1, and that F1.

    Candidates are the midpoints between neighbouring distinct confidences, so t separates observed values
    rather than sitting on one; the lowest t wins a tie, abstaining least. None with no out-of-scope question.
    """
    if not any(not ins for ins in in_scope):
        return None
    values = sorted(set(confidence))
    candidates = [(a + b) / 2 for a, b in pairwise(values)] + [values[-1] + 1.0]
    best = max(candidates, key=lambda t: (_abstention_f1(confidence, in_scope, t), -t))
    return best, _abstention_f1(confidence, in_scope, best)


def abstention_figures(
    confidence: Sequence[float], in_scope: Sequence[bool], abstained: Sequence[bool]
) -> AbstentionFigures:
    """Figures for answers to in-scope and out-of-scope questions, abstained on or not by the shipped rule."""
    if not len(confidence) == len(in_scope) == len(abstained):
        raise ValueError("confidence, in_scope and abstained must have one entry per question")
    out = sum(1 for ins in in_scope if not ins)
    hit = sum(1 for a, ins in zip(abstained, in_scope, strict=True) if a and not ins)
    precision = _ratio(hit, sum(1 for a in abstained if a))
    recall = _ratio(hit, out)
    best = best_threshold(confidence, in_scope)
    wrongly = sum(1 for a, ins in zip(abstained, in_scope, strict=True) if a and ins)
    return AbstentionFigures(
        in_scope=len(in_scope) - out,
        out_of_scope=out,
        auroc=auroc(confidence, in_scope),
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        abstained_in_scope=_ratio(wrongly, len(in_scope) - out),
        best_threshold=best[0] if best else None,
        best_f1=best[1] if best else None,
    )
