"""Hand-built documents, chunks and scored candidates for the answer stages (no model, no index)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.records import Candidate, Chunk, Document, Hit, Section

DIM = 8


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Half-open spans of the sentences of `text` (each ends at . ? or !)."""
    return tuple((m.start(), m.end()) for m in re.finditer(r"\S[^.?!]*[.?!]", text))


def make_chunk(chunk_id: str, doc: Document, section: int, ordinal: int = 0) -> Chunk:
    """The whole of one section of `doc` as a chunk."""
    text = doc.sections[section].text
    heading = doc.sections[section].heading_path
    return Chunk(chunk_id, doc.doc_id, doc.title, heading, section, 0, len(text), text, sentence_spans(text), ordinal)


def unit(*weights: float) -> np.ndarray:
    """A unit vector from its first coordinates (the rest zero)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(weights)] = weights
    return v / np.linalg.norm(v)


def candidate(chunk: Chunk, index: int, score: float, vector: np.ndarray | None = None, hit_score: float = 1.0):
    """Sentence `index` of `chunk` as a scored candidate (relevance 0, which the disagreement stage ranks by)."""
    start, end = chunk.sentences[index]
    return Candidate(Hit(chunk, hit_score), start, end, sentence=index, score=score, vector=vector)


def every_sentence(hits: Sequence[Hit], score: float = 0.0, vector: np.ndarray | None = None) -> list[Candidate]:
    """Every sentence of every hit, with one score and vector, scored lower the later it comes."""
    out = []
    for hit in hits:
        for i, (start, end) in enumerate(hit.chunk.sentences):
            value = score - 0.01 * len(out)
            out.append(Candidate(hit, start, end, sentence=i, score=value, vector=vector))
    return out


# A Q&A page with two sections (two chunks) and a teaching note that disagrees with it on one point: whether
# hemodialysis clears "fexolan" (a made-up drug).
PAGE = Document(
    doc_id="page.txt",
    title="Is fexolan cleared by dialysis?",
    sections=(
        Section(
            ("Dialyzability",),
            "Yes, fexolan is effectively cleared by hemodialysis. Hemodialysis clearance of fexolan is 128 mL/min.",
        ),
        Section(
            ("Safety warnings",),
            "Patients on hemodialysis develop fexolan toxicity even with doses as low as 10 mg. "
            "Fexolan is excreted mainly by the kidneys.",
        ),
    ),
    kind="Q&A page",
    publisher="Dr.Oracle",
    date="February 4, 2026",
    url="https://example.org/x",
)
NOTE = Document(
    doc_id="note.txt",
    title="Fexolan clearance: hemodialysis or kidneys?",
    sections=(
        Section(
            ("Conclusion",),
            "In a case of overdose with normal kidney function, hemodialysis does not remove fexolan effectively. "
            "Urine excretion of fexolan was ten times the amount removed by hemodialysis.",
        ),
    ),
    kind="teaching note",
    publisher="UMEM",
    author="A. Author",
    doi="10.1000/xyz",
)
DOCUMENTS = {PAGE.doc_id: PAGE, NOTE.doc_id: NOTE}
PAGE_DIALYSIS = make_chunk("page-0", PAGE, 0)
PAGE_SAFETY = make_chunk("page-1", PAGE, 1, ordinal=1)
NOTE_CONCLUSION = make_chunk("note-0", NOTE, 0)
CHUNKS = {c.chunk_id: c for c in (PAGE_DIALYSIS, PAGE_SAFETY, NOTE_CONCLUSION)}
HITS = [Hit(PAGE_DIALYSIS, 3.0, dense=0.8), Hit(NOTE_CONCLUSION, 2.5, dense=0.7), Hit(PAGE_SAFETY, 2.0, dense=0.6)]
# The two opposite claims, close in meaning; the other sentences elsewhere.
CLEARED = unit(1.0, 0.2)
NOT_REMOVED = unit(1.0, 0.3)
ELSEWHERE = unit(0.0, 0.0, 1.0)
