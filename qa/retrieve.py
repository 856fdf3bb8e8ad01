"""Dense, BM25 and hybrid retrieval over a loaded index.

The hybrid mode is a weighted sum of normalised signals over a shared candidate set, chosen on MedQuAD
(see eval/README.md, "Choosing the fusion"): plain reciprocal-rank fusion loses to dense alone there because BM25 is
much weaker, while adding BM25 as a scaled score and three more dense signals wins:

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
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from qa.embedding import Embedder
from qa.fusion import SIGNALS, Candidates, FusionWeights, fuse
from qa.index import Index
from qa.records import Hit
from qa.text import WORD, folded, words

MODES = ("hybrid", "dense", "bm25", "rrf")
_STOP_AFTER_STRIP = re.compile(r"\(\s*[,\s]*\)")
_COLUMN = {name: i for i, name in enumerate(SIGNALS)}


@dataclass(frozen=True)
class _Probe:
    """One sub-query as the hybrid pool sees it."""

    query: str
    vector: np.ndarray
    dense_rows: np.ndarray
    bm25_rows: np.ndarray
    bm25_all: np.ndarray


@dataclass(frozen=True)
class PoolSettings:
    """Which chunks a hybrid query scores: the top `candidates` of dense and of BM25, plus every chunk of the
    `groups` best-matching titles that have at most `max_group` chunks; and RRF's rank constant."""

    candidates: int = 100
    groups: int = 10
    max_group: int = 64
    rrf_k: int = 60


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


class Retriever:
    """Searches one index with one embedder; thread-safe for concurrent reads.

    Hybrid uses `weights` if given, else the weights chosen for this corpus at ingest (the index manifest's
    `fusion`), else the prior less what the corpus's shape cannot use (`qa.calibration.start_weights`).
    """

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        weights: FusionWeights | None = None,
        pool: PoolSettings | None = None,
    ):
        self.index = index
        self.embedder = embedder
        self.weights = weights or index_weights(index)
        self.pool = pool or PoolSettings()
        # Chunks that share a document title form a group ("page"), as the topic signal pools them and the
        # candidates pull in a found page's other passages: made at build time (`qa.titles`), memory-mapped.
        self._groups = index.title_groups
        self._group_of_row = index.title_groups.of_row

    def search(self, queries: Sequence[str], *, mode: str = "hybrid", k: int = 10) -> list[Hit]:
        """The `k` best chunks for a question given as one or more sub-queries.

        Hybrid scores the sub-queries' candidates together, each signal at its best over the sub-queries (see
        `candidates`); the single systems merge their sub-queries' hits by best score.
        """
        check_mode(mode)
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        if mode == "hybrid":
            return self._hybrid(queries, k)
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

    def candidates(
        self, queries: Sequence[str], *, exclude: Collection[int] = (), signals: Collection[str] = SIGNALS
    ) -> Candidates:
        """The hybrid candidates of a question and the raw value of each signal in `signals` (others are 0).

        The candidates of every sub-query are pooled, and each signal takes its best value over the
        sub-queries: a message asking two things ranks a passage by the part it answers, on one scale, so a
        vague part ("and what does it do?") cannot lift its own best match to the top as separate rankings
        merged by normalised score would. `exclude` names chunk rows to leave out as if they were not indexed
        (a pseudo-query's own chunk).
        """
        if not queries:
            raise ValueError("candidates needs at least one query")
        banned = np.fromiter(exclude, dtype=np.int64) if exclude else None
        probes = [self._probe(query, banned) for query in queries]
        pooled = [rows for probe in probes for rows in (probe.dense_rows, probe.bm25_rows)]
        if not any(r.size for r in pooled):
            return Candidates(np.zeros(0, dtype=np.int64), np.zeros((0, len(SIGNALS)), dtype=np.float32))
        # Every chunk of the best-matching pages joins the candidates, so a page's other passages can compete.
        # (A title shared by hundreds of chunks, "Abstract" say, is no page: its group is not expanded.)
        for probe in probes:
            seeds = list(dict.fromkeys(self._group_of_row[probe.dense_rows].tolist()))[: self.pool.groups]
            pooled += [self._groups[g] for g in seeds if self._groups.size(g) <= self.pool.max_group]
        rows = np.unique(np.concatenate(pooled))
        if banned is not None:
            rows = rows[~np.isin(rows, banned)]
        values = self._signals(probes[0], rows, banned, signals)
        for probe in probes[1:]:
            values = np.maximum(values, self._signals(probe, rows, banned, signals))
        return Candidates(rows, values)

    def aspect_query(self, query: str, *, exclude: Collection[int] = ()) -> str | None:
        """The query without the words of its nearest chunk's title, as the aspect signal asks it (None when
        that removes nothing)."""
        vector = self.embedder.encode_query(query)
        _, found = self.index.dense_search(vector[None, :], 1 + len(exclude))
        rows = [int(r) for r in found[0] if r >= 0 and int(r) not in exclude]
        return strip_title(query, self.index.chunks[rows[0]].title) if rows else None

    def _probe(self, query: str, banned: np.ndarray | None) -> _Probe:
        """One sub-query's vector, its BM25 scores over every chunk, and its own top dense and BM25 rows."""
        depth = self.pool.candidates
        extra = 0 if banned is None else len(banned)
        vector = self.embedder.encode_query(query)
        _, found = self.index.dense_search(vector[None, :], depth + extra)
        dense_rows = found[0][found[0] >= 0]
        bm25_all = self.index.bm25.scores(query)
        bm25_rows, _ = _top(bm25_all, depth + extra)
        if banned is not None:
            dense_rows = dense_rows[~np.isin(dense_rows, banned)]
            bm25_rows = bm25_rows[~np.isin(bm25_rows, banned)]
        return _Probe(query, vector, dense_rows[:depth], bm25_rows[:depth], bm25_all)

    def _search_one(self, query: str, mode: str, k: int) -> list[tuple[int, Hit]]:
        chunks = self.index.chunks
        depth = max(self.pool.candidates, k)
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
        return self._rrf(dense_rows, bm25_rows, bm25_all, vector, k)

    def _hybrid(self, queries: Sequence[str], k: int) -> list[Hit]:
        needed = [name for name in SIGNALS if getattr(self.weights, name) > 0]
        found = self.candidates(queries, signals=needed)
        if found.rows.size == 0:
            return []
        score = fuse(found, self.weights)
        order = np.argsort(-score, kind="stable")[:k]
        # The hit's dense and BM25 figures are the raw values at their best over the sub-queries; dense is
        # always computed (confidence needs it), BM25 too (its column holds the raw score).
        return [
            Hit(
                self.index.chunks[int(found.rows[i])],
                float(score[i]),
                dense=float(found.signals[i, _COLUMN["dense"]]),
                bm25=float(found.signals[i, _COLUMN["bm25"]]),
            )
            for i in order
        ]

    def _rrf(
        self, dense_rows: np.ndarray, bm25_rows: np.ndarray, bm25_all: np.ndarray, vector: np.ndarray, k: int
    ) -> list[tuple[int, Hit]]:
        """Reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009): sum of 1 / (rrf_k + rank)."""
        fused: dict[int, float] = {}
        for ranked in (dense_rows, bm25_rows):
            for rank, row in enumerate(ranked):
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (self.pool.rrf_k + rank + 1)
        top = sorted(fused, key=lambda r: -fused[r])[:k]
        dense = self.index.vectors[top] @ vector if top else np.zeros(0)
        return [
            (r, Hit(self.index.chunks[r], fused[r], dense=float(d), bm25=float(bm25_all[r])))
            for r, d in zip(top, dense, strict=True)
        ]

    def _signals(
        self, probe: _Probe, rows: np.ndarray, banned: np.ndarray | None, signals: Collection[str]
    ) -> np.ndarray:
        """The raw value of each signal in `signals` for one sub-query over the candidate `rows`."""
        vectors = self.index.vectors[rows]
        dense = vectors @ probe.vector
        values = np.zeros((len(rows), len(SIGNALS)), dtype=np.float32)
        values[:, _COLUMN["dense"]] = dense
        values[:, _COLUMN["bm25"]] = probe.bm25_all[rows]
        if "topic" in signals:
            groups = self._group_of_row[rows]
            order = np.argsort(groups, kind="stable")
            starts = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1]])
            best = np.maximum.reduceat(dense[order], starts)
            topic = np.empty_like(dense)
            topic[order] = np.repeat(best, np.diff(np.r_[starts, len(order)]))
            values[:, _COLUMN["topic"]] = topic
        if "lead" in signals:
            leads = np.asarray(self.index.lead_rows[rows])
            lead = self.index.vectors[leads] @ probe.vector
            if banned is not None:
                # An excluded opening is not there to lend its evidence: the chunk stands for itself.
                lead = np.where(np.isin(leads, banned), dense, lead)
            values[:, _COLUMN["lead"]] = lead
        if "aspect" in signals:
            aspect_query = strip_title(probe.query, self.index.chunks[int(rows[np.argmax(dense)])].title)
            aspect = dense if aspect_query is None else vectors @ self.embedder.encode_query(aspect_query)
            values[:, _COLUMN["aspect"]] = aspect
        if "sentence" in signals:
            values[:, _COLUMN["sentence"]] = self._best_sentence(rows, probe.vector)
        if "phrase" in signals:
            values[:, _COLUMN["phrase"]] = self.index.phrases.coverage(probe.query, rows)
        return values

    def _best_sentence(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Per chunk row: the best cosine of its sentences to `vector`."""
        flat, offsets = self.index.sentence_rows(rows)
        similarity = self.index.sentence_vectors.dot(flat, vector)
        return np.maximum.reduceat(similarity, offsets)


def index_weights(index: Index) -> FusionWeights:
    """The fusion weights chosen for the index at ingest, or the fallback where none were recorded."""
    from qa.calibration import shape_of, start_weights

    chosen = index.manifest.fusion.get("weights") if index.manifest.fusion else None
    return FusionWeights.from_dict(chosen) if chosen else start_weights(shape_of(index))


def strip_title(query: str, title: str) -> str | None:
    """The query without the words of `title` (words as `qa.text` reads them: "end-stage" is one), or None when
    that removes nothing or leaves no words."""
    title_words = {folded(w) for w in words(title)}
    if not title_words:
        return None
    removed = False

    def drop(match: re.Match[str]) -> str:
        nonlocal removed
        if folded(match.group(0)) in title_words:
            removed = True
            return ""
        return match.group(0)

    stripped = WORD.sub(drop, query)
    stripped = re.sub(r"\s+", " ", _STOP_AFTER_STRIP.sub("", stripped)).strip()
    if not removed or not WORD.search(stripped):
        return None
    return stripped


def _top(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the `k` highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > k:
        positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    order = positive[np.argsort(-scores[positive], kind="stable")]
    return order, scores[order]
