"""The abstention trainer's pieces on tiny fixtures: the threshold rule, the fit, and the out-of-scope filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.datasets import MedquadPage, Query
from eval.train_abstention import Row, _about_unnamed_drugs, _never_named, fit, threshold_for
from qa.confidence import Signals


def _signals(dense: float, coverage: float = 1.0) -> Signals:
    return Signals(dense, coverage, coverage, 1, 0, 0, 0, 2, False)


def _rows(group: str, in_scope: bool, n: int) -> list[Row]:
    return [Row(group, f"{group}{i}", "tune", in_scope, _signals(0.5)) for i in range(n)]


def test_the_threshold_is_the_lowest_that_abstains_on_enough_of_every_out_of_scope_group() -> None:
    rows = _rows("a", False, 20) + _rows("b", False, 4) + _rows("in", True, 2)
    # Group a: 0.01 .. 0.20; 95% of 20 is 19: halfway between the 19th (0.19) and the 20th (0.20).
    probabilities = [(i + 1) / 100 for i in range(20)]
    # Group b: 95% of 4 rounds up to all 4: just above its highest, 0.05. In-scope rows never count.
    probabilities += [0.02, 0.03, 0.04, 0.05, 0.0, 0.0]
    assert threshold_for(probabilities, rows, 0.95) == pytest.approx(0.195)
    assert threshold_for(probabilities, rows, 0.5) == pytest.approx(max(0.105, 0.035))
    assert threshold_for([0.9] * 4, _rows("b", False, 4), 0.95) > 0.9


def test_the_fit_ranks_close_covered_questions_above_far_uncovered_ones() -> None:
    near = [Row("in", f"i{i}", "tune", True, _signals(0.6 + i / 100)) for i in range(20)]
    far = [Row("out", f"o{i}", "tune", False, _signals(0.2 + i / 100, coverage=0.3)) for i in range(20)]
    model = fit(near + far, l2=0.01)
    assert min(model.probability(r.signals) for r in near) > 0.5 > max(model.probability(r.signals) for r in far)
    assert model.weights[model.features.index("dense")] > 0


def test_a_page_is_out_of_scope_only_where_the_corpus_never_names_its_subject() -> None:
    pages = [
        MedquadPage(Path("x/1.xml"), "Lowe syndrome", (("What is (are) Lowe syndrome ?", "x/1-1"),)),
        MedquadPage(Path("x/2.xml"), "Atypical hemolytic-uremic syndrome", (("q", "x/2-1"),)),
        MedquadPage(Path("x/3.xml"), "Fabry disease", (("q", "x/3-1"),)),
    ]
    every = pages + [
        MedquadPage(Path(f"y/{i}.xml"), f"Other {kind}", ()) for i in range(20) for kind in ("syndrome", "disease")
    ]
    corpus = "Hemolytic uremic syndrome is a kidney disease."
    # "syndrome" and "disease" are in most focuses (generic); "hemolytic" is named by the corpus.
    assert [p.focus for p in _never_named(pages, corpus, every)] == ["Lowe syndrome", "Fabry disease"]


def test_a_question_is_out_of_scope_when_the_corpus_names_none_of_its_drugs() -> None:
    queries = [
        Query("q1", "how long should i take cipro for a bladder infection?"),
        Query("q2", "what is ondansetron used for?"),
        Query("q3", "how do kidneys work?"),
    ]
    corpus = "Bladder infections are treated with antibiotics such as ciprofloxacin."
    # cipro is asked about where the corpus names its generic name; q3 names no drug at all.
    assert [q.qid for q in _about_unnamed_drugs(queries, corpus)] == ["q2"]
