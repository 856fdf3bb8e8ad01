"""Cross-validation of the answer scorer: no page is both fitted on and scored in one fold."""

from __future__ import annotations

import numpy as np

from eval.selection import TUNE, Group, fold_of


def _group(qid: str, source: str = "medquad") -> Group:
    return Group(source, qid, TUNE, np.zeros((2, 1), np.float32), np.array([True, False]), False)


def test_the_questions_of_one_medquad_page_share_a_fold() -> None:
    page = [_group(f"medquad/3_GHR_QA/0000640-{n}") for n in range(1, 9)]
    assert len({fold_of(g, 5) for g in page}) == 1


def test_questions_spread_over_every_fold_and_the_seed_reshuffles() -> None:
    groups = [_group(f"medquad/3_GHR_QA/{n:07d}-1") for n in range(200)]
    folds = [fold_of(g, 5) for g in groups]
    assert set(folds) == set(range(5)) and max(folds.count(k) for k in range(5)) < 60
    assert folds != [fold_of(g, 5, seed=1) for g in groups]
