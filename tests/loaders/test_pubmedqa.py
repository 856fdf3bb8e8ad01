"""PubMedQA: one Document per PMID with labelled sections; the question and long answer are not content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.loaders import load_paths, pubmed_doc_id

from ._datasets import require

ENTRY = {
    "QUESTION": "Does potassium binder therapy lower serum potassium?",
    "CONTEXTS": ["Hyperkalaemia is common in CKD.", "We enrolled 120 patients  in a trial."],
    "LABELS": ["BACKGROUND", "METHODS"],
    "MESHES": ["Aged", "Humans", "Hyperkalemia", "Potassium", "Renal Insufficiency, Chronic"],
    "YEAR": "2015",
    "reasoning_required_pred": "yes",
    "final_decision": "yes",
    "LONG_ANSWER": "Binder therapy lowered potassium by 0.5 mmol/L.",
}


def test_one_document_per_pmid(tmp_path: Path) -> None:
    path = tmp_path / "ori_pqal.json"
    path.write_text(json.dumps({"12345678": ENTRY}), encoding="utf-8")
    [doc] = load_paths([path]).documents
    assert doc.doc_id == "pubmed/12345678"
    assert (doc.title, doc.date, doc.kind) == ("PubMed 12345678", "2015", "research abstract")
    assert doc.url == "https://pubmed.ncbi.nlm.nih.gov/12345678/"
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        (("Background",), "Hyperkalaemia is common in CKD."),
        (("Methods",), "We enrolled 120 patients in a trial."),
    ]
    everything = doc.title + " ".join(s.text for s in doc.sections) + " ".join(doc.keywords)
    assert "binder therapy" not in everything.lower()  # neither the QUESTION nor the LONG_ANSWER
    # The MeSH headings name the topic the withheld title named; they are searched, never quoted. Check tags
    # (Humans, Aged) only say who was studied.
    assert doc.keywords == ("Hyperkalemia", "Potassium", "Renal Insufficiency, Chronic")


def test_a_bad_entry_skips_the_file_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"42": {**ENTRY, "CONTEXTS": "not a list"}}), encoding="utf-8")
    result = load_paths([path])
    assert result.documents == ()
    assert result.skipped[0].reason == "PubMedQA entry 42: CONTEXTS and LABELS must be lists of strings"


def test_pubmed_doc_id() -> None:
    assert pubmed_doc_id(21645374) == "pubmed/21645374"
    assert pubmed_doc_id("21645374") == "pubmed/21645374"
    with pytest.raises(ValueError, match="a PMID is a number"):
        pubmed_doc_id("abc")


@pytest.mark.slow
def test_the_real_pubmedqa_file() -> None:
    path = require("pubmedqa/ori_pqal.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    result = load_paths([path.parent])  # the LICENSE beside it is ignored silently
    assert result.skipped == ()
    assert len(result.documents) == len(data) == 1000
    for doc in result.documents[:50]:
        entry = data[doc.doc_id.removeprefix("pubmed/")]
        texts = [s.text for s in doc.sections]
        assert entry["QUESTION"] not in texts and entry["LONG_ANSWER"] not in texts
        assert [s.heading_path[0] for s in doc.sections] == [label.title() for label in entry["LABELS"]]
