"""The arithmetic of `eval.passage_ranks`: a judged passage's rank among scored candidates, and its nDCG@10."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval.passage_ranks import gain, rank_of


def test_the_rank_is_that_of_the_best_placed_judged_row() -> None:
    rows = np.array([7, 3, 9, 4])
    scores = np.array([0.1, 0.9, 0.5, 0.7])  # order: 3, 4, 9, 7
    assert rank_of(scores, rows, {9, 7}) == 3
    assert rank_of(scores, rows, {3}) == 1
    assert rank_of(scores, rows, {5}) == 0  # not a candidate


def test_ties_keep_the_candidates_order() -> None:
    rows = np.array([1, 2])
    assert rank_of(np.array([0.5, 0.5]), rows, {2}) == 2


@pytest.mark.parametrize(("rank", "expected"), [(1, 1.0), (3, 1 / math.log2(4)), (10, 1 / math.log2(11)), (11, 0.0)])
def test_one_relevant_passage_gains_by_its_rank_within_ten(rank: int, expected: float) -> None:
    assert gain(rank) == pytest.approx(expected)
    assert gain(0) == 0.0
