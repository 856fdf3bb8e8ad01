"""The persistent hybrid index: FAISS vectors, a BM25 index and the records, published atomically.

Layout of an index directory:

    INDEX_DIR/CURRENT                 one line: the name of the live build
    INDEX_DIR/builds/<name>/          manifest.json, vectors.npy, sentences.npy, leads.npy, dense.faiss,
                                      bm25/, phrases/, store.sqlite
    INDEX_DIR/builds/.tmp-<name>/     a build being written (removed by the next build if a run was killed)

A build is written beside the live one, fsynced, renamed into place, and published by replacing CURRENT
with `os.replace`, which is atomic: a process killed at any moment leaves CURRENT naming a complete build.
Readers only follow CURRENT, so they never see a half-written build.
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
from qa.bm25 import BM25Index
from qa.errors import IndexLoadError
from qa.phrases import PhraseIndex
from qa.records import Chunk, Document, document_from_dict, document_to_dict, stable_hash
from qa.settings import BUNDLED_MODEL, Settings

# Bump when the files of a build change meaning; an index of another version is refused, not misread.
# 2: sentences.npy, the vectors of every chunk's sentences.
# 3: phrases/, the adjacent word pairs of every chunk.
# 4: leads.npy, the row of each chunk's document's first chunk; the manifest's `fusion`, the hybrid weights chosen
#    for the corpus at ingest.
FORMAT_VERSION = 4
DENSE_KINDS = ("flat-ip", "hnsw")
# HNSW graph degree and build effort: FAISS's usual values for sentence embeddings of a few hundred dims.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96

CURRENT = "CURRENT"
BUILDS = "builds"
TMP_PREFIX = ".tmp-"
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"
# float16: sentence vectors only rank a few sentences against each other, and there are several per chunk.
SENTENCE_VECTORS = "sentences.npy"
# int64, per chunk row: the row of the first chunk of its document (a document's chunks are contiguous rows).
LEADS = "leads.npy"
DENSE = "dense.faiss"
BM25_DIR = "bm25"
PHRASES_DIR = "phrases"
STORE = "store.sqlite"

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


def chunk_to_dict(chunk: Chunk) -> dict:
    """Plain-JSON form of a chunk (stored in the index's SQLite file)."""
    return asdict(chunk)


def chunk_from_dict(data: Mapping) -> Chunk:
    """Inverse of `chunk_to_dict`; tuples come back as tuples so records compare equal."""
    return Chunk(
        chunk_id=data["chunk_id"],
        doc_id=data["doc_id"],
        title=data["title"],
        heading_path=tuple(data["heading_path"]),
        section_index=int(data["section_index"]),
        start=int(data["start"]),
        end=int(data["end"]),
        text=data["text"],
        sentences=tuple((int(s), int(e)) for s, e in data["sentences"]),
        ordinal=int(data.get("ordinal", 0)),
        page=data.get("page"),
        markers=tuple((int(o), tuple(int(n) for n in nums)) for o, nums in data.get("markers", ())),
        keywords=tuple(data.get("keywords", ())),
    )


def _current_chunker_version() -> str:
    from qa.chunking import CHUNKER_VERSION

    return CHUNKER_VERSION


def _json_dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


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

    Vectors, FAISS and BM25 arrays stay memory-mapped, so loading costs little beyond parsing the records.
    `sentence_vectors` holds one row per sentence of every chunk, in chunk order then sentence order.
    """

    def __init__(
        self,
        path: Path,
        manifest: Manifest,
        chunks: list[Chunk],
        documents: dict[str, Document],
        content_hashes: dict[str, str],
        vectors: np.ndarray,
        dense: faiss.Index,
        bm25: BM25Index,
        sentence_vectors: np.ndarray,
        phrases: PhraseIndex,
        follow_up_scores: Mapping[str, float] | None = None,
        lead_rows: np.ndarray | None = None,
    ):
        self.path = path
        self.manifest = manifest
        self.chunks = chunks
        self.documents = documents
        # The hash each document had when indexed; ingest compares it to decide what to re-embed.
        self.content_hashes = content_hashes
        self.vectors = vectors
        self.sentence_vectors = sentence_vectors
        # Each document's follow-up question (`Document.follow_ups`) and its best cosine to any chunk, computed
        # at ingest, so suggesting follow-ups costs no embedding at answer time.
        self.follow_up_scores = dict(follow_up_scores or {})
        # Row of each chunk's first sentence vector (and, last, the total).
        self._sentence_start = np.concatenate([[0], np.cumsum([len(c.sentences) for c in chunks])]).astype(np.int64)
        self.bm25 = bm25
        self.phrases = phrases
        # Per chunk row, the row of its document's first chunk (written at ingest; derived here for an index
        # made in memory by a test).
        self.lead_rows = lead_rows if lead_rows is not None else lead_rows_of(chunks)
        self._dense = dense
        self._rows_of: dict[str, list[int]] = {}
        self._row_of_chunk: dict[str, int] = {}
        for row, chunk in enumerate(chunks):
            self._rows_of.setdefault(chunk.doc_id, []).append(row)
            self._row_of_chunk[chunk.chunk_id] = row

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
        try:
            vectors = np.load(build / VECTORS, mmap_mode="r", allow_pickle=False)
            if vectors.dtype != np.float32 or vectors.shape != (manifest.chunks, manifest.dim):
                raise ValueError(
                    f"{VECTORS} holds {vectors.dtype} {vectors.shape}, the manifest says float32 "
                    f"({manifest.chunks}, {manifest.dim})"
                )
            dense = _read_faiss(build / DENSE)
            if dense.ntotal != manifest.chunks or dense.d != manifest.dim:
                raise ValueError(f"{DENSE} holds {dense.ntotal} vectors of {dense.d} dims")
            bm25 = BM25Index.load(build / BM25_DIR, mmap=True)
            if bm25.rows != manifest.chunks:
                raise ValueError(f"the BM25 index holds {bm25.rows} rows")
            phrases = PhraseIndex.load(build / PHRASES_DIR)
            if phrases.rows != manifest.chunks:
                raise ValueError(f"the phrase index holds {phrases.rows} rows")
            chunks, documents, hashes, follow_ups = _read_store(build / STORE)
            if len(chunks) != manifest.chunks or len(documents) != manifest.documents:
                raise ValueError(f"{STORE} holds {len(documents)} documents and {len(chunks)} chunks")
            lead_rows = np.load(build / LEADS, mmap_mode="r", allow_pickle=False)
            if lead_rows.dtype != np.int64 or lead_rows.shape != (manifest.chunks,):
                raise ValueError(f"{LEADS} holds {lead_rows.dtype} {lead_rows.shape}, not int64 ({manifest.chunks},)")
            sentence_vectors = np.load(build / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
            expected = (sum(len(c.sentences) for c in chunks), manifest.dim)
            if sentence_vectors.dtype != np.float16 or sentence_vectors.shape != expected:
                raise ValueError(
                    f"{SENTENCE_VECTORS} holds {sentence_vectors.dtype} {sentence_vectors.shape}, the chunks "
                    f"need float16 {expected}"
                )
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, sqlite3.Error) as exc:
            # FAISS reports a truncated file as RuntimeError; numpy as ValueError; SQLite as its own error.
            raise IndexLoadError(
                f"the index at {index_dir} is damaged ({build.name}: {exc}); {rebuild_hint(index_dir)}"
            ) from exc
        return cls(
            build,
            manifest,
            chunks,
            documents,
            hashes,
            vectors,
            dense,
            bm25,
            sentence_vectors,
            phrases,
            follow_ups,
            lead_rows,
        )

    def chunk_rows_of(self, doc_id: str) -> list[int]:
        """Rows of the document's chunks, in document order (empty for an unknown id)."""
        return list(self._rows_of.get(doc_id, ()))

    def row_of(self, chunk_id: str) -> int:
        """The row of a chunk (KeyError for an unknown id)."""
        return self._row_of_chunk[chunk_id]

    def sentence_vectors_at(self, places: Sequence[tuple[int, int]]) -> np.ndarray:
        """Vectors of single sentences, each named by (chunk row, sentence number within the chunk); float32."""
        if not places:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        starts = self._sentence_start
        for row, number in places:
            if not 0 <= number < starts[row + 1] - starts[row]:
                raise IndexError(f"chunk row {row} has no sentence {number}")
        picked = [int(starts[row]) + number for row, number in places]
        return np.asarray(self.sentence_vectors[picked], dtype=np.float32)

    def sentence_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For chunk `rows`: the sentence-vector rows of all their sentences, concatenated in that order, and
        where each chunk's own run of them starts in that list (every chunk has at least one sentence)."""
        starts = self._sentence_start[rows]
        counts = self._sentence_start[np.asarray(rows) + 1] - starts
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        flat = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
        return flat, offsets

    def sentence_vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """The sentence vectors of the chunks at `rows`, concatenated in that order (float32)."""
        parts = [self.sentence_vectors[self._sentence_start[r] : self._sentence_start[r + 1]] for r in rows]
        if not parts:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        return np.concatenate(parts).astype(np.float32)

    def dense_search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` rows by inner product (cosine: vectors are normalised) for each query vector.

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
        n = queries.shape[0]
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        rows = np.full((n, k), -1, dtype=np.int64)
        if n == 0:
            return scores, rows
        take = min(k, self._dense.ntotal)
        if self.manifest.dense_kind == "hnsw":
            # Per-call parameters rather than setting efSearch on the index: searches may run in parallel.
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, 2 * take))
            found_scores, found_rows = self._dense.search(queries, take, params=params)
        else:
            found_scores, found_rows = self._dense.search(queries, take)
        rows[:, :take] = found_rows
        scores[:, :take] = np.where(found_rows >= 0, found_scores, -np.inf)
        return scores, rows


def lead_rows_of(chunks: Sequence[Chunk]) -> np.ndarray:
    """Per chunk row, the row of the first chunk of its document (chunks of one document are contiguous)."""
    first: dict[str, int] = {}
    return np.fromiter((first.setdefault(c.doc_id, row) for row, c in enumerate(chunks)), np.int64, len(chunks))


def _read_faiss(path: Path) -> faiss.Index:
    # IO_FLAG_MMAP_IFC maps the stored vectors instead of copying them: a big index opens in milliseconds.
    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", 0)
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} is missing")
    return faiss.read_index(str(path), flag)


def _read_store(path: Path) -> tuple[list[Chunk], dict[str, Document], dict[str, str], dict[str, float]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} is missing")
    # Read-only URI: loading must never create or change a file in a published build. The path is
    # percent-encoded (`as_uri`), so a folder named "ward #3" or "100% sure" does not end or mangle the URI.
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        documents: dict[str, Document] = {}
        hashes: dict[str, str] = {}
        for doc_id, content_hash, text in db.execute("SELECT doc_id, content_hash, json FROM documents"):
            documents[doc_id] = document_from_dict(json.loads(text))
            hashes[doc_id] = content_hash
        chunks: list[Chunk] = []
        for expected, (row, text) in enumerate(db.execute("SELECT row, json FROM chunks ORDER BY row")):
            if row != expected:
                raise ValueError(f"{path.name} has no chunk for row {expected}")
            chunks.append(chunk_from_dict(json.loads(text)))
        follow_ups = {text: float(best) for text, best in db.execute("SELECT text, best FROM follow_ups")}
    finally:
        db.close()
    return chunks, documents, hashes, follow_ups


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


def _build_dense(vectors: np.ndarray, dense_kind: str) -> faiss.Index:
    dim = vectors.shape[1]
    if dense_kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


def _write_store(
    path: Path,
    documents: Sequence[Document],
    hashes: Mapping[str, str],
    chunks: Sequence[Chunk],
    follow_ups: Mapping[str, float],
) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE documents (doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, json TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, doc_id TEXT NOT NULL, "
            "json TEXT NOT NULL)"
        )
        db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?)",
            ((d.doc_id, hashes[d.doc_id], _json_dumps(document_to_dict(d))) for d in documents),
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?)",
            ((row, c.chunk_id, c.doc_id, _json_dumps(chunk_to_dict(c))) for row, c in enumerate(chunks)),
        )
        db.execute("CREATE INDEX chunks_by_doc ON chunks (doc_id)")
        db.execute("CREATE TABLE follow_ups (text TEXT PRIMARY KEY, best REAL NOT NULL)")
        db.executemany("INSERT INTO follow_ups VALUES (?, ?)", sorted(follow_ups.items()))
        db.commit()
    finally:
        db.close()


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
    content_hashes: Mapping[str, str] | None = None,
    follow_up_scores: Mapping[str, float] | None = None,
    calibrate: Callable[[Index], Mapping[str, Any]] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Path:
    """Build an index from records and vectors, and publish it atomically as the live build of `index_dir`.

    Args:
        vectors: one row per chunk, in chunk order; rows not of unit length are L2-normalised here.
        sentence_vectors: one row per sentence of each chunk, in chunk order then sentence order.
        backend: the embedding backend that made the vectors, recorded in the manifest.
        approximate_above: above this many chunks the dense index is HNSW (approximate), else exact.
        content_hashes: each document's `content_hash`, when the caller has computed them already.
        follow_up_scores: for follow-up questions (`Document.follow_ups`), the best cosine to any chunk.
        calibrate: called with the new index, complete but for its manifest and not yet published; what it
            returns is recorded as the manifest's `fusion` (the hybrid weights chosen for this corpus).
        on_step: called with the name of each stage as it finishes ("vectors", "dense", "bm25", "store",
            "fusion", "publish"), so a caller can show progress without this module printing.

    Returns:
        The published build folder.

    Raises:
        ValueError: the records and vectors do not fit together (nothing is written then).
    """
    index_dir = Path(index_dir)
    step = on_step or (lambda _name: None)
    vectors = np.array(vectors, dtype=np.float32, copy=True)
    sentence_vectors = np.asarray(sentence_vectors, dtype=np.float16)
    _validate_build_inputs(documents, chunks, vectors, sentence_vectors)
    norms = np.linalg.norm(vectors, axis=1)
    # Only rows that are off: renormalising unit rows would shift their last bits on every rebuild.
    off = np.abs(norms - 1) > 1e-5
    if off.any():
        vectors[off] /= np.maximum(norms[off], 1e-12)[:, None]
    given = content_hashes or {}
    hashes = {d.doc_id: given.get(d.doc_id) or d.content_hash for d in documents}
    dense_kind = "hnsw" if len(chunks) > approximate_above else "flat-ip"
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
        dense_kind=dense_kind,
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
            np.save(tmp / SENTENCE_VECTORS, sentence_vectors, allow_pickle=False)
            leads = lead_rows_of(chunks)
            np.save(tmp / LEADS, leads, allow_pickle=False)
            step("vectors")
            dense = _build_dense(vectors, dense_kind)
            faiss.write_index(dense, str(tmp / DENSE))
            step("dense")
            contexts = [c.context for c in chunks]
            bm25 = BM25Index.build(contexts)
            bm25.save(tmp / BM25_DIR)
            phrases = PhraseIndex.build(contexts)
            phrases.save(tmp / PHRASES_DIR)
            step("bm25")
            _write_store(tmp / STORE, documents, hashes, chunks, follow_up_scores or {})
            step("store")
            if calibrate is not None:
                built = Index(
                    tmp,
                    manifest,
                    list(chunks),
                    {d.doc_id: d for d in documents},
                    hashes,
                    vectors,
                    dense,
                    bm25,
                    sentence_vectors,
                    phrases,
                    follow_up_scores,
                    leads,
                )
                manifest = replace(manifest, fusion=dict(calibrate(built)))
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
