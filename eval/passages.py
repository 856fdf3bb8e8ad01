"""Relevance by quoted passage, for our own set: a chunk is relevant if it holds a quote its question names.

Quotes rather than chunk ids make the judgements survive re-chunking: they are located in the documents' clean
text at scoring time, and every chunk whose span holds the quote counts as finding it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from eval import EvalError
from eval.datasets import Passage, Query

if TYPE_CHECKING:
    from qa.records import Answer, Chunk, Document


class IndexLike(Protocol):
    """What the harness reads of `qa.index.Index`."""

    chunks: Sequence[Chunk]
    documents: Mapping[str, Document]


class PassageJudge:
    """Relevance for our own set, where a relevant passage is a quote and any chunk holding it finds it.

    Runs are converted to passages: a retrieved chunk stands for each not yet found passage it holds, so a
    passage split or repeated across overlapping chunks counts once, and the set survives re-chunking.
    """

    def __init__(self, index: IndexLike, queries: Sequence[Query]):
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in index.chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
        self.holders: dict[str, frozenset[str]] = {}
        for query in queries:
            for passage in query.passages:
                if passage.key not in self.holders:
                    self.holders[passage.key] = self._locate(passage, query, index, by_doc)
        self._held_by: dict[str, set[str]] = {}
        for key, chunk_ids in self.holders.items():
            for chunk_id in chunk_ids:
                self._held_by.setdefault(chunk_id, set()).add(key)

    @staticmethod
    def _locate(passage: Passage, query: Query, index: IndexLike, by_doc: Mapping[str, list[Chunk]]) -> frozenset:
        doc = index.documents.get(passage.doc)
        if doc is None:
            # A file named by its name where the index names it by its path under the ingested folder.
            tails = [d for d in index.documents if d.endswith("/" + passage.doc)]
            doc = index.documents[tails[0]] if len(tails) == 1 else None
            if doc is not None:
                passage = Passage(doc.doc_id, passage.quote)
        if doc is None:
            known = ", ".join(sorted(index.documents)[:10])
            raise EvalError(
                f"own set question {query.qid!r} cites document {passage.doc!r}, which is not in the index "
                f"(it holds: {known}); fix its 'doc' to a corpus file name"
            )
        spans = [
            (i, m.start(), m.end())
            for i, section in enumerate(doc.sections)
            for m in re.finditer(re.escape(passage.quote), section.text)
        ]
        if not spans:
            raise EvalError(
                f"own set question {query.qid!r}: quote {passage.quote!r} is not in the loaded text of "
                f"{passage.doc!r}; quote it verbatim from the clean text (citation markers are removed)"
            )
        chunks = by_doc.get(doc.doc_id, [])
        holding = {
            c.chunk_id for c in chunks for i, s, e in spans if c.section_index == i and c.start <= s and e <= c.end
        }
        if not holding:
            # The quote straddles a chunk boundary: each chunk holding part of it finds it.
            holding = {
                c.chunk_id for c in chunks for i, s, e in spans if c.section_index == i and c.start < e and s < c.end
            }
        return frozenset(holding)

    def qrels(self, queries: Sequence[Query]) -> dict[str, dict[str, int]]:
        return {q.qid: {p.key: 1 for p in q.passages} for q in queries}

    def ranking(self, query: Query, chunk_ids: Sequence[str]) -> list[str]:
        wanted = {p.key for p in query.passages}
        found: set[str] = set()
        ranked: list[str] = []
        for chunk_id in chunk_ids:
            new = sorted((self._held_by.get(chunk_id, set()) & wanted) - found)
            found.update(new)
            ranked.extend(new or [chunk_id])
        return ranked

    def cites_relevant(self, query: Query, answer: Answer) -> bool:
        held = set().union(*(self.holders[p.key] for p in query.passages))
        return any(c.chunk_id in held for c in answer.citations)
