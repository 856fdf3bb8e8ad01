"""Ranking metrics and paired significance through ranx, plus latency percentiles.

Runs are ranked lists, not scores: each system's own order is kept by scoring the i-th of n results n - i, so
ties in a system's scores (common after fusion) cannot be reordered by ranx's sort.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

METRICS = ("ndcg@10", "mrr@10", "recall@1", "recall@5", "recall@10", "recall@100", "precision@1")
RECALL_KS = (1, 5, 10, 100)
# Results fetched per query: the deepest cutoff of METRICS.
DEPTH = 100
BASELINE = "hybrid"
# Stands in for "nothing retrieved": ranx cannot hold an empty ranking, and this id is never relevant.
NO_RESULT = "\x00no-result"

Ranking = Sequence[str]


@dataclass(frozen=True)
class Scores:
    """Mean metrics per system, and the paired t-test p-value of `baseline` against each other system.

    A p-value is None where the two systems scored every query identically (the test is undefined).
    """

    means: dict[str, dict[str, float]]
    p_values: dict[str, dict[str, float | None]]
    baseline: str | None


def run_dict(rankings: Mapping[str, Ranking]) -> dict[str, dict[str, float]]:
    """{qid: ranked ids} as a ranx run dict scored by rank; duplicates keep their first (best) rank."""
    run: dict[str, dict[str, float]] = {}
    for qid, ranked in rankings.items():
        unique = list(dict.fromkeys(ranked)) or [NO_RESULT]
        run[qid] = {doc: float(len(unique) - i) for i, doc in enumerate(unique)}
    return run


def score_systems(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Mapping[str, Ranking]],
    *,
    metrics: Sequence[str] = METRICS,
    baseline: str = BASELINE,
) -> Scores:
    """Mean `metrics` of each system's rankings over the queries of `qrels`, and `baseline`'s significance.

    A query a system returned nothing for scores 0. Uses ranx's `compare` with the two-sided paired Student's
    t-test, which Urbano et al. (SIGIR 2019, "Statistical significance testing in information retrieval: an
    empirical analysis of type I, type II and type III errors") found as reliable as the permutation tests.

    Raises:
        ValueError: `qrels` is empty, a query has no relevant id, or `rankings` names no system.
    """
    if not qrels:
        raise ValueError("no judged queries to score")
    if not rankings:
        raise ValueError("no system to score")
    empty = [qid for qid, rel in qrels.items() if not any(v > 0 for v in rel.values())]
    if empty:
        raise ValueError(f"queries without a relevant id cannot be scored: {', '.join(empty[:5])}")
    from ranx import Qrels, Run, compare

    ranx_qrels = Qrels.from_dict({qid: {d: int(v) for d, v in rel.items() if v > 0} for qid, rel in qrels.items()})
    runs = []
    for name, ranked in rankings.items():
        # Every judged query gets a ranking, so a missing one counts as a miss rather than being dropped.
        full = {qid: ranked.get(qid, ()) for qid in qrels}
        runs.append(Run.from_dict(run_dict(full), name=name))
    with warnings.catch_warnings():
        # ranx's numba kernels warn about an internal uint64 -> int64 cast that cannot overflow at our sizes.
        warnings.simplefilter("ignore")
        report = compare(ranx_qrels, runs, list(metrics), stat_test="student", max_p=0.05, make_comparable=True)
    means = {name: {m: float(report.results[name][m]) for m in metrics} for name in rankings}
    p_values: dict[str, dict[str, float | None]] = {}
    if baseline in rankings:
        for name in rankings:
            if name != baseline:
                pair = report.comparisons[frozenset((baseline, name))]
                p_values[name] = {m: _p(pair[m]["p_value"]) for m in metrics}
    return Scores(means, p_values, baseline if baseline in rankings else None)


def _p(value: object) -> float | None:
    p = float(value)  # type: ignore[arg-type]
    return None if math.isnan(p) else p


def latency(seconds: Sequence[float]) -> dict[str, float]:
    """Median and 95th percentile of per-query times in milliseconds (numpy's linear interpolation)."""
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    ms = np.asarray(seconds, dtype=float) * 1000.0
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}
