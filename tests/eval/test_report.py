"""Report files: Markdown tables, strict JSON with every figure, and the Recall@k plot."""

from __future__ import annotations

import json
from pathlib import Path

from eval.metrics import METRICS
from eval.report import fusion_summary, render_dataset, render_markdown, write_outputs


def _results() -> dict:
    figures = {m: 0.5 for m in METRICS} | {"p50_ms": 1.0, "p95_ms": 2.0}
    return {
        "run": {
            "systems": ["bm25", "hybrid"],
            "limit": None,
            "model": "m",
            "seconds": 3.0,
            "notes": ["skipped X"],
        },
        "datasets": {
            "own": {
                "kind": "retrieval",
                "info": {"questions": 2, "documents": 1, "chunks": 3, "unit": "passage"},
                "systems": {"bm25": figures, "hybrid": figures | {"recall@5": 1.0}},
                "significance": {
                    "baseline": "hybrid",
                    "p_values": {"bm25": {m: None for m in METRICS} | {"ndcg@10": 3.2e-7, "mrr@10": 0.04}},
                },
                "answers": {
                    "questions": 2,
                    "sentences": 4,
                    "verbatim": 1.0,
                    "in_markdown": 0.75,
                    "abstained": 0.0,
                    "cites_relevant": 0.5,
                },
            },
            "abstention": {
                "kind": "abstention",
                "in_scope": 2,
                "out_of_scope": 1,
                "auroc": 1.0,
                "precision": None,
                "recall": 0.0,
                "f1": None,
                "abstained_in_scope": 0.0,
                "best_threshold": 0.5,
                "best_f1": 1.0,
                "bundled_corpus": {"auroc": 0.75, "precision": 0.5},
                "groups": {"own": {"in_scope": True, "questions": 2, "mean_confidence": 0.8, "abstained": 0.0}},
            },
        },
    }


def test_write_outputs_writes_markdown_json_and_png(tmp_path: Path) -> None:
    written = write_outputs(_results(), tmp_path / "out")
    assert [p.name for p in written] == ["results.md", "results.json", "recall.png"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    assert (tmp_path / "out" / "recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert set(data) == {"run", "datasets"}
    assert set(data["datasets"]["own"]["systems"]["hybrid"]) == {*METRICS, "p50_ms", "p95_ms"}
    assert data["datasets"]["own"]["systems"]["hybrid"]["recall@5"] == 1.0
    assert data["datasets"]["abstention"]["precision"] is None


def test_markdown_has_a_side_by_side_table_per_data_set() -> None:
    text = render_markdown(_results())
    assert "| system | " + " | ".join(METRICS) + " | p50_ms | p95_ms |" in text
    assert "| hybrid | 0.500 | 0.500 | 0.500 | 1.000 |" in text
    # Tiny p-values in scientific notation; identical per-query scores have none.
    assert "| bm25 | 3.2e-07 | 0.0400 | n/a |" in text
    assert "100.0% verbatim in their cited chunk, 75.0% in the Markdown" in text
    assert "Note: skipped X" in text


def test_document_table_counts_every_question_and_the_answered_ones_apart() -> None:
    results = _results()
    block = {
        "questions": 4,
        "answered": 3,
        "bottom_line_relevant": 0.5,
        "top_document_relevant": 0.75,
        "answered_bottom_line_relevant": 2 / 3,
        "answered_top_document_relevant": 2 / 3,
        "differ": 0.0,
        "abstained": 0.25,
    }
    results["datasets"]["own"]["answers"]["documents"] = block | {"splits": {"tune": block}}
    text = render_markdown(results)
    assert "| split | questions | bottom line from a relevant doc | top doc relevant | answered |" in text
    assert "| all | 4 | 50.0% | 75.0% | 3 | 66.7% | 66.7% | 0.0% | 25.0% |" in text


def test_abstention_section_lists_groups() -> None:
    text = render_dataset("abstention", _results()["datasets"]["abstention"])
    assert "| own | yes | 2 | 0.800 | 0.0% |" in text
    assert "| all groups | 1.000 | n/a | 0.000 | n/a | 0.000 | 0.500 | 1.000 |" in text
    assert "| bundled corpus only | 0.750 | 0.500 | n/a |" in text
    assert "Near-scope" not in text  # a run before the near-scope set reports none


def test_abstention_section_reports_near_scope_questions_apart() -> None:
    entry = _results()["datasets"]["abstention"]
    block = {"questions": 4, "abstained": 0.25, "named": 0.5, "warned": 0.75}
    entry["near_scope"] = {"all": block, "splits": {"tune": block | {"questions": 2}, "heldout": block}}
    text = render_dataset("abstention", entry)
    assert "| split | questions | abstained | named | warned |" in text
    assert "| all | 4 | 25.0% | 50.0% | 75.0% |" in text
    assert "| tune | 2 | 25.0% | 50.0% | 75.0% |" in text


def _scored(held: float, tune: float, every: float, questions: int) -> dict:
    return {
        "kind": "retrieval",
        "parts": {"tune": {"questions": questions}, "held-out": {"questions": questions}},
        "vs_best_single": {"ndcg@10": {"all": every, "tune": tune, "held-out": held}},
    }


def test_fusion_summary_averages_every_set_and_names_those_below_the_better_single_system() -> None:
    datasets = {
        "a": _scored(0.05, 0.02, 0.035, 10),
        "b": _scored(-0.03, 0.01, -0.01, 20),
        "c": _scored(0.04, 0.00, 0.02, 30),
        "abstention": {"kind": "abstention"},
    }
    text = "\n".join(fusion_summary(datasets))
    assert "| b | 20 | -3.0 | +1.0 | -1.0 |" in text
    # Held-out (5 - 3 + 4) / 3 = +2.0; tune (2 + 1 + 0) / 3 = +1.0; all (3.5 - 1 + 2) / 3 = +1.5.
    assert "| **mean of 3 sets** |  | +2.0 | +1.0 | +1.5 |" in text
    assert "Held-out: mean +2.0 over 3 sets (goal >= +3.0: not met)" in text
    assert "within 1 point of the better single system on 2 of 3 (below: b -3.0)." in text
    assert "abstention" not in text


def test_fusion_summary_needs_two_sets_and_sits_before_the_sections() -> None:
    assert fusion_summary({"a": _scored(0.05, 0.02, 0.035, 10)}) == []
    results = _results()
    results["datasets"] |= {"x": _scored(0.04, 0.04, 0.04, 5), "y": _scored(0.02, 0.02, 0.02, 5)}
    text = render_markdown(results)
    assert "Held-out: mean +3.0 over 2 sets (goal >= +3.0: met); within 1 point" in text
    assert text.index("## Hybrid against the better") < text.index("## own")
