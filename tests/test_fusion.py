"""Fusion: weights, min-max normalisation, the fused score, document nDCG and the weight search, on tiny fixtures
whose numbers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qa.fusion import (
    SIGNALS,
    Candidates,
    FusionWeights,
    Judged,
    doc_ndcg,
    fuse,
    moves,
    normalise,
    optimize_fusion,
)


def signals(**columns: list[float]) -> np.ndarray:
    """A candidates' signal matrix with the given columns, others zero."""
    n = len(next(iter(columns.values())))
    out = np.zeros((n, len(SIGNALS)), dtype=np.float32)
    for name, values in columns.items():
        out[:, SIGNALS.index(name)] = values
    return out


# --- weights -----------------------------------------------------------------------------------------------


def test_weights_round_trip_through_the_manifest_form_rescaled_to_sum_to_one() -> None:
    weights = FusionWeights(dense=2.0, bm25=1.0, topic=1.0)
    data = weights.to_dict()
    assert data == {
        "dense": 0.5,
        "bm25": 0.25,
        "topic": 0.25,
        "lead": 0.0,
        "aspect": 0.0,
        "sentence": 0.0,
        "phrase": 0.0,
    }
    assert FusionWeights.from_dict(data).to_dict() == data
    assert weights.describe() == "dense 0.50, topic 0.25, bm25 0.25"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"dense": -1.0}, "'dense' must be a finite number >= 0"),
        ({"dense": float("nan")}, "'dense' must be a finite number >= 0"),
        ({"dense": "1"}, "'dense' must be a finite number >= 0"),
        ({"dense": 0.0}, "at least one fusion weight must be positive"),
        ({"dense": 1.0, "splade": 1.0}, "unknown fusion signal splade"),
    ],
)
def test_bad_weights_are_refused_naming_the_value(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FusionWeights.from_dict(data)


# --- scores ------------------------------------------------------------------------------------------------


def test_each_signal_is_scaled_to_0_1_over_the_candidates_and_a_constant_one_is_zero() -> None:
    values = signals(dense=[0.5, 0.7, 0.6], bm25=[0.0, 10.0, 5.0], topic=[0.3, 0.3, 0.3])
    scaled = normalise(values)
    assert scaled[:, SIGNALS.index("dense")] == pytest.approx([0.0, 1.0, 0.5])
    assert scaled[:, SIGNALS.index("bm25")] == pytest.approx([0.0, 1.0, 0.5])
    assert scaled[:, SIGNALS.index("topic")] == pytest.approx([0.0, 0.0, 0.0])


def test_the_fused_score_is_the_weighted_mean_of_the_scaled_signals() -> None:
    found = Candidates(np.arange(3), signals(dense=[0.5, 0.7, 0.6], bm25=[8.0, 0.0, 4.0]))
    # dense scaled: 0, 1, .5; bm25 scaled: 1, 0, .5; weights 3:1 -> .75 dense + .25 bm25.
    assert fuse(found, FusionWeights(dense=3.0, bm25=1.0)) == pytest.approx([0.25, 0.75, 0.5])


def test_all_weight_on_one_signal_ranks_as_that_signal_does() -> None:
    found = Candidates(np.arange(4), signals(dense=[0.1, 0.9, 0.4, 0.3], bm25=[3.0, 1.0, 9.0, 0.0]))
    assert np.argsort(-fuse(found, FusionWeights(bm25=1.0, dense=0.0))).tolist() == [2, 0, 1, 3]
    assert np.argsort(-fuse(found, FusionWeights(dense=1.0))).tolist() == [1, 2, 3, 0]


def test_candidates_check_their_shape() -> None:
    with pytest.raises(ValueError, match=r"signals must have shape \(2, 7\)"):
        Candidates(np.arange(2), np.zeros((3, len(SIGNALS)), dtype=np.float32))


# --- document nDCG -----------------------------------------------------------------------------------------


def test_a_document_ranks_by_its_best_chunk() -> None:
    # Chunks of documents 7, 7, 3, 5 with scores; document 7's best chunk (0.9) puts it first, 3 second.
    fused = np.array([0.2, 0.9, 0.5, 0.1])
    documents = np.array([7, 7, 3, 5])
    assert doc_ndcg(fused, documents, {3: 1.0})[0] == pytest.approx(1 / math.log2(3))
    # Graded: document 7 (gain 2) first, 5 (gain 1) third; ideal puts 7 then 5.
    dcg = 2 / math.log2(2) + 1 / math.log2(4)
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert doc_ndcg(fused, documents, {7: 2.0, 5: 1.0})[0] == pytest.approx(dcg / ideal)


def test_ndcg_is_zero_beyond_the_cutoff_and_for_an_unfound_document() -> None:
    fused = -np.arange(12, dtype=float)  # documents 0..11 in order
    documents = np.arange(12)
    assert doc_ndcg(fused, documents, {10: 1.0})[0] == 0.0
    assert doc_ndcg(fused, documents, {99: 1.0})[0] == 0.0
    assert doc_ndcg(fused, documents, {9: 1.0})[0] == pytest.approx(1 / math.log2(11))


@pytest.mark.parametrize("seed", range(12))
def test_document_ndcg_matches_ranx(seed: int) -> None:
    from ranx import Qrels, Run, evaluate

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    fused = rng.permutation(n) / n  # distinct scores: no ties for the two to break differently
    documents = rng.integers(0, 12, size=n)
    grades = {int(d): float(rng.integers(1, 4)) for d in rng.choice(12, size=int(rng.integers(1, 4)), replace=False)}
    best: dict[str, float] = {}
    for score, doc in zip(fused, documents, strict=True):
        best[f"d{doc}"] = max(best.get(f"d{doc}", -1.0), float(score))
    qrels = Qrels.from_dict({"q": {f"d{d}": int(g) for d, g in grades.items()}})
    expected = evaluate(qrels, Run.from_dict({"q": best}), "ndcg@10")
    assert doc_ndcg(fused, documents, grades)[0] == pytest.approx(expected, abs=1e-6)


# --- choosing weights --------------------------------------------------------------------------------------


def judged(dense: list[float], bm25: list[float], relevant: int) -> Judged:
    """A question over one chunk per document (document = row), answered by document `relevant`."""
    return Judged(
        Candidates(np.arange(len(dense)), signals(dense=dense, bm25=bm25)), np.arange(len(dense)), {relevant: 1.0}
    )


def test_moves_scale_each_weight_add_an_absent_one_and_try_each_single_system() -> None:
    start = FusionWeights(dense=1.0, bm25=1.0).vector()
    names = [name for name, _ in moves(start)]
    assert names[:4] == ["dense x0", "dense x0.5", "dense x2", "dense x4"]
    assert "topic 15%" in names and "phrase 50%" in names and names[-2:] == ["dense alone", "bm25 alone"]
    for _, weights in moves(start):
        assert weights.sum() == pytest.approx(1.0)


def test_optimize_fusion_moves_toward_the_signal_that_finds_the_answers() -> None:
    # BM25 puts the answer first on every question, dense puts it last.
    questions = [judged([0.9, 0.5, 0.1], [0.0, 1.0, 9.0], 2) for _ in range(6)]
    choice = optimize_fusion(questions, FusionWeights(dense=1.0, bm25=0.25))
    assert choice.score == pytest.approx(1.0) and choice.start_score == pytest.approx(1 / math.log2(4))
    assert choice.single == {"dense": pytest.approx(1 / math.log2(4)), "bm25": pytest.approx(1.0)}
    assert choice.weights.bm25 > choice.weights.dense and choice.steps


def test_optimize_fusion_keeps_the_start_without_clear_evidence() -> None:
    # Two questions pull opposite ways: no move gains on both, so with a t threshold nothing moves.
    questions = [judged([0.9, 0.5, 0.1], [0.0, 1.0, 9.0], 2), judged([0.1, 0.5, 0.9], [0.0, 1.0, 9.0], 0)]
    start = FusionWeights(dense=1.0, bm25=1.0)
    choice = optimize_fusion(questions, start, min_gain=0.01, min_t=2.0)
    assert choice.weights == FusionWeights.of(start.vector() / start.total()) and choice.steps == ()


def test_optimize_fusion_needs_questions() -> None:
    with pytest.raises(ValueError, match="at least one judged question"):
        optimize_fusion([], FusionWeights())


def test_moves_give_no_weight_to_a_signal_the_corpus_cannot_use() -> None:
    start = FusionWeights(dense=1.0, bm25=1.0).vector()
    names = [name for name, _ in moves(start, signals={"dense", "bm25", "phrase"})]
    assert "phrase 15%" in names
    assert not any(name.startswith(("topic", "lead", "aspect", "sentence")) for name in names)
    # A signal that already has weight can still lose it, whatever `signals` says.
    assert "topic x0" in [name for name, _ in moves(FusionWeights(dense=1.0, topic=1.0).vector(), signals={"dense"})]


def test_optimize_fusion_never_weighs_a_signal_outside_the_allowed_ones() -> None:
    # The topic column alone finds the answer; it is not allowed, so BM25 (second best) is taken instead.
    rows = np.arange(3)
    values = signals(dense=[0.9, 0.5, 0.1], bm25=[0.0, 9.0, 1.0], topic=[0.0, 0.0, 1.0])
    questions = [Judged(Candidates(rows, values), rows, {2: 1.0}) for _ in range(4)]
    free = optimize_fusion(questions, FusionWeights(dense=1.0))
    assert free.weights.topic > 0 and free.score == pytest.approx(1.0)
    held = optimize_fusion(questions, FusionWeights(dense=1.0), signals={"dense", "bm25"})
    assert held.weights.topic == 0 and held.weights.bm25 > 0
    assert held.score == pytest.approx(1 / math.log2(3))


def test_moves_never_scale_a_fixed_signal_and_the_single_systems_keep_its_share() -> None:
    start = FusionWeights(dense=1.0, bm25=1.0, aspect=2.0).vector()
    found = dict(moves(start, fixed={"aspect"}))
    assert not any(name.startswith("aspect") for name in found)
    assert "dense x0" in found and "topic 15%" in found
    alone = found["dense alone, aspect kept"]
    assert alone[SIGNALS.index("aspect")] == pytest.approx(0.5) and alone[SIGNALS.index("dense")] == pytest.approx(0.5)
    assert all(weights.sum() == pytest.approx(1.0) for weights in found.values())


def test_optimize_fusion_keeps_a_fixed_signal_that_the_judged_questions_would_drop() -> None:
    """Pseudo-queries cannot judge some signals (a sentence has no question type for `aspect` to match): the
    calibration holds those at their share whatever the pseudo-queries say."""
    rows = np.arange(3)
    # Dense ranks the answer (row 0) just above row 2 (scaled: 1, 0, 0.875); the aspect column puts row 2 first.
    # Row 0 wins only with more than 8/9 of the weight on dense: only without aspect.
    values = signals(dense=[0.9, 0.5, 0.85], aspect=[0.0, 0.0, 1.0])
    questions = [Judged(Candidates(rows, values), rows, {0: 1.0}) for _ in range(4)]
    start = FusionWeights(dense=1.0, aspect=1.0)
    free = optimize_fusion(questions, start)
    assert free.weights.aspect == 0 and free.score == pytest.approx(1.0)
    held = optimize_fusion(questions, start, fixed={"aspect"})
    assert held.weights == FusionWeights.of(start.vector() / start.total()) and held.score < free.score
