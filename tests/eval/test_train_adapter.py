"""The query adapter: what it counts as a pick, and that it learns a map the plain cosine misses."""

from __future__ import annotations

import numpy as np
import pytest

from eval.train_adapter import Example, fit_adapter, picks


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
        fit_adapter([only_answers])
