"""The one entry point the CLI, the chat and the evaluation harness share: `Assistant.load(dir).ask(question)`."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

from qa.bm25 import stems
from qa.compose import (
    ComposeSettings,
    Sentence,
    abstain,
    candidate_sentences,
    compose,
    is_emergency,
    score_sentences,
)
from qa.embedding import Embedder, EmbeddingCache
from qa.index import Index
from qa.lexicon import PARTS as _PARTS
from qa.query import BUILTIN_SYNONYMS, Query, QueryBuilder, content_words
from qa.records import Answer, Hit
from qa.retrieve import Retriever, check_mode
from qa.settings import Settings

# Calibrated with `medcite eval` (abstention: in-scope vs out-of-scope questions); see README.
ABSTAIN_BELOW = 0.23
_COMMON_WORD_WEIGHT = 0.3
# A rare word the corpus lacks is usually the very drug or disease asked about: it weighs double.
_MISSING_RARE_WEIGHT = 2.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class Assistant:
    """Retrieval plus composition over one loaded index; safe to share between chat sessions."""

    def __init__(self, index: Index, embedder: Embedder, *, compose_settings: ComposeSettings | None = None):
        self.index = index
        self.embedder = embedder
        # Answering encodes a handful of short texts: one thread each is fastest, and with two cores shared by
        # concurrent chat sessions, more threads per request only spin against each other (measured: a query
        # encoding took 560 ms with two threads under load, 44 ms with one).
        torch_threads(1)
        self.retriever = Retriever(index, embedder)
        self.compose_settings = compose_settings or ComposeSettings()
        # The corpus's words (with counts, so a typo fix can prefer the word the corpus uses far more often),
        # their stems (so "hepatically" counts as covered by "hepatic"), its acronyms and the abbreviations it
        # defines: counted at ingest (`qa.lexicon`), not at each load.
        lexicon = index.lexicon
        self.vocabulary = frozenset(lexicon.counts)
        self._vocabulary_stems = lexicon.stems
        known = {t for t in embedder.model.tokenizer.get_vocab() if t.isalpha()}
        self._common_words = frozenset(known)
        # "prescribing" is as everyday as "prescribed", which the model's vocabulary holds whole.
        self._common_stems = frozenset(stems(sorted(known)))
        self.queries = QueryBuilder(
            lexicon.counts, known_words=known, abbreviations=lexicon.abbreviations, acronyms=lexicon.acronyms
        )
        self._confidence_cache: dict[str, float] = {}

    @classmethod
    def load(cls, index_dir: Path, settings: Settings | None = None) -> Assistant:
        """Load the index at `index_dir` with the model it was built with (or refuse, saying how to rebuild)."""
        settings = settings or Settings.from_env()
        index = Index.load(Path(index_dir), model=settings.model)
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
        embedder = Embedder(index.manifest.model, batch_size=settings.batch_size, cache=cache)
        return cls(index, embedder)

    # Retrieval -----------------------------------------------------------------------------------------------

    def build_query(self, question: str, history: Sequence[str] = ()) -> Query:
        return self.queries.build(question, history)

    def search(self, query: str, *, mode: str = "hybrid", k: int = 10, history: Sequence[str] = ()) -> list[Hit]:
        """The `k` best chunks for a question (follow-ups resolved against `history`)."""
        return self.retrieve(query, history, mode=mode, k=k)[1]

    def retrieve(
        self, question: str, history: Sequence[str] = (), *, mode: str = "hybrid", k: int = 20
    ) -> tuple[Query, list[Hit], float]:
        """The question as understood, its `k` best chunks and the confidence that they answer it.

        A question that does not look like a follow-up but that the sources do not cover on its own ("how long
        until they wake up after HD?") is read again with the conversation's topic; the better-covered reading
        wins. A change of subject the sources do cover stands alone, so the old topic is not dragged along.
        """
        return self._retrieve(self.build_query(question, history), history, check_mode(mode), k)

    def _retrieve(self, query: Query, history: Sequence[str], mode: str, k: int) -> tuple[Query, list[Hit], float]:
        hits = self.retriever.search(query.expanded, mode=mode, k=k)
        confidence = self.confidence(query, hits)
        if history and not query.followup and confidence < ABSTAIN_BELOW:
            leaning = self.queries.build(query.original, history, leaning=True)
            if leaning.followup:
                leaning_hits = self.retriever.search(leaning.expanded, mode=mode, k=k)
                leaning_confidence = self.confidence(leaning, leaning_hits)
                if leaning_confidence > confidence:
                    return leaning, leaning_hits, leaning_confidence
        return query, hits, confidence

    def rank_documents(
        self, query: str, *, mode: str = "hybrid", k: int = 100, history: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """Documents ranked by their best chunk: what passage-level evaluation scores."""
        hits = self.search(query, mode=mode, k=max(3 * k, 100), history=history)
        best: dict[str, float] = {}
        for hit in hits:
            if hit.chunk.doc_id not in best:
                best[hit.chunk.doc_id] = hit.score
        return list(best.items())[:k]

    # Confidence ----------------------------------------------------------------------------------------------

    def coverage(self, text: str, *, rare_only: bool = False) -> float:
        """Share of the question's topic words that the corpus contains (after typo fixes and abbreviations).

        A missing everyday word ("useful", "took") costs little; a missing rare word, one the model's own
        vocabulary does not hold whole (a drug or disease name like "ondansetron"), costs fully: it is usually
        the very thing asked about. With `rare_only`, everyday words do not count at all: a follow-up's own
        words ("how fast do they wake up after?") name no new topic unless they name a rare one.
        """
        context = self._story_words(text)
        words = [w for w in content_words(text) if len(w) > 2 and not w.isdigit()]
        total = missing = 0.0
        for word in words:
            common = self._is_common(word)
            if rare_only and common:
                continue
            if self._covers(word):
                total += _COMMON_WORD_WEIGHT if common else 1.0
            else:
                weight = _COMMON_WORD_WEIGHT if common or word in context else _MISSING_RARE_WEIGHT
                total += weight
                missing += weight
        return 1.0 - missing / total if total else 1.0

    def _covers(self, word: str) -> bool:
        parts = [p for p in _PARTS.split(word) if p]
        return self._known(word) or (len(parts) > 1 and all(self._known(p) for p in parts))

    def _story_words(self, text: str) -> frozenset[str]:
        """Words that only tell the story around a question, not what it asks about.

        "My pt is on HD MWF, started on baclofen by ortho. Could this be baclofen toxicity?": the question
        restates a topic the sources cover (baclofen), so the story's other words (MWF, ortho) are context, and
        missing from the sources they cost no more than an everyday word. Without that restatement ("Pt on
        ondansetron. Dialysis clearance?") the story names the topic, and nothing is discounted.
        """
        sentences = _SENTENCE_END.split(text)
        asked = {w for s in sentences if s.rstrip().endswith("?") for w in content_words(s)}
        told = {w for s in sentences if not s.rstrip().endswith("?") for w in content_words(s)}
        restated = any(not self._is_common(w) and self._covers(w) for w in asked & told)
        return frozenset(told - asked) if restated else frozenset()

    def _is_common(self, word: str) -> bool:
        """An everyday word: the model's vocabulary holds it, or another form of it, whole."""
        return word in self._common_words or stems([word])[0] in self._common_stems

    def _known(self, word: str) -> bool:
        """The corpus holds the word, its singular, its long form or generic name, or a word one typo away."""
        return (
            word in self.vocabulary
            or word.rstrip("s") in self.vocabulary
            or word in self.queries.abbreviations
            or self._synonym_known(word)
            or stems([word])[0] in self._vocabulary_stems
            or self.queries.correct(word) is not None
        )

    def _synonym_known(self, word: str) -> bool:
        """The corpus holds every word of the built-in synonym ("obtunded": "decreased level of consciousness")."""
        words = [w for w in BUILTIN_SYNONYMS.get(word, "").split() if len(w) > 2]
        return bool(words) and all(w in self.vocabulary for w in words)

    def confidence(self, query: Query, hits: Sequence[Hit]) -> float:
        """How sure the indexed sources answer the question: closeness of the best evidence times topic coverage.

        Dense similarity alone is fooled by questions about things the corpus never mentions ("is ondansetron
        dialyzable?" is close to the baclofen pages), so every topic word missing from the corpus costs.
        """
        if not hits:
            return 0.0
        return self._evidence(self.retriever.best_dense(query.expanded, hits[:10]), query)

    def _evidence(self, best_dense: float, query: Query) -> float:
        # A follow-up's own words count too: "what about peritoneal dialysis?" is not covered by baclofen pages.
        coverage = min(
            *(self.coverage(text) for text in query.parts),
            self.coverage(query.focus or query.text, rare_only=query.followup),
        )
        return float(max(0.0, best_dense) * coverage**2)

    # Answers -------------------------------------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[str] = (), *, mode: str = "hybrid") -> Answer:
        """A cited, extractive answer, or an abstention when the sources do not cover the question."""
        if not question or not question.strip():
            raise ValueError("the question is empty; type a clinical question")
        with self.embedder.sharing_queries():
            return self._ask(question, history, mode)

    def _ask(self, question: str, history: Sequence[str], mode: str) -> Answer:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = self.build_query(question, history)
        emergency = is_emergency(question)
        timings["query"] = time.perf_counter() - started
        query, hits, confidence = self._retrieve(query, history, check_mode(mode), 20)
        timings["retrieve"] = time.perf_counter() - started - timings["query"]
        if confidence < ABSTAIN_BELOW or not hits:
            nearest = list(dict.fromkeys(_topic_label(h) for h in hits))[:3]
            answer = abstain(question, nearest, confidence=confidence, emergency=emergency, query=query.text)
            timings["compose"] = time.perf_counter() - started - timings["query"] - timings["retrieve"]
            return _with(answer, timings=timings)
        mark = time.perf_counter()
        sentences = self._score_sentences(query, hits)
        answer = compose(
            question,
            hits,
            sentences,
            self.index.documents,
            confidence=confidence,
            settings=self.compose_settings,
            emergency=emergency,
            query=query.text,
            focus=query.focus,
        )
        timings["compose"] = time.perf_counter() - mark
        mark = time.perf_counter()
        suggestions = self.suggest(query, hits, exclude=question)
        timings["suggest"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        return _with(answer, suggestions=tuple(suggestions), timings=timings)

    def _score_sentences(self, query: Query, hits: Sequence[Hit]) -> list[Sentence]:
        spans = candidate_sentences(
            hits,
            " ".join(query.expanded),
            max_chunks=self.compose_settings.max_chunks,
            max_sentences=self.compose_settings.max_candidates,
        )
        if not spans:
            return []
        # Sentence vectors were made at ingest; the query's were made (and kept) for retrieval.
        places = [
            (self.index.row_of(h.chunk.chunk_id), h.chunk.sentences.index((start, end))) for h, start, end in spans
        ]
        vectors = self.index.sentence_vectors_at(places)
        scored: list[Sentence] | None = None
        for part, expanded in zip(query.parts, query.expanded, strict=True):
            vector = self.embedder.encode_query(expanded)
            part_scores = score_sentences(spans, vectors, vector, part, query.focus)
            if scored is None:
                scored = part_scores
            else:
                scored = [a if a.score >= b.score else b for a, b in zip(scored, part_scores, strict=True)]
        return scored or []

    def suggest(self, query: Query, hits: Sequence[Hit], *, exclude: str = "", limit: int = 5) -> list[str]:
        """Follow-up questions the corpus answers with confidence: stored related questions, then sections."""
        candidates: list[str] = []
        # The sections the answer quotes most are what was just asked about: not worth suggesting.
        quoted_headings = {h.chunk.heading_path[-1] for h in hits[:3] if h.chunk.heading_path}
        for hit in hits:
            doc = self.index.documents.get(hit.chunk.doc_id)
            if doc is None:
                continue
            candidates.extend(
                c
                for c in doc.follow_ups()
                if c not in quoted_headings and not (c == doc.title and c.lower() in query.text.lower())
            )
        seen = {exclude.strip().lower(), query.text.strip().lower()}
        unique = [c for c in dict.fromkeys(candidates) if c.strip().lower() not in seen]
        # Checked a few at a time, as many as are still wanted: each check embeds the candidate, and most pass.
        kept: list[str] = []
        checked = 0
        while len(kept) < limit and checked < min(len(unique), 12):
            batch = unique[checked : min(checked + limit - len(kept), 12)]
            checked += len(batch)
            kept.extend(c for c, confident in zip(batch, self._answerable(batch), strict=True) if confident)
        return kept

    def _answerable(self, questions: Sequence[str]) -> list[bool]:
        """Whether each question would be answered rather than abstained on (cached: the index is fixed).

        A document's own follow-up questions were scored against the index at ingest; others are embedded.
        """
        todo = [q for q in questions if q not in self._confidence_cache]
        scored = [q for q in todo if q in self.index.follow_up_scores]
        for q in scored:
            self._confidence_cache[q] = self._evidence(self.index.follow_up_scores[q], self.build_query(q))
        unscored = [q for q in todo if q not in self.index.follow_up_scores]
        if unscored:
            built = [self.build_query(q) for q in unscored]
            vectors = self.embedder.encode_uncached([b.expanded[0] for b in built])
            scores, _ = self.index.dense_search(vectors, 1)
            for q, b, best in zip(unscored, built, scores[:, 0], strict=True):
                self._confidence_cache[q] = self._evidence(float(best), b)
        return [self._confidence_cache[q] >= ABSTAIN_BELOW for q in questions]


def torch_threads(count: int) -> None:
    import torch

    torch.set_num_threads(count)


def _topic_label(hit: Hit) -> str:
    heading = hit.chunk.heading_path[-1] if hit.chunk.heading_path else ""
    return f"{hit.chunk.title}: {heading}" if heading and heading != hit.chunk.title else hit.chunk.title


def _with(answer: Answer, **changes: object) -> Answer:
    from dataclasses import replace

    return replace(answer, **changes)  # type: ignore[arg-type]


def run_ask_command(
    question: str, history: Sequence[str], settings: Settings, *, as_json: bool, mode: str = "hybrid"
) -> int:
    """`medcite ask`: builds the default index on first use, then prints the answer."""
    from qa.ingest import ensure_index

    index_dir = ensure_index(settings, progress=not as_json)
    assistant = Assistant.load(index_dir, settings)
    answer = assistant.ask(question, history=history, mode=mode)
    if as_json:
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
    else:
        print(answer.text)
        if answer.suggestions:
            print("\nYou could also ask:")
            for suggestion in answer.suggestions:
                print(f"- {suggestion}")
    return 0
