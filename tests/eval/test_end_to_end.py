"""The harness through the real ingest, index, embedding model and Assistant, on a BEIR folder written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.harness import eval_index_dir, index_opener, run_plan
from eval.plan import Plan, Target
from qa.settings import Settings

CORPUS = [
    {
        "_id": "gout",
        "title": "Gout",
        "text": "Gout is an arthritis caused by urate crystals in the joints. "
        "Colchicine and NSAIDs treat acute gout flares.",
    },
    {
        "_id": 17,
        "title": "Asthma",
        "text": "Asthma narrows the airways. Inhaled corticosteroids prevent asthma "
        "attacks, and salbutamol relieves them.",
    },
    {
        "_id": "anemia",
        "text": "Iron deficiency anemia causes fatigue and pallor. Oral iron tablets restore haemoglobin over weeks.",
    },
    {
        "_id": "glaucoma",
        "title": "Glaucoma",
        "text": "Glaucoma damages the optic nerve, usually through raised "
        "intraocular pressure. Prostaglandin eye drops lower the pressure.",
    },
]
QUERIES = [
    {"_id": "q1", "text": "what treats a gout flare"},
    {"_id": 2, "text": "which inhaler prevents asthma attacks"},
    {"_id": "q3", "text": "eye drops for raised intraocular pressure"},
    {"_id": "q4", "text": "a query without judgements"},
]


@pytest.mark.slow
def test_harness_on_a_tiny_beir_folder_with_the_real_assistant(tmp_path: Path) -> None:
    folder = tmp_path / "tiny-beir"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in CORPUS), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in QUERIES), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tgout\t1\n2\t17\t2\nq3\tglaucoma\t1\n")
    settings = Settings(cache_dir=tmp_path / "cache", index_dir=tmp_path / "unused", corpus_dir=tmp_path / "none")
    plan = Plan((Target("beir/tiny-beir", "beir", folder),), systems=("bm25", "dense", "hybrid"))

    results = run_plan(plan, settings, index_opener(settings, progress=False))

    entry = results["datasets"]["beir/tiny-beir"]
    assert entry["info"]["questions"] == 3 and entry["info"]["documents"] == 4
    assert entry["info"]["judged_documents_not_indexed"] == 0
    # Each question names its document's own words: every system must put it first.
    for system in ("bm25", "dense", "hybrid"):
        assert entry["systems"][system]["recall@1"] == 1.0, system
    assert entry["answers"]["questions"] == 3
    if entry["answers"]["sentences"]:
        assert entry["answers"]["verbatim"] == 1.0
    assert (eval_index_dir(settings, "beir/tiny-beir", folder) / "CURRENT").is_file()
    # A second run reuses the index: the published build is the same one.
    before = (eval_index_dir(settings, "beir/tiny-beir", folder) / "CURRENT").read_text()
    run_plan(plan, settings, index_opener(settings, progress=False))
    assert (eval_index_dir(settings, "beir/tiny-beir", folder) / "CURRENT").read_text() == before
