"""Ingest: documents in, a published index out; incremental, so re-ingesting a corpus costs little.

A document whose content hash is unchanged keeps its chunks and vectors from the previous index; only new or
changed documents are chunked and embedded (and the embedding cache, keyed by chunk text, spares even those
chunks of an edited document that did not change). An unchanged corpus is detected from its fingerprint and
not rebuilt at all.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from qa.abbreviations import learn_abbreviations, spell_out
from qa.answer.onnx_reader import export_readers
from qa.answer.settings import AnswerSettings
from qa.calibration import CalibrationCache, CalibrationSettings, Previous, choose, shape_of
from qa.chunking import CHUNKER_VERSION, chunk_document
from qa.dense import choose_kind
from qa.embedding import Embedder, EmbeddingCache, onnx_installed
from qa.errors import IndexLoadError, LoadError
from qa.index import (
    FORMAT_VERSION,
    STEPS,
    Index,
    Manifest,
    canonical_model,
    corpus_fingerprint,
    read_manifest,
    write_index,
)
from qa.loaders import load_paths
from qa.records import Chunk, Document, Skipped, Span, stable_hash
from qa.settings import Settings

INDEX_STEPS = STEPS
# Follow-up questions are scored against the chunk vectors this many at a time (bounds the score matrix).
_FOLLOW_UP_BLOCK = 256


class NothingToIngestError(IndexLoadError):
    """No document could be read from the given paths; the previous index, if any, is left as it was."""

    def __init__(self, message: str, skipped: tuple[Skipped, ...]):
        super().__init__(message)
        self.skipped = skipped


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did, for the CLI summary and for the benchmark."""

    documents: int  # in the index now
    chunks: int
    new: int  # documents by what happened to them, compared with the previous index
    changed: int
    unchanged: int
    removed: int
    chunks_embedded: int  # chunks of new and changed documents, handed to the embedder (cache hits included)
    skipped: tuple[Skipped, ...]
    seconds: float
    chunks_per_second: float  # chunks / seconds of a (re)build; 0 when the index was already up to date
    index_path: Path  # the index directory (settings.index_dir)
    up_to_date: bool  # nothing had changed, so nothing was rebuilt
    # The hybrid weights of the index and how they were chosen (the manifest's `fusion`).
    fusion: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """The human summary `medcite ingest` prints."""
        if self.up_to_date:
            lines = [
                f"Index is up to date: {self.documents} documents, {self.chunks} chunks "
                f"(checked in {self.seconds:.1f} s)."
            ]
        else:
            lines = [
                f"Indexed {self.documents} documents, {self.chunks} chunks in {self.seconds:.1f} s "
                f"({self.chunks_per_second:.1f} chunks/s).",
                f"Documents: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.removed} removed; {self.chunks_embedded} chunks embedded.",
            ]
        lines.append(f"Index: {self.index_path}")
        if self.fusion:
            weights = self.fusion.get("weights", {})
            shown = ", ".join(f"{k} {v:.2f}" for k, v in sorted(weights.items(), key=lambda kv: -kv[1]) if v > 0)
            lines.append(f"Fusion weights: {shown}.")
            if self.fusion.get("summary"):
                lines.append(f"  {self.fusion['summary']}")
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)} file{'s' if len(self.skipped) != 1 else ''}:")
            lines.extend(f"  {s.path}: {s.reason}" for s in self.skipped)
        return "\n".join(lines)


def _bar(progress: bool, total: int, desc: str, unit: str) -> tqdm:
    """A progress bar on stderr; disabled, it still counts but prints nothing."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not progress)


def _load(paths: Sequence[Path], progress: bool) -> tuple[list[Document], list[Skipped]]:
    """Load every path (ids are paths under their root, so files of the same name in two folders both load)."""
    with _bar(progress, len(paths), "loading", "path") as bar:
        result = load_paths(paths, on_path=lambda _path: bar.update(1))
    return list(result.documents), list(result.skipped)


def _previous_index(index_dir: Path, model: str, backend: str) -> Index | None:
    """The previous index if it can be reused with this model, backend and chunker, else None (it will be
    replaced)."""
    try:
        return Index.load(index_dir, model=model, backend=backend)
    except IndexLoadError:
        return None


def _expected_dense_kind(chunks: int, settings: Settings) -> str:
    return choose_kind(chunks, settings.approximate_above, settings.dense_kind)


def _is_up_to_date(
    m: Manifest, fingerprint: str, model: str, sources: tuple[str, ...], settings: Settings, calibration: str
) -> bool:
    """Nothing to rebuild: same documents, model, backend, chunker, sources, dense index kind and calibration."""
    return (
        m.corpus_fingerprint == fingerprint
        and canonical_model(m.model) == canonical_model(model)
        and m.backend == settings.backend
        and m.chunker_version == CHUNKER_VERSION
        and m.sources == sources
        and m.dense_kind == _expected_dense_kind(m.chunks, settings)
        and m.fusion.get("version") == calibration
    )


def _nothing_message(paths: Sequence[Path], skipped: Sequence[Skipped], index_dir: Path) -> str:
    shown = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
    more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
    where = ", ".join(str(p) for p in paths) or "(no paths)"
    state = (
        f"the index at {index_dir} is unchanged"
        if (index_dir / "CURRENT").exists()
        else f"no index was written at {index_dir}"
    )
    reasons = f" Skipped: {shown}{more}." if skipped else " The documents found hold no text."
    return (
        f"nothing could be ingested from {where}; {state}.{reasons} "
        "Give files or folders of text, HTML, PDF, MedQuAD XML, PubMedQA JSON or a BEIR folder."
    )


def ingest(
    paths: Sequence[Path] | None,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: bool = False,
    calibration: CalibrationSettings | None = None,
) -> IngestReport:
    """Load, chunk, embed and index `paths` into `settings.index_dir`, reusing all that has not changed.

    Args:
        paths: files or folders; None re-ingests the previous index's sources, or `settings.corpus_dir`.
        embedder: the model to embed with (tests pass a fake one; `qa.distributed.RayEmbedder` embeds on a
            Ray cluster); by default `settings.model` on `settings.backend`, with the embedding cache under
            `settings.cache_dir`. Its `backend` (torch when it has none) is what the index records.
        progress: show progress bars on stderr.
        calibration: how the hybrid weights are chosen for the corpus (`qa.calibration`).

    Raises:
        NothingToIngestError: no document could be loaded (the previous index is untouched).
        ModelLoadError: the embedding model cannot be loaded.
    """
    started = time.perf_counter()
    index_dir = Path(settings.index_dir)
    model = embedder.name if embedder is not None else settings.model
    backend = getattr(embedder, "backend", "torch") if embedder is not None else settings.backend
    if backend != settings.backend:
        settings = replace(settings, backend=backend)
    if paths is None:
        try:
            recorded = read_manifest(index_dir).sources
        except IndexLoadError:
            recorded = ()
        paths = [Path(p) for p in recorded] or [settings.corpus_dir]
    # Resolved and without repeats: the manifest records them so `medcite ingest` alone can redo this.
    paths = list(dict.fromkeys(Path(p).expanduser().resolve() for p in paths))
    sources = tuple(str(p) for p in paths)

    documents, skipped = _load(paths, progress)
    if not documents:
        raise NothingToIngestError(_nothing_message(paths, skipped, index_dir), tuple(skipped))
    hashes = {d.doc_id: d.content_hash for d in documents}
    fingerprint = corpus_fingerprint(hashes.items())

    previous = _previous_index(index_dir, model, backend)
    calibration = calibration or CalibrationSettings()
    if previous is not None and _is_up_to_date(
        previous.manifest, fingerprint, model, sources, settings, calibration.version()
    ):
        _export_for_answering(embedder, settings)
        return IngestReport(
            documents=previous.manifest.documents,
            chunks=previous.manifest.chunks,
            new=0,
            changed=0,
            unchanged=len(documents),
            removed=0,
            chunks_embedded=0,
            skipped=tuple(skipped),
            seconds=time.perf_counter() - started,
            chunks_per_second=0.0,
            index_path=index_dir,
            up_to_date=True,
            fusion=previous.manifest.fusion,
        )

    old_hashes = previous.content_hashes if previous is not None else {}
    fresh = [d for d in documents if old_hashes.get(d.doc_id) != hashes[d.doc_id]]
    changed = sum(1 for d in fresh if d.doc_id in old_hashes)

    # Each document's chunks, their vectors and their sentences' vectors: from the previous index when
    # unchanged, else freshly made.
    parts: dict[str, tuple[list[Chunk], np.ndarray | None, np.ndarray | None]] = {}
    if previous is not None:
        for doc in documents:
            if old_hashes.get(doc.doc_id) == hashes[doc.doc_id]:
                rows = previous.chunk_rows_of(doc.doc_id)
                vectors = np.asarray(previous.vectors[rows], dtype=np.float32) if rows else None
                sentence_vectors = previous.sentence_vectors_of(rows) if rows else None
                parts[doc.doc_id] = ([previous.chunks[r] for r in rows], vectors, sentence_vectors)
    embedded = 0
    embedder = embedder or Embedder(
        settings.model,
        backend=settings.backend,
        batch_size=settings.batch_size,
        cache=EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite"),
    )
    if fresh:
        made: list[list[Chunk]] = []
        unusable: set[str] = set()
        with _bar(progress, len(fresh), "chunking", "doc") as bar:
            for doc in fresh:
                try:
                    made.append(chunk_document(doc, embedder.count_tokens, embedder.max_tokens))
                except LoadError as exc:
                    # One unusable document (a title longer than the model's window) must not stop the rest.
                    skipped.append(Skipped(doc.source or doc.doc_id, str(exc)))
                    unusable.add(doc.doc_id)
                bar.update(1)
        if unusable:
            fresh = [d for d in fresh if d.doc_id not in unusable]
            documents = [d for d in documents if d.doc_id not in unusable]
            changed = sum(1 for d in fresh if d.doc_id in old_hashes)
        read = [r for doc, doc_chunks in zip(fresh, made, strict=True) for r in _embedded(doc, doc_chunks, embedder)]
        texts = [text for text, _ in read]
        fresh_vectors, fresh_sentences = embedder.encode_chunks(texts, [spans for _, spans in read], progress=progress)
        if fresh_vectors.shape[0] != len(texts) or len(fresh_sentences) != len(texts):
            got = fresh_vectors.shape[0]
            raise RuntimeError(f"the embedder returned {got} vectors for {len(texts)} texts")
        embedded = len(texts)
        start = 0
        for doc, doc_chunks in zip(fresh, made, strict=True):
            end = start + len(doc_chunks)
            if doc_chunks:
                parts[doc.doc_id] = (doc_chunks, fresh_vectors[start:end], np.concatenate(fresh_sentences[start:end]))
            else:
                parts[doc.doc_id] = (doc_chunks, None, None)
            start = end

    chunks = [c for doc in documents for c in parts[doc.doc_id][0]]
    if not chunks:
        raise NothingToIngestError(_nothing_message(paths, skipped, index_dir), tuple(skipped))
    kept = {d.doc_id for d in documents}
    removed = sum(1 for doc_id in old_hashes if doc_id not in kept)
    vectors = np.concatenate([v for doc in documents if (v := parts[doc.doc_id][1]) is not None], axis=0)
    sentence_vectors = np.concatenate([v for doc in documents if (v := parts[doc.doc_id][2]) is not None], axis=0)

    follow_up_scores = _score_follow_ups(documents, vectors, embedder)

    fusion: dict[str, Any] = {}
    replaced = (
        Previous(previous.manifest.fusion, shape_of(previous).applicable(), len(fresh) + removed)
        if previous is not None and previous.manifest.fusion
        else None
    )

    def choose_fusion(built: Index) -> dict[str, Any]:
        # What the calibration is a function of: these chunks (the documents, the chunker, the model's window) and
        # their vectors (model, backend), the settings, and how the index searches them. Not where the files are:
        # the same documents moved to another folder (each one "changed", as its stored source path is) read the
        # weights chosen for them.
        located_anywhere = corpus_fingerprint((d.doc_id, replace(d, source="").content_hash) for d in documents)
        key = stable_hash(
            calibration.version(),
            canonical_model(model),
            backend,
            CHUNKER_VERSION,
            str(FORMAT_VERSION),
            built.manifest.dense_kind,
            located_anywhere,
            length=24,
        )
        cache = CalibrationCache(Path(settings.cache_dir) / "calibration")
        fusion.update(choose(built, embedder, calibration, cache=cache, key=key, previous=replaced))
        return fusion

    with _bar(progress, len(INDEX_STEPS), "indexing", "step") as bar:
        write_index(
            index_dir,
            documents,
            chunks,
            vectors,
            sentence_vectors=sentence_vectors,
            model=model,
            chunker_version=CHUNKER_VERSION,
            backend=backend,
            sources=sources,
            approximate_above=settings.approximate_above,
            dense_kind=settings.dense_kind,
            content_hashes={d.doc_id: hashes[d.doc_id] for d in documents},
            follow_up_scores=follow_up_scores,
            calibrate=choose_fusion,
            on_step=lambda _name: bar.update(1),
        )
    seconds = time.perf_counter() - started
    _export_for_answering(embedder, settings)
    return IngestReport(
        documents=len(documents),
        chunks=len(chunks),
        new=len(fresh) - changed,
        changed=changed,
        unchanged=len(documents) - len(fresh),
        removed=removed,
        chunks_embedded=embedded,
        skipped=tuple(skipped),
        seconds=seconds,
        chunks_per_second=len(chunks) / seconds if seconds > 0 else 0.0,
        index_path=index_dir,
        up_to_date=False,
        fusion=fusion,
    )


def _export_for_answering(embedder: Embedder | None, settings: Settings) -> None:
    """Leave the ONNX exports that answering runs in the cache (once per model): the float32 question encoder of
    the torch backend, and the readers' int8 exports (`qa.answer.onnx_reader`).

    Answering encodes only questions, and ONNX Runtime does that in about 40% of PyTorch's time with the same
    vectors; the readers' int8 passes take about 40% of PyTorch's float32 time. Answering never exports (it would
    make the first question wait), so ingest, which has paid for loading the model, does. Not counted in the
    ingest's seconds: it happens once per model and cache. Without onnxruntime and onnx, or for a model the
    exporter does not handle (said on stderr), answering runs PyTorch.
    """
    if settings.runtime == "pytorch":
        return
    if embedder is None:  # an index already up to date: nothing was embedded
        embedder = Embedder(settings.model, backend=settings.backend, export_cache=Path(settings.cache_dir))
    export = getattr(embedder, "export_for_answering", None)
    if export is None:  # a test's stand-in embedder
        return
    try:
        export()
        if onnx_installed():
            export_readers(AnswerSettings().readers, embedder.export_cache)
    except Exception as exc:  # the index is published and answers with PyTorch: say so, do not fail the ingest
        print(
            f"medcite: the index is built, but the ONNX export that speeds up answering could not be made "
            f"({type(exc).__name__}: {exc}); answering will run PyTorch",
            file=sys.stderr,
        )


def _score_follow_ups(documents: Sequence[Document], vectors: np.ndarray, embedder: Embedder) -> dict[str, float]:
    """Each follow-up question of the documents, with its best cosine to any chunk of the index.

    The assistant suggests these after an answer, but only those the corpus answers with confidence; scoring
    them here (short texts, a fraction of a percent of the chunks' words) spares answer time an embedding.
    """
    texts = list(dict.fromkeys(q for doc in documents for q in doc.follow_ups()))
    if not texts:
        return {}
    question_vectors = embedder.encode(texts)
    best = np.empty(len(texts), dtype=np.float32)
    for start in range(0, len(texts), _FOLLOW_UP_BLOCK):
        block = question_vectors[start : start + _FOLLOW_UP_BLOCK]
        best[start : start + len(block)] = (block @ vectors.T).max(axis=1)
    return {text: float(score) for text, score in zip(texts, best, strict=True)}


def _embedded(document: Document, chunks: Sequence[Chunk], embedder: Any) -> list[tuple[str, list[Span]]]:
    """What the model reads of each chunk of `document`, with its sentences' spans there: the chunk's context with
    the abbreviations the document defines spelled out (`qa.abbreviations`: "Total of 3 HD session performed."
    is embedded as "... 3 hemodialysis session ..."); as written where that would not fit the model's window.

    Only the document's own definitions count, so a document's vectors do not depend on what else is indexed
    (an unchanged document keeps its vectors in an incremental build).
    """
    defined = learn_abbreviations(section.text for section in document.sections)
    read = [spell_out(chunk.context, _context_spans(chunk), defined) for chunk in chunks]
    longer = [i for i, (text, _) in enumerate(read) if text != chunks[i].context]
    if longer:
        sizes = embedder.count_tokens([read[i][0] for i in longer])
        for i, size in zip(longer, sizes, strict=True):
            if size > embedder.max_tokens:
                read[i] = (chunks[i].context, _context_spans(chunks[i]))
    return read


def _context_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentence spans within its context (what is embedded), whose text comes after the title."""
    shift = len(chunk.context) - len(chunk.text)
    return [(start + shift, end + shift) for start, end in chunk.sentences]


def ensure_index(settings: Settings, *, progress: bool = True) -> Path:
    """The index directory, first building it over `settings.corpus_dir` if no index exists there yet.

    An index that exists but cannot be used is left alone: loading it raises an error that says how to
    rebuild, rather than silently replacing a user's own index with the bundled corpus.

    Raises:
        IndexLoadError: there was no index and nothing could be ingested from the corpus folder.
    """
    index_dir = Path(settings.index_dir)
    if not (index_dir / "CURRENT").exists():
        ingest([settings.corpus_dir], settings, progress=progress)
    return index_dir


def run_ingest_command(
    paths: list[Path],
    settings: Settings,
    *,
    progress: bool,
    ray: str | None = None,
    ray_workers: int | None = None,
) -> int:
    """`medcite ingest`: 0 when all was ingested, 1 when some files were skipped, 2 when nothing was.

    Args:
        ray: embed on the Ray cluster at this address ("auto": the one started on this machine).
        ray_workers: embedding actors to start there (default: one per CPU of the cluster).
    """
    embedder = None
    if ray is not None:
        from qa.distributed import RayEmbedder

        embedder = RayEmbedder.connect(ray, settings, workers=ray_workers)
    try:
        report = ingest(paths or None, settings, progress=progress, embedder=embedder)
    except NothingToIngestError as exc:
        print(f"medcite: {exc}", file=sys.stderr)
        return 2
    finally:
        if embedder is not None:
            embedder.close()
    print(report.summary())
    return 1 if report.skipped else 0
