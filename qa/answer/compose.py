"""The answer from scored candidates: disagreement, selection, citations, then the renderings of one structure.

No sentence of the answer body is written here: every one is a span of a chunk's text, and `Answer.quotes`
lists each with the number of the citation that holds it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from qa.answer.disagreement import Embed, Relate, find
from qa.answer.render import render_markdown, render_text
from qa.answer.selection import best_first, select
from qa.answer.settings import AnswerSettings
from qa.records import Answer, Candidate, Chunk, Citation, Document, Group, Hit, Quote, Ranked, Side


def compose(
    question: str,
    hits: Sequence[Hit],
    candidates: Sequence[Candidate],
    documents: Mapping[str, Document],
    *,
    confidence: float,
    settings: AnswerSettings | None = None,
    emergency: bool = False,
    query: str = "",
    relate: Relate | None = None,
    embed: Embed | None = None,
    restated: str = "",
    unmatched: Sequence[str] = (),
) -> Answer:
    """The cited answer built from scored candidates (`qa.answer.scoring.score`), or an abstention when none is
    quotable. `hits` are the retrieved chunks (their topics are named when abstaining); `relate` and `embed`, the
    question's encoder, let the disagreement stage measure a claim's clause against the question and against the
    other claim's. `restated`: a follow-up's question as restated from the earlier one (`Query.restated`), whose
    form says too whether it asks yes or no. `unmatched`: words of the question no source holds, named after the
    bottom line (`Answer.unmatched`)."""
    settings = settings or AnswerSettings()
    if not candidates:
        # Every sentence was filtered out (lone words, page instructions): nothing can be quoted, so say so.
        return abstain(question, nearest_topics(hits), confidence=confidence, emergency=emergency, query=query)
    disagreement = find(
        candidates, documents, settings, question=question, relate=relate, embed=embed, restated=restated
    )
    sides = list(disagreement.sides) if disagreement is not None else []
    lead = [c for claim, context in sides for c in (claim, *context)] if disagreement and disagreement.asked else []
    selection = select(candidates, settings, lead=lead)
    note = sides if disagreement is not None and not disagreement.asked else []
    noted = [c for claim, context in note for c in (claim, *context)]
    taken = {(c.chunk.chunk_id, c.start) for c in [*lead, *selection.bottom_line, *noted, *selection.safety]}
    evidence = [c for c in selection.evidence if (c.chunk.chunk_id, c.start) not in taken]
    groups = _groups(evidence, documents, settings.max_groups)

    in_order = [*lead, *selection.bottom_line, *noted, *selection.safety, *(c for g in groups.values() for c in g)]
    numbering = _Numbering(in_order, documents)
    answer = Answer(
        question=question,
        markdown="",
        text="",
        citations=numbering.citations(),
        confidence=confidence,
        abstained=False,
        disagreement=bool(lead),
        emergency=emergency,
        query=query,
        quotes=tuple((c.text, numbering.number(c)) for c in in_order),
        bottom_line=tuple(numbering.quote(c) for c in selection.bottom_line),
        sides=tuple(_side(claim, context, numbering, documents) for claim, context in (sides if lead else [])),
        note=tuple(_side(claim, context, numbering, documents) for claim, context in note),
        safety=tuple(numbering.quote(c) for c in selection.safety),
        groups=tuple(
            Group(_heading(key, documents), tuple(numbering.quote(c) for c in members))
            for key, members in groups.items()
        ),
        ranked=tuple(
            Ranked(c.text, c.chunk.doc_id, c.chunk.chunk_id, c.score)
            for c in best_first(candidates)[: settings.max_ranked]
        ),
        unmatched=tuple(unmatched),
    )
    return dataclasses.replace(answer, markdown=render_markdown(answer), text=render_text(answer))


def abstain(
    question: str, nearest: Sequence[str], *, confidence: float, emergency: bool = False, query: str = ""
) -> Answer:
    """The answer when the sources do not cover the question: say so, and name the nearest topics they cover."""
    answer = Answer(
        question=question,
        markdown="",
        text="",
        citations=(),
        confidence=confidence,
        abstained=True,
        emergency=emergency,
        query=query,
        nearest=tuple(nearest),
    )
    return dataclasses.replace(answer, markdown=render_markdown(answer), text=render_text(answer))


def nearest_topics(hits: Sequence[Hit], limit: int = 3) -> list[str]:
    """The topics of the best hits ("Title: Section"), named when the sources cannot answer."""
    labels = []
    for hit in hits:
        heading = hit.chunk.heading_path[-1] if hit.chunk.heading_path else ""
        title = hit.chunk.title
        labels.append(f"{title}: {heading}" if heading and heading != title else title)
    return list(dict.fromkeys(label for label in labels if label))[:limit]


def _groups(
    evidence: Sequence[Candidate], documents: Mapping[str, Document], max_groups: int
) -> dict[tuple[str, tuple[str, ...]], list[Candidate]]:
    """Key evidence by source section (at most `max_groups`), each section's sentences in the source's order."""
    groups: dict[tuple[str, tuple[str, ...]], list[Candidate]] = {}
    for candidate in evidence:
        key = (candidate.chunk.doc_id, candidate.chunk.heading_path)
        if key not in groups and len(groups) >= max_groups:
            continue
        groups.setdefault(key, []).append(candidate)
    return {key: sorted(members, key=lambda c: (c.chunk.ordinal, c.start)) for key, members in groups.items()}


def _heading(key: tuple[str, tuple[str, ...]], documents: Mapping[str, Document]) -> str:
    doc_id, heading_path = key
    document = documents.get(doc_id)
    return heading_path[-1] if heading_path else (document.title if document else doc_id)


def source_label(document: Document | None, chunk: Chunk) -> str:
    """ "Teaching note (UMEM), “Baclofen clearance: ...”": what kind of source says it, in the source's words."""
    title = chunk.title or (document.title if document else chunk.doc_id)
    if document is None:
        return title
    kind = document.kind[0].upper() + document.kind[1:] if document.kind else "Source"
    who = f"{kind} ({document.publisher})" if document.publisher else kind
    return f"{who}, \u201c{title}\u201d"


def _side(
    claim: Candidate, context: Sequence[Candidate], numbering: _Numbering, documents: Mapping[str, Document]
) -> Side:
    label = source_label(documents.get(claim.chunk.doc_id), claim.chunk)
    return Side(label, numbering.quote(claim), tuple(numbering.quote(c) for c in context))


class _Numbering:
    """Citation numbers, one per quoted chunk; a document's chunks get consecutive numbers."""

    def __init__(self, quoted_in_order: Sequence[Candidate], documents: Mapping[str, Document]):
        self.documents = documents
        by_doc: dict[str, list[str]] = {}
        self.quoted: dict[str, list[str]] = {}
        self.hits: dict[str, Hit] = {}
        for candidate in quoted_in_order:
            chunk_id = candidate.chunk.chunk_id
            chunks = by_doc.setdefault(candidate.chunk.doc_id, [])
            if chunk_id not in chunks:
                chunks.append(chunk_id)
                self.hits[chunk_id] = candidate.hit
            quotes = self.quoted.setdefault(chunk_id, [])
            if candidate.text not in quotes:
                quotes.append(candidate.text)
        order = [chunk_id for chunks in by_doc.values() for chunk_id in chunks]
        self.by_chunk = {chunk_id: n for n, chunk_id in enumerate(order, start=1)}

    def number(self, candidate: Candidate) -> int:
        return self.by_chunk[candidate.chunk.chunk_id]

    def quote(self, candidate: Candidate) -> Quote:
        chunk = candidate.chunk
        return Quote(
            candidate.text, self.number(candidate), chunk.doc_id, chunk.chunk_id, candidate.start, candidate.end
        )

    def citations(self) -> tuple[Citation, ...]:
        out = []
        for chunk_id, number in self.by_chunk.items():
            hit = self.hits[chunk_id]
            chunk = hit.chunk
            doc = self.documents.get(chunk.doc_id)
            out.append(
                Citation(
                    number=number,
                    doc_id=chunk.doc_id,
                    chunk_id=chunk_id,
                    title=chunk.title or (doc.title if doc else chunk.doc_id),
                    quote=" ".join(self.quoted[chunk_id]),
                    score=hit.score,
                    heading_path=chunk.heading_path,
                    kind=doc.kind if doc else "",
                    publisher=doc.publisher if doc else "",
                    author=doc.author if doc else "",
                    date=doc.date if doc else "",
                    url=doc.url if doc else "",
                    doi=doc.doi if doc else "",
                    page=chunk.page,
                    chunk_text=chunk.text,
                )
            )
        return tuple(out)
