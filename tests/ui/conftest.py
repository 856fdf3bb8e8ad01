"""Fixtures for the chat: a small fake assistant, the real assistant on a real index, launched apps.

The fake keeps UI-logic tests fast and independent of the embedding model: it answers from three hand-written
documents by word overlap, resolves follow-ups with the library's own `qa.query.resolve_followup`, and returns
real `Answer` records. The end-to-end tests use the real `Assistant` on an index built once per test session
from corpus/ plus hostile documents (tests/fixtures/hostile/, one HTML page with script tags, an `onerror` image
and the same markup as visible text, and a page of one 100 kB line), so every end-to-end test also runs with
hostile text in the index.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator, Sequence

import gradio as gr
import pytest
from gradio_client import Client

from qa.assistant import Assistant
from qa.index import Manifest
from qa.ingest import ingest
from qa.query import resolve_followup
from qa.records import Answer, Chunk, Citation, Document, Section, stable_hash
from qa.settings import REPO_ROOT, Settings
from ui.app import build_app
from ui.deploy import launch

_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"is", "the", "a", "an", "of", "in", "by", "with", "what", "about", "does", "do", "and", "for", "how"}

BACLOFEN_TEXT = (
    "Baclofen is primarily excreted unchanged by the kidneys. "
    "Baclofen is dialyzable with clinically significant removal rates. "
    "Patients on hemodialysis develop toxicity even with doses as low as 10 mg."
)
CHILDREN_TEXT = "In children, baclofen overdose causes coma and seizures. Hemodialysis shortened the coma."
HOSTILE_TEXT = (
    "Zolpidem levels rise with grapefruit juice <script>window.__pwned = 1</script>. "
    "Grapefruit raises zolpidem exposure <img src=x onerror=\"window.__pwned = 1\">."
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _document(doc_id: str, title: str, heading: str, text: str, related: tuple[str, ...] = ()) -> Document:
    return Document(
        doc_id=doc_id,
        title=title,
        sections=(Section(heading_path=(title, heading), text=text),),
        source=f"/fake/{doc_id}",
        kind="article",
        publisher="Fake Press",
        url=f"https://example.org/{doc_id}",
        related_questions=related,
    )


def _chunk(doc: Document) -> Chunk:
    text = doc.sections[0].text
    spans, start = [], 0
    for match in re.finditer(r"[^.]+\.\s*", text):
        spans.append((match.start(), match.start() + len(match.group(0).rstrip())))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return Chunk(
        chunk_id=stable_hash(doc.doc_id, text),
        doc_id=doc.doc_id,
        title=doc.title,
        heading_path=doc.sections[0].heading_path,
        section_index=0,
        start=0,
        end=len(text),
        text=text,
        sentences=tuple(spans),
    )


class FakeIndex:
    """The attributes of `qa.index.Index` that the chat reads."""

    def __init__(self, documents: Sequence[Document]):
        self.documents = {d.doc_id: d for d in documents}
        self.chunks = [_chunk(d) for d in documents]
        self.manifest = Manifest(
            format_version=1,
            model="fake-model",
            dim=4,
            chunker_version="fake",
            corpus_fingerprint="0" * 16,
            package_version="0.1.0",
            created="2026-01-02T03:04:05+00:00",
            documents=len(self.documents),
            chunks=len(self.chunks),
            dense_kind="flat-ip",
        )


class FakeAssistant:
    """Answers with the best-overlapping sentence of the best-overlapping chunk; abstains on no overlap."""

    def __init__(self, documents: Sequence[Document]):
        self.index = FakeIndex(documents)
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        self.calls.append((question, tuple(history)))
        query, _ = resolve_followup(question, history)
        wanted = _words(query)
        scored = sorted(
            ((len(wanted & _words(c.context)), i, c) for i, c in enumerate(self.index.chunks)),
            key=lambda t: (-t[0], t[1]),
        )
        best_score, _, chunk = scored[0]
        if best_score == 0:
            return Answer(question, "The indexed sources do not answer this.", "", (), 0.0, True, query=query)
        sentences = chunk.sentence_texts()
        quote = max(sentences, key=lambda s: (len(wanted & _words(s)), -sentences.index(s)))
        doc = self.index.documents[chunk.doc_id]
        citation = Citation(
            number=1,
            doc_id=doc.doc_id,
            chunk_id=chunk.chunk_id,
            title=doc.title,
            quote=quote,
            score=best_score / max(len(wanted), 1),
            heading_path=chunk.heading_path,
            kind=doc.kind,
            publisher=doc.publisher,
            url=doc.url,
            chunk_text=chunk.text,
        )
        return Answer(
            question=question,
            markdown=f"{quote} [1]",
            text=quote,
            citations=(citation,),
            confidence=citation.score,
            abstained=False,
            suggestions=doc.related_questions[:2],
            query=query,
            quotes=((quote, 1),),
        )


def fake_documents() -> list[Document]:
    return [
        _document(
            "baclofen.txt",
            "Is baclofen cleared by dialysis?",
            "Hemodialysis clearance",
            BACLOFEN_TEXT,
            ("What about baclofen in children?", "How is baclofen toxicity treated?"),
        ),
        _document("children.txt", "Baclofen overdose in children", "Case series", CHILDREN_TEXT),
        _document("hostile.html", "Grapefruit <b>and</b> zolpidem", "Interactions", HOSTILE_TEXT),
    ]


@pytest.fixture
def fake_assistant() -> FakeAssistant:
    return FakeAssistant(fake_documents())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Serves apps on free loopback ports with the production launch options; closes them at the end."""
    demos: list[gr.Blocks] = []

    def start(demo: gr.Blocks, **options: object) -> str:
        url = launch(demo, prevent_thread_lock=True, quiet=True, port=free_port(), **options)  # type: ignore[arg-type]
        demos.append(demo)
        return url

    yield start
    for demo in demos:
        demo.close()


@pytest.fixture
def client_for() -> Iterator[Callable[[str], Client]]:
    """Makes gradio clients (one per simulated user) and closes them all at the end."""
    clients: list[Client] = []

    def make(url: str) -> Client:
        client = Client(url, analytics_enabled=False, verbose=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# Real tags (which the loader drops) and the same markup as escaped text (which reaches the index verbatim and
# so must be shown, inert, in the source panel).
HOSTILE_HTML = """<!DOCTYPE html>
<html><head><title>Grapefruit juice and zolpidem</title>
<script>window.__pwned = 1</script></head>
<body>
<h1>Grapefruit juice and zolpidem</h1>
<h2>Interaction</h2>
<p>Grapefruit juice raises zolpidem exposure by inhibiting intestinal CYP3A4
&lt;img src=x onerror="window.__pwned = 1"&gt; and patients may feel drowsy the next morning.</p>
<p>Patients taking zolpidem should avoid grapefruit juice at bedtime
&lt;script&gt;window.__pwned = 1&lt;/script&gt; to prevent excessive sedation.</p>
<img src=x onerror="window.__pwned = 1">
<script>window.__pwned = 1</script>
</body></html>
"""


HOSTILE_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "hostile"
# The sentence of the one-line page that answers its question, with markup a renderer would act on.
LONG_LINE_ANSWER = (
    "The adult starting dose of hydroxocobalamin for cyanide poisoning is 5 g intravenously over 15 minutes "
    '<img src=x onerror="window.__pwned=1"> ![beacon](http://203.0.113.9/long.png).'
)


def long_line_page(size: int = 100_000) -> str:
    """A page exported as one line of `size` characters: case reports, with one hostile answer in the middle."""
    sentences: list[str] = []
    total = 0
    for i in range(10**6):
        sentence = (
            f"Report {i} describes a smoke inhalation victim given {5 + i % 7} g of hydroxocobalamin, whose "
            f"lactate fell to {2 + i % 9} mmol/L within {10 + i % 50} minutes."
        )
        sentences.append(sentence)
        total += len(sentence) + 1
        if total >= size:
            break
    sentences.insert(len(sentences) // 2, LONG_LINE_ANSWER)
    return "Hydroxocobalamin case reports\n\n" + " ".join(sentences) + "\n"


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An index built with the real model from corpus/ plus the hostile documents, in a temporary home."""
    home = tmp_path_factory.mktemp("medcite-home")
    extra = home / "hostile"
    extra.mkdir()
    (extra / "grapefruit_zolpidem.html").write_text(HOSTILE_HTML, encoding="utf-8")
    for fixture in HOSTILE_FIXTURES.iterdir():
        (extra / fixture.name).write_bytes(fixture.read_bytes())
    (extra / "hydroxocobalamin-one-long-line.txt").write_text(long_line_page(), encoding="utf-8")
    settings = Settings(index_dir=home / "index", cache_dir=home / "cache", corpus_dir=REPO_ROOT / "corpus")
    report = ingest([settings.corpus_dir, extra], settings)
    assert report.skipped == (), report.summary()
    return settings


@pytest.fixture(scope="session")
def real_assistant(real_settings: Settings) -> Assistant:
    return Assistant.load(real_settings.index_dir, real_settings)


@pytest.fixture(scope="session")
def real_url(real_assistant) -> Iterator[str]:
    """The chat on the real assistant, served once for all end-to-end tests (each client is its own session)."""
    demo = build_app(real_assistant)
    url = launch(demo, prevent_thread_lock=True, quiet=True, port=free_port())
    yield url
    demo.close()
