"""Hybrid fusion: the signals of a query's candidate chunks, their weighted sum, and the search for the weights.

Each signal is min-max normalised over one query's candidates before it is weighed, so a weight says how far a
signal can move the ranking whatever the corpus's score scales (cosines of short and long passages, BM25 of short
and long questions): the convex combination of normalised scores that Bruch, Gai & Ingber found both stronger and
easier to tune than reciprocal-rank fusion ("An Analysis of Fusion Functions for Hybrid Retrieval", ACM TOIS
2023). With every weight on one signal, hybrid ranks as that signal alone does.

The signals (`SIGNALS`), each per candidate chunk:

- dense: cosine of the question and the chunk.
- bm25: the chunk's BM25 score.
- topic: the best dense score among the candidates that share the chunk's document title (a page split into one
  passage per question type shares its title; an untitled document is its own group).
- lead: the dense score of the first chunk of the chunk's document, its opening: a long document is often about
  what its opening says, while a later chunk may match a long question by one incidental part.
- aspect: the dense score of the question without the words of the best chunk's title ("What are the
  treatments for X?" -> "What are the treatments for ?"), which picks the passage about the asked aspect.
- sentence: the best cosine of the question to one of the chunk's sentences (vectors made at ingest).
- phrase: the share of the question's adjacent word pairs the chunk holds side by side (`qa.phrases`).

Which of these is worth what depends on the corpus; `optimize_fusion` chooses the weights from questions with
known answers, and `qa.calibration` makes those questions from the documents themselves at ingest.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import cached_property

import numpy as np

SIGNALS = ("dense", "bm25", "topic", "lead", "aspect", "sentence", "phrase")
# Ranked documents that count for the objective (nDCG@10, as the harness reports).
CUTOFF = 10


@dataclass(frozen=True)
class FusionWeights:
    """The weight of each normalised signal in the hybrid score (see `SIGNALS`); only their ratios matter."""

    dense: float = 1.0
    bm25: float = 0.0
    topic: float = 0.0
    lead: float = 0.0
    aspect: float = 0.0
    sentence: float = 0.0
    phrase: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ValueError(f"fusion weight {f.name!r} must be a finite number >= 0, got {value!r}")
        if self.total() <= 0:
            raise ValueError("at least one fusion weight must be positive")

    def total(self) -> float:
        return float(sum(getattr(self, name) for name in SIGNALS))

    def vector(self) -> np.ndarray:
        """The weights in `SIGNALS` order (float32)."""
        return np.array([getattr(self, name) for name in SIGNALS], dtype=np.float32)

    def to_dict(self) -> dict[str, float]:
        """The weights rescaled to sum to 1, rounded for display and the manifest."""
        total = self.total()
        return {name: round(value / total, 4) for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FusionWeights:
        """Weights from a mapping of signal names; unknown names are an error, missing ones are 0.

        Raises:
            ValueError: an unknown signal, or a weight that is not a non-negative number.
        """
        unknown = sorted(set(data) - set(SIGNALS))
        if unknown:
            raise ValueError(f"unknown fusion signal {', '.join(unknown)}; the signals are {', '.join(SIGNALS)}")
        return cls(**{name: data.get(name, 0.0) for name in SIGNALS})  # type: ignore[arg-type]

    @classmethod
    def of(cls, vector: Sequence[float]) -> FusionWeights:
        return cls(**{name: float(v) for name, v in zip(SIGNALS, vector, strict=True)})

    def describe(self) -> str:
        """ "dense 0.50, bm25 0.30, topic 0.20": the signals that count, largest first."""
        shares = sorted(((v, k) for k, v in self.to_dict().items() if v > 0), reverse=True)
        return ", ".join(f"{k} {v:.2f}" for v, k in shares)


@dataclass(frozen=True)
class Candidates:
    """One query's candidate chunks: their index rows and each signal's raw value (columns in `SIGNALS` order).

    A signal that was not computed (its weight was 0) is a column of zeros.
    """

    rows: np.ndarray
    signals: np.ndarray

    def __post_init__(self) -> None:
        if self.signals.shape != (len(self.rows), len(SIGNALS)):
            raise ValueError(f"signals must have shape ({len(self.rows)}, {len(SIGNALS)}), got {self.signals.shape}")

    def normalised(self) -> np.ndarray:
        """Each signal min-max scaled to [0, 1] over the candidates; a constant signal becomes 0."""
        return normalise(self.signals)


def normalise(signals: np.ndarray) -> np.ndarray:
    """Min-max scaling of each column over the rows; a column with no spread becomes zeros."""
    if signals.size == 0:
        return signals.astype(np.float32)
    low = signals.min(axis=0)
    spread = signals.max(axis=0) - low
    scaled = (signals - low) / np.where(spread > 1e-9, spread, 1.0)
    return np.where(spread > 1e-9, scaled, 0.0).astype(np.float32)


def fuse(candidates: Candidates, weights: FusionWeights) -> np.ndarray:
    """The hybrid score of each candidate: the weighted sum of its normalised signals, weights summing to 1."""
    vector = weights.vector()
    return candidates.normalised() @ (vector / vector.sum())


# --- choosing weights ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """A question with known answers: its candidates, the document number of each candidate row, and the
    documents that answer it (document number -> graded relevance > 0). A document ranks by its best chunk, as
    `Assistant.rank_documents` ranks them."""

    candidates: Candidates
    documents: np.ndarray
    relevant: Mapping[int, float]

    @cached_property
    def values(self) -> np.ndarray:
        """The candidates' normalised signals (computed once: the grid search reuses them)."""
        return self.candidates.normalised()


@dataclass(frozen=True)
class FusionChoice:
    """What `optimize_fusion` chose: the weights, their mean nDCG@10 on the judged questions against the
    starting weights' and each single signal's, and the steps taken from the start."""

    weights: FusionWeights
    score: float
    start_score: float
    questions: int
    single: Mapping[str, float]
    steps: tuple[str, ...] = ()


def doc_ndcg(fused: np.ndarray, documents: np.ndarray, relevant: Mapping[int, float], k: int = CUTOFF) -> np.ndarray:
    """nDCG@k of documents ranked by their best-scoring chunk, for each column of `fused` (one per weighting).

    `fused` is (candidates, settings); linear gains, as ranx computes nDCG. A document ties with another only
    when their best scores are equal, and then counts as ranked after it (a pessimistic tie).
    """
    if fused.ndim == 1:
        fused = fused[:, None]
    if fused.shape[0] == 0:
        return np.zeros(fused.shape[1], dtype=np.float64)
    order = np.argsort(documents, kind="stable")
    docs = documents[order]
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    best = np.maximum.reduceat(fused[order], starts, axis=0)  # (documents, settings)
    names = docs[starts]
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    dcg = np.zeros(fused.shape[1], dtype=np.float64)
    if idcg <= 0:
        return dcg
    for doc, gain in relevant.items():
        at = np.flatnonzero(names == doc)
        if at.size == 0:
            continue
        mine = best[at[0]]
        rank = (best >= mine).sum(axis=0) - 1  # documents scoring at least as high, itself excluded
        dcg += np.where(rank < k, gain / np.log2(rank + 2.0), 0.0)
    return dcg / idcg


def mean_ndcg(judged: Sequence[Judged], weights: FusionWeights | np.ndarray) -> float:
    """Mean nDCG@10 over the questions of the documents ranked by the fused score."""
    vector = weights.vector() if isinstance(weights, FusionWeights) else np.asarray(weights, dtype=np.float32)
    if not judged:
        return 0.0
    return float(np.mean([doc_ndcg(j.values @ vector, j.documents, j.relevant)[0] for j in judged]))


def moves(
    weights: np.ndarray, signals: Collection[str] = SIGNALS, fixed: Collection[str] = ()
) -> list[tuple[str, np.ndarray]]:
    """The weightings one step from `weights` (summing to 1): each signal's weight scaled by 0, 1/2, 2 or 4, a
    signal of `signals` without weight given 15, 30 or 50 % of the total, or every weight on dense or on BM25
    alone. A signal of `fixed` is never scaled, and the single-system steps keep its share."""
    base = weights / weights.sum()
    out: list[tuple[str, np.ndarray]] = []
    for i, name in enumerate(SIGNALS):
        if name in fixed or (name not in signals and base[i] == 0):
            continue
        if base[i] > 0:
            for factor in (0.0, 0.5, 2.0, 4.0):
                moved = base.copy()
                moved[i] *= factor
                if moved.sum() > 0:
                    out.append((f"{name} x{factor:g}", moved / moved.sum()))
        else:
            for share in (0.15, 0.3, 0.5):
                moved = base * (1 - share)
                moved[i] = share
                out.append((f"{name} {share:.0%}", moved))
    held = [i for i, name in enumerate(SIGNALS) if name in fixed and base[i] > 0]
    kept = ", ".join(SIGNALS[i] for i in held)
    for name in ("dense", "bm25"):
        alone = np.zeros(len(SIGNALS), dtype=np.float32)
        alone[held] = base[held]
        alone[SIGNALS.index(name)] += 1.0 - float(base[held].sum())
        out.append((f"{name} alone, {kept} kept" if held else f"{name} alone", alone))
    return out


def grid_scores(judged: Sequence[Judged], grid: Sequence[np.ndarray]) -> np.ndarray:
    """nDCG@10 of every question (rows) under every weighting of `grid` (columns)."""
    matrix = np.stack([g / g.sum() for g in grid], axis=1).astype(np.float32)
    return np.stack([doc_ndcg(j.values @ matrix, j.documents, j.relevant) for j in judged])


def optimize_fusion(
    judged: Sequence[Judged],
    start: FusionWeights,
    *,
    signals: Collection[str] = SIGNALS,
    fixed: Collection[str] = (),
    min_gain: float = 0.0,
    min_t: float = 0.0,
    max_steps: int = 8,
) -> FusionChoice:
    """The weights that rank the judged questions best, found by steps from `start` (like ranx's
    `optimize_fusion`, which searches weights for a weighted-sum fusion on judged runs).

    Each step tries every weighting of `moves` and takes the one with the largest mean gain in nDCG@10, but
    only if that gain is at least `min_gain` and its paired t statistic over the questions at least `min_t`:
    with questions that only approximate the real ones (pseudo-queries), a weight moves only on clear
    evidence, and `start` stands otherwise. With `min_gain` and `min_t` at 0 it is plain hill climbing. A
    signal outside `signals` is never given weight; one of `fixed` keeps its share of `start`, except as other
    weights grow or shrink around it (the questions cannot judge it: see `qa.calibration.UNJUDGED`).

    Raises:
        ValueError: no judged question.
    """
    if not judged:
        raise ValueError("optimize_fusion needs at least one judged question")
    current = start.vector() / start.total()
    first = grid_scores(judged, [current])[:, 0]
    scores = first
    steps: list[str] = []
    for _ in range(max_steps):
        candidates = moves(current, signals, fixed)
        table = grid_scores(judged, [c for _, c in candidates])
        gains = table - scores[:, None]
        mean = gains.mean(axis=0)
        spread = gains.std(axis=0, ddof=1) / math.sqrt(len(judged)) if len(judged) > 1 else np.zeros_like(mean)
        t = np.where(spread > 0, mean / np.maximum(spread, 1e-12), np.where(mean > 0, np.inf, 0.0))
        allowed = np.flatnonzero((mean >= max(min_gain, 1e-9)) & (t >= min_t))
        if allowed.size == 0:
            break
        best = int(allowed[np.argmax(mean[allowed])])
        name, current = candidates[best]
        scores = table[:, best]
        steps.append(f"{name} ({100 * mean[best]:+.1f} points, t {min(t[best], 99.0):.1f})")
    alone = np.eye(len(SIGNALS), dtype=np.float32)
    single = {name: float(grid_scores(judged, [alone[SIGNALS.index(name)]]).mean()) for name in ("dense", "bm25")}
    return FusionChoice(
        FusionWeights.of(current), float(scores.mean()), float(first.mean()), len(judged), single, tuple(steps)
    )
