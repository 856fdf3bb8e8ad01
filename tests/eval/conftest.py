"""A scripted stand-in for `qa.assistant.Assistant`, so the harness is tested without the embedding model.

Rankings come from a function of (mode, question, history) that each test writes, so every metric the harness
reports can be worked out by hand; documents, chunks, hits and answers are the real records. Tests reach the
builders through the `make` fixture (conftest modules are not importable by name when several exist).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from qa.markup import escape_markdown
from qa.records import Answer, Chunk, Citation, Document, Hit, Quote, Ranked, Section

# (mode, question, history) -> ranked chunk ids
Ranker = Callable[[str, str, tuple[str, ...]], list[str]]


def document(doc_id: str, *texts: str) -> Document:
    """A document with one section per text."""
    return Document(doc_id=doc_id, title=doc_id, sections=tuple(Section((doc_id,), t) for t in texts))


def chunk(doc: Document, section: int, start: int, end: int, chunk_id: str) -> Chunk:
    """The chunk of `doc.sections[section].text[start:end]`."""
    text = doc.sections[section].text[start:end]
    return Chunk(chunk_id, doc.doc_id, doc.title, (doc.title,), section, start, end, text, ((0, len(text)),))


def whole_chunks(*docs: Document) -> list[Chunk]:
    """One chunk per section, id `<doc_id>#<section>`."""
    return [chunk(d, i, 0, len(s.text), f"{d.doc_id}#{i}") for d in docs for i, s in enumerate(d.sections)]


def answer(question: str, quotes: Sequence[tuple[str, Chunk]], *, confidence: float = 0.5, abstained=False):
    """An answer quoting `quotes` (sentence, cited chunk), numbered 1.. in order of first citation; the first is its
    bottom line, and all of them, in order, the scorer's candidates."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    pairs: list[tuple[str, int]] = []
    for sentence, cited in quotes:
        if cited.chunk_id not in numbers:
            numbers[cited.chunk_id] = len(numbers) + 1
            citations.append(
                Citation(numbers[cited.chunk_id], cited.doc_id, cited.chunk_id, cited.title, sentence, 1.0)
            )
        pairs.append((sentence, numbers[cited.chunk_id]))
    text = " ".join(f"{s} [{n}]" for s, n in pairs)
    return Answer(
        question=question,
        # As the composer renders it: each quote escaped in the Markdown, as typed in the text.
        markdown=" ".join(f"{escape_markdown(s)} [{n}]" for s, n in pairs),
        text=text,
        citations=tuple(citations),
        confidence=confidence,
        abstained=abstained,
        quotes=tuple(pairs),
        bottom_line=tuple(_quote(s, n, c) for (s, c), (_, n) in zip(quotes[:1], pairs, strict=False)),
        ranked=tuple(Ranked(s, c.doc_id, c.chunk_id, -float(i)) for i, (s, c) in enumerate(quotes)),
    )


def _quote(sentence: str, number: int, cited: Chunk) -> Quote:
    start = cited.text.find(sentence)
    return Quote(sentence, number, cited.doc_id, cited.chunk_id, start, start + len(sentence))


@dataclass
class FakeIndex:
    chunks: list[Chunk]
    documents: dict[str, Document]


@dataclass
class FakeAssistant:
    """Same methods as `Assistant`; records every call in `calls`."""

    index: FakeIndex
    ranker: Ranker
    answers: Callable[[str, tuple[str, ...]], Answer] | None = None
    calls: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)

    @classmethod
    def over(cls, docs: Sequence[Document], ranker: Ranker, chunks: Sequence[Chunk] | None = None, **kw):
        chunk_list = list(chunks) if chunks is not None else whole_chunks(*docs)
        return cls(FakeIndex(chunk_list, {d.doc_id: d for d in docs}), ranker, **kw)

    def _chunk(self, chunk_id: str) -> Chunk:
        return next(c for c in self.index.chunks if c.chunk_id == chunk_id)

    def search(self, query: str, *, mode: str = "hybrid", k: int = 10, history: Sequence[str] = ()) -> list[Hit]:
        self.calls.append(("search", mode, query, tuple(history)))
        ranked = self.ranker(mode, query, tuple(history))[:k]
        return [Hit(self._chunk(c), float(len(ranked) - i)) for i, c in enumerate(ranked)]

    def rank_documents(
        self, query: str, *, mode: str = "hybrid", k: int = 100, history: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        self.calls.append(("rank_documents", mode, query, tuple(history)))
        ranked = self.ranker(mode, query, tuple(history))
        docs = list(dict.fromkeys(self._chunk(c).doc_id for c in ranked))[:k]
        return [(d, float(len(docs) - i)) for i, d in enumerate(docs)]

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        self.calls.append(("ask", "hybrid", question, tuple(history)))
        if self.answers is not None:
            return self.answers(question, tuple(history))
        ranked = self.ranker("hybrid", question, tuple(history))
        if not ranked:
            return answer(question, [], confidence=0.0, abstained=True)
        top = self._chunk(ranked[0])
        return answer(question, [(top.text, top)], confidence=1.0)


@pytest.fixture
def make() -> SimpleNamespace:
    """The builders above: make.document, make.chunk, make.whole_chunks, make.answer, make.assistant."""
    return SimpleNamespace(
        document=document, chunk=chunk, whole_chunks=whole_chunks, answer=answer, assistant=FakeAssistant.over
    )
