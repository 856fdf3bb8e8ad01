"""Dense, BM25 and hybrid retrieval over a loaded index.

The hybrid mode is a weighted sum of normalised signals over a shared candidate set, chosen on MedQuAD
(see README, "Choosing the fusion"): plain reciprocal-rank fusion loses to dense alone there because BM25 is much
weaker, while adding BM25 as a scaled score and three more dense signals wins:

- topic: the best dense score among chunks that share the candidate's document title. Pages split into several
  passages (one per question type) share a title; the right page is usually found, so a passage inherits its
  page's evidence.
- aspect: the dense score of the question with the top document title's words removed ("What are the treatments
  for X?" -> "What are the treatments for ?"). Within a page, this picks the passage about the asked aspect
  (treatment, symptoms, inheritance) instead of the one that repeats the page's name most.
- sentence: the best cosine of the whole question to one of the chunk's sentences (vectors made at ingest). A
  chunk's own vector blurs a passage that covers several points; the one sentence that answers does not. (The
  aspect question against the sentences, and a chunk's first sentence as its lead, did a little better on
  MedQuAD's one-topic pages but worse on long documents cut into windows, where a sentence must name its topic
  and the first sentence is wherever the window began.)
- phrase: the share of the question's adjacent word pairs ("tibial component", "staple line") that the chunk
  also holds side by side (`qa.phrases`). BM25 counts words, not phrases; this separates the passage about the
  asked thing from one that only shares its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.embedding import Embedder
from qa.index import Index
from qa.records import Hit

MODES = ("hybrid", "dense", "bm25", "rrf")
_WORD = re.compile(r"[A-Za-z0-9]+")
_STOP_AFTER_STRIP = re.compile(r"\(\s*[,\s]*\)")


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the hybrid score: dense + topic * title-group best + bm25 * (BM25 / best BM25) + aspect * aspect
    + sentence * best sentence + phrase * word-pair share."""

    topic: float = 3.0
    bm25: float = 0.2
    aspect: float = 0.5
    sentence: float = 0.25
    phrase: float = 0.3
    candidates: int = 100
    groups: int = 10
    max_group: int = 64
    rrf_k: int = 60


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


class Retriever:
    """Searches one index with one embedder; thread-safe for concurrent reads."""

    def __init__(self, index: Index, embedder: Embedder, weights: FusionWeights | None = None):
        self.index = index
        self.embedder = embedder
        self.weights = weights or FusionWeights()
        # Chunks that share a document title form a group ("page"); made at ingest (`qa.titles`).
        self._group_of_row = index.title_groups.of_row
        self._group_rows = index.title_groups

    def search(self, queries: Sequence[str], *, mode: str = "hybrid", k: int = 10) -> list[Hit]:
        """The `k` best chunks for a question given as one or more sub-queries (merged by best score)."""
        check_mode(mode)
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        best: dict[int, Hit] = {}
        for query in queries:
            for row, hit in self._search_one(query, mode, k):
                if row not in best or hit.score > best[row].score:
                    best[row] = hit
        return sorted(best.values(), key=lambda h: (-h.score, h.chunk.chunk_id))[:k]

    def best_dense(self, queries: Sequence[str], hits: Sequence[Hit]) -> float:
        """The best cosine between a sub-query and a hit: how close the nearest evidence is, in any mode."""
        if not hits:
            return 0.0
        known = [h.dense for h in hits if h.dense is not None]
        if known:
            return max(known)
        rows = [self.index.row_of(h.chunk.chunk_id) for h in hits]
        vectors = np.vstack([self.embedder.encode_query(q) for q in queries])
        return float((self.index.vectors[rows] @ vectors.T).max())

    def _search_one(self, query: str, mode: str, k: int) -> list[tuple[int, Hit]]:
        chunks = self.index.chunks
        depth = max(self.weights.candidates, k)
        if mode == "bm25":
            rows, scores = self.index.bm25.search(query, depth)
            return [
                (int(r), Hit(chunks[r], float(s), bm25=float(s))) for r, s in zip(rows[:k], scores[:k], strict=True)
            ]
        vector = self.embedder.encode_query(query)
        dense_scores, dense_rows = self.index.dense_search(vector[None, :], depth)
        found = dense_rows[0] >= 0
        dense_rows, dense_scores = dense_rows[0][found], dense_scores[0][found]
        if mode == "dense":
            return [
                (int(r), Hit(chunks[r], float(s), dense=float(s)))
                for r, s in zip(dense_rows[:k], dense_scores[:k], strict=True)
            ]
        bm25_all = self.index.bm25.scores(query)
        bm25_rows, _ = _top(bm25_all, depth)
        if mode == "rrf":
            return self._rrf(dense_rows, bm25_rows, bm25_all, vector, k)
        return self._hybrid(query, vector, dense_rows, bm25_rows, bm25_all, k)

    def _rrf(
        self, dense_rows: np.ndarray, bm25_rows: np.ndarray, bm25_all: np.ndarray, vector: np.ndarray, k: int
    ) -> list[tuple[int, Hit]]:
        """Reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009): sum of 1 / (rrf_k + rank)."""
        fused: dict[int, float] = {}
        for ranked in (dense_rows, bm25_rows):
            for rank, row in enumerate(ranked):
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (self.weights.rrf_k + rank + 1)
        top = sorted(fused, key=lambda r: -fused[r])[:k]
        dense = self.index.vectors[top] @ vector if top else np.zeros(0)
        return [
            (r, Hit(self.index.chunks[r], fused[r], dense=float(d), bm25=float(bm25_all[r])))
            for r, d in zip(top, dense, strict=True)
        ]

    def _hybrid(
        self,
        query: str,
        vector: np.ndarray,
        dense_rows: np.ndarray,
        bm25_rows: np.ndarray,
        bm25_all: np.ndarray,
        k: int,
    ) -> list[tuple[int, Hit]]:
        w = self.weights
        if dense_rows.size == 0 and bm25_rows.size == 0:
            return []
        # Every chunk of the best-matching pages joins the candidates, so a page's other passages can compete.
        # (A title shared by hundreds of chunks, "Abstract" say, is no page: its group is not expanded.)
        seed_groups = list(dict.fromkeys(self._group_of_row[dense_rows[: w.candidates]].tolist()))[: w.groups]
        expand = [self._group_rows[g] for g in seed_groups if len(self._group_rows[g]) <= w.max_group]
        rows = np.unique(np.concatenate([dense_rows, bm25_rows, *expand]))
        vectors = self.index.vectors[rows]
        dense = vectors @ vector
        groups = self._group_of_row[rows]
        topic = np.full(dense.shape, -1.0, dtype=np.float32)
        for g in np.unique(groups):
            mask = groups == g
            topic[mask] = dense[mask].max()
        top_bm25 = float(bm25_all.max()) if bm25_all.size else 0.0
        bm25 = bm25_all[rows] / top_bm25 if top_bm25 > 0 else np.zeros_like(dense)
        aspect_query = strip_title(query, self.index.chunks[int(rows[np.argmax(dense)])].title)
        aspect_vector = vector if aspect_query is None else self.embedder.encode_query(aspect_query)
        aspect = dense if aspect_query is None else vectors @ aspect_vector
        best_sentence = self._best_sentence(rows, vector)
        phrase = self.index.phrases.coverage(query, rows) if w.phrase else 0.0
        score = dense + w.topic * topic + w.bm25 * bm25 + w.aspect * aspect + w.sentence * best_sentence
        score = score + w.phrase * phrase
        order = np.argsort(-score, kind="stable")[:k]
        return [
            (
                int(rows[i]),
                Hit(
                    self.index.chunks[int(rows[i])],
                    float(score[i]),
                    dense=float(dense[i]),
                    bm25=float(bm25_all[rows[i]]),
                ),
            )
            for i in order
        ]

    def _best_sentence(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Per chunk row: the best cosine of its sentences to `vector`."""
        flat, offsets = self.index.sentence_rows(rows)
        similarity = np.asarray(self.index.sentence_vectors[flat], dtype=np.float32) @ vector
        return np.maximum.reduceat(similarity, offsets)


def strip_title(query: str, title: str) -> str | None:
    """The query without the words of `title`, or None when that removes nothing or leaves no words."""
    title_words = {w.lower() for w in _WORD.findall(title)}
    if not title_words:
        return None
    removed = False

    def drop(match: re.Match[str]) -> str:
        nonlocal removed
        if match.group(0).lower() in title_words:
            removed = True
            return ""
        return match.group(0)

    stripped = _WORD.sub(drop, query)
    stripped = re.sub(r"\s+", " ", _STOP_AFTER_STRIP.sub("", stripped)).strip()
    if not removed or not _WORD.search(stripped):
        return None
    return stripped


def _top(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the `k` highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > k:
        positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    order = positive[np.argsort(-scores[positive], kind="stable")]
    return order, scores[order]
