"""Readers of every data set format, on tiny fixtures written in each test."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from eval import EvalError
from eval.datasets import (
    every_medquad_page,
    medquad_sources,
    read_beir,
    read_beir_qrels,
    read_judged_set,
    read_medquad,
    read_medquad_pages,
    read_own_set,
    read_pubmedqa,
    read_question_set,
    sample,
)
from eval.splits import split_of
from qa.loaders import load_paths


def _lines(path: Path, rows: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _beir(folder: Path, qrels: str, *, qrels_name: str = "qrels/test.tsv") -> Path:
    _lines(
        folder / "corpus.jsonl",
        [
            {"_id": 1, "title": "Gout", "text": "Gout is arthritis from urate crystals.", "extra": [1, 2]},
            {"_id": "d2", "text": "Colchicine treats gout flares."},  # no title
        ],
    )
    _lines(
        folder / "queries.jsonl",
        [
            {"_id": 101, "text": "what is gout", "metadata": {"source": "x"}},
            {"_id": "q2", "text": "gout flare treatment"},
            {"_id": "q3", "text": "a query nobody judged"},
            {"_id": "q4", "text": "judged, but nothing relevant"},
        ],
    )
    (folder / qrels_name).parent.mkdir(parents=True, exist_ok=True)
    (folder / qrels_name).write_text(qrels, encoding="utf-8")
    return folder


def test_beir_reads_graded_judgements_and_skips_unjudged_queries(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "tiny", "query-id\tcorpus-id\tscore\n101\t1\t2\n101\td2\t1\nq2\td2\t1\nq4\t1\t0\n")
    queries = read_beir(folder)
    assert [(q.qid, q.text, dict(q.relevant)) for q in queries] == [
        ("101", "what is gout", {"1": 2, "d2": 1}),
        ("q2", "gout flare treatment", {"d2": 1}),
    ]


def test_beir_reads_a_top_level_qrels_file_without_header(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "flat", "101 1 1\nq2 d2 1\n", qrels_name="qrels.tsv")
    assert [q.qid for q in read_beir(folder)] == ["101", "q2"]


def test_beir_prefers_the_test_split(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "both", "q2\td2\t1\n")
    (folder / "qrels.tsv").write_text("101\t1\t1\n", encoding="utf-8")
    assert [q.qid for q in read_beir(folder)] == ["q2"]


def test_qrels_accept_trec_four_columns_and_float_scores(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("q1 0 d1 1\nq1 0 d2 2.0\nq2 0 d3 0\n\n", encoding="utf-8")
    assert read_beir_qrels(path) == {"q1": {"d1": 1, "d2": 2}}


def test_qrels_name_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\td1\t1\nq2\td2\tmaybe\n", encoding="utf-8")
    with pytest.raises(EvalError, match=r"qrels.tsv:2.*'maybe'"):
        read_beir_qrels(path)


def test_beir_says_what_is_missing(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "noqrels", "101\t1\t1\n")
    (folder / "qrels" / "test.tsv").unlink()
    with pytest.raises(EvalError, match=re.escape("qrels/test.tsv, qrels.tsv")):
        read_beir(folder)
    (folder / "queries.jsonl").unlink()
    with pytest.raises(EvalError, match=re.escape("queries.jsonl is missing")):
        read_beir(folder)
    with pytest.raises(EvalError, match="does not exist"):
        read_beir(tmp_path / "nowhere")


MEDQUAD_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000001" source="NIDDK" url="http://example.org/gout">
<Focus>Gout</Focus>
<QAPairs>
  <QAPair pid="1"><Question qid="0000001-1" qtype="information">What is (are) Gout ?</Question>
    <Answer>Gout is a kind of arthritis.</Answer></QAPair>
  <QAPair pid="2"><Question qid="0000001-2" qtype="treatment">What are the treatments for Gout ?</Question>
    <Answer>   </Answer></QAPair>
  <QAPair pid="3"><Question qid="0000001-3" qtype="causes">What causes Gout ?</Question>
    <Answer>Urate crystals in the joints.</Answer></QAPair>
</QAPairs>
</Document>
"""
OLD_NINDS_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<doc corpus="NINDS" url="http://example.org/ataxia"><doctitle-focus>Ataxia</doctitle-focus>
<qaPairs><pair pid="1"><question qid="0000002-1">What is (are) Ataxia ?</question>
<answer>Ataxia is poor coordination.</answer></pair></qaPairs></doc>
"""


def _medquad(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "0000001.xml").write_text(MEDQUAD_PAGE, encoding="utf-8")
    (folder / "0000002.xml").write_text(OLD_NINDS_PAGE, encoding="utf-8")
    (folder / "0000003.xml").write_text("<Document><QAPairs>", encoding="utf-8")  # truncated
    return folder


def test_medquad_judges_each_question_by_its_own_answer_and_drops_empty_ones(tmp_path: Path) -> None:
    folder = _medquad(tmp_path / "9_Test_QA")
    assert [(q.qid, q.text, dict(q.relevant)) for q in read_medquad(folder)] == [
        ("medquad/9_Test_QA/0000001-1", "What is (are) Gout ?", {"medquad/9_Test_QA/0000001-1": 1}),
        ("medquad/9_Test_QA/0000001-3", "What causes Gout ?", {"medquad/9_Test_QA/0000001-3": 1}),
        ("medquad/9_Test_QA/0000002-1", "What is (are) Ataxia ?", {"medquad/9_Test_QA/0000002-1": 1}),
    ]
    pages, unreadable = read_medquad_pages(folder)
    assert [p.focus for p in pages] == ["Gout", "Ataxia"] and unreadable == 1


def test_medquad_sources_are_the_folder_or_its_subfolders(tmp_path: Path) -> None:
    one = _medquad(tmp_path / "medquad" / "9_Test_QA")
    (tmp_path / "medquad" / "empty").mkdir()
    assert medquad_sources(one) == [one]
    assert medquad_sources(tmp_path / "medquad") == [one]
    with pytest.raises(EvalError, match="no MedQuAD XML"):
        medquad_sources(tmp_path / "medquad" / "empty")


def test_every_medquad_page_reads_each_source_of_a_parent_folder(tmp_path: Path) -> None:
    _medquad(tmp_path / "medquad" / "1_A_QA")
    _medquad(tmp_path / "medquad" / "2_B_QA")
    pages = every_medquad_page(tmp_path / "medquad")
    assert [(p.path.parent.name, p.focus) for p in pages] == [
        ("1_A_QA", "Gout"),
        ("1_A_QA", "Ataxia"),
        ("2_B_QA", "Gout"),
        ("2_B_QA", "Ataxia"),
    ]
    assert every_medquad_page(tmp_path / "medquad" / "2_B_QA") == pages[2:]


def test_pubmedqa_judges_each_question_by_its_own_abstract(tmp_path: Path) -> None:
    data = {
        "123": {"QUESTION": "Does aspirin help?", "CONTEXTS": ["Aspirin ..."], "LABELS": ["BACKGROUND"]},
        "456": {"QUESTION": " Is tea good? ", "CONTEXTS": ["Tea ..."], "LABELS": ["METHODS"]},
        "789": {"CONTEXTS": ["No question here."]},
    }
    (tmp_path / "ori_pqal.json").write_text(json.dumps(data), encoding="utf-8")
    queries = read_pubmedqa(tmp_path)  # the folder works as well as the file
    assert [(q.qid, q.text, dict(q.relevant)) for q in queries] == [
        ("123", "Does aspirin help?", {"pubmed/123": 1}),
        ("456", "Is tea good?", {"pubmed/456": 1}),
    ]


def test_own_set_reads_history_and_passages(tmp_path: Path) -> None:
    path = _lines(
        tmp_path / "own.jsonl",
        [
            {"id": "a", "question": "is baclofen dialyzable", "passages": [{"doc": "x.txt", "quote": "Yes"}]},
            {
                "id": "b",
                "question": "dose?",
                "history": ["baclofen in HD"],
                "passages": [{"doc": "x.txt", "quote": "No"}],
            },
        ],
    )
    queries = read_own_set(path)
    assert queries[1].history == ("baclofen in HD",)
    assert [(p.doc, p.quote) for p in queries[0].passages] == [("x.txt", "Yes")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "a", "question": "q", "passages": []}, "at least one"),
        ({"id": "a", "question": "", "passages": [{"doc": "x", "quote": "y"}]}, "'question' must be"),
        ({"id": "a", "question": "q", "passages": [{"doc": "x"}]}, "'quote' must be"),
        (
            {"id": "a", "question": "q", "history": "earlier", "passages": [{"doc": "x", "quote": "y"}]},
            "history",
        ),
    ],
)
def test_own_set_names_the_bad_line(tmp_path: Path, row: dict, message: str) -> None:
    path = _lines(tmp_path / "own.jsonl", [row])
    with pytest.raises(EvalError, match=message) as caught:
        read_own_set(path)
    assert "own.jsonl:1" in str(caught.value)


def test_judged_set_puts_each_message_in_a_split_by_its_id(tmp_path: Path) -> None:
    # Our long messages are judged by document; their answer figures are reported per split like every other set,
    # keyed by the message itself, as the abstention and disagreement tuners already key them.
    rows = [{"id": f"m-{i}", "question": f"question {i}?", "relevant": {"d": 2}} for i in range(40)]
    queries = read_judged_set(_lines(tmp_path / "m.jsonl", rows))
    assert [q.split for q in queries] == [split_of(f"m-{i}") for i in range(40)]
    assert {q.split for q in queries} == {"tune", "heldout"}


def test_question_set_rejects_broken_json_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "a", "question": "capital of France?"}\n{"id": "b",\n', encoding="utf-8")
    with pytest.raises(EvalError, match=re.escape("out.jsonl:2 is not valid JSON")):
        read_question_set(path)


def test_sample_is_deterministic_and_keeps_order(tmp_path: Path) -> None:
    path = _lines(tmp_path / "q.jsonl", [{"id": str(i), "question": f"q{i}"} for i in range(50)])
    queries = read_question_set(path)
    first, second = sample(queries, 10), sample(queries, 10)
    assert first == second and len(first) == 10
    assert [int(q.qid) for q in first] == sorted(int(q.qid) for q in first)
    assert sample(queries, None) == queries and sample(queries, 500) == queries


def test_medquad_questions_come_from_the_loaders_reading_of_each_page(tmp_path: Path) -> None:
    """The harness judges exactly the documents the loaders make, also on pages the loaders refuse."""
    folder = _medquad(tmp_path / "9_Test_QA")
    # A pair without a qid makes the loader refuse the whole page, so none of its questions can be judged.
    no_qid = MEDQUAD_PAGE.replace('qid="0000001-3" ', "").replace("Gout", "Lupus")
    (folder / "0000004.xml").write_text(no_qid, encoding="utf-8")
    # Nested past the XML parser's safety limits: refused by both.
    deep = MEDQUAD_PAGE.replace("<Answer>Gout is", "<Answer>" + "<b>" * 300 + "</b>" * 300 + "Gout is")
    (folder / "0000005.xml").write_text(deep.replace("0000001-", "0000005-"), encoding="utf-8")
    pages, unreadable = read_medquad_pages(folder)
    judged = {doc for page in pages for _, doc in page.questions}
    loaded = load_paths([folder])
    assert judged == {d.doc_id for d in loaded.documents}
    assert unreadable == 3 == len(loaded.skipped)


def _shared_datasets() -> Path:
    env = os.environ.get("MEDCITE_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"


@pytest.mark.slow
def test_readers_judge_exactly_the_documents_the_loaders_make() -> None:
    """On the real NIDDK folder and PubMedQA file: every judged id is a loaded doc_id, and vice versa."""
    shared = _shared_datasets()
    niddk, pqal = shared / "medquad" / "5_NIDDK_QA", shared / "pubmedqa" / "ori_pqal.json"
    if not niddk.is_dir() or not pqal.is_file():
        pytest.skip(f"shared data sets not found at {shared} (set MEDCITE_DATASETS)")
    for path, reader, expected in ((niddk, read_medquad, 1192), (pqal, read_pubmedqa, 1000)):
        queries = reader(path)
        assert len(queries) == expected
        judged = {doc for q in queries for doc in q.relevant}
        loaded = {d.doc_id for d in load_paths([path]).documents}
        assert judged == loaded, path
