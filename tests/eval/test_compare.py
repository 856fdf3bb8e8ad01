"""Two evaluation runs compared question by question: who won, who lost, and how likely such a split is by chance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eval import EvalError
from eval.compare import compare, load_results, main, render, sign_test


def _run(rows: dict[str, list[tuple[str, str, bool]]], measure: str = "bottom_line_correct") -> dict:
    """A results dict: per data set, (id, split, right) rows."""
    return {
        "datasets": {
            name: {"per_question": [{"id": q, "split": s, measure: ok} for q, s, ok in items]}
            for name, items in rows.items()
        }
    }


def test_sign_test_matches_the_binomial_tails() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(6, 0) == pytest.approx(2 / 64)  # both tails of six coin flips all one way
    assert sign_test(1, 1) == 1.0
    assert sign_test(13, 5) == sign_test(5, 13) == pytest.approx(0.0963, abs=1e-4)
    with pytest.raises(ValueError):
        sign_test(-1, 2)


def test_questions_are_matched_by_id_and_counted_per_split() -> None:
    before = _run({"own": [("a", "tune", True), ("b", "tune", False), ("c", "heldout", True), ("d", "heldout", True)]})
    after = _run({"own": [("a", "tune", True), ("b", "tune", True), ("c", "heldout", False), ("e", "heldout", True)]})
    rows = {c.split: c for c in compare(before, after)}
    assert list(rows) == ["all", "tune", "heldout"]
    assert (rows["all"].questions, rows["all"].before, rows["all"].after) == (3, 2, 2)
    assert (rows["tune"].won, rows["tune"].lost, rows["heldout"].won, rows["heldout"].lost) == (1, 0, 0, 1)
    # "d" was asked before only, "e" after only: counted apart, never as a win or a loss.
    assert (rows["heldout"].only_before, rows["heldout"].only_after) == (1, 1)
    assert (rows["tune"].only_before, rows["tune"].only_after) == (0, 0)


def test_document_judged_sets_compare_on_the_bottom_lines_source() -> None:
    before = _run({"medicationqa": [("1", "tune", False)]}, "bottom_line_relevant")
    after = _run({"medicationqa": [("1", "tune", True)]}, "bottom_line_relevant")
    (everything, tune) = compare(before, after)
    assert everything.measure == "bottom_line_relevant" and (tune.won, tune.lost) == (1, 0)
    assert "from a judged document" in render([tune])


def test_sets_without_question_rows_in_both_runs_are_left_out() -> None:
    before = _run({"own": [("a", "tune", True)]})
    after = {
        "datasets": {
            "own": {"per_question": [{"id": "a", "split": "tune", "bottom_line_correct": False}]},
            "abstention": {"auroc": 0.99},
            "new": {"per_question": []},
        }
    }
    assert [c.dataset for c in compare(before, after)] == ["own", "own"]
    assert "No data set" in render([])


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from(["tune", "heldout"])), max_size=40))
def test_wins_less_losses_is_the_change_in_right_answers(flags: list[tuple[bool, bool, str]]) -> None:
    before = _run({"s": [(str(i), split, b) for i, (b, _, split) in enumerate(flags)]})
    after = _run({"s": [(str(i), split, a) for i, (_, a, split) in enumerate(flags)]})
    for change in compare(before, after):
        assert change.won - change.lost == change.after - change.before
        assert 0.0 <= change.p_value <= 1.0


def test_the_command_reads_folders_and_reports_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for name, ok in (("old", False), ("new", True)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(_run({"own": [("a", "tune", ok)]})), "utf-8")
    assert main([str(tmp_path / "old"), str(tmp_path / "new")]) == 0
    assert "| own | tune | correct | 1 | 0.0% | 100.0% | 1 | 0 | 1.000 |" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text("{not json", "utf-8")
    assert main([str(tmp_path / "bad.json"), str(tmp_path / "new")]) == 2
    assert "not a readable results file" in capsys.readouterr().err
    with pytest.raises(EvalError, match="does not exist"):
        load_results(tmp_path / "missing.json")
