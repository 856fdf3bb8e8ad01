"""Turning an `Answer` into chat messages: the answer, one collapsible source per citation, the follow-ups.

Everything a document says reaches the page through `qa.markup.escape_markdown`, so a source that contains markup or
Markdown is shown as the characters it holds and never runs or restyles the page. Gradio's own sanitiser
(`sanitize_html=True`) stays on as a second line of defence, not the only one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote as url_quote

import gradio as gr

# One disclaimer for the whole product, the one every answer ends with; the footer and the empty chat repeat it.
from qa.answer import DISCLAIMER
from qa.markup import escape_markdown, shows_as_itself
from qa.records import Answer, Citation, source_names

_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
# Gradio shows collapsible messages in small grey type, made for a model's "thinking"; a source passage is what
# a clinician reads to check an answer, so it gets the chat's normal size and colour.
CHAT_CSS = """
.thought-group .title, .thought-group .content .prose {
  font-size: var(--chatbot-text-size) !important;
  color: var(--body-text-color) !important;
}
.thought-group .title *, .thought-group .content .prose * { font-size: inherit !important; }
.message mark { padding: 0 0.1em; }
"""
# A source's collapsed line should fit one line of the chat beside its section name.
TITLE_CHARS = 60


@dataclass(frozen=True)
class Span:
    """A half-open character range of a chunk's text to highlight."""

    start: int
    end: int


def find_spans(text: str, sentences: Iterable[str]) -> list[Span]:
    """Where each sentence occurs in `text`, merged and sorted; a sentence not found is skipped.

    Quotes are verbatim, but a loader may have folded whitespace differently in the quote and the chunk, so a
    second, whitespace-tolerant search runs before giving up on a sentence.
    """
    spans: list[Span] = []
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence:
            continue
        start = text.find(sentence)
        if start >= 0:
            spans.append(Span(start, start + len(sentence)))
            continue
        pattern = r"\s+".join(re.escape(word) for word in sentence.split())
        match = re.search(pattern, text)
        if match:
            spans.append(Span(match.start(), match.end()))
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def highlight(text: str, sentences: Iterable[str]) -> str:
    """`text` escaped for Markdown, with the cited sentences wrapped in `<mark>`."""
    parts: list[str] = []
    position = 0
    for span in find_spans(text, sentences):
        parts.append(escape_markdown(text[position : span.start]))
        parts.append(f"<mark>{escape_markdown(text[span.start : span.end])}</mark>")
        position = span.end
    parts.append(escape_markdown(text[position:]))
    return "".join(parts)


def _link(label: str, url: str) -> str:
    """A Markdown link for an http(s) address; anything else (javascript:, data:, file:) is shown as text."""
    if _SAFE_URL.match(url):
        # Parentheses are percent-encoded so that they cannot end the Markdown link early.
        target = url_quote(url, safe=":/?#[]@!$&'*+,;=%~.-_")
        return f"[{escape_markdown(label)}]({target})"
    return escape_markdown(url)


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return f"{cut.rstrip(' ,;:')}…"


def source_title(citation: Citation, *, show_path: bool = False) -> str:
    """The collapsed line of a source: its number, document title and section (escaped: Gradio renders it as
    Markdown too). A long title is shortened here; the expanded source shows it whole.

    Args:
        show_path: add the document's id, its path under the ingested folder, after the title (for a title that
            another cited document shares; see `qa.records.source_names`).
    """
    title = shorten(citation.title or citation.doc_id, TITLE_CHARS)
    if show_path:
        title = f"{title} ({citation.doc_id})"
    section = " › ".join(h for h in citation.heading_path if h and h != citation.title)
    label = f"[{citation.number}] {title}"
    return escape_markdown(f"{label} — {section}" if section else label)


def source_markdown(citation: Citation, quoted: Iterable[str] = ()) -> str:
    """The expanded body of a source: where it comes from, a link, and the passage with the quote highlighted.

    Args:
        citation: the numbered source.
        quoted: further sentences of the answer attributed to this citation, highlighted as well.
    """
    lines: list[str] = []
    origin = [part for part in (citation.publisher, citation.author, citation.date, citation.kind) if part]
    lines.append(f"**Document:** {escape_markdown(citation.title or citation.doc_id)}")
    if origin:
        lines.append(f"**Source:** {escape_markdown(' · '.join(origin))}")
    section = " › ".join(h for h in citation.heading_path if h)
    if section or citation.page is not None:
        where = escape_markdown(section) if section else ""
        if citation.page is not None:
            where = f"{where} (page {citation.page})" if where else f"page {citation.page}"
        lines.append(f"**Section:** {where}")
    links = []
    if citation.url:
        links.append(_link(citation.url, citation.url))
    if citation.doi:
        doi = citation.doi.strip()
        links.append(_link(f"doi:{doi}", f"https://doi.org/{doi}") if _DOI.match(doi) else escape_markdown(doi))
    if links:
        lines.append(f"**Link:** {' · '.join(links)}")
    lines.append(f"**ID:** {escape_markdown(citation.doc_id)} · **Retrieval score:** {citation.score:.2f}")
    passage = citation.chunk_text or citation.quote
    body = highlight(passage, [citation.quote, *quoted])
    # A blockquote sets the passage apart from the metadata; each source line needs its own marker.
    quoted_block = "\n".join(f"> {line}" for line in body.split("\n"))
    return "\n\n".join(["  \n".join(lines), quoted_block])


def answer_caption(answer: Answer) -> str:
    """One line under the answer: the composer's confidence, and what was searched after follow-up context."""
    caption = f"Confidence {answer.confidence:.2f}"
    if answer.query and answer.query.strip() != answer.question.strip():
        caption += f" · searched for: {escape_markdown(answer.query)}"
    return f"<sub>{caption}</sub>"


def answer_messages(answer: Answer) -> list[gr.ChatMessage]:
    """The reply to one question: the answer, then one collapsed message per source; follow-ups on the last.

    The chatbot shows a reply's options under its last message, so the suggestions ride on whichever message
    ends the reply.
    """
    # The composer escapes every quoted sentence and source field in `answer.markdown` itself.
    body = f"{answer.markdown}\n\n{answer_caption(answer)}"
    messages = [gr.ChatMessage(content=body)]
    quoted_by: dict[int, list[str]] = {}
    for sentence, number in answer.quotes:
        quoted_by.setdefault(number, []).append(sentence)
    names = source_names(answer.citations)
    for citation in answer.citations:
        shared_title = names[citation.doc_id] != (citation.title or citation.doc_id)
        messages.append(
            gr.ChatMessage(
                content=source_markdown(citation, quoted_by.get(citation.number, ())),
                metadata={
                    "title": source_title(citation, show_path=shared_title),
                    "status": "done",
                },
            )
        )
    # A follow-up is a button's plain-text label, and once clicked the user's message, which the chat renders as
    # Markdown: one that a document filled with markup or an address is not offered at all (see qa.markup).
    offered = [s for s in answer.suggestions if shows_as_itself(s)]
    if offered:
        messages[-1].options = [{"value": s, "label": s} for s in offered]
    return messages


def footer_markdown(*, model: str, created: str, documents: int, chunks: int) -> str:
    """The footer: corpus size, model, index date and the disclaimer."""
    return (
        f"<sub>{documents:,} documents · {chunks:,} passages · model {escape_markdown(model)} · "
        f"index built {escape_markdown(created)}</sub>  \n<sub>{escape_markdown(DISCLAIMER)}</sub>"
    )


def index_footer(index: Any) -> str:
    """`footer_markdown` for a loaded `qa.index.Index` (or anything with its manifest, documents, chunks)."""
    return footer_markdown(
        model=index.manifest.model,
        created=index.manifest.created,
        documents=len(index.documents),
        chunks=len(index.chunks),
    )
