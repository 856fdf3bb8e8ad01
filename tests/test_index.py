"""The persistent index on hand-made documents, chunks and 4-dimensional vectors."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qa
import qa.index as index_module
from qa import dense as dense_module
from qa.dense import DENSE, DenseSettings
from qa.errors import IndexLoadError
from qa.index import (
    Index,
    Manifest,
    QuantizedVectors,
    chunk_from_dict,
    chunk_to_dict,
    corpus_fingerprint,
    read_manifest,
    write_index,
)
from qa.records import Chunk, Document, Section, stable_hash
from qa.settings import BUNDLED_MODEL
from qa.store import Chunks

CHUNKER = "test-chunker-1"
R = 1 / math.sqrt(2)


@pytest.fixture(autouse=True)
def _chunker_version(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests make their own chunks, so they fix the version the loader compares against.
    monkeypatch.setattr(index_module, "_current_chunker_version", lambda: CHUNKER)


def make_doc(doc_id: str, title: str, *texts: str, keywords: tuple[str, ...] = ()) -> Document:
    return Document(
        doc_id=doc_id,
        title=title,
        sections=tuple(Section(heading_path=(title, f"Part {i}"), text=t) for i, t in enumerate(texts)),
        source=f"/data/{doc_id}.txt",
        keywords=keywords,
    )


def chunks_of(doc: Document) -> list[Chunk]:
    """One chunk per section: the smallest chunker that still gives real provenance."""
    return [
        Chunk(
            chunk_id=stable_hash(doc.doc_id, str(i), s.text),
            doc_id=doc.doc_id,
            title=doc.title,
            heading_path=s.heading_path,
            section_index=i,
            start=0,
            end=len(s.text),
            text=s.text,
            sentences=((0, len(s.text)),),
            ordinal=i,
            markers=((3, (1, 2)),) if i == 0 else (),
            keywords=doc.keywords,
        )
        for i, s in enumerate(doc.sections)
    ]


DOCS = [
    make_doc("d1", "Baclofen", "Baclofen is cleared by hemodialysis.", "Doses are reduced in renal failure."),
    make_doc("d2", "Cats", "Cats chase mice.", keywords=("Felis catus", "Predatory Behavior")),
]
CHUNKS = [c for d in DOCS for c in chunks_of(d)]
# Row 0 = e1, row 1 = (e1 + e2) / sqrt 2, row 2 = e2.
VECTORS = np.array([[1, 0, 0, 0], [R, R, 0, 0], [0, 1, 0, 0]], dtype=np.float32)


def build(index_dir: Path, docs: list[Document] = DOCS, **kwargs: object) -> Path:
    chunks = [c for d in docs for c in chunks_of(d)]
    vectors = kwargs.pop("vectors", VECTORS[: len(chunks)])
    # One sentence per chunk here, so the sentence vectors may as well be the chunk vectors.
    sentence_vectors = kwargs.pop("sentence_vectors", vectors)
    options = {
        "model": BUNDLED_MODEL,
        "chunker_version": CHUNKER,
        "sources": ["corpus"],
        "sentence_vectors": sentence_vectors,
        **kwargs,
    }
    return write_index(index_dir, docs, chunks, vectors, **options)  # type: ignore[arg-type]


def test_manifest_round_trip(tmp_path: Path) -> None:
    build(tmp_path)
    manifest = read_manifest(tmp_path)
    assert manifest.format_version == index_module.FORMAT_VERSION
    assert (manifest.model, manifest.dim, manifest.chunker_version) == (BUNDLED_MODEL, 4, CHUNKER)
    assert (manifest.documents, manifest.chunks, manifest.dense_kind) == (2, 3, "flat-ip")
    assert manifest.package_version == qa.__version__
    assert manifest.sources == (str(Path("corpus").resolve()),)
    pairs = [("d2", DOCS[1].content_hash), ("d1", DOCS[0].content_hash)]
    assert manifest.corpus_fingerprint == corpus_fingerprint(pairs)
    assert datetime.fromisoformat(manifest.created).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert Manifest.from_dict(json.loads(json.dumps(manifest.to_dict()))) == manifest
    with pytest.raises(ValueError, match="'dim'"):
        Manifest.from_dict({**manifest.to_dict(), "dim": "4"})


def test_sentence_vectors_are_stored_per_chunk_and_sentence(tmp_path: Path) -> None:
    doc = make_doc("d1", "Baclofen", "Baclofen is cleared. Doses are reduced.")
    (chunk,) = chunks_of(doc)
    two = replace(chunk, sentences=((0, 20), (21, len(chunk.text))))
    sentences = np.array([[0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32)
    write_index(tmp_path, [doc], [two], VECTORS[:1], sentence_vectors=sentences, model="m", chunker_version=CHUNKER)
    index = Index.load(tmp_path)
    # Stored as int8 codes with a scale per row; these one-hot rows come back exactly.
    assert index.sentence_vectors.codes.dtype == np.int8 and index.sentence_vectors.shape == (2, 4)
    np.testing.assert_array_equal(index.sentence_vectors_at([(0, 1), (0, 0)]), sentences[::-1])
    np.testing.assert_array_equal(index.sentence_vectors_of([0]), sentences)
    assert index.row_of(two.chunk_id) == 0
    flat, offsets = index.sentence_rows(np.array([0]))
    assert flat.tolist() == [0, 1] and offsets.tolist() == [0]
    with pytest.raises(IndexError, match="no sentence 2"):
        index.sentence_vectors_at([(0, 2)])
    with pytest.raises(ValueError, match="has no sentence spans"):
        write_index(
            tmp_path,
            [doc],
            [replace(two, sentences=())],
            VECTORS[:1],
            sentence_vectors=sentences[:0],
            model="m",
            chunker_version=CHUNKER,
        )
    with pytest.raises(ValueError, match="one row per sentence"):
        write_index(
            tmp_path, [doc], [two], VECTORS[:1], sentence_vectors=sentences[:1], model="m", chunker_version=CHUNKER
        )


def test_follow_up_scores_round_trip(tmp_path: Path) -> None:
    build(tmp_path, follow_up_scores={"Baclofen": 0.75, "What about cats?": 0.5})
    assert Index.load(tmp_path).follow_up_scores == {"Baclofen": 0.75, "What about cats?": 0.5}
    build(tmp_path)
    assert Index.load(tmp_path).follow_up_scores == {}


def test_fingerprint_ignores_order_but_not_content() -> None:
    assert corpus_fingerprint([("a", "1"), ("b", "2")]) == corpus_fingerprint([("b", "2"), ("a", "1")])
    assert corpus_fingerprint([("a", "1"), ("b", "2")]) != corpus_fingerprint([("a", "1"), ("b", "3")])
    assert corpus_fingerprint([("a", "1")]) != corpus_fingerprint([("a", "1"), ("b", "2")])


def test_chunk_dict_round_trip() -> None:
    for chunk in CHUNKS:
        assert chunk_from_dict(json.loads(json.dumps(chunk_to_dict(chunk)))) == chunk


def test_load_gives_back_records_vectors_and_searches(tmp_path: Path) -> None:
    build(tmp_path)
    index = Index.load(tmp_path)
    assert index.chunks == CHUNKS
    assert index.documents == {"d1": DOCS[0], "d2": DOCS[1]}
    assert index.content_hashes == {"d1": DOCS[0].content_hash, "d2": DOCS[1].content_hash}
    np.testing.assert_array_equal(index.vectors, VECTORS)
    assert [index.chunk_rows_of(d) for d in ("d1", "d2", "x")] == [[0, 1], [2], []]
    flat, offsets = index.sentence_rows(np.array([2, 0]))  # one sentence per chunk here
    assert flat.tolist() == [2, 0] and offsets.tolist() == [0, 1]
    assert index.path.parent == tmp_path / "builds"

    scores, rows = index.dense_search(np.array([[1, 0, 0, 0], [0, 0, 1, 0]], dtype=np.float32), k=2)
    assert rows[0].tolist() == [0, 1]
    np.testing.assert_allclose(scores[0], [1.0, R], rtol=1e-6)
    # Orthogonal to everything: all three score 0, so only the shape is certain.
    assert scores[1].tolist() == [0.0, 0.0]

    scores, rows = index.dense_search(np.array([[0, 1, 0, 0]], dtype=np.float32), k=5)
    assert rows.tolist() == [[2, 1, 0, -1, -1]]
    np.testing.assert_allclose(scores[0, :3], [1.0, R, 0.0], atol=1e-6)
    assert np.isneginf(scores[0, 3:]).all()

    # BM25 indexes the chunk context, title and headings included: "Part 1" is only in the headings.
    assert index.bm25.search("hemodialysis", k=3)[0].tolist() == [0]
    assert index.bm25.search("baclofen renal", k=3)[0].tolist()[0] == 1


@pytest.mark.parametrize("folder", ["what?", "ward #3", "100% sure", "a?b#c%20d"])
def test_an_index_loads_from_a_folder_whose_name_holds_uri_characters(tmp_path: Path, folder: str) -> None:
    # SQLite opens the store through a URI (read-only); "?", "#" and "%" in a path must not end or mangle it.
    index_dir = tmp_path / folder / "index"
    build(index_dir)
    index = Index.load(index_dir, model=BUNDLED_MODEL)
    assert set(index.documents) == {"d1", "d2"}
    assert len(index.chunks) == 3


def test_dense_search_rejects_bad_queries(tmp_path: Path) -> None:
    build(tmp_path)
    index = Index.load(tmp_path)
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        index.dense_search(np.zeros((1, 3), dtype=np.float32), k=1)
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        index.dense_search(np.zeros(4, dtype=np.float32), k=1)
    with pytest.raises(ValueError, match="k must be positive"):
        index.dense_search(np.zeros((1, 4), dtype=np.float32), k=0)


def test_vectors_are_normalised_on_write(tmp_path: Path) -> None:
    build(tmp_path, vectors=VECTORS * 3)
    np.testing.assert_allclose(Index.load(tmp_path).vectors, VECTORS, rtol=1e-6)


def test_refuses_another_model_naming_the_rebuild_command(tmp_path: Path) -> None:
    build(tmp_path)
    with pytest.raises(IndexLoadError, match="medcite ingest") as caught:
        Index.load(tmp_path, model="intfloat/e5-small-v2")
    assert "e5-small-v2" in str(caught.value) and BUNDLED_MODEL in str(caught.value)
    # The bundled model's short name is the same model.
    assert Index.load(tmp_path, model="all-MiniLM-L6-v2").manifest.model == BUNDLED_MODEL


def test_backend_is_recorded_and_queries_must_use_it(tmp_path: Path) -> None:
    build(tmp_path, backend="onnx-int8")
    assert read_manifest(tmp_path).backend == "onnx-int8"
    assert Index.load(tmp_path, backend="onnx-int8").manifest.backend == "onnx-int8"
    with pytest.raises(IndexLoadError, match="'onnx-int8' embedding backend") as caught:
        Index.load(tmp_path, backend="torch")
    # The message names both ways out: the index's own backend, or a rebuild with the other one.
    assert "--backend onnx-int8" in str(caught.value) and "medcite ingest" in str(caught.value)
    assert "--backend torch" in str(caught.value)


def test_a_manifest_without_backend_was_made_by_torch(tmp_path: Path) -> None:
    build(tmp_path)
    data = read_manifest(tmp_path).to_dict()
    del data["backend"]
    assert Manifest.from_dict(data).backend == "torch"


def test_refuses_another_chunker_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path)
    monkeypatch.setattr(index_module, "_current_chunker_version", lambda: "test-chunker-2")
    with pytest.raises(IndexLoadError, match="medcite ingest") as caught:
        Index.load(tmp_path)
    assert "test-chunker-1" in str(caught.value) and "test-chunker-2" in str(caught.value)


def test_missing_index_and_missing_build(tmp_path: Path) -> None:
    with pytest.raises(IndexLoadError, match=f"no index at {tmp_path}.*medcite ingest"):
        Index.load(tmp_path)
    (tmp_path / "CURRENT").write_text("20240101T000000Z-deadbeef\n", encoding="utf-8")
    with pytest.raises(IndexLoadError, match=r"20240101T000000Z-deadbeef.*missing"):
        Index.load(tmp_path)
    (tmp_path / "CURRENT").write_text("../../etc\n", encoding="utf-8")
    with pytest.raises(IndexLoadError, match="damaged"):
        Index.load(tmp_path)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: (b / "vectors.npy").write_bytes((b / "vectors.npy").read_bytes()[:-16]), "damaged"),
        (lambda b: (b / "dense.faiss").unlink(), "dense.faiss is missing"),
        (lambda b: (b / "sentences.npy").unlink(), "damaged"),
        (lambda b: np.save(b / "sentences.npy", np.zeros((2, 4), np.float16)), "sentences.npy holds"),
        (lambda b: (b / "dense.faiss").write_bytes(b"not faiss"), "damaged"),
        (lambda b: (b / "store.sqlite").write_bytes(b"not sqlite at all, not even close" * 100), "damaged"),
        (lambda b: (b / "bm25" / "params.index.json").unlink(), "damaged"),
        (lambda b: (b / "phrases" / "pairs.npy").unlink(), "damaged"),
        (lambda b: np.save(b / "phrases" / "offsets.npy", np.array([0, 1], np.int64)), "damaged"),
        (lambda b: (b / "phrases" / "vocab.json").write_text("[]", encoding="utf-8"), "damaged"),
        (lambda b: (b / "manifest.json").write_text("{", encoding="utf-8"), "manifest"),
        (
            lambda b: (b / "manifest.json").write_text(
                json.dumps({**json.loads((b / "manifest.json").read_text()), "dense_kind": "hnsw"}), encoding="utf-8"
            ),
            "holds a flat-ip index, not hnsw",
        ),
        (lambda b: (b / "lexicon.json").write_text("[]", encoding="utf-8"), "damaged"),
        (lambda b: (b / "titles" / "group_bounds.npy").unlink(), "damaged"),
        (lambda b: np.save(b / "sentence_starts.npy", np.array([0, 1], np.int64)), "sentence_starts.npy holds"),
        (
            lambda b: (b / "manifest.json").write_text(
                json.dumps({**json.loads((b / "manifest.json").read_text()), "chunks": 4}), encoding="utf-8"
            ),
            "damaged",
        ),
        (
            lambda b: (b / "manifest.json").write_text(
                json.dumps({**json.loads((b / "manifest.json").read_text()), "format_version": 99}),
                encoding="utf-8",
            ),
            "format version 99",
        ),
    ],
)
def test_damaged_files_are_refused(tmp_path: Path, damage, message: str) -> None:
    live = build(tmp_path)
    damage(live)
    with pytest.raises(IndexLoadError, match=message) as caught:
        Index.load(tmp_path)
    assert f"medcite ingest [PATHS] --index {tmp_path}" in str(caught.value)


def test_publish_replaces_the_live_build_and_removes_old_ones(tmp_path: Path) -> None:
    first = build(tmp_path)
    assert (tmp_path / "CURRENT").read_text(encoding="utf-8").strip() == first.name
    reader = Index.load(tmp_path)
    second = build(tmp_path, docs=[DOCS[1]])
    assert second != first and not first.exists()
    assert sorted(p.name for p in (tmp_path / "builds").iterdir()) == [second.name]
    files = {
        "manifest.json",
        "vectors.npy",
        "sentences.npy",
        "sentence_scales.npy",
        "sentence_starts.npy",
        "leads.npy",
        "dense.faiss",
        "bm25",
        "phrases",
        "lexicon.json",
        "titles",
        "store.sqlite",
    }
    assert {p.name for p in second.iterdir()} == files
    assert Index.load(tmp_path).manifest.documents == 1
    # A reader holding the old build keeps working: its files are mapped, not re-opened.
    assert reader.dense_search(VECTORS[:1], k=1)[1].tolist() == [[0]]
    assert reader.bm25.search("hemodialysis", k=1)[0].tolist() == [0]


def test_stray_builds_from_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    live = build(tmp_path)
    (tmp_path / "builds" / ".tmp-20240101T000000Z-00000000").mkdir()
    (tmp_path / "builds" / ".tmp-20240101T000000Z-00000000" / "vectors.npy").write_bytes(b"half")
    # Killed after renaming its build into place but before publishing it.
    (tmp_path / "builds" / "20240101T000001Z-11111111").mkdir()
    (tmp_path / "CURRENT.tmp").write_text("20240101T000001Z-11111111", encoding="utf-8")
    assert Index.load(tmp_path).path == live
    new = build(tmp_path)
    assert sorted(p.name for p in (tmp_path / "builds").iterdir()) == [new.name]
    assert not (tmp_path / "CURRENT.tmp").exists()


def test_failed_build_leaves_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = build(tmp_path)

    def broken(texts: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(index_module.BM25Index, "build", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build(tmp_path, docs=[DOCS[1]])
    assert sorted(p.name for p in (tmp_path / "builds").iterdir()) == [live.name]
    assert Index.load(tmp_path).manifest.documents == 2


def test_bad_build_inputs_publish_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one row per chunk"):
        build(tmp_path, vectors=VECTORS[:2])
    with pytest.raises(ValueError, match="'d1' occurs twice"):
        write_index(
            tmp_path,
            [DOCS[0], DOCS[0]],
            CHUNKS[:2],
            VECTORS[:2],
            sentence_vectors=VECTORS[:2],
            model="m",
            chunker_version=CHUNKER,
        )
    with pytest.raises(ValueError, match="'d2', a document not given"):
        write_index(tmp_path, [DOCS[0]], CHUNKS, VECTORS, sentence_vectors=VECTORS, model="m", chunker_version=CHUNKER)
    with pytest.raises(ValueError, match="no chunks"):
        write_index(tmp_path, DOCS, [], VECTORS[:0], sentence_vectors=VECTORS[:0], model="m", chunker_version=CHUNKER)
    assert not (tmp_path / "CURRENT").exists()


def random_corpus(n: int, dim: int = 16, seed: int = 7) -> tuple[list[Document], list[Chunk], np.ndarray]:
    """`n` one-chunk documents with random unit vectors."""
    rng = np.random.default_rng(seed)
    docs = [make_doc(f"d{i}", f"Doc {i}", f"text number {i}") for i in range(n)]
    chunks = [c for d in docs for c in chunks_of(d)]
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return docs, chunks, vectors


def test_approximate_above_the_threshold_exact_below(tmp_path: Path) -> None:
    docs, chunks, vectors = random_corpus(60)
    options = {"sentence_vectors": vectors, "model": "m", "chunker_version": CHUNKER}
    write_index(tmp_path, docs, chunks, vectors, approximate_above=50, **options)  # type: ignore[arg-type]
    index = Index.load(tmp_path)
    assert index.manifest.dense_kind == DENSE.approximate
    # On 60 points every approximate kind here scans all of them: the exact neighbours, with exact scores.
    scores, rows = index.dense_search(vectors[:10], k=3)
    exact = np.argsort(-(vectors[:10] @ vectors.T), axis=1)[:, :3]
    assert rows.tolist() == exact.tolist()
    np.testing.assert_allclose(scores[:, 0], 1.0, rtol=1e-5)
    assert index.dense_search(vectors[:1], k=80)[1][0, 60:].tolist() == [-1] * 20

    write_index(tmp_path, docs, chunks, vectors, approximate_above=60, **options)  # type: ignore[arg-type]
    assert Index.load(tmp_path).manifest.dense_kind == "flat-ip"


@pytest.mark.parametrize("kind", ["ivf-sq8", "ivf-pq", "hnsw"])
def test_each_approximate_kind_finds_the_exact_neighbours(tmp_path: Path, kind: str) -> None:
    # 3,000 random vectors in 32 dims: enough for several inverted-file cells (lists_for gives 76) and a
    # multi-level graph, few enough for a second.
    docs, chunks, vectors = random_corpus(3000, dim=32)
    write_index(
        tmp_path, docs, chunks, vectors, sentence_vectors=vectors, model="m", chunker_version=CHUNKER, dense_kind=kind
    )
    index = Index.load(tmp_path)
    assert index.manifest.dense_kind == kind
    assert dense_module.kind_of(index._dense) == kind
    queries = vectors[:200] + 0.3 * np.random.default_rng(1).normal(size=(200, 32)).astype(np.float32) / np.sqrt(32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    scores, rows = index.dense_search(queries, k=10)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    recall = np.mean([len(set(r) & set(e)) / 10 for r, e in zip(rows.tolist(), exact.tolist(), strict=True)])
    assert recall >= 0.9, f"{kind}: recall@10 {recall:.3f}"
    # The scores are the exact cosines of the rows returned, best first.
    np.testing.assert_allclose(scores, np.take_along_axis(queries @ vectors.T, rows, axis=1), atol=1e-5)
    assert (np.diff(scores, axis=1) <= 1e-6).all()


def test_forcing_an_unknown_kind_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown dense index kind 'annoy'"):
        build(tmp_path, dense_kind="annoy")
    assert not (tmp_path / "CURRENT").exists()


def test_inverted_file_cells_grow_with_the_square_root_of_the_corpus() -> None:
    settings = DenseSettings(lists_per_sqrt=2.0, max_points_per_list=2048, min_points_per_list=39)
    assert settings.lists_for(10) == 1  # too small to split: one cell
    assert settings.lists_for(10_000) == 200  # 2 * sqrt(10,000)
    assert settings.lists_for(1_000_000) == 2000
    # Never fewer than a cell per 2,048 points, never a cell of fewer than 39.
    assert DenseSettings(lists_per_sqrt=0.01).lists_for(1_000_000) == 489
    assert DenseSettings(lists_per_sqrt=100).lists_for(10_000) == 256


def test_records_are_read_lazily_from_the_store(tmp_path: Path) -> None:
    build(tmp_path)
    index = Index.load(tmp_path)
    store = index._store
    # Nothing parsed at load: the caches are empty until a record is asked for.
    assert len(store._chunks._items) == 0 and len(store._documents._items) == 0
    assert len(index.chunks) == 3 and index.chunks[-1] == CHUNKS[2] and index.chunks[1:] == CHUNKS[1:]
    assert len(store._chunks._items) == 1  # the slice was read in one query, not cached
    with pytest.raises(IndexError, match="out of range"):
        index.chunks[3]
    assert list(index.documents) == ["d1", "d2"] and len(index.documents) == 2
    assert "d2" in index.documents and "x" not in index.documents and index.documents.get("x") is None
    assert index.row_of(CHUNKS[2].chunk_id) == 2
    with pytest.raises(KeyError):
        index.row_of("nope")
    assert dict(index.content_hashes.items()) == {"d1": DOCS[0].content_hash, "d2": DOCS[1].content_hash}


def test_the_titles_of_the_documents_are_read_in_one_query_without_parsing_them(tmp_path: Path) -> None:
    # Follow-ups that change the subject compare a phrase with the pages' titles (`qa.query.PageSubjects`).
    docs = [*DOCS, make_doc("d3", "Baclofen", "Baclofen is a muscle relaxant."), make_doc("d4", "", "Untitled.")]
    build(tmp_path, docs, vectors=np.vstack([VECTORS, VECTORS[:2]]))
    index = Index.load(tmp_path)
    assert sorted(index.titles()) == ["Baclofen", "Cats"]
    assert len(index._store._documents._items) == 0


def test_a_reader_keeps_its_records_after_a_new_build_replaces_its_own(tmp_path: Path) -> None:
    build(tmp_path)
    reader = Index.load(tmp_path)
    build(tmp_path, docs=[DOCS[1]])
    assert not reader.path.exists()
    assert list(reader.chunks) == CHUNKS and reader.documents["d1"] == DOCS[0]


def test_lexicon_and_title_groups_are_stored_at_build_time(tmp_path: Path) -> None:
    docs = [
        make_doc("d1", "Kidney Failure", "End-stage renal disease (ESRD) needs dialysis. ESRD is common."),
        make_doc("d2", "kidney failure ", "Dialysis/transplant options."),
        make_doc("d3", "", "Untitled text."),
        make_doc("d4", "", "Another untitled text."),
    ]
    build(tmp_path, docs=docs, vectors=np.eye(4, dtype=np.float32))
    index = Index.load(tmp_path)
    lexicon = index.lexicon
    # Words of the contexts (title, headings, text), a slash compound's parts counted too.
    assert lexicon.counts["esrd"] == 2 and lexicon.counts["kidney"] == 2 and lexicon.counts["dialysis"] == 2
    assert lexicon.counts["dialysis/transplant"] == 1 and lexicon.counts["transplant"] == 1
    assert lexicon.acronyms == {"ESRD"} and lexicon.abbreviations == {"esrd": "end-stage renal disease"}
    assert "dialysi" in lexicon.stems
    # One page for the two titles that differ only in case and spaces; each untitled document its own.
    groups = index.title_groups
    assert groups.of_row.tolist() == [0, 0, 1, 2] and len(groups) == 3
    assert groups[0].tolist() == [0, 1] and groups[2].tolist() == [3] and groups.size(1) == 1


def test_lead_rows_are_stored_at_build_time_from_the_chunk_order(tmp_path: Path) -> None:
    build(tmp_path)
    index = Index.load(tmp_path)
    # d1's two chunks lead with row 0, d2's one chunk with row 2; no record is read for them.
    assert index.lead_rows.tolist() == [0, 0, 2]
    assert len(index._store._chunks._items) == 0
    assert index_module.lead_rows_of(["a", "a", "b", "b", "b", "c"]).tolist() == [0, 0, 2, 2, 2, 5]


def test_calibrate_sees_the_unpublished_build_as_a_reader_would(tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def calibrate(index: Index) -> dict[str, object]:
        seen["lazy"] = isinstance(index.chunks, Chunks) and len(index._store._chunks._items) == 0
        seen["building"] = index.path.name.startswith(".tmp-") and not (tmp_path / "CURRENT").exists()
        seen["leads"] = index.lead_rows.tolist()
        seen["groups"] = index.title_groups.of_row.tolist()
        seen["chunks"] = list(index.chunks)
        return {"weights": {"dense": 0.7, "bm25": 0.3}}

    steps: list[str] = []
    build(tmp_path, calibrate=calibrate, on_step=steps.append)
    assert seen == {"lazy": True, "building": True, "leads": [0, 0, 2], "groups": [0, 0, 1], "chunks": CHUNKS}
    assert Index.load(tmp_path).manifest.fusion == {"weights": {"dense": 0.7, "bm25": 0.3}}
    assert steps == list(index_module.STEPS)


def test_quantised_sentence_vectors_are_close_and_stable() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(500, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    codes, scales = QuantizedVectors.quantize(vectors)
    restored = QuantizedVectors(codes, scales)[np.arange(500)]
    # Cosines with any unit query move by far less than the gaps that rank sentences.
    queries = rng.normal(size=(20, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    assert np.abs(restored @ queries.T - vectors @ queries.T).max() < 2e-3
    # Quantising the restored vectors again gives the same codes and scales: a re-ingest changes nothing.
    again_codes, again_scales = QuantizedVectors.quantize(restored)
    np.testing.assert_array_equal(again_codes, codes)
    np.testing.assert_array_equal(again_scales, scales)
    zero_codes, zero_scales = QuantizedVectors.quantize(np.zeros((1, 4), np.float32))
    assert zero_codes.tolist() == [[0, 0, 0, 0]] and zero_scales.tolist() == [0.0]


@given(
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=64),
    st.integers(min_value=0, max_value=2**32 - 1),
)
@settings(max_examples=60, deadline=None)
def test_quantised_dot_is_the_decoded_vectors_dot(rows: int, dim: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(rows, dim)).astype(np.float32) * rng.uniform(0, 3, size=(rows, 1)).astype(np.float32)
    vectors[rng.random(rows) < 0.2] = 0.0  # rows of zeros have scale 0
    stored = QuantizedVectors(*QuantizedVectors.quantize(vectors))
    query = rng.normal(size=dim).astype(np.float32)
    picked = rng.integers(0, rows, size=rng.integers(0, 2 * rows + 1))
    got = stored.dot(picked, query)
    assert got.shape == (len(picked),) and got.dtype == np.float32
    np.testing.assert_allclose(got, stored[picked] @ query, rtol=1e-5, atol=1e-5 * float(np.abs(query).sum()) * 3)


def test_one_question_is_searched_on_one_thread_and_the_setting_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    import faiss

    import qa.dense as dense_module

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(16)
    flat.add(vectors)
    seen: list[int] = []
    search = flat.search

    def recording(queries: np.ndarray, k: int, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(faiss.omp_get_max_threads())
        return search(queries, k, **kwargs)

    monkeypatch.setattr(flat, "search", recording)
    before = faiss.omp_get_max_threads()
    queries = vectors[:10]
    _, one = dense_module.search(flat, "flat-ip", queries[:1], 5, vectors)
    _, many = dense_module.search(flat, "flat-ip", queries, 5, vectors)
    assert seen == [1, before] and faiss.omp_get_max_threads() == before
    np.testing.assert_array_equal(one[0], many[0])
