"""The persistent hybrid index: FAISS vectors, a BM25 index and the records, published atomically.

Layout of an index directory:

    INDEX_DIR/CURRENT                 one line: the name of the live build
    INDEX_DIR/builds/<name>/          manifest.json, vectors.npy, dense.faiss, sentences.npy,
                                      sentence_scales.npy, sentence_starts.npy, leads.npy, bm25/, phrases/,
                                      lexicon.json, titles/, store.sqlite
    INDEX_DIR/builds/.tmp-<name>/     a build being written (removed by the next build if a run was killed)

A build is written beside the live one, fsynced, renamed into place, and published by replacing CURRENT
with `os.replace`, which is atomic: a process killed at any moment leaves CURRENT naming a complete build.
Readers only follow CURRENT, so they never see a half-written build.

Loading reads no record and parses no text of the corpus: arrays are memory-mapped, records are read from
SQLite as they are asked for (`qa.store`), and what the assistant derives from every chunk (word counts,
acronyms, abbreviations, title groups, each chunk's document's lead row) was computed at build time. A
million-chunk index opens in well under a second.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

import qa
from qa import dense as dense_index
from qa.arrays import load_rows
from qa.bm25 import BM25Index
from qa.dense import DenseSettings
from qa.errors import IndexLoadError
from qa.lexicon import Lexicon
from qa.phrases import PhraseIndex
from qa.records import Chunk, Document, stable_hash
from qa.settings import BUNDLED_MODEL, DENSE_KINDS, Settings
from qa.store import (
    Chunks,
    ContentHashes,
    Documents,
    FollowUpScores,
    Store,
    chunk_from_dict,
    chunk_to_dict,
    write_store,
)
from qa.titles import TitleGroups

__all__ = [
    "DENSE_KINDS",
    "FORMAT_VERSION",
    "Index",
    "Manifest",
    "QuantizedVectors",
    "canonical_model",
    "chunk_from_dict",
    "chunk_to_dict",
    "corpus_fingerprint",
    "live_build",
    "read_manifest",
    "rebuild_hint",
    "write_index",
]

# Bump when the files of a build change meaning; an index of another version is refused, not misread.
# 2: sentences.npy, the vectors of every chunk's sentences.
# 3: phrases/, the adjacent word pairs of every chunk.
# 4: two parallel versions, made on two branches at once (an index of either is refused): one added leads.npy
#    and the manifest's `fusion`; the other int8 sentence vectors, lexicon.json, titles/, the lazy store and the
#    dense kinds of `qa.dense`.
# 5: both of those: sentence vectors as int8 with a scale per row (sentence_scales.npy) and their chunk offsets
#    (sentence_starts.npy); leads.npy, the row of each chunk's document's first chunk; lexicon.json and titles/
#    made at build time; store.sqlite read lazily (chunk id index); the dense index kinds of `qa.dense` (ivf-sq8,
#    ivf-pq, hnsw, flat-ip); the manifest's `fusion`, the hybrid weights chosen for the corpus at ingest.
FORMAT_VERSION = 5

CURRENT = "CURRENT"
BUILDS = "builds"
TMP_PREFIX = ".tmp-"
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"
# int8 codes with a float32 scale per row: sentence vectors only rank a few sentences against each other, and
# there are several per chunk (about 9 on MedQuAD: 3.5 GB at float16 for a million chunks, 1.7 GB as int8).
SENTENCE_VECTORS = "sentences.npy"
SENTENCE_SCALES = "sentence_scales.npy"
SENTENCE_STARTS = "sentence_starts.npy"
# int64, per chunk row: the row of the first chunk of its document (what the hybrid's lead signal reads, and what
# tells documents apart without reading a record).
LEADS = "leads.npy"
DENSE = "dense.faiss"
BM25_DIR = "bm25"
PHRASES_DIR = "phrases"
TITLES_DIR = "titles"
STORE = "store.sqlite"
# Sentence vectors are quantised this many rows at a time, so a caller may pass a memory-mapped array.
_BLOCK = 65536
# The stages of a build, in order, as `write_index` reports them to `on_step`.
STEPS = ("vectors", "dense", "bm25", "phrases", "lexicon", "store", "fusion", "publish")

# Names the bundled model goes by; an index built under one loads under the other.
_BUNDLED_ALIASES = {BUNDLED_MODEL, "all-MiniLM-L6-v2"}


def canonical_model(name: str) -> str:
    """The name an index records for a model, so that aliases of the bundled model compare equal."""
    return BUNDLED_MODEL if name in _BUNDLED_ALIASES else name


def corpus_fingerprint(hashes: Iterable[tuple[str, str]]) -> str:
    """Hash over the sorted (doc_id, content_hash) pairs: equal fingerprints mean an identical corpus."""
    return stable_hash(*(f"{doc_id}\x1e{content}" for doc_id, content in sorted(hashes)), length=32)


def rebuild_hint(index_dir: Path) -> str:
    """The command that makes a fresh index at `index_dir`, for every load error's message."""
    return f"rebuild it with: medcite ingest [PATHS] --index {index_dir}"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and with; a loader compares it before trusting the files."""

    format_version: int
    model: str
    dim: int
    chunker_version: str
    corpus_fingerprint: str
    package_version: str
    created: str
    documents: int
    chunks: int
    dense_kind: str
    sources: tuple[str, ...] = ()
    # The hybrid weights chosen for this corpus at ingest and how (`qa.calibration.Calibration.to_dict`).
    fusion: Mapping[str, Any] = field(default_factory=dict)
    # The embedding backend that made the vectors (qa.settings.BACKENDS); queries must use the same one. An
    # index written before backends existed was made by torch.
    backend: str = "torch"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["fusion"] = dict(self.fusion)
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> Manifest:
        """Parse a manifest, naming the first field that is missing or of the wrong type.

        Raises:
            ValueError: a field is missing or has the wrong type.
        """
        types = {"format_version": int, "dim": int, "documents": int, "chunks": int}
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in data:
                if f.name in {"sources", "backend", "fusion"}:
                    continue
                raise ValueError(f"manifest has no {f.name!r}")
            value = data[f.name]
            if f.name == "sources":
                if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
                    raise ValueError("manifest 'sources' must be a list of paths")
                value = tuple(value)
            elif f.name == "fusion":
                if not isinstance(value, dict):
                    raise ValueError("manifest 'fusion' must be an object")
            elif not isinstance(value, types.get(f.name, str)) or isinstance(value, bool):
                raise ValueError(f"manifest {f.name!r} has the wrong type ({type(value).__name__})")
            values[f.name] = value
        return cls(**values)  # type: ignore[arg-type]


class QuantizedVectors:
    """Rows of int8 codes with a float32 scale each (symmetric, per row): row i is codes[i] * scales[i] / 127.

    Indexing with row numbers gives float32 vectors, as indexing the float array did. Per-row scales keep the
    cosine error near 1e-3 for unit vectors of a few hundred dimensions, far below the gaps that rank sentences.
    """

    def __init__(self, codes: np.ndarray, scales: np.ndarray):
        if codes.ndim != 2 or scales.shape != (codes.shape[0],):
            raise ValueError(f"codes {codes.shape} and scales {scales.shape} do not fit together")
        self.codes = codes
        self.scales = scales

    @property
    def shape(self) -> tuple[int, int]:
        return self.codes.shape  # type: ignore[return-value]

    dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self.codes.shape[0]

    def __getitem__(self, rows: object) -> np.ndarray:
        codes = np.asarray(self.codes[rows], dtype=np.float64)
        scales = np.asarray(self.scales[rows], dtype=np.float64)
        # float64 on the way: a vector quantised again gives back the same codes and scale, bit for bit.
        return (codes * (scales[..., None] / 127.0)).astype(np.float32)

    def dot(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Row `rows`' inner products with a float32 `vector`, without decoding their vectors first.

        The codes times the vector, then each row's scale: what answering's sentence signal needs for a few
        thousand sentences per question, at a third of the cost of `self[rows] @ vector` (float32 rounding
        apart, the same numbers).
        """
        codes = np.asarray(self.codes[rows], dtype=np.float32)
        return (codes @ np.asarray(vector, dtype=np.float32)) * (np.asarray(self.scales[rows]) / np.float32(127.0))

    @staticmethod
    def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(codes, scales) of float rows; a row of zeros gets scale 0."""
        block = np.asarray(vectors, dtype=np.float64)
        scales = np.abs(block).max(axis=1) if block.size else np.zeros(block.shape[0])
        safe = np.where(scales > 0, scales, 1.0)
        codes = np.clip(np.rint(block * (127.0 / safe[:, None])), -127, 127).astype(np.int8)
        return codes, scales.astype(np.float32)


def _current_chunker_version() -> str:
    from qa.chunking import CHUNKER_VERSION

    return CHUNKER_VERSION


# --- reading ---------------------------------------------------------------------------------------------


def live_build(index_dir: Path) -> Path:
    """The build folder CURRENT names.

    Raises:
        IndexLoadError: there is no index at `index_dir`, or CURRENT names a build that is not there.
    """
    index_dir = Path(index_dir)
    current = index_dir / CURRENT
    try:
        name = current.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexLoadError(f"no index at {index_dir}; {rebuild_hint(index_dir)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexLoadError(f"cannot read {current} ({exc}); {rebuild_hint(index_dir)}") from exc
    # CURRENT is one plain folder name; anything else was not written by us and must not be followed.
    if not name or "/" in name or "\\" in name or name.startswith(".") or len(name) > 200:
        raise IndexLoadError(f"{current} is damaged (it names {name[:80]!r}); {rebuild_hint(index_dir)}")
    build = index_dir / BUILDS / name
    if not (build / MANIFEST).is_file():
        raise IndexLoadError(
            f"{current} names build {name!r}, which is missing or incomplete; {rebuild_hint(index_dir)}"
        )
    return build


def read_manifest(index_dir: Path) -> Manifest:
    """The live build's manifest, without loading the rest of the index (cheap: one small JSON file).

    Raises:
        IndexLoadError: no index, or its manifest is unreadable.
    """
    build = live_build(index_dir)
    return _read_build_manifest(build, Path(index_dir))


def _read_build_manifest(build: Path, index_dir: Path) -> Manifest:
    try:
        manifest = Manifest.from_dict(json.loads((build / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise IndexLoadError(
            f"the index manifest {build / MANIFEST} is damaged ({exc}); {rebuild_hint(index_dir)}"
        ) from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexLoadError(
            f"the index at {index_dir} has format version {manifest.format_version}, this medcite reads "
            f"version {FORMAT_VERSION}; {rebuild_hint(index_dir)}"
        )
    return manifest


class Index:
    """A loaded index: chunks in row order, their documents, vectors, and the dense and BM25 searchers.

    Nothing is parsed at load: `chunks`, `documents`, `content_hashes` and `follow_up_scores` read the store as
    they are used (a `Sequence` and `Mapping`s, with small caches), and every array is memory-mapped.
    `sentence_vectors` holds one row per sentence of every chunk, in chunk order then sentence order; indexing
    it gives float32 vectors.
    """

    def __init__(
        self,
        path: Path,
        manifest: Manifest,
        store: Store,
        vectors: np.ndarray,
        dense: faiss.Index,
        bm25: BM25Index,
        sentence_vectors: QuantizedVectors,
        sentence_starts: np.ndarray,
        phrases: PhraseIndex,
        lexicon: Lexicon,
        title_groups: TitleGroups,
        lead_rows: np.ndarray,
        dense_settings: DenseSettings = dense_index.DENSE,
    ):
        self.path = path
        self.manifest = manifest
        self._store = store
        self.chunks: Sequence[Chunk] = Chunks(store)
        self.documents: Mapping[str, Document] = Documents(store)
        # The hash each document had when indexed; ingest compares it to decide what to re-embed.
        self.content_hashes: Mapping[str, str] = ContentHashes(store)
        # Each document's follow-up question (`Document.follow_ups`) and its best cosine to any chunk, computed
        # at ingest, so suggesting follow-ups costs no embedding at answer time.
        self.follow_up_scores: Mapping[str, float] = FollowUpScores(store)
        self.vectors = vectors
        self.sentence_vectors = sentence_vectors
        # Row of each chunk's first sentence vector (and, last, the total).
        self._sentence_start = sentence_starts
        self.bm25 = bm25
        self.phrases = phrases
        # The corpus's words, acronyms and abbreviations, and its pages (chunks sharing a title).
        self.lexicon = lexicon
        self.title_groups = title_groups
        # Per chunk row, the row of its document's first chunk (computed from the chunk order at build time).
        self.lead_rows = lead_rows
        self._dense = dense
        self._dense_settings = dense_settings

    @classmethod
    def load(cls, index_dir: Path, *, model: str | None = None, backend: str | None = None) -> Index:
        """Load the live build at `index_dir`, refusing one that this code, `model` or `backend` cannot use.

        Raises:
            IndexLoadError: no index; CURRENT names a missing build; damaged files; another format version,
                chunker version, or (when given) another embedding model or backend. The message says how to
                rebuild.
        """
        index_dir = Path(index_dir)
        build = live_build(index_dir)
        try:
            return cls._load_build(build, index_dir, model, backend)
        except IndexLoadError:
            # A concurrent ingest may have published a new build and removed this one while we read it.
            again = live_build(index_dir)
            if again == build:
                raise
            return cls._load_build(again, index_dir, model, backend)

    @classmethod
    def _load_build(cls, build: Path, index_dir: Path, model: str | None, backend: str | None) -> Index:
        manifest = _read_build_manifest(build, index_dir)
        if backend is not None and backend != manifest.backend:
            # Vectors of one backend are not those of another (int8 against float32: cosine ~0.99), so a query
            # encoded by another backend would be searched against slightly different vectors, silently.
            raise IndexLoadError(
                f"the index at {index_dir} holds vectors of the {manifest.backend!r} embedding backend, and "
                f"queries would be encoded by {backend!r}; use --backend {manifest.backend} (or MEDCITE_BACKEND="
                f"{manifest.backend}), or {rebuild_hint(index_dir)} --backend {backend}"
            )
        chunker_version = _current_chunker_version()
        if manifest.chunker_version != chunker_version:
            raise IndexLoadError(
                f"the index at {index_dir} was chunked by chunker version {manifest.chunker_version!r}, this "
                f"medcite uses {chunker_version!r}; {rebuild_hint(index_dir)}"
            )
        if model is not None and canonical_model(model) != canonical_model(manifest.model):
            raise IndexLoadError(
                f"the index at {index_dir} was built with model {manifest.model!r}, not {model!r}; "
                f"{rebuild_hint(index_dir)} --model {model}, or use --model {manifest.model}"
            )
        return cls._open(build, manifest, index_dir)

    @classmethod
    def _open(cls, build: Path, manifest: Manifest, index_dir: Path) -> Index:
        """Open the files of `build` as `manifest` describes them (memory-mapped; the store read lazily).

        Also how `write_index` opens a build it has written but not yet published, to calibrate its fusion.

        Raises:
            IndexLoadError: a file is missing or damaged, or does not fit the manifest.
        """
        store: Store | None = None
        try:
            n, dim = manifest.chunks, manifest.dim
            vectors = load_rows(build / VECTORS)
            if vectors.dtype != np.float32 or vectors.shape != (n, dim):
                raise ValueError(
                    f"{VECTORS} holds {vectors.dtype} {vectors.shape}, the manifest says float32 ({n}, {dim})"
                )
            if manifest.dense_kind not in DENSE_KINDS:
                raise ValueError(f"the manifest names an unknown dense index kind {manifest.dense_kind!r}")
            dense = dense_index.read(build / DENSE, manifest.dense_kind)
            if dense.ntotal != n or dense.d != dim:
                raise ValueError(f"{DENSE} holds {dense.ntotal} vectors of {dense.d} dims")
            bm25 = BM25Index.load(build / BM25_DIR, mmap=True)
            if bm25.rows != n:
                raise ValueError(f"the BM25 index holds {bm25.rows} rows")
            phrases = PhraseIndex.load(build / PHRASES_DIR)
            if phrases.rows != n:
                raise ValueError(f"the phrase index holds {phrases.rows} rows")
            sentence_vectors, starts = _read_sentence_vectors(build, n, dim)
            lead_rows = load_rows(build / LEADS)
            if lead_rows.dtype != np.int64 or lead_rows.shape != (n,):
                raise ValueError(f"{LEADS} holds {lead_rows.dtype} {lead_rows.shape}, not int64 ({n},)")
            lexicon = Lexicon.load(build)
            groups = TitleGroups.load(build / TITLES_DIR, n)
            store = Store(build / STORE)
            if store.chunk_count != n or store.document_count != manifest.documents:
                raise ValueError(f"{STORE} holds {store.document_count} documents and {store.chunk_count} chunks")
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, sqlite3.Error) as exc:
            # FAISS reports a truncated file as RuntimeError; numpy as ValueError; SQLite as its own error.
            if store is not None:
                store.close()
            raise IndexLoadError(
                f"the index at {index_dir} is damaged ({build.name}: {exc}); {rebuild_hint(index_dir)}"
            ) from exc
        return cls(
            build, manifest, store, vectors, dense, bm25, sentence_vectors, starts, phrases, lexicon, groups, lead_rows
        )

    def close(self) -> None:
        """Close the store's connection (the arrays are unmapped when the index is dropped)."""
        self._store.close()

    def titles(self) -> list[str]:
        """The documents' titles, once each (`Store.titles`)."""
        return self._store.titles()

    def chunk_rows_of(self, doc_id: str) -> list[int]:
        """Rows of the document's chunks, in document order (empty for an unknown id)."""
        return self._store.rows_of_document(doc_id)

    def row_of(self, chunk_id: str) -> int:
        """The row of a chunk (KeyError for an unknown id)."""
        row = self._store.row_of_chunk(chunk_id)
        if row is None:
            raise KeyError(chunk_id)
        return row

    def sentence_vectors_at(self, places: Sequence[tuple[int, int]]) -> np.ndarray:
        """Vectors of single sentences, each named by (chunk row, sentence number within the chunk); float32."""
        if not places:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        starts = self._sentence_start
        for row, number in places:
            if not 0 <= number < starts[row + 1] - starts[row]:
                raise IndexError(f"chunk row {row} has no sentence {number}")
        picked = [int(starts[row]) + number for row, number in places]
        return self.sentence_vectors[picked]

    def sentence_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For chunk `rows`: the sentence-vector rows of all their sentences, concatenated in that order, and
        where each chunk's own run of them starts in that list (every chunk has at least one sentence)."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = np.asarray(self._sentence_start[rows])
        counts = np.asarray(self._sentence_start[rows + 1]) - starts
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        flat = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
        return flat, offsets

    def sentence_vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """The sentence vectors of the chunks at `rows`, concatenated in that order (float32)."""
        if len(rows) == 0:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        flat, _ = self.sentence_rows(np.asarray(rows, dtype=np.int64))
        return self.sentence_vectors[flat]

    def dense_search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` rows by inner product (cosine: vectors are normalised) for each query vector.

        Approximate kinds (`qa.dense`) may miss a row exact search would find; the scores they return are exact.

        Returns:
            (scores, rows), each (n, k); where fewer than `k` rows exist, rows are -1 and scores -inf.

        Raises:
            ValueError: `query_vectors` is not (n, dim) or `k` is not positive.
        """
        queries = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.manifest.dim:
            raise ValueError(f"query_vectors must have shape (n, {self.manifest.dim}), got {queries.shape}")
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        return dense_index.search(self._dense, self.manifest.dense_kind, queries, k, self.vectors, self._dense_settings)


def lead_rows_of(doc_ids: Iterable[str]) -> np.ndarray:
    """Per chunk row (chunks given by their documents' ids, in row order), the row of the first chunk of its
    document. Chunks of one document are contiguous rows, so a document is its lead row: two rows share a
    document exactly when they share a lead."""
    first: dict[str, int] = {}
    return np.fromiter((first.setdefault(doc_id, row) for row, doc_id in enumerate(doc_ids)), np.int64)


def _read_sentence_vectors(build: Path, chunks: int, dim: int) -> tuple[QuantizedVectors, np.ndarray]:
    codes = load_rows(build / SENTENCE_VECTORS)
    scales = load_rows(build / SENTENCE_SCALES)
    starts = load_rows(build / SENTENCE_STARTS)
    if starts.dtype != np.int64 or starts.shape != (chunks + 1,):
        raise ValueError(f"{SENTENCE_STARTS} holds {starts.dtype} {starts.shape}, not int64 ({chunks + 1},)")
    expected = (int(starts[-1]), dim)
    if codes.dtype != np.int8 or codes.shape != expected or scales.dtype != np.float32 or scales.shape != expected[:1]:
        raise ValueError(
            f"{SENTENCE_VECTORS} holds {codes.dtype} {codes.shape} with {scales.shape[0]} scales, the chunks "
            f"need int8 {expected}"
        )
    return QuantizedVectors(codes, scales), starts


# --- writing ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """Serialise builds into one index dir, so one build's clean-up never deletes another's work."""
    with open(index_dir / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under `root` to disk, so a power cut after publishing finds them whole."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _live_name(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _remove_builds_except(index_dir: Path, keep: str | None) -> None:
    """Delete unfinished builds and builds no longer live; only ever called under the build lock."""
    builds = index_dir / BUILDS
    if not builds.is_dir():
        return
    for entry in builds.iterdir():
        if entry.name != keep:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    (index_dir / (CURRENT + ".tmp")).unlink(missing_ok=True)


def _validate_build_inputs(
    documents: Sequence[Document], chunks: Sequence[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray
) -> None:
    if not chunks:
        raise ValueError("cannot build an index with no chunks: the documents held no text")
    if vectors.ndim != 2 or vectors.shape[0] != len(chunks):
        raise ValueError(f"vectors must have one row per chunk ({len(chunks)}), got shape {vectors.shape}")
    unsplit = next((c for c in chunks if not c.sentences), None)
    if unsplit is not None:
        raise ValueError(f"chunk {unsplit.chunk_id!r} has no sentence spans; every chunk needs at least one")
    sentences = sum(len(c.sentences) for c in chunks)
    if sentence_vectors.shape != (sentences, vectors.shape[1]):
        raise ValueError(
            f"sentence_vectors must have one row per sentence of the chunks ({sentences}, {vectors.shape[1]}), "
            f"got shape {sentence_vectors.shape}"
        )
    known: set[str] = set()
    for doc in documents:
        if doc.doc_id in known:
            raise ValueError(f"document id {doc.doc_id!r} occurs twice; each document needs its own id")
        known.add(doc.doc_id)
    orphan = next((c for c in chunks if c.doc_id not in known), None)
    if orphan is not None:
        raise ValueError(f"chunk {orphan.chunk_id!r} belongs to {orphan.doc_id!r}, a document not given")


def _write_sentence_vectors(directory: Path, sentence_vectors: np.ndarray, chunks: Sequence[Chunk]) -> None:
    """Quantise the sentence vectors a block at a time into int8 codes and scales, and write each chunk's start."""
    n, dim = sentence_vectors.shape
    codes = np.lib.format.open_memmap(directory / SENTENCE_VECTORS, mode="w+", dtype=np.int8, shape=(n, dim))
    scales = np.empty(n, dtype=np.float32)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        codes[start:stop], scales[start:stop] = QuantizedVectors.quantize(sentence_vectors[start:stop])
    codes.flush()
    del codes
    np.save(directory / SENTENCE_SCALES, scales, allow_pickle=False)
    counts = np.fromiter((len(c.sentences) for c in chunks), dtype=np.int64, count=len(chunks))
    np.save(directory / SENTENCE_STARTS, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), allow_pickle=False)


def write_index(
    index_dir: Path,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    *,
    sentence_vectors: np.ndarray,
    model: str,
    chunker_version: str,
    backend: str = "torch",
    sources: Sequence[str | Path] = (),
    approximate_above: int = Settings.approximate_above,
    dense_kind: str = "auto",
    dense_settings: DenseSettings = dense_index.DENSE,
    content_hashes: Mapping[str, str] | None = None,
    follow_up_scores: Mapping[str, float] | None = None,
    calibrate: Callable[[Index], Mapping[str, Any]] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Path:
    """Build an index from records and vectors, and publish it atomically as the live build of `index_dir`.

    Args:
        vectors: one row per chunk, in chunk order; rows not of unit length are L2-normalised here.
        sentence_vectors: one row per sentence of each chunk, in chunk order then sentence order; read a block
            of rows at a time (by slicing), so it may be memory-mapped or any array-like with `shape` and slices.
        backend: the embedding backend that made the vectors, recorded in the manifest.
        approximate_above: above this many chunks the dense index is approximate, else exact.
        dense_kind: "auto" (by `approximate_above`) or a kind of `DENSE_KINDS` to force.
        content_hashes: each document's `content_hash`, when the caller has computed them already.
        follow_up_scores: for follow-up questions (`Document.follow_ups`), the best cosine to any chunk.
        calibrate: called with the new index, complete but for its manifest and not yet published (opened as
            `Index.load` opens one: its records read lazily); what it returns is recorded as the manifest's
            `fusion` (the hybrid weights chosen for this corpus).
        on_step: called with the name of each stage as it finishes (`STEPS`), so a caller can show progress
            or time the stages without this module printing.

    Returns:
        The published build folder.

    Raises:
        ValueError: the records and vectors do not fit together, or `dense_kind` is unknown (nothing is written
            then).
    """
    index_dir = Path(index_dir)
    step = on_step or (lambda _name: None)
    vectors = np.array(vectors, dtype=np.float32, copy=True)
    _validate_build_inputs(documents, chunks, vectors, sentence_vectors)
    norms = np.linalg.norm(vectors, axis=1)
    # Only rows that are off: renormalising unit rows would shift their last bits on every rebuild.
    off = np.abs(norms - 1) > 1e-5
    if off.any():
        vectors[off] /= np.maximum(norms[off], 1e-12)[:, None]
    given = content_hashes or {}
    hashes = {d.doc_id: given.get(d.doc_id) or d.content_hash for d in documents}
    kind = dense_index.choose_kind(len(chunks), approximate_above, dense_kind, dense_settings)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=canonical_model(model),
        dim=int(vectors.shape[1]),
        chunker_version=chunker_version,
        corpus_fingerprint=corpus_fingerprint((d.doc_id, hashes[d.doc_id]) for d in documents),
        package_version=qa.__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        documents=len(documents),
        chunks=len(chunks),
        dense_kind=kind,
        sources=tuple(str(Path(s).resolve()) for s in sources),
        backend=backend,
    )
    (index_dir / BUILDS).mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        # Whatever is not live now is debris of a killed run: an unfinished or an unpublished build.
        _remove_builds_except(index_dir, _live_name(index_dir))
        name = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
        tmp = index_dir / BUILDS / f"{TMP_PREFIX}{name}"
        final = index_dir / BUILDS / name
        tmp.mkdir()
        try:
            np.save(tmp / VECTORS, vectors, allow_pickle=False)
            _write_sentence_vectors(tmp, sentence_vectors, chunks)
            step("vectors")
            dense_index.write(dense_index.build(vectors, kind, dense_settings), tmp / DENSE)
            del vectors
            step("dense")
            contexts = [c.context for c in chunks]
            BM25Index.build(contexts).save(tmp / BM25_DIR)
            step("bm25")
            PhraseIndex.build(contexts).save(tmp / PHRASES_DIR)
            step("phrases")
            Lexicon.build((c.text for c in chunks), contexts).save(tmp)
            del contexts
            (tmp / TITLES_DIR).mkdir()
            doc_ids = [c.doc_id for c in chunks]
            TitleGroups.build([c.title for c in chunks], doc_ids).save(tmp / TITLES_DIR)
            # From the chunk order, here: a loaded index reads its records lazily and never derives them.
            np.save(tmp / LEADS, lead_rows_of(doc_ids), allow_pickle=False)
            del doc_ids
            step("lexicon")
            write_store(tmp / STORE, documents, hashes, chunks, follow_up_scores or {})
            step("store")
            if calibrate is not None:
                # The build as a reader will see it (lazy records, mapped arrays), only not yet published.
                built = Index._open(tmp, manifest, index_dir)
                try:
                    manifest = replace(manifest, fusion=dict(calibrate(built)))
                finally:
                    built.close()
            step("fusion")
            # The manifest last: a build folder with a manifest is one whose other files were all written.
            (tmp / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
            _fsync_tree(tmp)
            os.rename(tmp, final)
            _fsync_dir(index_dir / BUILDS)
            pointer = index_dir / (CURRENT + ".tmp")
            with open(pointer, "w", encoding="utf-8") as handle:
                handle.write(name + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(pointer, index_dir / CURRENT)
            _fsync_dir(index_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _remove_builds_except(index_dir, name)
    step("publish")
    return final
