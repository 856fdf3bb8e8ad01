"""Stage 1 of an answer: the candidate sentences, every quotable sentence of the chunks worth quoting from."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Hit
from qa.text import words

# "(Click the table on the right to see ...)": about the web page the text came from, not about medicine.
_PAGE_INSTRUCTION = re.compile(r"\b(?:click|tap)\s+(?:here|the|on|to|this|a)\b", re.IGNORECASE)
# A lone word ("Surgery", "Ok.") says nothing on its own; a two-word list item ("Hemodynamic instability") can.
MIN_WORDS = 2


def pick_chunks(hits: Sequence[Hit], settings: AnswerSettings) -> list[Hit]:
    """The chunks to quote from: best first, but no document may crowd out the others."""
    picked: list[Hit] = []
    per_doc: dict[str, int] = {}
    for hit in hits:
        if per_doc.get(hit.chunk.doc_id, 0) < settings.per_document:
            picked.append(hit)
            per_doc[hit.chunk.doc_id] = per_doc.get(hit.chunk.doc_id, 0) + 1
        if len(picked) >= settings.max_chunks:
            break
    return picked


def gather(hits: Sequence[Hit], settings: AnswerSettings | None = None) -> list[Candidate]:
    """Every quotable sentence of the chunks worth quoting, in chunk order then sentence order (unscored).

    Sentence vectors are stored at ingest, so scoring all of them costs no model call; what is left out is only
    what could never be a useful quote: a lone word, or an instruction to the reader of a web page.
    """
    settings = settings or AnswerSettings()
    out: list[Candidate] = []
    for hit in pick_chunks(hits, settings):
        for number, (start, end) in enumerate(hit.chunk.sentences):
            text = hit.chunk.text[start:end]
            if len(words(text)) >= MIN_WORDS and quotable(text):
                out.append(Candidate(hit, start, end, sentence=number))
    return out


def quotable(text: str) -> bool:
    """Whether a sentence may be quoted at all: it holds a word, and it is not an instruction to the reader of a web
    page. (A lone word is quotable, but only as an item of its list: `qa.answer.selection.with_list`.)"""
    return bool(words(text)) and not _PAGE_INSTRUCTION.search(text)


class SentenceVectors(Protocol):
    """What attaching vectors needs of `qa.index.Index`: a chunk's row, and stored sentence vectors by place."""

    def row_of(self, chunk_id: str) -> int: ...

    def sentence_vectors_at(self, places: Sequence[tuple[int, int]]) -> np.ndarray: ...


def with_vectors(candidates: Sequence[Candidate], index: SentenceVectors) -> list[Candidate]:
    """The candidates carrying their sentence vectors, made at ingest and read from the index."""
    if not candidates:
        return []
    places = [(index.row_of(c.chunk.chunk_id), c.sentence) for c in candidates]
    vectors = index.sentence_vectors_at(places)
    return [dataclasses.replace(c, vector=v) for c, v in zip(candidates, vectors, strict=True)]
