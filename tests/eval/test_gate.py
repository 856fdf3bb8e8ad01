"""The CI gate: floors that mirror the results, and clear messages for what fell below."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import EvalError
from eval.gate import check_floors, load_floors

RESULTS = {
    "datasets": {
        "own": {
            "systems": {"hybrid": {"recall@5": 0.85, "ndcg@10": 0.7}, "bm25": {"recall@5": 0.8}},
            "answers": {"verbatim": 1.0, "cites_relevant": None},
        },
        "abstention": {"auroc": 0.9, "precision": 0.7},
    }
}


def test_gate_passes_when_every_figure_meets_its_floor() -> None:
    floors = {"own": {"hybrid": {"recall@5": 0.85, "ndcg@10": 0.6}, "answers": {"verbatim": 1.0}}}
    assert check_floors(RESULTS, floors) == []


def test_gate_names_the_figure_below_its_floor() -> None:
    floors = {"own": {"hybrid": {"recall@5": 0.9}, "bm25": {"recall@5": 0.5}}, "abstention": {"auroc": 0.95}}
    assert check_floors(RESULTS, floors) == [
        "own hybrid recall@5 = 0.850 is below its floor 0.9",
        "abstention auroc = 0.900 is below its floor 0.95",
    ]


def test_gate_fails_on_figures_or_data_sets_that_were_not_produced() -> None:
    floors = {
        "own": {"answers": {"cites_relevant": 0.5}, "dense": {"recall@5": 0.1}},
        "pubmedqa": {"hybrid": {"recall@1": 0.5}},
    }
    failures = check_floors(RESULTS, floors)
    assert failures == [
        "own answers cites_relevant: no figure in the results (bounds: min 0.5, max None)",
        "own dense: not in the results (was it evaluated in this run?)",
        "pubmedqa: not in the results (was it evaluated in this run?)",
    ]


def test_a_ceiling_bounds_a_figure_where_lower_is_better() -> None:
    floors = {"own": {"answers": {"verbatim": {"min": 0.99, "max": 1.0}}}, "abstention": {"precision": {"max": 0.5}}}
    assert check_floors(RESULTS, floors) == ["abstention precision = 0.700 is above its ceiling 0.5"]


def test_load_floors_reads_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"own": {"hybrid": {"recall@5": 0.9}}}), encoding="utf-8")
    assert load_floors(path) == {"own": {"hybrid": {"recall@5": 0.9}}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be an object"),
        ('{"own": {"hybrid": {"recall@5": "high"}}}', r"own / hybrid / recall@5 must be a number"),
        ('{"own": {}}', "own is empty"),
        ('{"own": {"p95_ms": {"max": "fast"}}}', "bounds must be numbers"),
    ],
)
def test_load_floors_explains_a_bad_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "floors.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalError, match=message):
        load_floors(path)
    with pytest.raises(EvalError, match="cannot read"):
        load_floors(tmp_path / "missing.json")


def _compared(hybrid: float, bm25: float, dense: float) -> dict:
    systems = {"hybrid": {"ndcg@10": hybrid}, "bm25": {"ndcg@10": bm25}, "dense": {"ndcg@10": dense}}
    return {"systems": systems, "vs_best_single": {"ndcg@10": {"all": hybrid - max(bm25, dense)}}}


def test_a_wildcard_floor_holds_hybrid_within_a_point_of_its_best_single_system_on_every_set() -> None:
    floors = {"*": {"vs_best_single": {"ndcg@10": {"all": -0.01}}}}
    results = {
        "datasets": {
            "medquad/all": _compared(0.78, 0.55, 0.73),
            "lexical": _compared(0.645, 0.66, 0.50),  # 1.5 points below bm25
            "pubmedqa": _compared(0.985, 0.99, 0.98),  # 0.5 below: within the margin
            "abstention": {"kind": "abstention", "auroc": 0.99},  # no retrieval systems: not compared
        }
    }
    assert check_floors(results, floors) == ["lexical vs_best_single ndcg@10 all = -0.015 is below its floor -0.01"]


def test_a_wildcard_floor_fails_a_set_whose_systems_were_run_without_the_comparison() -> None:
    floors = {"*": {"vs_best_single": {"ndcg@10": {"all": -0.01}}}}
    results = {"datasets": {"own": {"systems": {"hybrid": {"ndcg@10": 0.7}}}}}
    assert check_floors(results, floors) == ["own vs_best_single: not in the results (was it evaluated in this run?)"]


def test_a_named_floor_and_the_wildcard_both_apply() -> None:
    floors = {"*": {"vs_best_single": {"ndcg@10": {"all": -0.01}}}, "own": {"hybrid": {"ndcg@10": 0.8}}}
    results = {"datasets": {"own": _compared(0.75, 0.77, 0.7)}}
    assert check_floors(results, floors) == [
        "own vs_best_single ndcg@10 all = -0.020 is below its floor -0.01",
        "own hybrid ndcg@10 = 0.750 is below its floor 0.8",
    ]


def test_a_named_set_s_own_bound_replaces_the_wildcard_s_at_the_same_figure() -> None:
    # A known exception is written down beside the set, with its own bound; the wildcard still holds elsewhere.
    floors = {
        "*": {"vs_best_single": {"ndcg@10": {"all": -0.01}}},
        "small": {"vs_best_single": {"ndcg@10": {"all": -0.03}}},
    }
    results = {"datasets": {"small": _compared(0.735, 0.759, 0.72), "other": _compared(0.735, 0.759, 0.72)}}
    assert check_floors(results, floors) == ["other vs_best_single ndcg@10 all = -0.024 is below its floor -0.01"]
    results["datasets"]["small"] = _compared(0.70, 0.759, 0.72)
    assert "small vs_best_single ndcg@10 all = -0.059 is below its floor -0.03" in check_floors(results, floors)


def test_the_shipped_floors_fail_when_bottom_line_accuracy_drops() -> None:
    from eval.plan import REPO_ROOT

    floors = load_floors(REPO_ROOT / "eval" / "floors.json")
    labelled = floors["own"]["answers"]["labelled"]
    bound = labelled["bottom_line_correct"]
    held_out = labelled["splits"]["heldout"]["bottom_line_correct"]

    def results(all_splits: float, held: float) -> dict:
        block = {
            "bottom_line_correct": all_splits,
            "answer_mrr": 1.0,
            "differ_flagged": 1.0,
            "differ_false": 0.0,
            "abstained": 0.0,
        }
        split = {**block, "bottom_line_correct": held}
        answers = {"labelled": {**block, "splits": {"tune": split, "heldout": split}}}
        return {"datasets": {"own": {"answers": answers}}}

    only_own = {"own": {"answers": {"labelled": labelled}}}
    assert check_floors(results(bound, held_out), only_own) == []
    failures = check_floors(results(bound - 0.05, held_out - 0.05), only_own)
    assert f"own answers labelled bottom_line_correct = {bound - 0.05:.3f} is below its floor {bound:g}" in failures
    assert any(f.startswith("own answers labelled splits heldout bottom_line_correct") for f in failures)
