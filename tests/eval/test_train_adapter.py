"""The query adapter: what it counts as a pick, and that it learns a map the plain cosine misses."""

from __future__ import annotations

import numpy as np
import pytest

from eval.train_adapter import Example, choose, cross_validated_picks, fit_adapter, fold_of, picks


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def test_a_pick_is_the_sentence_closest_to_the_question_adapted_or_not() -> None:
    question = np.array([1.0, 0.0], dtype=np.float32)
    sentences = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    example = Example(question, sentences, np.array([False, True]))
    assert picks([example]) == [False]
    swap = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    assert picks([example], swap) == [True]


def test_an_example_needs_a_flag_per_sentence() -> None:
    with pytest.raises(ValueError, match="one positive flag per sentence"):
        Example(np.zeros(2, np.float32), np.zeros((3, 2), np.float32), np.array([True]))


def test_the_adapter_learns_which_direction_answers() -> None:
    # Each question's answer is its vector turned by a fixed rotation; the other sentences share the question's
    # topic (they are near the question itself), so the plain cosine prefers them and the adapter must learn the turn.
    rng = np.random.default_rng(0)
    dim = 8
    turn, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    examples = []
    for _ in range(400):
        q = _unit(rng.normal(size=dim))
        answer = _unit(turn @ q)
        topical = _unit(q + 0.3 * rng.normal(size=(5, dim)))
        examples.append(Example(q, np.vstack([topical, answer[None]]), np.array([False] * 5 + [True])))
    train, test = examples[:300], examples[300:]
    adapter = fit_adapter(train, temperature=0.05, l2=0.0, epochs=300)
    assert adapter.shape == (dim, dim)
    assert sum(picks(test)) / len(test) < 0.2
    assert sum(picks(test, adapter)) / len(test) > 0.9


def test_examples_that_teach_nothing_are_refused() -> None:
    only_answers = Example(np.ones(2, np.float32), np.ones((2, 2), np.float32), np.array([True, True]))
    with pytest.raises(ValueError, match="no example"):
        fit_adapter([only_answers], temperature=0.05, l2=0.01)


def _turned(rng: np.random.Generator, turn: np.ndarray, group: str) -> Example:
    """A question whose answer is its vector turned by `turn`, beside five sentences on its topic."""
    q = _unit(rng.normal(size=turn.shape[0]))
    topical = _unit(q + 0.3 * rng.normal(size=(5, turn.shape[0])))
    return Example(q, np.vstack([topical, _unit(turn @ q)[None]]), np.array([False] * 5 + [True]), group)


def test_cross_validation_scores_each_group_by_a_model_that_never_saw_it() -> None:
    # Every group has its own turn and many questions: a model fitted on the group's other questions would learn
    # it, one fitted on the other folds cannot, so cross-validated picks stay at the plain cosine's level.
    rng = np.random.default_rng(1)
    dim = 8
    examples = []
    for g in range(5):
        turn, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        examples.extend(_turned(rng, turn, f"page-{g}") for _ in range(60))
    assert len({fold_of(e) for e in examples}) > 1
    cv = cross_validated_picks(examples, l2=0.0, temperature=0.05, epochs=100)
    assert len(cv) == len(examples)
    assert sum(cv) / len(cv) < 0.5
    within = fit_adapter(examples, l2=0.0, temperature=0.05, epochs=100)
    assert sum(picks(examples, within)) / len(examples) > sum(cv) / len(cv)


def test_the_choice_keeps_the_strongest_l2_that_does_as_well() -> None:
    # One turn shared by every page: any small L2 learns it, so the choice is the strongest of those within the
    # noise, not the sharpest; an L2 that keeps the adapter at the identity loses and is not kept.
    rng = np.random.default_rng(2)
    turn, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    train = [_turned(rng, turn, f"page-{i % 40}") for i in range(400)]
    validation = {"other": [_turned(rng, turn, "other") for _ in range(100)]}
    best, tables, matrices = choose(train, validation, [(0.0, 0.05), (1e-4, 0.05), (100.0, 0.05)], epochs=100)
    assert set(tables) == set(matrices) == {(0.0, 0.05), (1e-4, 0.05), (100.0, 0.05)}
    assert tables[100.0, 0.05]["other"]["bottom_line"] < 0.3
    assert best == (1e-4, 0.05)
