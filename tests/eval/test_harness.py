"""The harness on a scripted assistant: scoring, answer checks, whole runs, and the gate's exit code."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from eval import harness
from eval.datasets import Passage, Query
from eval.harness import (
    Asked,
    answer_figures,
    ask_all,
    eval_index_dir,
    evaluate_followups,
    evaluate_retrieval,
    near_scope_figures,
    run_plan,
)
from eval.plan import Plan, Target
from eval.report import render_dataset
from eval.splits import split_of
from qa.records import Answer
from qa.settings import Settings


def test_eval_index_dir_is_named_for_the_set_and_keyed_by_its_path(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path / "cache")
    one = eval_index_dir(settings, "medquad/5_NIDDK_QA", tmp_path / "a")
    assert one.parent == tmp_path / "cache" / "eval" and one.name.startswith("medquad-5_NIDDK_QA-")
    assert one == eval_index_dir(settings, "medquad/5_NIDDK_QA", tmp_path / "a")
    assert one != eval_index_dir(settings, "medquad/5_NIDDK_QA", tmp_path / "b")


# --- scoring ---------------------------------------------------------------------------------------------


def test_evaluate_retrieval_on_passages(make: SimpleNamespace) -> None:
    doc = make.document("d.txt", "Baclofen is renally cleared.", "Hemodialysis removes it.", "Unrelated.")
    runs = {
        # hybrid: relevant section first for both; bm25: second for q1, absent for q2.
        "hybrid": {"clearance?": ["d.txt#0", "d.txt#2"], "dialysis?": ["d.txt#1"]},
        "bm25": {"clearance?": ["d.txt#2", "d.txt#0"], "dialysis?": ["d.txt#2"]},
    }
    assistant = make.assistant([doc], lambda mode, q, h: runs[mode][q])
    queries = [
        Query("q1", "clearance?", passages=(Passage("d.txt", "renally cleared"),)),
        Query("q2", "dialysis?", passages=(Passage("d.txt", "Hemodialysis removes it."),)),
    ]
    entry = evaluate_retrieval(assistant, queries, ("bm25", "hybrid"))
    assert entry["systems"]["hybrid"]["recall@1"] == pytest.approx(1.0)
    assert entry["systems"]["bm25"]["recall@1"] == pytest.approx(0.0)
    assert entry["systems"]["bm25"]["recall@5"] == pytest.approx(0.5)
    assert entry["systems"]["bm25"]["mrr@10"] == pytest.approx(0.25)
    assert {"p50_ms", "p95_ms"} <= set(entry["systems"]["bm25"])
    assert set(entry["significance"]["p_values"]) == {"bm25"}
    assert entry["info"]["unit"] == "passage" and entry["info"]["chunks"] == 3
    assert [c[0] for c in assistant.calls] == ["search"] * 4


def test_evaluate_retrieval_on_documents_counts_judged_documents_missing_from_the_index(
    make: SimpleNamespace,
) -> None:
    docs = [make.document("a", "x"), make.document("b", "y")]
    assistant = make.assistant(docs, lambda mode, q, h: ["b#0", "a#0"])
    queries = [Query("1", "q", {"a": 1}), Query("2", "q", {"zz": 1})]
    entry = evaluate_retrieval(assistant, queries, ("hybrid",))
    # Query 1 finds "a" at rank 2; query 2's document is not indexed and can never be found.
    assert entry["systems"]["hybrid"]["mrr@10"] == pytest.approx(0.25)
    assert entry["info"]["judged_documents_not_indexed"] == 1
    assert entry["significance"] == {"baseline": "hybrid", "p_values": {}}


def test_each_part_is_scored_apart_and_hybrid_is_compared_with_its_best_single_system(
    make: SimpleNamespace,
) -> None:
    docs = [make.document("a", "x"), make.document("b", "y")]
    ranked = {
        # hybrid finds every document first; bm25 only those of the held-out part; dense none first.
        "hybrid": {"2": ["a#0", "b#0"], "1": ["b#0", "a#0"]},
        "bm25": {"2": ["b#0", "a#0"], "1": ["b#0", "a#0"]},
        "dense": {"2": ["b#0", "a#0"], "1": ["a#0", "b#0"]},
    }
    assistant = make.assistant(docs, lambda mode, q, h: ranked[mode][q])
    # Question "2" is in the tune part, "1" in the held-out part (a fixed hash of the id).
    queries = [Query("2", "2", {"a": 1}), Query("1", "1", {"b": 1})]
    entry = evaluate_retrieval(assistant, queries, ("bm25", "dense", "hybrid"))
    parts = entry["parts"]
    assert {name: p["questions"] for name, p in parts.items()} == {"tune": 1, "held-out": 1}
    assert parts["tune"]["systems"]["bm25"]["recall@1"] == 0.0
    assert parts["held-out"]["systems"]["bm25"]["recall@1"] == 1.0
    # nDCG@10 of a document at rank 2 is 1 / log2(3).
    second = 1 / math.log2(3)
    margins = entry["vs_best_single"]["ndcg@10"]
    assert margins["tune"] == pytest.approx(1 - second)
    assert margins["held-out"] == pytest.approx(0.0)
    assert margins["all"] == pytest.approx(1 - (1 + second) / 2)


def test_followups_score_with_and_without_history(make: SimpleNamespace) -> None:
    docs = [make.document("gout-causes", "Urate."), make.document("lupus-causes", "Autoimmunity.")]

    def ranker(mode: str, question: str, history: tuple[str, ...]) -> list[str]:
        # Only the history says which disease "it" is.
        return ["gout-causes#0", "lupus-causes#0"] if history else ["lupus-causes#0", "gout-causes#0"]

    assistant = make.assistant(docs, ranker)
    pairs = [Query("gout-causes", "What causes it?", {"gout-causes": 1}, history=("What is (are) Gout ?",))]
    entry = evaluate_followups(assistant, pairs, ("hybrid",))
    assert entry["systems"]["hybrid"]["recall@1"] == 1.0
    assert entry["systems"]["hybrid-no-history"]["recall@1"] == 0.0
    assert entry["systems"]["hybrid-no-history"]["mrr@10"] == 0.5


def test_answer_check_looks_up_the_cited_chunk_in_the_index(make: SimpleNamespace) -> None:
    doc = make.document("d", "Baclofen is renally cleared.", "Hemodialysis removes it.")
    chunks = make.whole_chunks(doc)
    faithful = make.answer("q1", [("Baclofen is renally cleared.", chunks[0])])
    # The second sentence is a paraphrase, and the third cites a chunk that does not hold it.
    unfaithful = make.answer(
        "q2", [("Baclofen is cleared by kidneys.", chunks[0]), ("Hemodialysis removes it.", chunks[0])]
    )
    abstained = make.answer("q3", [], confidence=0.1, abstained=True)
    asked = [
        harness.Asked(Query("1", "q1", {"d": 1}), faithful, 0.01),
        harness.Asked(Query("2", "q2", {"other": 1}), unfaithful, 0.02),
        harness.Asked(Query("3", "q3", {"d": 1}), abstained, 0.03),
    ]
    asked[1] = dataclasses.replace(asked[1], answer=dataclasses.replace(unfaithful, disagreement=True))
    figures = answer_figures(asked, {c.chunk_id: c.text for c in chunks})
    assert figures["sentences"] == 3
    assert figures["verbatim"] == pytest.approx(1 / 3)
    assert figures["in_markdown"] == pytest.approx(1.0)
    assert figures["abstained"] == pytest.approx(1 / 3)
    assert figures["cites_relevant"] == pytest.approx(1 / 2)  # of the two answered questions
    assert figures["disagreement"] == pytest.approx(1 / 2)  # likewise
    assert figures["ask_p50_ms"] == pytest.approx(20.0)


# --- whole runs ------------------------------------------------------------------------------------------


def _beir(folder: Path) -> Path:
    folder.mkdir(parents=True)
    corpus = [
        {"_id": "g", "title": "Gout", "text": "Gout is arthritis."},
        {"_id": "t", "text": "Tea is a drink."},
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus), encoding="utf-8")
    queries = [{"_id": 1, "text": "gout arthritis"}, {"_id": 2, "text": "tea drink"}]
    (folder / "queries.jsonl").write_text("".join(json.dumps(r) + "\n" for r in queries), encoding="utf-8")
    (folder / "qrels.tsv").write_text("1\tg\t1\n2\tt\t1\n", encoding="utf-8")
    return folder


def _sets(tmp_path: Path) -> tuple[Path, Path]:
    own = {"id": "o1", "question": "baclofen clearance", "passages": [{"doc": "own.txt", "quote": "renally"}]}
    (tmp_path / "own.jsonl").write_text(json.dumps(own) + "\n", encoding="utf-8")
    (tmp_path / "abstain.jsonl").write_text(json.dumps({"id": "x", "question": "capital of France"}) + "\n")
    return tmp_path / "own.jsonl", tmp_path / "abstain.jsonl"


def _opener(make: SimpleNamespace, opened: list):
    """Own corpus: one baclofen document; any other corpus: the BEIR documents. Keyword ranking."""
    own = [make.document("own.txt", "Baclofen is renally cleared.")]
    beir = [make.document("g", "Gout is arthritis."), make.document("t", "Tea is a drink.")]

    def open_assistant(name: str, corpus: Path):
        opened.append((name, corpus))
        docs = own if name == "own" else beir

        def ranker(mode: str, question: str, history: tuple[str, ...]) -> list[str]:
            words = set(question.lower().split())
            return [f"{d.doc_id}#0" for d in docs if words & set(d.sections[0].text.lower().rstrip(".").split())]

        return make.assistant(docs, ranker)

    return open_assistant


def test_run_plan_scores_each_set_and_pools_abstention(tmp_path: Path, make: SimpleNamespace) -> None:
    own_set, abstain_set = _sets(tmp_path)
    folder = _beir(tmp_path / "tiny")
    settings = Settings(cache_dir=tmp_path / "cache", corpus_dir=tmp_path / "corpus")
    near_scope = tmp_path / "near.jsonl"
    questions = ["baclofen in pregnancy", "tea"]
    near_scope.write_text(
        "".join(json.dumps({"id": f"n{i}", "question": q}) + "\n" for i, q in enumerate(questions)), encoding="utf-8"
    )
    plan = Plan(
        (Target("own", "own", own_set), Target("beir/tiny", "beir", folder)),
        systems=("bm25", "hybrid"),
        abstention=True,
        own_set=own_set,
        abstain_set=abstain_set,
        near_scope_set=near_scope,
    )
    opened: list = []
    shown: list[str] = []
    results = run_plan(plan, settings, _opener(make, opened), emit=shown.append)
    assert opened == [("own", tmp_path / "corpus"), ("beir/tiny", folder)]
    assert list(results["datasets"]) == ["own", "beir/tiny", "abstention"]
    assert results["datasets"]["beir/tiny"]["systems"]["hybrid"]["recall@1"] == 1.0
    assert results["datasets"]["own"]["answers"]["verbatim"] == 1.0
    assert results["datasets"]["own"]["per_question"] == [
        {
            "id": "o1",
            "split": "heldout",
            "question": "baclofen clearance",
            "history": [],
            "first_relevant_rank": {"bm25": 1, "hybrid": 1},
            "confidence": 1.0,
            "abstained": False,
            # What the answer's check found, so a miss can be read from the report without rerunning it.
            "bottom_line": "Baclofen is renally cleared.",
            "sources_differ": False,
            "bottom_line_correct": True,
            "answer_rank": 1,
        }
    ]
    # A document-judged set lists its questions too, so two runs can be compared question by question
    # (`eval.compare`): whether the bottom line and the top-ranked document come from a judged document.
    assert results["datasets"]["beir/tiny"]["per_question"] == [
        {
            "id": qid,
            "split": split_of(qid),
            "question": text,
            "abstained": False,
            "bottom_line": line,
            "bottom_line_relevant": True,
            "top_document_relevant": True,
        }
        for qid, text, line in (("1", "gout arthritis", "Gout is arthritis."), ("2", "tea drink", "Tea is a drink."))
    ]
    abstention = results["datasets"]["abstention"]
    # In scope: the own question and the two BEIR questions; out of scope: the abstain set's question (no
    # keyword match, so abstained) and the two BEIR questions asked of the own corpus (no match either).
    assert (abstention["in_scope"], abstention["out_of_scope"]) == (3, 3)
    assert abstention["auroc"] == 1.0 and abstention["precision"] == 1.0 and abstention["recall"] == 1.0
    # Over the bundled corpus only: the own question in scope, the three others out of scope.
    assert (abstention["bundled_corpus"]["in_scope"], abstention["bundled_corpus"]["out_of_scope"]) == (1, 3)
    assert abstention["groups"]["beir/tiny on own corpus"] == {
        "in_scope": False,
        "questions": 2,
        "mean_confidence": 0.0,
        "abstained": 1.0,
    }
    # Near-scope questions are reported apart, not pooled: "baclofen in pregnancy" is answered from the baclofen
    # page (the stand-in assistant names no missing word), "tea" abstained on.
    assert abstention["near_scope"]["all"] == {"questions": 2, "abstained": 0.5, "named": 0.0, "warned": 0.5}
    assert set(abstention["near_scope"]["splits"]) == {"tune", "heldout"}
    assert sum(f["questions"] for f in abstention["near_scope"]["splits"].values()) == 2
    assert len(shown) == 3 and shown[0].startswith("## own")


def test_a_limit_samples_public_sets_but_asks_every_labelled_question(tmp_path: Path, make: SimpleNamespace) -> None:
    # A labelled set's held-out half carries the targets and the gate's floors: sampled, it would be measured on
    # a different subset whenever the set grows, and a grown tune half would crowd out held-out questions.
    own_set, abstain_set = _sets(tmp_path)
    second = {
        "id": "o2",
        "question": "is baclofen renally cleared",
        "passages": [{"doc": "own.txt", "quote": "cleared"}],
    }
    with own_set.open("a", encoding="utf-8") as out:
        out.write(json.dumps(second) + "\n")
    folder = _beir(tmp_path / "tiny")
    plan = Plan(
        (Target("own", "own", own_set), Target("beir/tiny", "beir", folder)),
        systems=("hybrid",),
        abstention=False,
        limit=1,
        own_set=own_set,
        abstain_set=abstain_set,
    )
    results = run_plan(plan, Settings(cache_dir=tmp_path / "cache", corpus_dir=tmp_path / "corpus"), _opener(make, []))
    assert [row["id"] for row in results["datasets"]["own"]["per_question"]] == ["o1", "o2"]
    assert results["datasets"]["own"]["answers"]["labelled"]["questions"] == 2
    assert len(results["datasets"]["beir/tiny"]["per_question"]) == 1
    # Asked only as abstention's in-scope questions, the labelled set is whole too.
    only_abstention = dataclasses.replace(plan, targets=plan.targets[1:], abstention=True)
    results = run_plan(
        only_abstention, Settings(cache_dir=tmp_path / "cache", corpus_dir=tmp_path / "corpus"), _opener(make, [])
    )
    assert results["datasets"]["abstention"]["groups"]["own on its own corpus"]["questions"] == 2


def test_gate_failure_makes_the_command_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: SimpleNamespace, capsys: pytest.CaptureFixture
) -> None:
    folder = _beir(tmp_path / "tiny")
    opened: list = []
    monkeypatch.setattr(harness, "index_opener", lambda settings, progress: _opener(make, opened))
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"beir/tiny": {"hybrid": {"recall@1": 1.0, "ndcg@10": 1.01}}}), encoding="utf-8")
    args = argparse.Namespace(
        dataset="beir",
        path=folder,
        out=tmp_path / "out",
        limit=None,
        systems="hybrid",
        datasets_dir=None,
        gate=floors,
    )
    assert harness.run_eval_command(args, Settings(cache_dir=tmp_path / "cache")) == 1
    captured = capsys.readouterr()
    assert "beir/tiny hybrid ndcg@10 = 1.000 is below its floor 1.01" in captured.err
    assert "| hybrid |" in captured.out
    assert (tmp_path / "out" / "results.json").is_file()
    floors.write_text(json.dumps({"beir/tiny": {"hybrid": {"recall@1": 1.0}}}), encoding="utf-8")
    assert harness.run_eval_command(args, Settings(cache_dir=tmp_path / "cache")) == 0


def test_ask_all_passes_the_history(make: SimpleNamespace) -> None:
    assistant = make.assistant([make.document("d", "x")], lambda mode, q, h: ["d#0"])
    ask_all(assistant, [Query("1", "and the dose?", history=("baclofen in HD",))])
    assert assistant.calls == [("ask", "hybrid", "and the dose?", ("baclofen in HD",))]


def test_medquad_all_asks_every_sources_questions(tmp_path: Path) -> None:
    page = (
        '<?xml version="1.0" encoding="UTF-8"?><Document id="1" source="S"><Focus>{focus}</Focus><QAPairs>'
        '<QAPair pid="1"><Question qid="1-1">What is (are) {focus} ?</Question><Answer>{focus} is a disease.'
        "</Answer></QAPair></QAPairs></Document>"
    )
    for source, focus in (("1_A_QA", "Gout"), ("2_B_QA", "Lupus")):
        (tmp_path / source).mkdir()
        (tmp_path / source / "0000001.xml").write_text(page.format(focus=focus), encoding="utf-8")
    queries, pages = harness.target_questions(Target("medquad/all", "medquad", tmp_path))
    assert [q.text for q in queries] == ["What is (are) Gout ?", "What is (are) Lupus ?"]
    assert len(pages) == 2 and len({q.qid for q in queries}) == 2  # the same qid in two sources: two documents
    alone, _ = harness.target_questions(Target("medquad/1_A_QA", "medquad", tmp_path / "1_A_QA"))
    assert alone == queries[:1]


def test_near_scope_figures_count_a_question_warned_when_abstained_on_or_naming_a_missing_word() -> None:
    def asked(qid: str, split: str, abstained: bool, unmatched: tuple[str, ...]) -> Asked:
        answer = Answer("q", "", "", (), 0.5, abstained, unmatched=unmatched)
        return Asked(Query(qid, "q", split=split), answer, 0.0)

    figures = near_scope_figures(
        [
            asked("a", "tune", True, ()),
            asked("b", "tune", False, ("pregnancy",)),
            asked("c", "tune", False, ()),
            asked("d", "heldout", False, ()),
        ]
    )
    assert figures["all"] == {"questions": 4, "abstained": 0.25, "named": 0.25, "warned": 0.5}
    assert figures["splits"]["tune"] == {"questions": 3, "abstained": 1 / 3, "named": 1 / 3, "warned": 2 / 3}
    assert figures["splits"]["heldout"]["warned"] == 0.0


def test_the_emergency_check_set_is_scored_and_marked_as_written_after_the_lexicons(tmp_path: Path) -> None:
    path = tmp_path / "check.jsonl"
    rows = [
        {"id": "a", "message": "my toddler ate some of my warfarin", "emergency": True},
        {"id": "b", "message": "how do I recognise a stroke?", "emergency": False},
        {"id": "c", "message": "my uncle was hit by a car and is lying in the road", "emergency": True},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    entry = harness.emergency_entry(path, check=True)
    assert (entry["messages"], entry["emergencies"], entry["true_positives"], entry["false_positives"]) == (3, 2, 1, 0)
    text = render_dataset("emergency/fresh", entry)
    assert text.startswith("## emergency/fresh") and "check.jsonl" in text and "no floor" in text
    # The reader, as the chat asks it, flags what the lexicons miss about someone now; a how-to question never.
    entry = harness.emergency_entry(path, check=True, likely=lambda _message: True)
    assert (entry["true_positives"], entry["false_positives"]) == (2, 0)
    # The situation reader, as the chat asks it, may take each event away.
    entry = harness.emergency_entry(path, check=True, likely=lambda _message: True, present=lambda _message: False)
    assert (entry["true_positives"], entry["false_positives"]) == (0, 0)
