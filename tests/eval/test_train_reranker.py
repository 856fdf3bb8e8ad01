"""The reranker's training command: its figures of a choice, and one pass of fine-tuning on the real base model."""

from __future__ import annotations

import numpy as np
import pytest

from eval.train_reranker import Pairs, Row, figures, train
from qa.answer.rerank import ADAPTED, Reranker, weights_of


def _row(source: str, split: str, scores, reads, positive) -> Row:
    return Row(source, split, np.array(scores, float), np.array(reads, float), np.array(positive, bool))


def test_figures_add_the_weighted_reading_of_the_best_few_only() -> None:
    rows = [
        # The cross-encoder prefers the second: a weight of 1 moves it past the first (1.0 + 2.0 > 2.5).
        _row("own", "tune", [2.5, 1.0, 0.9], [0.0, 2.0, 9.0], [False, True, False]),
        _row("own", "heldout", [2.0, 1.0], [1.0, 0.0], [True, False]),
    ]
    assert figures(rows, 0, 0.0)["own tune"]["bottom_line"] == 0.0
    assert figures(rows, 2, 1.0)["own tune"]["bottom_line"] == 1.0
    # Reading the third too, its 9.0 wins instead.
    assert figures(rows, 3, 1.0)["own tune"]["bottom_line"] == 0.0
    assert figures(rows, 2, 0.5)["own tune"]["bottom_line"] == 0.0
    assert figures(rows, 2, 1.0)["own heldout"] == {"questions": 1, "bottom_line": 1.0}


def test_one_pass_of_fine_tuning_moves_the_adapters_and_ships_them() -> None:
    pairs = [
        Pairs(
            "how does fexolan work?",
            ("Fexolan blocks the H2 receptor.", "Fexolan is taken twice a day."),
            (True, False),
        ),
        Pairs(
            "what is the dose of fexolan?",
            ("Fexolan blocks the H2 receptor.", "Fexolan is taken twice a day."),
            (False, True),
        ),
    ]
    model = train(pairs, epochs=1)
    weights = weights_of(model, "sentence-transformers/all-MiniLM-L6-v2", 8, 2.0, trained_on="test")
    assert len(weights.adapters) == 6 * len(ADAPTED)
    # Adapters start with up = 0 (the base model exactly); a step of training moves them.
    assert any(np.abs(up).max() > 0 for _, up in weights.adapters.values())
    scores = Reranker(weights).scores("how does fexolan work?", list(pairs[0].texts))
    assert scores.shape == (2,) and np.isfinite(scores).all()
    direct = model(
        Reranker(weights).tokenizer(
            ["how does fexolan work?"] * 2, list(pairs[0].texts), padding=True, return_tensors="pt"
        )
    )
    assert scores == pytest.approx(direct.detach().numpy(), abs=0.05)
