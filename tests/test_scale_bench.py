"""The scale benchmark's own code path on a tiny index: the replicated corpus, the rebuilt kinds, exact recall.

The benchmark itself (minutes to hours) is a script, not a test; this checks that what it measures is what it
says it measures.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pytest

from qa.chunking import CHUNKER_VERSION
from qa.index import VECTORS, Index, live_build, read_manifest, write_index
from qa.records import Chunk, Document, Section, stable_hash


@pytest.fixture(scope="module")
def bench(load_bench):
    return load_bench("scale_bench")


def _corpus(n: int, dim: int = 16) -> tuple[list[Document], list[Chunk], np.ndarray, np.ndarray]:
    """`n` one-chunk documents of two sentences each, random unit chunk and sentence vectors."""
    rng = np.random.default_rng(3)
    docs, chunks = [], []
    for i in range(n):
        text = f"Sentence one of {i}. Sentence two of {i}."
        doc = Document(doc_id=f"d{i}", title=f"Doc {i}", sections=(Section(heading_path=(f"Doc {i}",), text=text),))
        docs.append(doc)
        split = text.index(" Sentence two")
        chunks.append(
            Chunk(
                chunk_id=stable_hash(doc.doc_id, text),
                doc_id=doc.doc_id,
                title=doc.title,
                heading_path=(doc.title,),
                section_index=0,
                start=0,
                end=len(text),
                text=text,
                sentences=((0, split), (split + 1, len(text))),
            )
        )
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sentences = rng.normal(size=(2 * n, dim)).astype(np.float32)
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
    return docs, chunks, vectors, sentences


def _write_source(folder: Path, **options: object) -> None:
    """A 40-chunk index at `folder` (`_corpus`), written with `write_index`'s other `options`."""
    docs, chunks, vectors, sentences = _corpus(40)
    write_index(
        folder, docs, chunks, vectors, sentence_vectors=sentences, model="m", chunker_version=CHUNKER_VERSION, **options
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("source")
    _write_source(folder)
    return folder


def test_recall_worked_by_hand(bench) -> None:
    found = np.array([[1, 2, 3], [4, 5, 6]])
    exact = np.array([[1, 9, 3], [6, 5, 4]])
    assert bench.recall(found, exact, 3) == pytest.approx((2 / 3 + 1) / 2)
    assert bench.recall(found, exact, 1) == pytest.approx(0.5)


def test_exact_top_is_brute_force_across_blocks(bench, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 8)).astype(np.float32)
    np.save(tmp_path / "v.npy", vectors)
    queries = rng.normal(size=(5, 8)).astype(np.float32)
    top = bench.exact_top(tmp_path / "v.npy", queries, 7, block=64)
    assert top.tolist() == np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :7].tolist()


def test_noise_moves_copies_only_and_keeps_unit_length(bench) -> None:
    rows = np.eye(4, dtype=np.float32)
    moved = bench.noisy(rows.copy(), np.array([0, 1, 0, 2]), 0.3, np.random.default_rng(1))
    assert moved[[0, 2]].tolist() == rows[[0, 2]].tolist()
    np.testing.assert_allclose(np.linalg.norm(moved, axis=1), 1.0, rtol=1e-5)
    # Relative norm 0.3 keeps a copy close to its original (cosine about 1 / sqrt(1 + 0.09)).
    assert 0.85 < float(moved[1] @ rows[1]) < 1.0


def test_synthesized_corpus_replicates_the_source_under_new_ids(bench, source: Path) -> None:
    documents, chunks, vectors, sentences, _, manifest = bench.synthesize(source, 100, 0.3)
    index = Index.load(source)
    assert len(chunks) == 100 and vectors.shape == (100, manifest.dim)
    assert len({c.chunk_id for c in chunks}) == 100
    assert {c.doc_id for c in chunks} == {d.doc_id for d in documents}
    assert chunks[40].doc_id == f"{chunks[0].doc_id}~1" and chunks[40].text == chunks[0].text
    assert chunks[40].title == f"{chunks[0].title} #1"
    # Copy 0 is the real index; copies are near it.
    np.testing.assert_allclose(vectors[:40], np.asarray(index.vectors), atol=1e-6)
    assert math.isclose(float(np.linalg.norm(vectors[77])), 1.0, rel_tol=1e-5)
    assert float(vectors[77] @ vectors[37]) > 0.85
    assert sentences.shape == (200, manifest.dim)
    first, copied = sentences[0:10], sentences[80:90]  # rows 80-89: copy 2 of the source's first ten sentences
    assert copied.shape == (10, manifest.dim)
    assert (np.sum(first * copied, axis=1) > 0.85).all() and not np.allclose(first, copied)


@pytest.mark.parametrize("kind", ["ivf-sq8", "hnsw"])
def test_a_linked_kind_is_the_same_index_with_another_dense_file(
    bench, source: Path, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / kind
    bench.link_kind(source, target, kind)
    index, base = Index.load(target), Index.load(source)
    assert index.manifest.dense_kind == kind and base.manifest.dense_kind == "flat-ip"
    assert [c.chunk_id for c in index.chunks] == [c.chunk_id for c in base.chunks]
    queries = np.asarray(base.vectors[:10], dtype=np.float32)
    _, found = index.dense_search(queries, 5)
    exact = bench.exact_top(live_build(source) / VECTORS, queries, 5)
    # 40 points: every kind here reaches all of them, so recall is exact.
    assert bench.recall(found, exact, 5) == 1.0


def test_replicas_keep_the_fusion_weights_chosen_for_the_source(bench, tmp_path: Path) -> None:
    source = tmp_path / "source"
    chosen = {"version": "v", "weights": {"dense": 0.6, "bm25": 0.4}, "method": "pseudo-queries"}
    _write_source(source, calibrate=lambda _index: chosen)
    target = tmp_path / "replica"
    args = argparse.Namespace(source=source, size=100, noise=0.3, index=target, kind="flat-ip")
    assert bench.child_build(args) == 0
    manifest = read_manifest(target)
    assert manifest.chunks == 100 and manifest.fusion == chosen


def test_replicas_record_the_backend_of_the_source(bench, tmp_path: Path) -> None:
    # Replicas of an onnx-int8 index hold onnx-int8 vectors: labelled torch, a fresh process would load torch and
    # encode its questions in float32 against them (what the benchmark once timed).
    source = tmp_path / "source"
    _write_source(source, backend="onnx-int8")
    target = tmp_path / "replica"
    args = argparse.Namespace(source=source, size=60, noise=0.3, index=target, kind="flat-ip")
    assert bench.child_build(args) == 0
    assert read_manifest(target).backend == "onnx-int8"
