"""Metrics on two-query runs whose values are worked out by hand in each test."""

from __future__ import annotations

import math

import pytest

from eval.metrics import METRICS, NO_RESULT, latency, run_dict, score_systems


def test_run_dict_scores_by_rank_and_keeps_the_first_of_duplicates() -> None:
    assert run_dict({"q": ["a", "b", "a", "c"]}) == {"q": {"a": 3.0, "b": 2.0, "c": 1.0}}


def test_run_dict_stands_in_a_never_relevant_id_for_an_empty_ranking() -> None:
    assert run_dict({"q": []}) == {"q": {NO_RESULT: 1.0}}


def test_score_systems_matches_hand_computed_means() -> None:
    qrels = {"q1": {"d1": 1}, "q2": {"d2": 1, "d3": 1}}
    rankings = {
        # q1: relevant at rank 2. q2: relevant at ranks 1 and 3.
        "hybrid": {"q1": ["x", "d1"], "q2": ["d2", "y", "d3"]},
        # q1: relevant at rank 1. q2: nothing retrieved.
        "bm25": {"q1": ["d1"], "q2": []},
    }
    scores = score_systems(qrels, rankings)
    hybrid, bm25 = scores.means["hybrid"], scores.means["bm25"]
    # nDCG@10: q1 = (1/log2 3) / 1 = 0.63093; q2 = (1 + 1/log2 4) / (1 + 1/log2 3) = 1.5 / 1.63093 = 0.91972.
    assert hybrid["ndcg@10"] == pytest.approx((0.630930 + 0.919721) / 2, abs=1e-5)
    assert hybrid["mrr@10"] == pytest.approx((1 / 2 + 1) / 2)
    assert hybrid["recall@1"] == pytest.approx((0 + 1 / 2) / 2)
    assert hybrid["recall@5"] == pytest.approx(1.0)
    assert hybrid["precision@1"] == pytest.approx(0.5)
    assert bm25 == pytest.approx({m: 0.5 for m in METRICS})
    # recall@5 per query: hybrid (1, 1), bm25 (1, 0); differences (0, 1): t = 0.5 / (0.7071 / sqrt 2) = 1 with
    # one degree of freedom, whose two-sided p is 0.5 (Cauchy distribution).
    assert scores.baseline == "hybrid"
    assert scores.p_values["bm25"]["recall@5"] == pytest.approx(0.5)
    assert set(scores.p_values) == {"bm25"}


def test_a_query_missing_from_a_run_counts_as_a_miss() -> None:
    scores = score_systems({"q1": {"d1": 1}, "q2": {"d2": 1}}, {"dense": {"q1": ["d1"]}})
    assert scores.means["dense"]["recall@10"] == pytest.approx(0.5)
    assert scores.baseline is None and scores.p_values == {}


def test_identical_systems_have_no_p_value() -> None:
    same = {"q1": ["d1", "x"], "q2": ["x", "d2"]}
    scores = score_systems({"q1": {"d1": 1}, "q2": {"d2": 1}}, {"hybrid": same, "dense": dict(same)})
    assert scores.p_values["dense"]["ndcg@10"] is None


def test_graded_relevance_weights_ndcg() -> None:
    # Grade 2 at rank 2, grade 1 at rank 1: DCG = 1 + 2/log2 3; ideal = 2 + 1/log2 3.
    scores = score_systems({"q": {"a": 1, "b": 2}}, {"hybrid": {"q": ["a", "b"]}})
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert scores.means["hybrid"]["ndcg@10"] == pytest.approx(expected)


def test_score_systems_refuses_queries_without_a_relevant_id() -> None:
    with pytest.raises(ValueError, match="q2"):
        score_systems({"q1": {"a": 1}, "q2": {}}, {"hybrid": {"q1": ["a"]}})


def test_latency_percentiles_in_milliseconds() -> None:
    # numpy's linear rule: p50 sits halfway between 20 and 30; p95 at 2.85 of the way, 30 + 0.85 * 10.
    assert latency([0.010, 0.040, 0.020, 0.030]) == pytest.approx({"p50_ms": 25.0, "p95_ms": 38.5})
    assert latency([]) == {"p50_ms": 0.0, "p95_ms": 0.0}
