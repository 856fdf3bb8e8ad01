"""Choosing the hybrid weights for a corpus at ingest, from questions its documents pose themselves.

No labelled question is needed. A sentence of a document, asked of the index without the passage that holds it,
should find the rest of its document (the inverse cloze task of Lee, Chang & Toutanova, "Latent Retrieval for
Weakly Supervised Open Domain Question Answering", ACL 2019, with the sentence's own passage held out so that the
task is not matching a sentence to itself). Where documents share a title (a page split into passages), a
sentence of one should also find its siblings. How well each weighting of the signals ranks these pseudo-queries
is what `qa.fusion.optimize_fusion` maximises; the weights chosen, the number of pseudo-queries and their scores
are recorded in the index manifest.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.fusion import FusionWeights, Judged, optimize_fusion
from qa.records import stable_hash
from qa.text import words

if TYPE_CHECKING:
    from qa.embedding import Embedder
    from qa.index import Index
    from qa.retrieve import Retriever

# Where calibration starts, and the weights of an index too small to calibrate, before the corpus's shape removes
# what cannot apply to it (`applicable`). Chosen on the tune parts of the development sets, each set counting
# equally (eval/README.md, "Choosing the fusion"; `bench/fusion_tune.py`).
PRIOR = FusionWeights(dense=1.0, bm25=1.0, topic=2.0, lead=1.0, aspect=1.0, sentence=1.0, phrase=0.0)
# A document's opening (lead) ranks a chunk by its document: below this many documents it gets no weight (the
# bundled two-document corpus is ranked by its passages).
MIN_DOCUMENTS = 20
# Title pooling (topic) and the question without the title's words (aspect) need pages: titles that several
# documents share (at least two documents, however small the corpus). The lead needs documents of several
# chunks. Each needs this share of the documents to be so.
MIN_SHARE = 0.2
# The rules of `Shape.applicable`: a change recalibrates indexes at ingest (`CalibrationSettings.version`).
SHAPE_RULES = 2
DOCUMENT_SIGNALS = ("topic", "aspect", "lead")
# Signals the pseudo-queries cannot judge, held at their share of the start. A pseudo-query is a sentence of the
# corpus: it has no question type ("what are the treatments for ...") for the aspect signal, the question without
# the title's words, to match. Left free, the search dropped aspect on MedQuAD CancerGov and GHR (+1.3 and +1.4
# points on their pseudo-queries), which cost their real questions 3.1 and 5.9 points of nDCG@10 on the tune
# parts (eval/README.md, "Choosing the fusion"; bench/fusion_tune.py chose aspect's prior on labelled questions).
UNJUDGED = frozenset({"aspect"})
# How a sentence's words are counted for `CalibrationSettings.min_words`/`max_words` (`_word_count`): part of the
# settings' version, so an index calibrated under another count is recalibrated by its next ingest.
SENTENCE_WORDS = "qa.text.words starting with a letter"


@dataclass(frozen=True)
class Question:
    """A question with known answers: its sub-queries, the documents that answer it (doc_id -> grade > 0), the
    chunk rows hidden while it is asked, and its kind (a pseudo-query's, or "labelled")."""

    texts: tuple[str, ...]
    relevant: Mapping[str, float]
    exclude: tuple[int, ...] = ()
    kind: str = "labelled"


@dataclass(frozen=True)
class Shape:
    """What the corpus's structure says about the document-level signals."""

    documents: int
    shared_title: int  # documents whose title another document shares
    several_chunks: int  # documents of more than one chunk

    def applicable(self) -> frozenset[str]:
        """The signals that can tell documents apart in a corpus of this shape."""
        usable = {"dense", "bm25", "sentence", "phrase"}
        if self.shared_title >= max(2, MIN_SHARE * self.documents):
            usable |= {"topic", "aspect"}
        if self.documents >= MIN_DOCUMENTS and self.several_chunks >= MIN_SHARE * self.documents:
            usable.add("lead")
        return frozenset(usable)


def shape_of(index: Index) -> Shape:
    """Count the documents, those sharing a title and those of several chunks.

    From the arrays the build stored, not the records: a document is its lead row (`Index.lead_rows`), and
    documents share a title when their chunks share a title group (`Index.title_groups`; an untitled document is
    a group of its own). The retriever asks this at load when the manifest records no weights, so it must not read
    a million records.
    """
    leads = np.asarray(index.lead_rows)
    firsts = np.flatnonzero(leads == np.arange(len(leads)))
    sizes = np.bincount(leads, minlength=len(leads))[firsts]
    groups = np.asarray(index.title_groups.of_row)[firsts]
    per_group = np.bincount(groups, minlength=len(index.title_groups))
    shared = int((per_group[groups] > 1).sum())
    return Shape(len(firsts), shared, int((sizes > 1).sum()))


def start_weights(shape: Shape, prior: FusionWeights = PRIOR) -> FusionWeights:
    """The prior without the signals the corpus's shape cannot use."""
    usable = shape.applicable()
    return FusionWeights.from_dict({k: v for k, v in prior.to_dict().items() if k in usable})


@dataclass(frozen=True)
class CalibrationSettings:
    """How many pseudo-queries to draw, and how clear their evidence must be to move a weight.

    `per_chunks`: one pseudo-query per this many chunks, at most `queries` (split between the kinds), so the
    calibration costs a fixed small share of an ingest; with fewer than `min_queries` the fallback weights
    stand. A weight moves from the fallback only when the move gains at least `min_gain` nDCG@10 on the
    pseudo-queries with a paired t statistic of at least `min_t` (see `qa.fusion.optimize_fusion`).

    `reuse_below`: a rebuild keeps the weights of the index it replaces while the documents new, changed or
    removed since they were computed stay under this share of the corpus (`Previous.keeps`): a few edited pages
    cannot move weights that a clear gain on 200 pseudo-queries chose, and recalibrating would cost a small
    re-ingest many times its embedding time. Not part of `version`: it does not change how weights are chosen.
    """

    queries: int = 200
    per_chunks: int = 20
    min_queries: int = 40
    siblings_share: float = 0.4
    kept: int = 0
    min_words: int = 6
    max_words: int = 40
    min_gain: float = 0.01
    min_t: float = 2.0
    salt: str = "medcite-calibration-1"
    reuse_below: float = field(default=0.05, repr=False)

    def budget(self, chunks: int) -> int:
        """How many pseudo-queries an index of `chunks` chunks gets."""
        return min(self.queries, chunks // self.per_chunks)

    def version(self) -> str:
        """A hash of these settings and the prior: an index calibrated under others is recalibrated by ingest."""
        return stable_hash(
            repr(self), repr(PRIOR), str(MIN_DOCUMENTS), str(MIN_SHARE), str(SHAPE_RULES), str(sorted(UNJUDGED)),
            SENTENCE_WORDS, length=12,
        )


def _word_count(sentence: str) -> int:
    """A pseudo-query's length in words (`SENTENCE_WORDS`): a number or dose ("95/47", "4.5mg") is not one."""
    return sum(1 for word in words(sentence) if word[0].isalpha())


def _eligible_sentences(text: str, spans: Sequence[tuple[int, int]], settings: CalibrationSettings) -> list[str]:
    out = []
    for start, end in spans:
        sentence = " ".join(text[start:end].split())
        if settings.min_words <= _word_count(sentence) <= settings.max_words:
            out.append(sentence)
    return out


def pseudo_queries(index: Index, settings: CalibrationSettings | None = None) -> list[Question]:
    """Pseudo-queries drawn from the index's chunks, in a fixed order (a hash of chunk id and salt).

    - held-out: a sentence of a document with several chunks, asked without the chunk that holds it; the
      document is found through its other chunks (its opening, its title, the rest of its words).
    - siblings: a sentence of a document whose title other documents share, asked without any chunk of its
      own document; the documents of the same title answer it.
    - kept: a sentence asked with its own chunk in place (the easy, lexical version; off by default).
    """
    settings = settings or CalibrationSettings()
    chunks = index.chunks
    budget = settings.budget(len(chunks))
    leads = np.asarray(index.lead_rows)
    groups = index.title_groups
    # One pass over the records for their ids (the order is a hash of them); after that only the chunks visited
    # are read, a few for each pseudo-query, as the records of a built index are read lazily (`qa.store`).
    keys = [stable_hash(settings.salt, chunk.chunk_id) for chunk in chunks]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    del keys
    documents_of_group: dict[int, np.ndarray] = {}

    def others(row: int) -> list[int]:
        """The other documents of the chunk's title group, as lead rows in row order."""
        group = int(groups.of_row[row])
        if group not in documents_of_group:
            documents_of_group[group] = np.unique(leads[groups[group]])
        return [int(r) for r in documents_of_group[group] if r != leads[row]]

    siblings = round(budget * settings.siblings_share)
    wanted = {"held-out": budget - siblings, "siblings": siblings, "kept": settings.kept}
    made: dict[str, list[Question]] = {kind: [] for kind in wanted}
    used_docs: set[str] = set()
    for row in order:
        if all(len(made[k]) >= n for k, n in wanted.items()):
            break
        chunk = chunks[row]
        if chunk.doc_id in used_docs:
            continue
        sentences = _eligible_sentences(chunk.text, chunk.sentences, settings)
        if not sentences:
            continue
        sentence = sentences[int(stable_hash(settings.salt, chunk.chunk_id, "s"), 16) % len(sentences)]
        own_rows = index.chunk_rows_of(chunk.doc_id)
        if len(own_rows) > 1 and len(made["held-out"]) < wanted["held-out"]:
            made["held-out"].append(Question((sentence,), {chunk.doc_id: 1.0}, (row,), "held-out"))
        elif (
            len(made["siblings"]) < wanted["siblings"]
            and chunk.title.strip()
            and 0 < len(sibling_leads := others(row)) <= 64
        ):
            relevant = {chunks[r].doc_id: 1.0 for r in sibling_leads}
            made["siblings"].append(Question((sentence,), relevant, tuple(own_rows), "siblings"))
        elif len(made["kept"]) < wanted["kept"]:
            made["kept"].append(Question((sentence,), {chunk.doc_id: 1.0}, (), "kept"))
        else:
            continue
        used_docs.add(chunk.doc_id)
    queries = [q for kind in wanted for q in made[kind]]
    return queries


def judge(retriever: Retriever, questions: Sequence[Question]) -> list[Judged]:
    """Each question's candidates (every signal computed), judged by its own relevant documents; documents are
    numbered by their lead rows (`Index.lead_rows`), so no record is read to tell them apart; a relevant document
    the index does not hold gets a negative number of its own. What `qa.fusion.optimize_fusion` takes."""
    index = retriever.index
    number: dict[str, int] = {}

    def number_of(doc_id: str) -> int:
        if doc_id not in number:
            rows = index.chunk_rows_of(doc_id)
            number[doc_id] = int(index.lead_rows[rows[0]]) if rows else -1 - len(number)
        return number[doc_id]

    out = []
    with retriever.embedder.sharing_queries():
        # Every text the candidates will encode, in two batches: the questions, then each one without the words
        # of its best chunk's title (the aspect signal's query).
        texts = [t for q in questions for t in q.texts]
        retriever.embedder.prime(texts)
        aspects = (retriever.aspect_query(t, exclude=q.exclude) for q in questions for t in q.texts)
        retriever.embedder.prime([t for t in aspects if t is not None])
        for query in questions:
            found = retriever.candidates(query.texts, exclude=query.exclude)
            documents = np.asarray(index.lead_rows[found.rows], dtype=np.int64)
            relevant = {number_of(d): g for d, g in query.relevant.items()}
            out.append(Judged(found, documents, relevant))
    return out


@dataclass(frozen=True)
class Calibration:
    """The weights chosen for a corpus and how: from pseudo-queries, or the fallback and why."""

    weights: FusionWeights
    method: str
    reason: str = ""
    queries: Mapping[str, int] = field(default_factory=dict)
    scores: Mapping[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "weights": self.weights.to_dict(),
            "method": self.method,
            "reason": self.reason,
            "pseudo_queries": dict(self.queries),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "seconds": round(self.seconds, 2),
            "summary": self.summary(),
            # As a build records them (`carried`): computed for this build, in `spent` seconds.
            "origin": COMPUTED,
            "changed_since": 0,
            "spent": round(self.seconds, 2),
        }

    def summary(self) -> str:
        """One line for `medcite ingest` and `medcite eval`: where the weights came from."""
        if self.method != "pseudo-queries":
            return f"Fallback weights: {self.reason}."
        asked = " and ".join(f"{n} {kind}" for kind, n in self.queries.items() if n)
        scored = ", ".join(f"{k} {v:.3f}" for k, v in self.scores.items())
        return f"Chosen from {asked} pseudo-queries in {self.seconds:.1f} s ({self.reason}); their nDCG@10: {scored}."


def _shape_note(shape: Shape) -> str:
    unused = [s for s in DOCUMENT_SIGNALS if s not in shape.applicable()]
    corpus = (
        f"{shape.documents} documents, {shape.shared_title} sharing a title, {shape.several_chunks} of several chunks"
    )
    return f"{corpus} (so no {', '.join(unused)})" if unused else corpus


def calibrate(index: Index, embedder: Embedder, settings: CalibrationSettings | None = None) -> Calibration:
    """The hybrid weights for `index`: the fallback, moved where the corpus's own pseudo-queries clearly gain.

    The start is `PRIOR` less the document-level signals the corpus's shape cannot use (`Shape.applicable`). An
    index too small to draw `min_queries` pseudo-queries from keeps that start: for the bundled two-document
    corpus, dense, BM25, best sentence and phrase, with nothing that only ranks whole documents; for a few pages
    split into passages, title pooling and aspect too.
    """
    from qa.retrieve import Retriever

    settings = settings or CalibrationSettings()
    started = time.perf_counter()
    shape = shape_of(index)
    start = start_weights(shape)
    queries = pseudo_queries(index, settings)
    if len(queries) < settings.min_queries:
        reason = (
            f"{len(index.chunks)} chunks give {len(queries)} pseudo-queries, fewer than the {settings.min_queries} "
            f"needed to weigh the signals; {_shape_note(shape)}"
        )
        return Calibration(start, "fallback", reason, seconds=time.perf_counter() - started, version=settings.version())
    retriever = Retriever(index, embedder, weights=start)
    judged = judge(retriever, queries)
    usable = shape.applicable()
    choice = optimize_fusion(
        judged, start, signals=usable, fixed=UNJUDGED & usable, min_gain=settings.min_gain, min_t=settings.min_t
    )
    kinds = {kind: sum(q.kind == kind for q in queries) for kind in ("held-out", "siblings", "kept")}
    scores = {"chosen": choice.score, "fallback": choice.start_score, **choice.single}
    return Calibration(
        choice.weights,
        "pseudo-queries",
        f"{_shape_note(shape)}; " + ("; ".join(choice.steps) or "no move from there gained clearly"),
        {k: n for k, n in kinds.items() if n},
        scores,
        time.perf_counter() - started,
        settings.version(),
    )


# Where a build's weights come from: computed for it, read from the calibration cache, or kept from the build it
# replaces.
COMPUTED, CACHED, KEPT = "computed", "cache", "previous build"


def carried(
    recorded: Mapping[str, Any], origin: str, *, changed_since: int, documents: int, spent: float
) -> dict[str, Any]:
    """A recorded calibration (`Calibration.to_dict`) as a new build records it: the same weights and evidence,
    with where they come from, the documents changed since they were computed, and this build's time on them."""
    # How they were chosen: a computed record's summary, or what a carried one kept of it.
    choice = str(recorded.get("choice") or recorded.get("summary", ""))
    if origin == CACHED:
        note = "Read from the calibration cache (these chunks were calibrated before)."
    else:
        note = (
            f"Kept from the previous build: {changed_since} of {documents} documents new, changed or removed since "
            "they were chosen."
        )
    return {
        **recorded,
        "origin": origin,
        "changed_since": changed_since,
        "spent": round(spent, 2),
        "choice": choice,
        "summary": f"{note} {choice}",
    }


@dataclass(frozen=True)
class Previous:
    """The index a rebuild replaces, as far as its weights go: its recorded calibration (the manifest's
    `fusion`), the signals its corpus's shape allowed, and how many documents the rebuild adds, changes or
    removes."""

    fusion: Mapping[str, Any]
    signals: frozenset[str]
    changes: int

    def changed_since(self) -> int:
        """Documents new, changed or removed since the weights were computed, this rebuild's included."""
        return int(self.fusion.get("changed_since", 0)) + self.changes

    def keeps(self, shape: Shape, settings: CalibrationSettings) -> bool:
        """Whether a build of this shape keeps these weights: computed from pseudo-queries under the same
        settings, for a corpus whose shape allows the same signals, and fewer documents changed since than
        `reuse_below` of the new corpus's. (A fallback is not kept: it costs nothing to choose again.)"""
        return (
            self.fusion.get("method") == "pseudo-queries"
            and self.fusion.get("version") == settings.version()
            and shape.applicable() == self.signals
            and self.changed_since() < settings.reuse_below * shape.documents
        )


class CalibrationCache:
    """Calibrations already computed, one small JSON file per key under a folder of the cache.

    A calibration is a function of the chunks, their vectors and the settings, so its key (made by the caller,
    `qa.ingest`) names them, and not where the documents' files are: the same corpus rebuilt into a new folder,
    rebuilt after its index was removed, or moved to another folder, reads its weights instead of asking its
    pseudo-queries again, as the embedding cache spares its vectors.
    Entries are written beside their name and renamed into place; an unreadable one is ignored and rewritten.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            FusionWeights.from_dict(data["weights"])
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, recorded: Mapping[str, Any]) -> None:
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(dict(recorded), indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError:
            # A cache that cannot be written costs a later rebuild its calibration time, nothing else.
            tmp.unlink(missing_ok=True)


def choose(
    index: Index,
    embedder: Embedder,
    settings: CalibrationSettings,
    *,
    cache: CalibrationCache | None = None,
    key: str = "",
    previous: Previous | None = None,
) -> dict[str, Any]:
    """The calibration a new build records: from the cache when these chunks were calibrated before, kept from
    the previous build when few documents changed since (`Previous.keeps`), else computed (and cached)."""
    started = time.perf_counter()
    found = cache.get(key) if cache is not None else None
    if found is not None and found.get("version") == settings.version():
        return carried(found, CACHED, changed_since=0, documents=0, spent=time.perf_counter() - started)
    shape = shape_of(index)
    if previous is not None and previous.keeps(shape, settings):
        return carried(
            previous.fusion,
            KEPT,
            changed_since=previous.changed_since(),
            documents=shape.documents,
            spent=time.perf_counter() - started,
        )
    recorded = calibrate(index, embedder, settings).to_dict()
    if cache is not None:
        cache.put(key, recorded)
    return recorded
