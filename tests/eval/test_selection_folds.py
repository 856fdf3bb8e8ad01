"""Cross-validation of the answer scorer: no page is both fitted on and scored in one fold, nor seen by the adapter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from eval.datasets import MedquadPage
from eval.selection import TUNE, Group, fold_of, macro_error, simplest_within_error
from eval.splits import adapter_page, medquad_page_key
from eval.train_selector import medquad_questions


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


def test_the_question_adapter_and_the_scorer_train_on_different_medquad_pages() -> None:
    pages = [
        MedquadPage(Path(f"p{i}.xml"), f"topic {i}", tuple((f"q{j}", f"medquad/1_X/{i:07d}-{j}") for j in range(3)))
        for i in range(200)
    ]
    chosen = medquad_questions(pages, tune=60)
    tune_pages = {medquad_page_key(q.qid) for q in chosen if q.split == TUNE}
    assert len([q for q in chosen if q.split == TUNE]) == 60
    assert tune_pages and not any(adapter_page(p) for p in tune_pages)
    # About half of all pages are the adapter's.
    assert 60 < sum(adapter_page(f"medquad/1_X/{i:07d}") for i in range(200)) < 140


def _row(share: float, questions: int) -> dict[str, float]:
    return {"questions": questions, "bottom_line": share}


def test_the_macro_error_is_the_binomial_error_of_the_mean_of_the_sources() -> None:
    table = {"a tune": _row(0.5, 25), "b tune": _row(0.9, 100)}
    # sqrt(0.25 / 25 + 0.09 / 100) / 2 = sqrt(0.0109) / 2
    assert math.isclose(macro_error(table), math.sqrt(0.0109) / 2)


def test_the_simplest_choice_within_one_standard_error_of_the_best_is_kept() -> None:
    sharp = {"a tune": _row(0.60, 40), "b tune": _row(0.80, 40)}
    plain = {"a tune": _row(0.58, 40), "b tune": _row(0.78, 40)}
    poor = {"a tune": _row(0.40, 40), "b tune": _row(0.60, 40)}
    tables = {0.003: sharp, 0.03: plain, 3.0: poor}
    # Larger L2 is simpler. The best macro is 0.70 with an error of sqrt(0.24 / 40 + 0.16 / 40) / 2 = 0.05: 0.03
    # (0.68) is within it, 3.0 (0.50) is not.
    assert simplest_within_error(tables, lambda l2: -l2) == 0.03
    assert simplest_within_error({0.003: sharp, 3.0: poor}, lambda l2: -l2) == 0.003
