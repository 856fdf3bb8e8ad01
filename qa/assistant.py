"""The one entry point the CLI, the chat and the evaluation harness share: `Assistant.load(dir).ask(question)`.

The assistant only orchestrates: the question (`qa.query`), retrieval (`qa.retrieve`), the confidence that the
sources answer it (`qa.confidence`), the answer's stages (`qa.answer`) and the follow-ups to offer
(`qa.suggest`). Reading top to bottom, `_ask` is the pipeline.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa import answer as stages
from qa.abstention import AbstentionModel, shipped_model
from qa.answer import AnswerSettings, Asked
from qa.answer.adapter import shipped_adapter
from qa.answer.emergency import readings as emergency_readings
from qa.answer.rerank import Reader, Readers, shipped_reranker
from qa.cases import PERSON_NOUNS, about_patient, described_document, described_patient
from qa.confidence import Confidence, Signals, word_ranks
from qa.drugs import is_drug_name
from qa.embedding import Embedder, EmbeddingCache
from qa.index import Index
from qa.lru import LeastRecentlyUsed
from qa.query import PageSubjects, Query, QueryBuilder, clean_message, is_followup
from qa.records import Answer, Candidate, Hit
from qa.retrieve import Retriever, check_mode
from qa.settings import Settings
from qa.suggest import suggest
from qa.threads import limit_blas_to_one_thread

__all__ = ["Assistant", "run_ask_command"]

# "girl's", "teen’s": a possessive names the person it is of.
_POSSESSIVE = re.compile(r"['\u2019]s$")


# Readings of turns asked remembered (`Assistant.leaned`): a few per conversation, for many conversations.
READINGS = 4096


class Assistant:
    """Retrieval plus the answer's stages over one loaded index; safe to share between chat sessions."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        answer_settings: AnswerSettings | None = None,
        abstention: AbstentionModel | None = None,
        reranker: Reader | Readers | None = None,
    ):
        """`abstention`: the model that decides when the sources do not answer (default: the shipped one,
        `qa/abstention.json`); `reranker`: the cross-encoder that reorders the scorer's best sentences (default:
        the shipped readers, `AnswerSettings.readers`; `AnswerSettings.rerank_top=0` turns it off)."""
        self.index = index
        self.embedder = embedder
        # Answering encodes a handful of short texts: one thread each is fastest, and with two cores shared by
        # concurrent chat sessions, more threads per request only spin against each other (measured: a query
        # encoding took 560 ms with two threads under load, 44 ms with one).
        embedder.set_threads(1)
        # And numpy's products: OpenBLAS's idle threads busy-wait, doubling an answer's CPU (qa/threads.py).
        limit_blas_to_one_thread()
        self.retriever = Retriever(index, embedder)
        self.answer_settings = answer_settings or AnswerSettings()
        self.abstention = abstention or shipped_model()
        # The question adapter maps vectors of the model it was fitted on; for an index of another model (or
        # width) the scorer's adapted cosine is the plain one.
        adapter = shipped_adapter()
        fits = adapter is not None and adapter.applies_to(index.manifest.model, index.manifest.dim)
        self.adapter = adapter if fits else None
        # The emergency readers read the message's vector as the bundled model makes it; for an index of another
        # model the lexicons alone find emergency events and decide whether they are happening now.
        self.emergency_likely, self.emergency_present = emergency_readings(
            index.manifest.model, index.manifest.dim, embedder.encode_query
        )
        # The cross-encoder reads text, not the index's vectors: it applies to an index of any model. It runs as the
        # question encoder does: its int8 export where ingest left one in the cache and the runtime allows.
        self.reranker = reranker or (
            shipped_reranker(self.answer_settings.readers, embedder.export_cache, embedder.runtime)
            if self.answer_settings.rerank_top
            else None
        )
        # The corpus's words (with counts, so a typo fix can prefer the word the corpus uses far more often),
        # their stems, its acronyms and the abbreviations it defines: counted at ingest (`qa.lexicon`), not at
        # each load.
        lexicon = index.lexicon
        vocabulary = embedder.vocabulary()
        known = {t for t in vocabulary if t.isalpha()}
        self.queries = QueryBuilder(
            lexicon.counts,
            known_words=known,
            abbreviations=lexicon.abbreviations,
            acronyms=lexicon.acronyms,
            similar=self._similar,
            subjects=PageSubjects(index.titles),
        )
        self.confidence_model = Confidence(
            lexicon.counts, known, self.queries, vocabulary_stems=lexicon.stems, word_ranks=word_ranks(vocabulary)
        )
        self.vocabulary = self.confidence_model.vocabulary
        self._confidence_cache: dict[str, float] = {}
        # Whether each turn asked was read with the conversation's topic, by (turn, earlier turns, mode): the turns
        # after it are read as it was (`leaned`), without retrieving it again.
        self._readings: LeastRecentlyUsed[tuple[str, tuple[str, ...], str], bool] = LeastRecentlyUsed(READINGS)
        self._readings_lock = threading.Lock()

    @classmethod
    def load(
        cls, index_dir: Path, settings: Settings | None = None, *, abstention: AbstentionModel | None = None
    ) -> Assistant:
        """Load the index at `index_dir` with the model it was built with (or refuse, saying how to rebuild)."""
        settings = settings or Settings.from_env()
        index = Index.load(Path(index_dir), model=settings.model, backend=settings.backend)
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
        embedder = Embedder(
            index.manifest.model,
            backend=index.manifest.backend,
            batch_size=settings.batch_size,
            cache=cache,
            runtime=settings.runtime,
        )
        return cls(index, embedder, abstention=abstention)

    # Retrieval -----------------------------------------------------------------------------------------------

    def build_query(self, question: str, history: Sequence[str] = (), mode: str = "hybrid") -> Query:
        """The question as understood, with each earlier turn read as `retrieve` read it (`leaned`)."""
        return self.queries.build(question, history, leaned=self.leaned(history, mode))

    def leaned(self, history: Sequence[str], mode: str = "hybrid") -> frozenset[int]:
        """The turns of `history` (by number) that do not look like follow-ups but were read with the
        conversation's topic, since the sources cover them only so (`retrieve`): "how soon?" after a question about
        baclofen toxicity. A turn after them then asks about that topic too, as after a follow-up in form.

        A turn's reading is remembered when it is asked, so in a chat this costs nothing; a history never asked of
        this assistant (a harness's, a restarted server's) is read once, turn by turn.
        """
        turns = set()
        for at in range(1, len(history)):
            if is_followup(clean_message(history[at])):
                continue  # read so by its form
            key = (history[at], tuple(history[:at]), mode)
            with self._readings_lock:
                read = self._readings.get(key)
            if read is None:
                query = self.build_query(history[at], history[:at], mode)
                read = self._retrieve(query, history[:at], mode, 20)[0].followup
            if read:
                turns.add(at)
        return frozenset(turns)

    def search(self, query: str, *, mode: str = "hybrid", k: int = 10, history: Sequence[str] = ()) -> list[Hit]:
        """The `k` best chunks for a question (follow-ups resolved against `history`)."""
        return self.retrieve(query, history, mode=mode, k=k)[1]

    def retrieve(
        self, question: str, history: Sequence[str] = (), *, mode: str = "hybrid", k: int = 20
    ) -> tuple[Query, list[Hit], float]:
        """The question as understood, its `k` best chunks and the confidence that they answer it.

        A question that does not look like a follow-up but that the sources do not cover on its own ("how long
        until they wake up after HD?"), or that names no topic but in everyday words ("what is the usual dose?",
        `names_no_topic`), is read again with the conversation's topic; the better-covered reading wins. A change
        of subject the sources do cover stands alone, so the old topic is not dragged along. A question still not
        covered that points at one patient ("was the girl hypotensive?") is judged read as
        the patient of a case the hits describe (`about_a_case`).
        """
        mode = check_mode(mode)
        return self._retrieve(self.build_query(question, history, mode), history, mode, k)

    def _retrieve(self, query: Query, history: Sequence[str], mode: str, k: int) -> tuple[Query, list[Hit], float]:
        hits = self.retriever.search(self.search_texts(query), mode=mode, k=k)
        confidence = self.confidence(query, hits)
        if history and not query.followup and (self.abstains(confidence) or self.names_no_topic(query)):
            leaning = self.queries.build(query.original, history, leaning=True, leaned=self.leaned(history, mode))
            if leaning.followup:
                leaning_hits = self.retriever.search(self.search_texts(leaning), mode=mode, k=k)
                leaning_confidence = self.confidence(leaning, leaning_hits)
                if leaning_confidence > confidence:
                    query, hits, confidence = leaning, leaning_hits, leaning_confidence
        if self.abstains(confidence):
            confidence = max(confidence, self.about_a_case(query, hits, mode, k))
        if self.abstains(confidence):
            confidence = max(confidence, self.about_a_document(query, hits, mode, k))
        with self._readings_lock:
            self._readings.put((query.original, tuple(history), mode), query.followup)
        return query, hits, confidence

    def names_no_topic(self, query: Query) -> bool:
        """Whether every topic word of the question is an everyday word ("what is the usual dose?"): in a
        conversation it is about the conversation's topic, even where the sources answer it alone (some dose of
        some drug), unless that reading is the less covered one (`retrieve`)."""
        return self.confidence_model.in_everyday_words(query.text)

    def about_a_case(self, query: Query, hits: Sequence[Hit], mode: str, k: int) -> float:
        """The confidence that the sources answer the question read about the patient of a case that `hits`
        describe, where it points at one patient without naming one ("was the girl hypotensive?" read as "was
        the 14 year old woman hypotensive?", `qa.cases`); 0 where it does not, or no hit describes a case.

        Only whether to answer changes: the answer is built from the question as asked and its own hits, which
        picked the right sentence more often than the reading's (eval/EXPERIMENTS.md, "Thirty-fourth session")."""
        patient = described_patient(hit.chunk.text for hit in hits)
        reading = about_patient(query.text, patient) if patient else None
        if reading is None:
            return 0.0
        read = self.queries.build(reading)
        return self.confidence(read, self.retriever.search(self.search_texts(read), mode=mode, k=k))

    def about_a_document(self, query: Query, hits: Sequence[Hit], mode: str, k: int) -> float:
        """The confidence that the sources answer the question read with the title of the one retrieved document
        that a definite description of it names ("what did the case report conclude?": the teaching note holds
        "case report", `qa.cases.described_document`); 0 where it names none.

        As for a case's patient (`about_a_case`), only whether to answer changes: the answer is built from the
        question as asked and its own hits. Only a question whose topic words are all everyday ones
        (`names_no_topic`) and that names no drug the sources lack is read so: with a title, "what is the
        hemodialysis removal rate constant of lithium?" was judged in scope too (0.19 -> 0.84), the title's words
        covering all but the drug, and "lithium" is an everyday word to the model."""
        if not self.names_no_topic(query) or any(is_drug_name(w) for w in self.missing_words(query, hits)):
            return 0.0
        doc_id = described_document(query.text, [(hit.chunk.doc_id, hit.chunk.text) for hit in hits])
        title = self.index.documents[doc_id].title if doc_id is not None else ""
        if not title:
            return 0.0
        read = self.queries.build(f"{query.text} ({title})")
        return self.confidence(read, self.retriever.search(self.search_texts(read), mode=mode, k=k))

    def search_texts(self, query: Query) -> tuple[str, ...]:
        """What retrieval searches for a question: the whole message as one query, its typo fixes and long forms
        appended (`QueryBuilder.expand`), whether it asks one thing or several.

        A long consumer message ("Subject: new to insulin. My dad is 80 ... How do you give the injection? He's on
        humulin R") split into its sentences searches "He's on humulin R" on its own, and a part that leans on
        an earlier one is searched with a bag of that part's words: merged by best score, a vague part lifts its
        own best match to the top. One embedding of the whole message keeps the story that says what is asked
        (on our long messages over MedicationQA, dense nDCG@10 0.905 against 0.836 with the parts, as measured on
        2026-12-01 in commit 4018c40). The parts still serve composition, which answers each in turn.
        """
        if len(query.parts) == 1:
            return query.expanded
        return (self.queries.expand(query.text),)

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

    def _similar(self, phrase: str, parts: Sequence[str]) -> np.ndarray:
        """Cosine of a follow-up's phrase to each part of the earlier question (one batch through the model)."""
        vectors = self.embedder.encode_uncached([phrase, *parts])
        return vectors[1:] @ vectors[0]

    # Confidence ----------------------------------------------------------------------------------------------

    def coverage(self, text: str, *, rare_only: bool = False) -> float:
        """Share of the question's topic words that the corpus contains (`qa.confidence.Confidence.coverage`)."""
        return self.confidence_model.coverage(text, rare_only=rare_only)

    def confidence(self, query: Query, hits: Sequence[Hit]) -> float:
        """How sure medcite is that the indexed sources answer the question: the abstention model's probability."""
        if not hits:
            return 0.0
        return self.abstention.probability(self.signals(query, hits))

    def signals(self, query: Query, hits: Sequence[Hit]) -> Signals:
        """What the abstention model reads of a question and its hits (`qa.confidence.Signals`)."""
        return self.confidence_model.signals(self.retriever.best_dense(query.expanded, hits[:10]), query)

    def abstains(self, confidence: float) -> bool:
        """Whether a question of this confidence is abstained on (below the model's threshold)."""
        return confidence < self.abstention.threshold

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
        mode = check_mode(mode)
        query = self.build_query(question, history, mode)
        emergency = stages.is_emergency(question, self.emergency_likely, present=self.emergency_present)
        timings["query"] = time.perf_counter() - started
        query, hits, confidence = self._retrieve(query, history, mode, 20)
        timings["retrieve"] = time.perf_counter() - started - timings["query"]
        mark = time.perf_counter()
        if self.abstains(confidence) or not hits:
            nearest = stages.nearest_topics(hits)
            answer = stages.abstain(question, nearest, confidence=confidence, emergency=emergency, query=query.text)
            timings["compose"] = time.perf_counter() - mark
            return replace(answer, timings=timings)
        candidates = self.rank_sentences(query, hits)
        answer = stages.compose(
            question,
            hits,
            candidates,
            self.index.documents,
            confidence=confidence,
            settings=self.answer_settings,
            emergency=emergency,
            query=query.text,
            relate=self.relate(query),
            embed=self.embedder.encode_uncached,
            restated=query.text if query.restated else "",
            unmatched=self.unmatched(query, confidence, hits),
        )
        timings["compose"] = time.perf_counter() - mark
        mark = time.perf_counter()
        suggestions = self.suggest(query, hits, exclude=question)
        timings["suggest"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        return replace(answer, suggestions=tuple(suggestions), timings=timings)

    def unmatched(self, query: Query, confidence: float, hits: Sequence[Hit]) -> tuple[str, ...]:
        """The words of the question no indexed source holds (`qa.confidence.Confidence.unmatched`), named on an
        answer whose confidence is below `AnswerSettings.unmatched_below`; none on a surer one.

        A question about an aspect the sources never mention ("is baclofen safe in pregnancy?") is close to what
        they do say, and the abstention model cannot tell it from an in-scope question without abstaining on many
        of those (eval/EXPERIMENTS.md, "Thirty-fifth session"): the answer quotes what the sources say, and says
        what they do not mention."""
        if confidence >= self.answer_settings.unmatched_below:
            return ()
        return self.missing_words(query, hits, frequent_below=self.answer_settings.unmatched_frequent)

    def missing_words(self, query: Query, hits: Sequence[Hit], *, frequent_below: int = 0) -> tuple[str, ...]:
        """The words of the question no indexed source holds (`qa.confidence.Confidence.unmatched`), but for the
        `frequent_below` most frequent words of the language.

        Where `hits` describe a case, a word for one person ("teen", "the girl's", `qa.cases.PERSON_NOUNS`) is its
        patient, whom the report names in its own words ("14 year old woman"), as the scope judgement reads her
        (`about_a_case`): not a word the sources lack."""
        words = self.confidence_model.unmatched(query, frequent_below=frequent_below)
        if not described_patient(hit.chunk.text for hit in hits):
            return words
        return tuple(w for w in words if _POSSESSIVE.sub("", w.lower()) not in PERSON_NOUNS)

    def candidates(self, hits: Sequence[Hit]) -> list[Candidate]:
        """The candidate sentences of the retrieved chunks, with their stored vectors (unscored)."""
        return stages.with_vectors(stages.gather(hits, self.answer_settings), self.index)

    def asked(self, query: Query) -> Asked:
        """The question as the answer scorer sees it: its text, its parts' vectors, a follow-up's own words."""
        vectors = np.vstack([self.embedder.encode_query(text) for text in query.expanded])
        focus = query.focus if query.followup else ""
        adapted = self.adapter.apply(vectors) if self.adapter is not None else None
        return Asked(
            " ".join(query.expanded), vectors, focus, self.embedder.encode_query(focus) if focus else None, adapted
        )

    def relate(self, query: Query) -> stages.Relate:
        """The cosine of texts to the question (its closest searched part): for short texts composition embeds."""
        vectors = np.vstack([self.embedder.encode_query(text) for text in query.expanded])

        def cosines(texts: Sequence[str]) -> np.ndarray:
            return (self.embedder.encode_uncached(list(texts)) @ vectors.T).max(axis=1)

        return cosines

    def rank_sentences(self, query: Query, hits: Sequence[Hit]) -> list[Candidate]:
        """The candidate sentences scored by the answer scorer, its best few reordered by the cross-encoder, then
        those about another range of a quantity asked put after those about its range (in candidate order)."""
        asked = self.asked(query)
        scored = stages.score(
            self.candidates(hits), hits, asked, self.index.phrases.idf, model=self.index.manifest.model
        )
        reread = stages.rerank(scored, asked.text, self.reranker, self.answer_settings)
        return stages.prefer_agreeing(reread, asked.text, self.answer_settings.quantity_window)

    def suggest(self, query: Query, hits: Sequence[Hit], *, exclude: str = "", limit: int = 5) -> list[str]:
        """Follow-up questions the corpus answers with confidence (`qa.suggest`)."""
        return suggest(query, hits, self.index.documents, self._answerable, exclude=exclude, limit=limit)

    def _answerable(self, questions: Sequence[str]) -> list[bool]:
        """Whether each question would be answered rather than abstained on (cached: the index is fixed).

        A document's own follow-up questions were scored against the index at ingest; others are embedded.
        """
        todo = [q for q in questions if q not in self._confidence_cache]
        for q in (q for q in todo if q in self.index.follow_up_scores):
            signals = self.confidence_model.signals(self.index.follow_up_scores[q], self.build_query(q))
            self._confidence_cache[q] = self.abstention.probability(signals)
        unscored = [q for q in todo if q not in self.index.follow_up_scores]
        if unscored:
            built = [self.build_query(q) for q in unscored]
            vectors = self.embedder.encode_uncached([b.expanded[0] for b in built])
            scores, _ = self.index.dense_search(vectors, 1)
            for q, b, best in zip(unscored, built, scores[:, 0], strict=True):
                signals = self.confidence_model.signals(float(best), b)
                self._confidence_cache[q] = self.abstention.probability(signals)
        return [not self.abstains(self._confidence_cache[q]) for q in questions]


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
