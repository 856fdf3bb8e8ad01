"""Report files: Markdown tables, strict JSON with every figure, and the Recall@k plot."""

from __future__ import annotations

import json
from pathlib import Path

from eval.metrics import METRICS
from eval.report import render_dataset, render_markdown, write_outputs


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


def test_abstention_section_lists_groups() -> None:
    text = render_dataset("abstention", _results()["datasets"]["abstention"])
    assert "| own | yes | 2 | 0.800 | 0.0% |" in text
    assert "| all groups | 1.000 | n/a | 0.000 | n/a | 0.000 | 0.500 | 1.000 |" in text
    assert "| bundled corpus only | 0.750 | 0.500 | n/a |" in text
