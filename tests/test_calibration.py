"""Calibration at ingest: the corpus's shape, pseudo-queries drawn from it, the weights chosen and recorded.

Indexes are built by `ingest` with a bag-of-words embedder (no model), over pages written here: "pages" that share
a title across documents, and documents long enough for several chunks.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa.calibration import (
    MIN_DOCUMENTS,
    PRIOR,
    CalibrationSettings,
    Previous,
    Shape,
    _eligible_sentences,
    calibrate,
    judge,
    pseudo_queries,
    shape_of,
    start_weights,
)
from qa.embedding import Embedder
from qa.index import Index, read_manifest
from qa.ingest import ingest
from qa.records import stable_hash
from qa.retrieve import Retriever
from qa.settings import Settings
from qa.store import Store

DIM = 32
WORDS = "alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega rho tau upsilon phi chi psi".split()


class BagOfWords(Embedder):
    """The Embedder interface without a model: hashed word counts, one word piece per word."""

    def __init__(self) -> None:
        super().__init__("test/bag-of-words")

    @property
    def dim(self) -> int:
        return DIM

    @property
    def max_tokens(self) -> int:
        return 60

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def _encode_chunks(self, texts, spans, progress):  # type: ignore[no-untyped-def]
        return self._encode(texts, progress), [
            self._encode([t[a:b] for a, b in s], False) for t, s in zip(texts, spans, strict=True)
        ]

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(stable_hash(word), 16) % DIM] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def sentence(n: int, topic: str) -> str:
    words = [WORDS[(n * 7 + k * 3) % len(WORDS)] for k in range(8)]
    return f"The {topic} note {n} says {' '.join(words)} about {topic}."


def build(tmp_path: Path, pages: int, passages: int, sentences: int, **calibration: object) -> tuple[Index, object]:
    """`pages` titles, each shared by `passages` documents of `sentences` sentences (several chunks if long)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in range(pages):
        topic = f"topic{p}"
        for q in range(passages):
            body = " ".join(sentence(p * 100 + q * 10 + s, topic) for s in range(sentences))
            (docs / f"p{p}-{q}.txt").write_text(f"Page {topic}\n\n{body}\n", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    report = ingest([docs], settings, embedder=BagOfWords(), calibration=CalibrationSettings(**calibration))
    return Index.load(settings.index_dir), report


# --- the corpus's shape ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "usable"),
    [
        (Shape(2, 0, 2), {"dense", "bm25", "sentence", "phrase"}),
        (Shape(MIN_DOCUMENTS, MIN_DOCUMENTS, 0), {"dense", "bm25", "sentence", "phrase", "topic", "aspect"}),
        (Shape(100, 19, 20), {"dense", "bm25", "sentence", "phrase", "lead"}),
        (Shape(100, 20, 19), {"dense", "bm25", "sentence", "phrase", "topic", "aspect"}),
        # A few pages split into passages pool by title however small the corpus; the lead needs documents.
        (
            Shape(MIN_DOCUMENTS - 1, MIN_DOCUMENTS - 1, MIN_DOCUMENTS - 1),
            {"dense", "bm25", "sentence", "phrase", "topic", "aspect"},
        ),
        (Shape(6, 6, 0), {"dense", "bm25", "sentence", "phrase", "topic", "aspect"}),
        (Shape(3, 1, 3), {"dense", "bm25", "sentence", "phrase"}),
    ],
)
def test_document_signals_apply_only_where_the_corpus_has_pages_or_long_documents(shape: Shape, usable: set) -> None:
    assert shape.applicable() == usable


def test_the_start_is_the_prior_without_what_the_shape_cannot_use() -> None:
    start = start_weights(Shape(2, 0, 2))
    assert start.topic == start.lead == start.aspect == 0
    kept = ("dense", "bm25", "sentence", "phrase")
    total = sum(getattr(PRIOR, s) for s in kept)
    assert start.to_dict() == {
        **{s: 0.0 for s in ("topic", "lead", "aspect")},
        **{s: round(getattr(PRIOR, s) / total, 4) for s in kept},
    }


def test_shape_counts_shared_titles_and_documents_of_several_chunks(tmp_path: Path) -> None:
    index, _ = build(tmp_path, pages=3, passages=2, sentences=2)
    assert shape_of(index) == Shape(documents=6, shared_title=6, several_chunks=0)


def test_shape_reads_the_stored_arrays_not_the_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Documents of one and of several chunks, one title shared by three of them, two untitled ones.
    docs = tmp_path / "docs"
    docs.mkdir()
    bodies = {"a": ("Kidney", 1), "b": ("kidney ", 9), "c": ("Kidney", 1), "d": ("Liver", 9), "e": ("", 1)}
    bodies["f"] = ("", 9)
    for name, (title, sentences) in bodies.items():
        body = " ".join(sentence(s, name) for s in range(sentences))
        (docs / f"{name}.txt").write_text(f"{title}\n\n{body}\n" if title else f"{body}\n", encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    ingest([docs], settings, embedder=BagOfWords())
    index = Index.load(settings.index_dir)
    chunks_of: dict[str, int] = {}
    for chunk in index.chunks:
        chunks_of[chunk.doc_id] = chunks_of.get(chunk.doc_id, 0) + 1
    several = sum(n > 1 for n in chunks_of.values())
    assert len(chunks_of) == 6 and several >= 2
    # A retriever asks for the shape at load when the manifest holds no weights: no record may be read for it.
    monkeypatch.setattr(Store, "chunk", _no_reading)
    monkeypatch.setattr(Store, "chunks_between", _no_reading)
    assert shape_of(index) == Shape(documents=6, shared_title=3, several_chunks=several)


def _no_reading(*_args: object) -> None:
    raise AssertionError("a record was read")


# --- pseudo-queries ----------------------------------------------------------------------------------------


def test_a_pseudo_query_is_counted_in_words_not_numbers() -> None:
    # Words as `qa.text` reads them, numbers and doses left out: "10 20 40 80" is no sentence, "mL/min" one word.
    text = "Doses 10 20 40 80 mg. Clearance 128 mL/min by hemodialysis in kidney failure."
    spans = [(0, 20), (21, len(text))]
    settings = CalibrationSettings(min_words=4, max_words=7)
    assert _eligible_sentences(text, spans, settings) == ["Clearance 128 mL/min by hemodialysis in kidney failure."]


def test_pseudo_queries_hold_out_their_own_chunk_or_their_own_document(tmp_path: Path) -> None:
    index, _ = build(tmp_path, pages=4, passages=3, sentences=8, per_chunks=1, queries=12)
    questions = pseudo_queries(index, CalibrationSettings(per_chunks=1, queries=12))
    assert len(questions) == 12
    assert {q.kind for q in questions} == {"held-out", "siblings"}
    for question in questions:
        (text,) = question.texts
        ((doc_id, grade),) = (
            question.relevant.items() if question.kind == "held-out" else (next(iter(question.relevant.items())),)
        )
        assert grade == 1.0
        held = [index.chunks[r] for r in question.exclude]
        # The sentence comes from a hidden chunk, so it is never matched to itself.
        assert any(text in " ".join(c.text.split()) for c in held)
        if question.kind == "held-out":
            assert len(held) == 1 and held[0].doc_id == doc_id and len(index.chunk_rows_of(doc_id)) > 1
        else:
            (own,) = {c.doc_id for c in held}
            assert sorted(question.exclude) == index.chunk_rows_of(own)
            assert own not in question.relevant
            assert all(index.documents[d].title == index.documents[own].title for d in question.relevant)
    # One pseudo-query per document at most, and the same ones on every run.
    assert len({q.exclude[0] for q in questions}) == 12
    assert pseudo_queries(index, CalibrationSettings(per_chunks=1, queries=12)) == questions


def test_judged_pseudo_queries_never_see_their_hidden_rows(tmp_path: Path) -> None:
    index, _ = build(tmp_path, pages=4, passages=3, sentences=8)
    questions = pseudo_queries(index, CalibrationSettings(per_chunks=1, queries=10))
    for question, judged in zip(questions, judge(Retriever(index, BagOfWords()), questions), strict=True):
        assert not set(question.exclude) & set(judged.candidates.rows.tolist())
        assert judged.relevant and all(g == 1.0 for g in judged.relevant.values())


def test_pseudo_queries_read_the_records_once_then_only_the_chunks_they_visit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, _ = build(tmp_path, pages=6, passages=3, sentences=8, per_chunks=1, queries=4)
    expected = pseudo_queries(index, CalibrationSettings(per_chunks=1, queries=4))
    reads: list[int] = []
    single = Store.chunk

    def counted(store: Store, row: int):  # type: ignore[no-untyped-def]
        reads.append(row)
        return single(store, row)

    monkeypatch.setattr(Store, "chunk", counted)
    assert pseudo_queries(Index.load(index.path.parent.parent), CalibrationSettings(per_chunks=1, queries=4)) == (
        expected
    )
    # The chunks visited in hash order and the siblings' first chunks, not one random read per chunk of the index.
    assert 0 < len(reads) < len(index.chunks) / 2


# --- calibration -------------------------------------------------------------------------------------------


def test_a_tiny_corpus_keeps_the_start_and_says_why(tmp_path: Path) -> None:
    index, report = build(tmp_path, pages=1, passages=2, sentences=2)
    fusion = read_manifest(tmp_path / "index").fusion
    assert fusion["method"] == "fallback" and fusion["pseudo_queries"] == {}
    # Two documents sharing a title: a page, so title pooling and aspect apply; too few documents for the lead.
    assert "fewer than the 40 needed" in fusion["reason"] and "(so no lead)" in fusion["reason"]
    assert fusion["weights"] == start_weights(shape_of(index)).to_dict()
    assert report.fusion == fusion
    shown = ", ".join(f"{k} {v:.2f}" for k, v in sorted(fusion["weights"].items(), key=lambda kv: -kv[1]) if v > 0)
    assert f"Fusion weights: {shown}." in report.summary() and "Fallback weights" in report.summary()
    assert fusion["weights"]["topic"] > 0 and fusion["weights"]["lead"] == 0


def test_a_calibrated_index_records_its_pseudo_queries_and_their_scores(tmp_path: Path) -> None:
    index, report = build(tmp_path, pages=6, passages=4, sentences=8, per_chunks=1, min_queries=10)
    fusion = index.manifest.fusion
    assert fusion["method"] == "pseudo-queries"
    assert sum(fusion["pseudo_queries"].values()) >= 10
    assert set(fusion["scores"]) == {"chosen", "fallback", "dense", "bm25"}
    assert fusion["scores"]["chosen"] >= fusion["scores"]["fallback"]
    assert sum(fusion["weights"].values()) == pytest.approx(1.0, abs=1e-3)
    assert "pseudo-queries" in report.summary()
    # The retriever of the index uses what was chosen.
    assert Retriever(index, BagOfWords()).weights.to_dict() == fusion["weights"]


def test_the_index_is_rebuilt_when_the_calibration_changes(tmp_path: Path) -> None:
    _, first = build(tmp_path, pages=2, passages=2, sentences=2)
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    again = ingest([tmp_path / "docs"], settings, embedder=BagOfWords())
    assert again.up_to_date and again.fusion == first.fusion
    other = ingest([tmp_path / "docs"], settings, embedder=BagOfWords(), calibration=CalibrationSettings(min_t=3.0))
    assert not other.up_to_date
    assert json.loads(json.dumps(other.fusion))["version"] != first.fusion["version"]


def test_calibrate_is_callable_on_any_loaded_index(tmp_path: Path) -> None:
    index, _ = build(tmp_path, pages=6, passages=4, sentences=8)
    chosen = calibrate(index, BagOfWords(), CalibrationSettings(per_chunks=1, min_queries=10, queries=20))
    # 12 held-out sentences and 8 asked for their siblings: one per document of the 24.
    assert chosen.method == "pseudo-queries" and chosen.queries == {"held-out": 12, "siblings": 8}
    assert chosen.summary().startswith("Chosen from ")


# --- calibrations carried into a rebuild ------------------------------------------------------------------

CALIBRATED = {"per_chunks": 1, "min_queries": 10}


def _count_calibrations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of `calibrate` from here on (it still runs)."""
    import qa.calibration

    calls: list[int] = []
    real = qa.calibration.calibrate

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(qa.calibration, "calibrate", counted)
    return calls


def _reingest(tmp_path: Path, folder: str = "index") -> object:
    settings = Settings(index_dir=tmp_path / folder, cache_dir=tmp_path / "cache")
    return ingest([tmp_path / "docs"], settings, embedder=BagOfWords(), calibration=CalibrationSettings(**CALIBRATED))


def _edit(tmp_path: Path, name: str) -> None:
    path = tmp_path / "docs" / name
    path.write_text(path.read_text(encoding="utf-8") + "\nAn added note says kappa kappa tau.\n", encoding="utf-8")


def test_a_rebuild_of_the_same_chunks_reads_its_weights_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first = build(tmp_path, pages=6, passages=4, sentences=8, **CALIBRATED)
    assert first.fusion["origin"] == "computed" and first.fusion["spent"] == first.fusion["seconds"]
    calls = _count_calibrations(monkeypatch)
    again = _reingest(tmp_path, "elsewhere")
    assert calls == []
    kept = ("weights", "method", "reason", "pseudo_queries", "scores", "seconds", "version")
    assert {k: again.fusion[k] for k in kept} == {k: first.fusion[k] for k in kept}
    assert again.fusion["origin"] == "cache" and again.fusion["changed_since"] == 0
    assert again.fusion["spent"] < 1.0
    assert "calibration cache" in again.summary() and "Chosen from " in again.summary()


def test_the_same_documents_moved_to_another_folder_read_their_weights_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every document's stored source path changes (so each is "changed"), but not what the calibration reads.
    _, first = build(tmp_path, pages=6, passages=4, sentences=8, **CALIBRATED)
    moved = tmp_path / "moved" / "docs"
    shutil.copytree(tmp_path / "docs", moved)
    calls = _count_calibrations(monkeypatch)
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")
    again = ingest([moved], settings, embedder=BagOfWords(), calibration=CalibrationSettings(**CALIBRATED))
    assert again.changed == 24 and calls == []
    assert again.fusion["origin"] == "cache" and again.fusion["weights"] == first.fusion["weights"]


def test_an_unreadable_cache_entry_is_calibrated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, first = build(tmp_path, pages=6, passages=4, sentences=8, **CALIBRATED)
    entries = list((tmp_path / "cache" / "calibration").glob("*.json"))
    assert len(entries) == 1
    entries[0].write_text('{"weights": ', encoding="utf-8")
    calls = _count_calibrations(monkeypatch)
    again = _reingest(tmp_path, "elsewhere")
    assert calls == [1] and again.fusion["origin"] == "computed"
    assert again.fusion["weights"] == first.fusion["weights"]
    assert json.loads(entries[0].read_text(encoding="utf-8"))["weights"] == first.fusion["weights"]


def test_a_small_change_keeps_the_weights_until_the_changes_add_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 24 documents: one edited is 4% of them, under `reuse_below` (5%); a second makes 8%.
    _, first = build(tmp_path, pages=6, passages=4, sentences=8, **CALIBRATED)
    calls = _count_calibrations(monkeypatch)
    _edit(tmp_path, "p0-0.txt")
    kept = _reingest(tmp_path)
    assert calls == [] and kept.changed == 1
    assert kept.fusion["origin"] == "previous build" and kept.fusion["changed_since"] == 1
    assert kept.fusion["weights"] == first.fusion["weights"] and kept.fusion["scores"] == first.fusion["scores"]
    assert "1 of 24 documents" in kept.summary() and "Chosen from " in kept.summary()
    _edit(tmp_path, "p1-0.txt")
    again = _reingest(tmp_path)
    assert calls == [1] and again.fusion["origin"] == "computed" and again.fusion["changed_since"] == 0


@pytest.mark.parametrize(
    ("recorded", "changes", "signals", "keeps"),
    [
        ({"method": "pseudo-queries", "changed_since": 0}, 4, "same", True),
        ({"method": "pseudo-queries", "changed_since": 3}, 1, "same", True),
        ({"method": "pseudo-queries", "changed_since": 4}, 1, "same", False),  # 5 of 100: not under 5%
        ({"method": "pseudo-queries", "changed_since": 0}, 1, "other", False),  # the shape allows other signals
        ({"method": "fallback", "changed_since": 0}, 1, "same", False),  # nothing to keep: the start is free
        ({"method": "pseudo-queries", "changed_since": 0, "version": "older"}, 0, "same", False),
    ],
)
def test_weights_are_kept_only_for_few_changes_on_a_corpus_of_the_same_shape(
    recorded: dict, changes: int, signals: str, keeps: bool
) -> None:
    settings = CalibrationSettings()
    shape = Shape(100, 40, 40)
    other = Shape(100, 0, 40)
    previous = Previous({"version": settings.version(), **recorded}, shape.applicable(), changes)
    assert previous.keeps(shape if signals == "same" else other, settings) is keeps


def test_the_reuse_threshold_is_not_part_of_the_calibration_version() -> None:
    # Whether weights are kept does not change how they are chosen: indexes are not recalibrated for it.
    assert CalibrationSettings(reuse_below=0.2).version() == CalibrationSettings().version()


def test_the_pseudo_queries_never_move_the_aspect_signal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pseudo-query is a sentence: it has no question type for the aspect signal to match, so it cannot judge
    it. On MedQuAD CancerGov and GHR it dropped aspect (+1.3 and +1.4 points on the pseudo-queries), which cost
    real questions 3.1 and 5.9 points of nDCG@10 (tune parts; eval/README.md, "Choosing the fusion")."""
    import qa.calibration as calibration

    index, _ = build(tmp_path, pages=6, passages=4, sentences=8)
    asked: dict[str, object] = {}
    real = calibration.optimize_fusion

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(calibration, "optimize_fusion", spy)
    chosen = calibrate(index, BagOfWords(), CalibrationSettings(per_chunks=1, min_queries=10, queries=20))
    assert "aspect" in shape_of(index).applicable() and set(asked["fixed"]) == {"aspect"}
    assert chosen.weights.aspect > 0
    assert "aspect" in calibration.UNJUDGED
