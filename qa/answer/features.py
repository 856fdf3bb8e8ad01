"""Stage 2a of an answer: what the scorer knows about each candidate sentence, as one row of numbers.

Every feature is computed from what retrieval already holds (the question's vectors, each sentence's vector
stored at ingest, the chunks' scores and ranks, the index's term weights), so scoring costs no model call. None
is a word list: the scorer learns from labelled questions how much each counts (`qa.answer.scoring`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.records import Candidate, Chunk, Hit, is_structure_heading
from qa.text import FUNCTION_WORDS, term_sets, words

# Term weights: the index's idf of each term (`PhraseIndex.idf`).
Weigh = Callable[[Sequence[str]], np.ndarray]

FEATURES = (
    "cos_question",
    "cos_question_gap",
    "cos_focus",
    "cos_focus_gap",
    "cos_chunk_gap",
    "cos_document_gap",
    "chunk_score_gap",
    "log_chunk_rank",
    "log_document_rank",
    "top_chunk",
    "top_document",
    "overlap",
    "overlap_gap",
    "novelty",
    "focus_overlap",
    "page_overlap",
    "heading_overlap",
    "off_topic",
    "first_in_chunk",
    "first_in_document",
    "position",
    "log_ordinal",
    "yes_no_answer",
    "has_number",
    "log_words",
    "fragment",
    "dense_gap",
    "cos_previous",
    "after_lead_in",
    "cos_adapted",
    "cos_adapted_gap",
)

# An auxiliary verb opening a question asks for yes or no; "Yes, ..." / "No, ..." opening a sentence gives it.
_YES_NO_QUESTION = re.compile(
    r"^\W*(is|are|was|were|does|do|did|can|could|should|will|would|may|has|have)\b", re.IGNORECASE
)
_YES_NO_ANSWER = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# Fewer words than this, and no sentence's end: a heading-like fragment ("Hemodynamic instability").
FRAGMENT_WORDS = 8


@dataclass(frozen=True)
class Asked:
    """The question as the scorer sees it.

    `text` is the question as understood and searched (a follow-up carries its topic; abbreviations, brand
    names and typo fixes are expanded); `vectors` holds one unit vector per searched part of it; `focus` and
    `focus_vector` are this turn's own words when it leans on earlier turns ("and the dose?"), which say what is
    asked now. `adapted` holds `vectors` mapped by the question adapter (`qa.answer.adapter`), one row each;
    None where no adapter applies, and the adapted cosine is the plain one.
    """

    text: str
    vectors: np.ndarray
    focus: str = ""
    focus_vector: np.ndarray | None = field(default=None, compare=False)
    adapted: np.ndarray | None = field(default=None, compare=False)


def page_names(chunk: Chunk) -> str:
    """What names a chunk's topic: its title, its document's keywords, and headings other than a paper's parts."""
    return " ".join([chunk.title, *chunk.keywords, section_names(chunk)])


def section_names(chunk: Chunk) -> str:
    """The chunk's own section headings (not its title), less those that name a part of a paper ("Methods")."""
    return " ".join(h for h in chunk.heading_path if h != chunk.title and not is_structure_heading(h))


def _weights(term_groups: Sequence[frozenset[str]], weigh: Weigh) -> tuple[list[str], list[float]]:
    vocabulary = sorted(frozenset().union(*term_groups)) if term_groups else []
    return vocabulary, [float(w) for w in weigh(vocabulary)] if vocabulary else []


def _share(held: frozenset[str], asked: dict[str, float]) -> float:
    total = sum(asked.values())
    return sum(w for t, w in asked.items() if t in held) / total if total else 0.0


def interactions(candidates: Sequence[Candidate], asked: Asked) -> np.ndarray:
    """Per candidate, the elementwise product of its vector and the question's closest part vector (n x dim).

    Their sum is the cosine; a learned weight per dimension (`Selector.interaction`) reweighs it, so the scorer can
    learn which directions of the embedding say "this answers" rather than "this is on the same topic".
    """
    if not candidates:
        return np.zeros((0, np.atleast_2d(asked.vectors).shape[1]), dtype=np.float32)
    vectors = np.vstack([np.asarray(c.vector, dtype=np.float32) for c in candidates])
    parts = np.atleast_2d(asked.vectors).astype(np.float32)
    closest = parts[(vectors @ parts.T).argmax(axis=1)]
    return vectors * closest


def feature_matrix(candidates: Sequence[Candidate], hits: Sequence[Hit], asked: Asked, weigh: Weigh) -> np.ndarray:
    """One row of `FEATURES` per candidate (float32); every candidate must carry its sentence vector."""
    n = len(candidates)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return out
    vectors = np.vstack([np.asarray(c.vector, dtype=np.float32) for c in candidates])
    cos_q = (vectors @ np.atleast_2d(asked.vectors).T).max(axis=1)
    cos_f = vectors @ asked.focus_vector if asked.focus_vector is not None else cos_q
    cos_a = (vectors @ np.atleast_2d(asked.adapted).T).max(axis=1) if asked.adapted is not None else cos_q

    rank_of: dict[str, int] = {}
    doc_rank_of: dict[str, int] = {}
    for rank, hit in enumerate(hits):
        rank_of.setdefault(hit.chunk.chunk_id, rank)
        doc_rank_of.setdefault(hit.chunk.doc_id, len(doc_rank_of))
    scores = [h.score for h in hits] or [c.hit.score for c in candidates]
    top, low = max(scores), min(scores)
    spread = top - low or 1.0
    dense = [h.dense for h in hits if h.dense is not None]
    best_dense = max(dense) if dense else None

    texts = [c.text for c in candidates]
    sentence_terms = term_sets(texts, FUNCTION_WORDS)
    question_terms, focus_terms = term_sets([asked.text, asked.focus or asked.text], FUNCTION_WORDS)
    vocabulary = sorted(question_terms | focus_terms)
    weight = dict(zip(vocabulary, (float(w) for w in weigh(vocabulary)), strict=True)) if vocabulary else {}
    asked_weights = {t: weight[t] for t in question_terms}
    focus_weights = {t: weight[t] for t in focus_terms}
    chunks = {c.chunk.chunk_id: c.chunk for c in candidates}
    names = dict(zip(chunks, term_sets([page_names(c) for c in chunks.values()], FUNCTION_WORDS), strict=True))
    sections = dict(zip(chunks, term_sets([section_names(c) for c in chunks.values()], FUNCTION_WORDS), strict=True))
    # The sentence before each candidate in its chunk, when that one is a candidate too: a list item under a
    # lead-in ("Her symptoms were:") answers what the lead-in names.
    at = {(c.chunk.chunk_id, c.sentence): i for i, c in enumerate(candidates)}
    previous = [at.get((c.chunk.chunk_id, c.sentence - 1)) for c in candidates]
    # The question's words that name a retrieved page's topic ("lupus" of "is lupus contagious"): a sentence
    # that names none of them, on a page whose names do not either, is about something else.
    topic = question_terms & frozenset().union(*names.values())
    yes_no = bool(_YES_NO_QUESTION.match(asked.focus or asked.text))

    best_in_chunk: dict[str, float] = {}
    best_in_document: dict[str, float] = {}
    for c, cos in zip(candidates, cos_q, strict=True):
        best_in_chunk[c.chunk.chunk_id] = max(best_in_chunk.get(c.chunk.chunk_id, -1.0), float(cos))
        best_in_document[c.chunk.doc_id] = max(best_in_document.get(c.chunk.doc_id, -1.0), float(cos))
    overlap = np.array([_share(t, asked_weights) for t in sentence_terms], dtype=np.float32)
    # What a sentence says beyond the question: the share of its own term weight the question lacks. A sentence
    # that only restates the question ("To determine the rate of ...") adds nothing.
    sentence_weight = dict(zip(*_weights(sentence_terms, weigh), strict=True))
    novelty = [
        1.0 - _share(question_terms, {t: sentence_weight[t] for t in held}) if held else 0.0 for held in sentence_terms
    ]

    ranks = [rank_of.get(c.chunk.chunk_id, len(hits)) for c in candidates]
    doc_ranks = [doc_rank_of.get(c.chunk.doc_id, len(doc_rank_of)) for c in candidates]
    counts = [len(words(t)) for t in texts]
    endings = [t.rstrip() for t in texts]
    columns: dict[str, Iterable[float]] = {
        "cos_question": cos_q,
        "cos_question_gap": cos_q - cos_q.max(),
        "cos_focus": cos_f,
        "cos_focus_gap": cos_f - cos_f.max(),
        "cos_chunk_gap": [q - best_in_chunk[c.chunk.chunk_id] for c, q in zip(candidates, cos_q, strict=True)],
        "cos_document_gap": [q - best_in_document[c.chunk.doc_id] for c, q in zip(candidates, cos_q, strict=True)],
        "chunk_score_gap": [(c.hit.score - top) / spread for c in candidates],
        "log_chunk_rank": [math.log1p(r) for r in ranks],
        "log_document_rank": [math.log1p(r) for r in doc_ranks],
        "top_chunk": [r == 0 for r in ranks],
        "top_document": [r == 0 for r in doc_ranks],
        "overlap": overlap,
        "overlap_gap": overlap - overlap.max(),
        "novelty": novelty,
        "focus_overlap": [_share(t, focus_weights) for t in sentence_terms],
        "page_overlap": [_share(names[c.chunk.chunk_id], asked_weights) for c in candidates],
        "heading_overlap": [_share(sections[c.chunk.chunk_id], asked_weights) for c in candidates],
        "off_topic": [
            bool(topic) and not ((held | names[c.chunk.chunk_id]) & topic)
            for c, held in zip(candidates, sentence_terms, strict=True)
        ],
        "first_in_chunk": [c.sentence == 0 for c in candidates],
        "first_in_document": [c.sentence == 0 and c.chunk.ordinal == 0 for c in candidates],
        "position": [c.sentence / max(len(c.chunk.sentences), 1) for c in candidates],
        "log_ordinal": [math.log1p(c.chunk.ordinal) for c in candidates],
        "yes_no_answer": [yes_no and bool(_YES_NO_ANSWER.match(t)) for t in texts],
        "has_number": [bool(_DIGIT.search(t)) for t in texts],
        "log_words": [math.log1p(n) for n in counts],
        # A list's lead-in ("Her symptoms were:") or a heading-like fragment says little on its own.
        "fragment": [
            e.endswith(":") or (n < FRAGMENT_WORDS and e[-1:] not in ".!?" and not _DIGIT.search(e))
            for e, n in zip(endings, counts, strict=True)
        ],
        "dense_gap": [
            (c.hit.dense - best_dense) if best_dense is not None and c.hit.dense is not None else 0.0
            for c in candidates
        ],
        "cos_previous": [cos_q[p] if p is not None else 0.0 for p in previous],
        "after_lead_in": [p is not None and endings[p].endswith(":") for p in previous],
        "cos_adapted": cos_a,
        "cos_adapted_gap": cos_a - cos_a.max(),
    }
    for j, name in enumerate(FEATURES):
        out[:, j] = np.asarray(list(columns[name]), dtype=np.float32)
    return out
