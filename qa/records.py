"""The records that pass between medcite's stages, defined in one place.

Every stage (loading, chunking, indexing, retrieval, composition) takes and returns these frozen
dataclasses, so that an answer can always be traced back to the exact characters it quotes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

# A citation marker removed from a text: the character offset where it stood and the reference numbers it named.
Marker = tuple[int, tuple[int, ...]]
# A sentence as a half-open character span [start, end) of the text that holds it.
Span = tuple[int, int]


def stable_hash(*parts: str, length: int = 16) -> str:
    """Hex digest of the parts, so ids survive a rebuild of the index."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:length]


@dataclass(frozen=True)
class Reference:
    """One entry of a document's own reference list (metadata, never indexed as content)."""

    number: int | None
    text: str
    url: str = ""


@dataclass(frozen=True)
class Section:
    """A titled stretch of a document's clean text.

    `markers` keeps the inline citation markers ("1, 4") that were taken out of `text`, so a quoted sentence can
    still name the references its source gave for it.
    """

    heading_path: tuple[str, ...]
    text: str
    page: int | None = None
    markers: tuple[Marker, ...] = ()


# Headings that name a part of a paper or page, not its subject (compared in lower case, spaces folded).
_STRUCTURE_HEADINGS = frozenset(
    h.strip()
    for h in """abstract|background|introduction|context|objective|objectives|aim|aims|purpose|hypothesis|
    methods|method|materials and methods|patients and methods|subjects and methods|methods and results|
    study design|design|setting|settings|participants|patients|subjects|interventions|intervention|
    measurements|main outcome measures|outcome measures|results|findings|discussion|conclusion|conclusions|
    summary|references|keywords|acknowledgements|acknowledgments""".split("|")
)

# A title that is at most a word and a long number ("PubMed 20064872") is a label, not a topic ("Chromosome 22" is).
_IDENTIFIER = re.compile(r"(?:[A-Za-z]+\s+)?\d{5,}")


def is_structure_heading(heading: str) -> bool:
    """Whether a heading names a part of a paper or page ("Patients and  Methods"), not its subject."""
    return " ".join(heading.lower().split()) in _STRUCTURE_HEADINGS


@dataclass(frozen=True)
class Document:
    """A source document after loading: clean sections plus what the source says about itself."""

    doc_id: str
    title: str
    sections: tuple[Section, ...]
    source: str = ""
    kind: str = ""
    publisher: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    doi: str = ""
    references: tuple[Reference, ...] = ()
    related_questions: tuple[str, ...] = ()
    # Index terms the source assigns to the whole document (PubMed's MeSH headings): searched with every chunk,
    # as a title is, but never quoted or suggested.
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.doc_id:
            raise ValueError("Document.doc_id must not be empty")

    def follow_ups(self) -> tuple[str, ...]:
        """What a reader of this document may ask next: its related questions, section headings and title.

        A heading that names a part of a paper ("Methods", "Conclusion") and a title that is only an identifier
        ("PubMed 20064872") name no topic anyone would ask about, so they are not offered.
        """
        headings = [
            s.heading_path[-1]
            for s in self.sections
            if s.heading_path and not is_structure_heading(s.heading_path[-1])
        ]
        title = "" if _IDENTIFIER.fullmatch(self.title.strip()) else self.title
        return tuple(t for t in dict.fromkeys([*self.related_questions, *headings, title]) if t.strip())

    @property
    def content_hash(self) -> str:
        """Hash of everything the index stores about the document; a change means re-chunking it."""
        return stable_hash(json.dumps(document_to_dict(self), sort_keys=True, ensure_ascii=False), length=32)


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned piece of one section, small enough for the embedding model's window.

    `text` is exactly `section.text[start:end]`; `sentences` are spans of `text`. `context` (title and heading
    path, then the text) is what gets embedded and BM25-indexed, so a chunk is found by its topic too.
    """

    chunk_id: str
    doc_id: str
    title: str
    heading_path: tuple[str, ...]
    section_index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]
    ordinal: int = 0
    page: int | None = None
    markers: tuple[Marker, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def context(self) -> str:
        return chunk_context(self.title, self.heading_path, self.text, self.keywords)

    def sentence_texts(self) -> list[str]:
        return [self.text[start:end] for start, end in self.sentences]


def chunk_context(title: str, heading_path: tuple[str, ...], text: str, keywords: tuple[str, ...] = ()) -> str:
    """The text a chunk is embedded and searched by: its title, its document's keywords and its headings, then
    its own words (always last: sentence offsets in the context are the text's shifted by the prefix)."""
    heads = [h for h in heading_path if h and h != title]
    named = f"{title} ({'; '.join(keywords)})" if title and keywords else title or "; ".join(keywords)
    prefix = " > ".join([named, *heads]) if named else " > ".join(heads)
    return f"{prefix}\n{text}" if prefix else text


@dataclass(frozen=True)
class Skipped:
    """A file that was not ingested, and why (shown in the ingest summary)."""

    path: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    """What the loaders made of a set of paths: the documents, and the files they had to skip."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...] = ()


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the score of the mode that found it and, where computed, each signal's."""

    chunk: Chunk
    score: float
    dense: float | None = None
    bm25: float | None = None


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved chunk that the answer could quote, and the answer scorer's score for it.

    `start`/`end` are a span of `hit.chunk.text`; `sentence` is its number among the chunk's sentences (where its
    ingest-time vector is stored); `score` is the scorer's log-odds that it is the sentence that answers the
    question; `vector` is that stored sentence vector (float32, unit length; not compared).
    """

    hit: Hit
    start: int
    end: int
    sentence: int = -1
    score: float = 0.0
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    # The cosine of its vector to the question (its closest part): how much it is about what was asked.
    relevance: float = 0.0

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the document it comes from and the exact words quoted from a chunk."""

    number: int
    doc_id: str
    chunk_id: str
    title: str
    quote: str
    score: float
    heading_path: tuple[str, ...] = ()
    kind: str = ""
    publisher: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    doi: str = ""
    page: int | None = None
    chunk_text: str = ""


def source_names(citations: Sequence[Citation]) -> dict[str, str]:
    """How to name each cited document so that two with the same title can be told apart: doc_id -> name.

    A name is the document's title; when another cited document has the same title (two `summary.txt` files
    titled "Summary", two editions of one guideline), it is the title followed by the document's id, which is
    its path under the folder it was ingested from ("Summary (nephrology/summary.txt)").
    """
    titles: dict[str, str] = {}
    for citation in citations:
        titles.setdefault(citation.doc_id, citation.title or citation.doc_id)
    counts = Counter(" ".join(t.lower().split()) for t in titles.values())
    return {
        doc_id: f"{title} ({doc_id})" if counts[" ".join(title.lower().split())] > 1 and title != doc_id else title
        for doc_id, title in titles.items()
    }


@dataclass(frozen=True)
class Quote:
    """One sentence of an answer: the source's exact characters, the citation number it carries, and where it is
    (a span of the cited chunk's text)."""

    text: str
    number: int
    doc_id: str
    chunk_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Side:
    """One source's side of a disagreement: who says it, its claim, and the source's own context for the claim."""

    source: str
    claim: Quote
    context: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Group:
    """Key evidence from one section of one source, under the section's heading, in the source's order."""

    heading: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Ranked:
    """A candidate sentence in the answer scorer's order (kept on the answer for evaluation and inspection)."""

    text: str
    doc_id: str
    chunk_id: str
    score: float


@dataclass(frozen=True)
class Answer:
    """What `Assistant.ask` returns: the answer as data, its Markdown and text renderings, and what checks them.

    The structure (`bottom_line`, `sides`, `note`, `safety`, `groups`, `citations`) is built once by
    `qa.answer.compose`; `markdown` and `text` are renderings of it (`qa.answer.render`), with document text
    escaped in the Markdown. `quotes` lists every quoted sentence with its citation number, for the verbatim check.
    """

    question: str
    markdown: str
    text: str
    citations: tuple[Citation, ...]
    confidence: float
    abstained: bool
    suggestions: tuple[str, ...] = ()
    disagreement: bool = False
    emergency: bool = False
    query: str = ""
    # Every sentence of the answer body with the citation number it carries, for the verbatim check.
    quotes: tuple[tuple[str, int], ...] = ()
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    # The direct answer (one sentence), unless the sources differ on the point asked: then `sides` is the
    # bottom line. `note` holds a disagreement on a related point, shown after the bottom line.
    bottom_line: tuple[Quote, ...] = ()
    sides: tuple[Side, ...] = ()
    note: tuple[Side, ...] = ()
    safety: tuple[Quote, ...] = ()
    groups: tuple[Group, ...] = ()
    # The topics named when abstaining; the candidates in the scorer's order (the best few).
    nearest: tuple[str, ...] = ()
    ranked: tuple[Ranked, ...] = ()
    # Words of the question that no indexed source holds, named when the answer is not sure of its scope
    # (`qa.confidence.Confidence.unmatched`, `AnswerSettings.unmatched_below`): what the quotes may not speak to.
    unmatched: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The JSON form printed by `medcite ask --json`."""
        return {
            "question": self.question,
            "answer": self.markdown,
            "text": self.text,
            "citations": [asdict(c) for c in self.citations],
            "confidence": self.confidence,
            "abstained": self.abstained,
            "suggestions": list(self.suggestions),
            "disagreement": self.disagreement,
            "emergency": self.emergency,
            "query": self.query,
            "quotes": [list(q) for q in self.quotes],
            "bottom_line": [asdict(q) for q in self.bottom_line],
            "sides": [asdict(s) for s in self.sides],
            "note": [asdict(s) for s in self.note],
            "safety": [asdict(q) for q in self.safety],
            "groups": [asdict(g) for g in self.groups],
            "unmatched": list(self.unmatched),
            "nearest": list(self.nearest),
        }


def document_to_dict(doc: Document) -> dict:
    """Plain-JSON form of a document (stored in the index's SQLite file)."""
    return asdict(doc)


def document_from_dict(data: dict) -> Document:
    """Inverse of `document_to_dict`; tuples come back as tuples so records compare equal."""
    sections = tuple(
        Section(
            heading_path=tuple(s["heading_path"]),
            text=s["text"],
            page=s.get("page"),
            markers=tuple((int(o), tuple(int(n) for n in nums)) for o, nums in s.get("markers", ())),
        )
        for s in data["sections"]
    )
    references = tuple(Reference(r.get("number"), r["text"], r.get("url", "")) for r in data.get("references", ()))
    fields = {k: v for k, v in data.items() if k not in {"sections", "references", "related_questions", "keywords"}}
    return Document(
        **fields,
        sections=sections,
        references=references,
        related_questions=tuple(data.get("related_questions", ())),
        keywords=tuple(data.get("keywords", ())),
    )
