"""BEIR corpora: one Document per record keyed by `_id`; a BEIR folder contributes only its corpus."""

from __future__ import annotations

import json
from pathlib import Path

from qa.loaders import load_paths


def _beir_folder(root: Path) -> Path:
    folder = root / "scifact"
    (folder / "qrels").mkdir(parents=True)
    records = [
        {
            "_id": "4983",
            "title": "Microstructural development",
            "text": "Alterations of  the brain.",
            "metadata": {},
        },
        {"_id": "5836", "title": "Title only record", "text": ""},
        {"_id": "7912", "title": "", "text": ""},
        {
            "_id": "18670",
            "title": "",
            "text": "No title here.",
            "metadata": {"url": "https://example.org/18670"},
        },
    ]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    (folder / "queries.jsonl").write_text(json.dumps({"_id": "1", "text": "a query", "metadata": {}}) + "\n")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\t4983\t1\n")
    return folder


def test_a_beir_folder_loads_its_corpus_only(tmp_path: Path) -> None:
    _beir_folder(tmp_path)
    result = load_paths([tmp_path])
    assert result.skipped == ()
    assert [d.doc_id for d in result.documents] == ["4983", "5836", "18670"]
    first, title_only, untitled = result.documents
    assert (first.title, first.sections[0].text, first.kind) == (
        "Microstructural development", "Alterations of the brain.", "passage"
    )  # fmt: skip
    assert title_only.sections[0].text == "Title only record"
    assert (untitled.title, untitled.url) == ("", "https://example.org/18670")


def test_a_broken_corpus_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text('{"_id": "1", "text": "ok"}\n{"_id": "2", "text": "ok"}\n{"_id": "3", "text": }\n')
    result = load_paths([tmp_path])
    assert result.documents == ()
    assert result.skipped[0].reason.startswith("malformed JSON at line 3: Expecting value")
