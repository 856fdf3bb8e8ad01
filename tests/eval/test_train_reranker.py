"""The reranker's training command: its figures of a choice, and one pass of fine-tuning on the real base model."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from eval.aspects import BatteryResult
from eval.datasets import Query, read_own_set
from eval.plan import ANSWER_SETS
from eval.splits import TUNE, split_of
from eval.train_reranker import (
    DOCUMENT_SOURCE,
    NEGATIVES,
    POSITIVES,
    Labelled,
    Pairs,
    Row,
    _cross_fitted,
    beir_pairs,
    cascade_figures,
    figures,
    keyword_query,
    labelled_pairs,
    main,
    pubmedqa_pairs,
    question_rows,
    same_focus,
    soup_of,
    taught_by,
    train,
)
from qa.answer.rerank import ADAPTED, Reranker, RerankerWeights, trainable, weights_of
from qa.records import Candidate, Chunk, Hit
from qa.settings import BUNDLED_MODEL as BASE


def _row(source: str, split: str, scores, reads, positive) -> Row:
    return Row(source, split, np.array(scores, float), np.array(reads, float), np.array(positive, bool))


def test_figures_add_the_weighted_reading_of_the_best_few_only() -> None:
    rows = [
        # The cross-encoder prefers the second: a weight of 1 moves it past the first (1.0 + 2.0 > 2.5).
        _row("own", "tune", [2.5, 1.0, 0.9], [0.0, 2.0, 9.0], [False, True, False]),
        _row("own", "heldout", [2.0, 1.0], [1.0, 0.0], [True, False]),
    ]
    assert figures(rows, 0, 0.0)["own tune"]["bottom_line"] == 0.0
    assert figures(rows, 2, 1.0)["own tune"]["bottom_line"] == 1.0
    # Reading the third too, its 9.0 wins instead.
    assert figures(rows, 3, 1.0)["own tune"]["bottom_line"] == 0.0
    assert figures(rows, 2, 0.5)["own tune"]["bottom_line"] == 0.0
    assert figures(rows, 2, 1.0)["own heldout"] == {"questions": 1, "bottom_line": 1.0}


def test_cascade_figures_read_the_mean_only_where_the_first_reader_leaves_the_best_two_close() -> None:
    # The first reader alone: 2.5 + 0 against 1.0 + 1.0 (lead 0.5); the mean of both moves the second past the first.
    row = Row("own", "tune", np.array([2.5, 1.0]), np.array([0.0, 2.0]), np.array([False, True]), np.array([0.0, 1.0]))
    close = Row("own", "heldout", np.array([2.0, 1.0]), np.array([1.0, 0.0]), np.array([True, False]), np.zeros(2))
    table, paid = cascade_figures([row, close], 2, 1.0, 0.4)
    assert table["own tune"]["bottom_line"] == 0.0 and paid == {"tune": 0.0, "heldout": 0.0}
    table, paid = cascade_figures([row, close], 2, 1.0, 0.6)
    assert table["own tune"]["bottom_line"] == 1.0 and paid == {"tune": 1.0, "heldout": 0.0}
    # An infinite margin reads every question again: the figures of the mean (`figures`).
    table, paid = cascade_figures([row, close], 2, 1.0, float("inf"))
    assert table == figures([row, close], 2, 1.0) and paid == {"tune": 1.0, "heldout": 1.0}
    with pytest.raises(ValueError, match="several readers"):
        cascade_figures([_row("own", "tune", [1.0], [0.0], [True])], 2, 1.0, 1.0)


def _chunk(doc_id: str, sentences: list[str]) -> Chunk:
    text = "\n".join(sentences)
    spans, at = [], 0
    for sentence in sentences:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    return Chunk(f"{doc_id}-0", doc_id, f"Drug {doc_id}", (f"Drug {doc_id}",), 0, 0, len(text), text, tuple(spans))


def test_beir_pairs_read_each_tune_question_with_its_judged_passage_against_retrieved_near_misses(
    tmp_path: Path,
) -> None:
    chunks = [_chunk(f"d{i}", [f"Drug d{i} sentence {n} says something." for n in range(5)]) for i in range(6)]
    queries = [(f"q{i}", f"question {i} about drug d{i % 6}", f"d{i % 6}") for i in range(24)]
    (tmp_path / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": c.doc_id, "title": c.title, "text": c.text}) + "\n" for c in chunks), "utf-8"
    )
    (tmp_path / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": qid, "text": text}) + "\n" for qid, text, _ in queries), "utf-8"
    )
    (tmp_path / "qrels.tsv").write_text("".join(f"{qid}\t{doc}\t1\n" for qid, _, doc in queries), "utf-8")
    # Retrieval finds every passage, the judged one among them.
    assistant = SimpleNamespace(
        index=SimpleNamespace(chunks=chunks),
        retrieve=lambda text: (None, [Hit(c, 1.0) for c in chunks], 1.0),
    )
    pairs = beir_pairs(assistant, tmp_path)
    tune = {text: doc for qid, text, doc in queries if split_of(qid) == TUNE}
    assert tune and len(tune) < len(queries)
    assert sorted(p.question for p in pairs) == sorted(tune)
    for p in pairs:
        judged = f"Drug {tune[p.question]}"
        assert sum(p.positive) == POSITIVES and len(p.texts) == POSITIVES + NEGATIVES
        # Read in context (the passage's title first); positives from the judged passage, near misses from others.
        assert all(t.startswith(judged) == positive for t, positive in zip(p.texts, p.positive, strict=True))


def test_pubmedqa_pairs_read_tune_questions_with_results_against_aims_and_methods(tmp_path: Path) -> None:
    # An abstract a labelled set asks about, in the tune split: left out all the same.
    (labelled, *_) = (
        p.doc for q in read_own_set(ANSWER_SETS["answers/pubmedqa"]) for p in q.answers if split_of(p.doc) == TUNE
    )
    pmids = [str(n) for n in range(1000, 1040)] + [labelled.removeprefix("pubmed/")]
    records = {pmid: {"QUESTION": f"Does treatment {pmid} work?", "CONTEXTS": [], "LABELS": []} for pmid in pmids}
    (tmp_path / "ori_pqal.json").write_text(json.dumps(records), "utf-8")
    chunks = []
    for pmid in pmids:
        doc_id = f"pubmed/{pmid}"
        for label, kind in (("Objective", "aim"), ("Methods", "method"), ("Results", "finding")):
            chunks.append(
                dataclasses.replace(
                    _chunk(doc_id, [f"The {kind} {n} of {pmid}." for n in range(4)]), heading_path=(label,)
                )
            )
        # A section that names results with another part is neither a finding nor a wrong answer.
        chunks.append(
            dataclasses.replace(_chunk(doc_id, [f"The mixed part of {pmid}."]), heading_path=("Methods And Results",))
        )
    pairs = pubmedqa_pairs(SimpleNamespace(index=SimpleNamespace(chunks=chunks)), tmp_path / "ori_pqal.json")
    tune = {f"Does treatment {pmid} work?" for pmid in pmids if split_of(f"pubmed/{pmid}") == TUNE}
    labelled_question = f"Does treatment {labelled.removeprefix('pubmed/')} work?"
    assert tune - {labelled_question} and sorted(p.question for p in pairs) == sorted(tune - {labelled_question})
    for p in pairs:
        assert sum(p.positive) == POSITIVES and len(p.texts) == POSITIVES + NEGATIVES
        assert all(("finding" in t) == positive for t, positive in zip(p.texts, p.positive, strict=True))
        assert not any("mixed" in t for t in p.texts)


def test_a_document_judged_row_holds_the_scorers_best_few_read_and_marks_those_of_relevant_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chunks = [_chunk(f"d{i}", [f"Drug d{i} sentence {n} says something." for n in range(2)]) for i in range(3)]
    hits = [Hit(c, 1.0) for c in chunks]
    candidates = [Candidate(h, *h.chunk.sentences[n]) for h in hits for n in range(2)]
    # The scorer ranks d2's sentences first, then d1's, then d0's.
    scores = {c.chunk.doc_id: float(c.chunk.doc_id[1]) for c in candidates}
    monkeypatch.setattr(
        "eval.train_reranker.stages.score",
        lambda found, *_, **__: [dataclasses.replace(c, score=scores[c.chunk.doc_id] - c.start / 100) for c in found],
    )
    assistant = SimpleNamespace(
        embedder=SimpleNamespace(sharing_queries=contextlib.nullcontext),
        retrieve=lambda text, history: (text, hits, 1.0),
        asked=lambda understood: SimpleNamespace(text=understood),
        candidates=lambda found: candidates,
        index=SimpleNamespace(phrases=SimpleNamespace(idf={}), manifest=SimpleNamespace(model="m")),
    )
    read: list[tuple[str, list[str]]] = []
    reranker = SimpleNamespace(scores=lambda q, texts: read.append((q, texts)) or np.arange(len(texts), dtype=float))
    q = Query("q1", "what is drug d1 for?", {"d1": 2}, split=TUNE)
    (row,) = question_rows(assistant, reranker, 3, DOCUMENT_SOURCE, q, lambda c: q.relevant.get(c.chunk.doc_id, 0) > 0)
    assert (row.source, row.split) == (DOCUMENT_SOURCE, TUNE)
    assert row.positive.tolist() == [False, False, True]
    assert row.scores.tolist() == sorted(row.scores.tolist(), reverse=True) and len(row.scores) == 3
    assert row.reads.tolist() == [0.0, 1.0, 2.0]
    assert read[0][0] == "what is drug d1 for?" and read[0][1][0].startswith("Drug d2")
    assert (
        question_rows(SimpleNamespace(**{**vars(assistant), "candidates": lambda found: []}), reranker, 3, "x", q, bool)
        == []
    )


@pytest.mark.parametrize(
    ("title", "other", "same"),
    [
        ("Parkinson's disease", "Parkinson disease", True),
        ("Chronic Kidney Disease", "Kidney Disease", True),
        ("Lesch-Nyhan syndrome", "Lesch-Nyhan Syndrome", True),
        ("Chronic Kidney Disease", "Kidney Stones", False),
        ("Adult Acute Lymphoblastic Leukemia", "Childhood Acute Lymphoblastic Leukemia", False),
    ],
)
def test_pages_name_one_focus_when_one_titles_content_words_hold_the_others(title: str, other: str, same: bool) -> None:
    assert same_focus(title, other) == same_focus(other, title) == same


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--near-misses", "-1"], "must be 0 or more"),
        (["--keywords", "-0.5"], "must be 0 or more"),
        (["--keywords", "nan"], "must be 0 or more"),
        (["--sample", "0"], "--sample must be 1 or more"),
        (["--whole-medicationqa"], "--whole-medicationqa needs --medicationqa"),
        (["--labelled-repeat", "0"], "--labelled-repeat must be 1 or more"),
        (["--weights", "a.npz", "--start", "b.npz"], "give one of --weights"),
        (["--distil", "a.npz", "--start", "b.npz"], "give one of --weights"),
        (["--mean"], "--mean reads several trained files as one"),
        (["--mean", "--weights", "a.npz"], "--mean reads several trained files as one"),
    ],
)
def test_a_negative_count_or_contradictory_options_are_refused_before_anything_loads(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--no-write"])
    assert exited.value.code == 2
    assert said in capsys.readouterr().err


PAGE = [
    "Fexolan toxicity needs ICU monitoring during treatment.",
    "Fexolan is cleared by the kidneys.",
    "Fexolan toxicity causes drowsiness and confusion.",
    "Fexolan is cleared by hemodialysis in kidney failure.",
    "See a doctor.",
]


def test_a_keyword_query_is_a_few_words_of_its_sentence_against_page_sentences_without_them() -> None:
    held = [(t, f"Fexolan (Zorbix): {t}", "Zorbix") for t in PAGE]
    drawn = [keyword_query(held, random.Random(seed)) for seed in range(200)]
    pairs = [p for p in drawn if p is not None]
    assert len(pairs) > 150
    for pair in pairs:
        positive = pair.texts[0].removeprefix("Fexolan (Zorbix): ")
        words = pair.question.removeprefix("Zorbix ").split()
        # 1-4 of the positive's words, in its order; never a function word; the title first half the time.
        assert 1 <= len(words) <= 4 and pair.positive == (True,) + (False,) * (len(pair.texts) - 1)
        assert " ".join(words) in " ".join(w for w in positive.rstrip(".").split() if w in words)
        assert not {"is", "by", "the", "in", "and"} & {w.lower() for w in words}
        # No negative holds every word asked: it would answer the query as well.
        for negative in pair.texts[1:]:
            bare = negative.removeprefix("Fexolan (Zorbix): ")
            assert bare in PAGE and not {w.lower() for w in words} <= set(bare.lower().rstrip(".").split())
    # Words the page's other sentences share ("Fexolan", "cleared") are drawn less than the sentence's own.
    counts = [w.lower() for p in pairs if PAGE[0] in p.texts[0] for w in p.question.removeprefix("Zorbix ").split()]
    assert counts.count("icu") > 2 * counts.count("fexolan")
    assert sum(p.question.startswith("Zorbix ") for p in pairs) > len(pairs) / 4
    # A page of one sentence, or a sentence of fewer than three content words, gives nothing.
    assert keyword_query(held[:1], random.Random(0)) is None
    assert keyword_query([(PAGE[-1], PAGE[-1], "")] * 2, random.Random(0)) is None


def test_one_pass_of_fine_tuning_moves_the_adapters_and_ships_them() -> None:
    pairs = [
        Pairs(
            "how does fexolan work?",
            ("Fexolan blocks the H2 receptor.", "Fexolan is taken twice a day."),
            (True, False),
        ),
        Pairs(
            "what is the dose of fexolan?",
            ("Fexolan blocks the H2 receptor.", "Fexolan is taken twice a day."),
            (False, True),
        ),
    ]
    model = train(pairs, epochs=1)
    weights = weights_of(model, "sentence-transformers/all-MiniLM-L6-v2", 8, 2.0, trained_on="test")
    assert len(weights.adapters) == 6 * len(ADAPTED)
    # Adapters start with up = 0 (the base model exactly); a step of training moves them.
    assert any(np.abs(up).max() > 0 for _, up in weights.adapters.values())
    scores = Reranker(weights).scores("how does fexolan work?", list(pairs[0].texts))
    assert scores.shape == (2,) and np.isfinite(scores).all()
    direct = model(
        Reranker(weights).tokenizer(
            ["how does fexolan work?"] * 2, list(pairs[0].texts), padding=True, return_tensors="pt"
        )
    )
    assert scores == pytest.approx(direct.detach().numpy(), abs=0.05)


def test_a_soup_of_trained_files_names_each_ones_training_and_command() -> None:
    rng = np.random.default_rng(1)
    adapters = {f"0.{p}": (rng.normal(size=(2, 4)), rng.normal(size=(4, 2))) for p in ADAPTED}
    first = RerankerWeights("m", 2, 2.0, adapters, rng.normal(size=4), trained_on="MedQuAD", command="train A")
    second = dataclasses.replace(first, trained_on="MedQuAD and PubMedQA", command="train B --findings")
    both = soup_of([first, second], [Path("a.npz"), Path("b.npz")])
    assert both.rank == 4
    assert both.command == "python -m eval.train_reranker --weights a.npz b.npz"
    assert "(1) MedQuAD [`train A`, a.npz]; (2) MedQuAD and PubMedQA [`train B --findings`, b.npz]" in both.trained_on


class _Reader:
    """A stand-in cross-encoder: a fixed score per sentence."""

    def __init__(self, scores: dict[str, float]):
        self.given = scores

    def scores(self, question: str, texts) -> np.ndarray:
        return np.array([self.given[t] for t in texts])


def test_teachers_scores_are_averaged_onto_each_pair() -> None:
    pair = Pairs("q", ("a", "b"), (True, False))
    (taught,) = taught_by([pair], [_Reader({"a": 1.0, "b": 3.0}), _Reader({"a": 2.0, "b": -1.0})])
    assert taught.teacher == pytest.approx((1.5, 1.0))
    assert (taught.question, taught.texts, taught.positive) == (pair.question, pair.texts, pair.positive)


def test_a_student_learns_its_teachers_order_from_where_it_starts() -> None:
    texts = ("Fexolan blocks the H2 receptor.", "Fexolan is taken twice a day.")
    start = weights_of(train([Pairs("how does fexolan work?", texts, (True, False))], epochs=1), BASE, 8, 2.0)
    # Unfolded, the starting weights score as the shipped reader does.
    question = "what is the dose of fexolan?"
    batch = Reranker(start).tokenizer([question] * 2, list(texts), padding=True, return_tensors="pt")
    before = trainable(start)(batch).detach().numpy()
    assert Reranker(start).scores(question, list(texts)) == pytest.approx(before, abs=0.05)
    # The teacher prefers the dose sentence by 4; the hard labels say the opposite and must be ignored.
    taught = [Pairs(question, texts, (True, False), teacher=(-2.0, 2.0))] * 8
    after = train(taught, epochs=2, start=start)(batch).detach().numpy()
    assert after[1] - after[0] > max(before[1] - before[0], 0.0) + 0.2


def test_labelled_tune_questions_train_against_their_scorers_candidates_held_out_ones_never(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    own = tmp_path / "own.jsonl"
    rows = [
        {"id": f"q{n}", "question": f"question {n}?", "answers": [{"doc": "d", "quote": f"Answer {n}."}]}
        for n in range(40)
    ]
    own.write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    monkeypatch.setattr("eval.train_reranker._labelled_sets", lambda *_: [("own", "own", tmp_path, own)])
    monkeypatch.setattr("eval.train_reranker.index_opener", lambda *_, **__: lambda *_: None)
    chunk = _chunk("d", [f"Answer {n}." for n in range(40)] + ["Nothing."])

    def best(assistant, q, top):
        # Question 0's candidates hold no answer, question 1's only its answer: neither teaches which one answers.
        n = int(q.qid[1:])
        held = {0: [40], 1: [1]}.get(n, [n, 40])
        return f"asked {n}", [Candidate(Hit(chunk, 1.0), *chunk.sentences[i]) for i in held][:top]

    monkeypatch.setattr("eval.train_reranker._best_candidates", best)
    taught = labelled_pairs(SimpleNamespace(), tmp_path)
    tune = {q.qid for q in read_own_set(own) if q.split == TUNE}
    assert {f"q{t.pairs.question.split()[1]}" for t in taught} == tune - {"q0", "q1"}
    for t in taught:
        assert t.source == "own" and t.pairs.positive == (True, False)
        assert t.pairs.texts[0].endswith(f"Answer {t.pairs.question.split()[1]}.")
    # Folds are as the split is keyed: both folds are used.
    assert {t.fold for t in taught} == {0, 1}


def test_mean_chooses_for_several_files_read_as_one_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("eval.train_reranker.RerankerWeights.load", lambda path: Path(path).name)
    monkeypatch.setattr("eval.train_reranker.Reranker", lambda weights: f"reader {weights}")
    read_by: list[object] = []

    def read(settings, datasets_dir, reader, top, *, keep=lambda q: True, medicationqa=True):
        read_by.append(reader)
        # The first file alone keeps the scorer's best (lead 0.5); the mean of both moves the right one up.
        row = Row("own", TUNE, np.array([1.0, 0.5]), np.array([0.0, 1.0]), np.array([False, True]), np.zeros(2))
        return [row, dataclasses.replace(row, split="heldout")]

    monkeypatch.setattr("eval.train_reranker.labelled_rows", read)
    battery = BatteryResult(1, 2, collections.Counter())
    monkeypatch.setattr("eval.train_reranker.read_with", lambda reader, medicines: read_by.append(reader) or battery)
    out = tmp_path / "r.npz"
    assert main(["--weights", "a.npz", "b.npz", "--mean", "--out", str(out)]) == 0
    # Both reads (the choice's rows and the battery) are by one reader averaging the two files, not their soup.
    assert [r.members for r in read_by] == [("reader a.npz", "reader b.npz")] * 2
    assert not out.exists()
    printed = capsys.readouterr().out
    assert "chosen: rerank_top=" in printed
    # The cascade's margin: the smallest that reads the others where the first leaves the best two 0.5 apart.
    assert "margin  0.5: tune macro 0.000" in printed and "margin  inf: tune macro 1.000" in printed
    assert "chosen: second_reading_margin=1.0 " in printed


def test_the_choice_reads_each_tune_fold_with_a_reader_not_trained_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = [
        Labelled("own", fold, Pairs(f"fold {fold} q{n}", ("a", "b"), (True, False)))
        for fold in (0, 1)
        for n in range(3)
    ]
    fitted: list[set[str]] = []
    monkeypatch.setattr(
        "eval.train_reranker._fit",
        lambda pairs, some, start, repeat=3: fitted.append({a.pairs.question for a in some}) or len(fitted) - 1,
    )
    monkeypatch.setattr("eval.train_reranker.Reranker", lambda weights: f"reader {weights}")
    folds = {"q0": 0, "q1": 1}
    monkeypatch.setattr("eval.train_reranker.fold_of", lambda q: folds[q.qid])
    queries = [Query(qid, qid, split=split) for qid in folds for split in (TUNE, "heldout")]

    def read(settings, datasets_dir, reader, top, *, keep=lambda q: True, medicationqa=True):
        assert not medicationqa
        return [_row(f"{reader} {q.qid}", q.split, [1.0], [0.0], [True]) for q in queries if keep(q)]

    monkeypatch.setattr("eval.train_reranker.labelled_rows", read)
    final = [
        _row("own", TUNE, [1.0], [0.0], [True]),
        _row("own", "heldout", [1.0], [0.0], [True]),
        _row(DOCUMENT_SOURCE, TUNE, [1.0], [0.0], [True]),
    ]
    rows = _cross_fitted(final, None, None, [], asked, None)
    # Each fold's reader was trained on the other fold's questions only, and read that fold's tune questions only.
    assert fitted == [{f"fold 1 q{n}" for n in range(3)}, {f"fold 0 q{n}" for n in range(3)}]
    assert sorted((r.source, r.split) for r in rows) == sorted(
        [("own", "heldout"), (DOCUMENT_SOURCE, TUNE), ("reader 0 q0", TUNE), ("reader 1 q1", TUNE)]
    )
