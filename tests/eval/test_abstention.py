"""Abstention figures on hand-made confidences."""

from __future__ import annotations

import pytest

from eval.abstention import abstention_figures, auroc, best_threshold


def test_auroc_counts_correctly_ordered_pairs() -> None:
    # Pairs (positive, negative): (0.9, 0.8) right, (0.9, 0.1) right, (0.3, 0.8) wrong, (0.3, 0.1) right.
    assert auroc([0.9, 0.8, 0.3, 0.1], [True, False, True, False]) == pytest.approx(0.75)


def test_auroc_counts_a_tie_as_one_half() -> None:
    assert auroc([0.5, 0.5, 0.2], [True, False, False]) == pytest.approx((0.5 + 1) / 2)


def test_auroc_is_undefined_with_one_class() -> None:
    assert auroc([0.1, 0.2], [True, True]) is None
    with pytest.raises(ValueError):
        auroc([0.1], [True, False])


def test_figures_treat_abstaining_as_the_positive_call() -> None:
    confidence = [0.9, 0.7, 0.4, 0.2, 0.6]
    in_scope = [True, True, False, False, False]
    abstained = [False, True, True, True, False]
    figures = abstention_figures(confidence, in_scope, abstained)
    # Abstained on 3, of which 2 out of scope; 2 of the 3 out-of-scope questions abstained on.
    assert figures.precision == pytest.approx(2 / 3)
    assert figures.recall == pytest.approx(2 / 3)
    assert figures.f1 == pytest.approx(2 / 3)
    assert figures.abstained_in_scope == pytest.approx(1 / 2)
    assert figures.auroc == pytest.approx(1.0)
    # Abstaining below 0.65 (between 0.6 and 0.7) catches exactly the three out-of-scope questions.
    assert figures.best_threshold == pytest.approx(0.65)
    assert figures.best_f1 == pytest.approx(1.0)
    assert (figures.in_scope, figures.out_of_scope) == (2, 3)


def test_precision_is_undefined_when_nothing_was_abstained_on() -> None:
    figures = abstention_figures([0.5, 0.4], [True, False], [False, False])
    assert figures.precision is None and figures.recall == 0.0 and figures.f1 is None


def test_best_threshold_sits_between_observed_confidences() -> None:
    # Candidates 0.2, 0.4 and 1.5: 0.2 abstains on the one out-of-scope question only (F1 1); 0.4 also on 0.3
    # (precision 1/2, F1 2/3); 1.5 on all three (precision 1/3, F1 1/2).
    assert best_threshold([0.1, 0.3, 0.5], [False, True, True]) == pytest.approx((0.2, 1.0))
    assert best_threshold([0.1], [True]) is None
