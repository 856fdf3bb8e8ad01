"""Stage 6 of an answer: one structure, rendered as Markdown and as plain text by the same small functions.

Everything a document supplied (quoted sentences, titles, section names, publishers, addresses) is untrusted: in
Markdown it goes through `qa.markup.escape_markdown` here, once, and nowhere else; the plain text shows it as it
is, less terminal controls (`qa.markup.printable`). The only words of our own are the template's labels, which
never state a clinical fact. (The JSON form is `Answer.to_json`: the structure itself, with the source's exact
characters.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from qa.answer.safety import EMERGENCY_LINE
from qa.markup import escape_markdown, printable
from qa.records import Answer, Citation, Quote, Side, source_names

DISCLAIMER = (
    "medcite quotes the indexed sources verbatim; it does not give medical advice. Check the cited passages and "
    "use clinical judgement."
)
DIFFER = "the sources differ on this point."
RELATED = "The sources differ on a related point:"
NOT_COVERED = "The indexed sources do not cover this question, so medcite will not answer it."
NEAREST = "The nearest topics they do cover:"
UNMATCHED = "No indexed source mentions:"


@dataclass(frozen=True)
class _Style:
    """How one rendering marks things up: Markdown escapes document text and emphasises labels; text does not."""

    markdown: bool

    def doc(self, text: str) -> str:
        return escape_markdown(text) if self.markdown else printable(text)

    def strong(self, label: str) -> str:
        return f"**{label}**" if self.markdown else label

    def em(self, label: str) -> str:
        return f"*{label}*" if self.markdown else label


MARKDOWN = _Style(markdown=True)
TEXT = _Style(markdown=False)


def render_markdown(answer: Answer) -> str:
    """The answer as Markdown, document text escaped."""
    return "\n".join(_lines(answer, MARKDOWN)).strip()


def render_text(answer: Answer) -> str:
    """The answer as plain text."""
    return "\n".join(_lines(answer, TEXT)).strip()


def _quote(quote: Quote, style: _Style) -> str:
    return f"{style.doc(quote.text)} [{quote.number}]"


def _side(side: Side, style: _Style) -> str:
    context = " ".join(_quote(q, style) for q in side.context)
    tail = f" Context: {context}" if context else ""
    label = f"*{style.doc(side.source)}:*" if style.markdown else f"{side.source}:"
    return f"- {label} {_quote(side.claim, style)}{tail}"


def _lines(answer: Answer, style: _Style) -> list[str]:
    lines: list[str] = []
    if answer.emergency:
        lines += [style.strong(EMERGENCY_LINE), ""]
    if answer.abstained:
        lines += [style.strong(NOT_COVERED)]
        if answer.nearest:
            lines += ["", NEAREST, *(f"- {style.doc(t)}" for t in answer.nearest)]
        return [*lines, "", _disclaimer(style)]
    if answer.sides:
        lines.append(style.strong(f"Bottom line: {DIFFER}"))
        lines += [_side(s, style) for s in answer.sides]
    elif answer.bottom_line:
        label = "**Bottom line:**" if style.markdown else "Bottom line:"
        first, *items = answer.bottom_line
        # A lead-in and its list ("Her symptoms were:" then one item per line).
        lines += [f"{label} {_quote(first, style)}", *(f"- {_quote(q, style)}" for q in items)]
    if answer.unmatched:
        # The user's words, shown back: escaped as a document's are.
        named = ", ".join(f"\u201c{style.doc(word)}\u201d" for word in answer.unmatched)
        lines.append(f"{style.strong(UNMATCHED)} {named}.")
    if answer.note:
        lines += ["", style.strong(RELATED), *(_side(s, style) for s in answer.note)]
    if answer.safety:
        lines += ["", style.strong("Safety"), *(f"- {_quote(q, style)}" for q in answer.safety)]
    if answer.groups:
        lines += ["", style.strong("Key evidence")]
    for group in answer.groups:
        heading = group.heading
        shown = (
            style.em(style.doc(heading)) if style.markdown else (heading if heading[-1:] in "?.!:" else f"{heading}:")
        )
        lines += ["", shown, *(f"- {_quote(q, style)}" for q in group.quotes)]
    lines += ["", style.strong("References"), *_references(answer.citations, style)]
    return [*lines, "", _disclaimer(style)]


def _disclaimer(style: _Style) -> str:
    return f"_{DISCLAIMER}_" if style.markdown else DISCLAIMER


def reference_line(citation: Citation) -> str:
    """ "Title. Publisher, date. Author. Kind. URL" from what the source states, nothing more."""
    parts = [citation.title.rstrip(".?") + ("?" if citation.title.endswith("?") else ".")]
    source = ", ".join(p for p in (citation.publisher, citation.date) if p)
    if source:
        parts.append(source + ".")
    if citation.author:
        parts.append(f"{citation.author}.")
    if citation.kind:
        parts.append(citation.kind[0].upper() + citation.kind[1:] + ".")
    link = citation.url or (f"https://doi.org/{citation.doi}" if citation.doi else "")
    if link:
        parts.append(link)
    return " ".join(parts)


def passage_label(citation: Citation) -> str:
    """Where in its document a cited passage is: section and page, as the source names them."""
    parts = []
    if citation.heading_path:
        parts.append(" > ".join(citation.heading_path))
    if citation.page is not None:
        parts.append(f"page {citation.page}")
    return ", ".join(parts) or "main text"


def _references(citations: Sequence[Citation], style: _Style) -> list[str]:
    """One entry per document, then its quoted passages by number: [1] section A; [2] section B.

    A link is shown as text, never made live: a document can state any address as its own.
    """
    by_doc: dict[str, list[Citation]] = {}
    for citation in citations:
        by_doc.setdefault(citation.doc_id, []).append(citation)
    lines: list[str] = []
    # Two documents of the same title (two folders' summary.txt) are told apart by their paths.
    names = source_names(citations)
    for doc_id, group in by_doc.items():
        passages = "; ".join(f"[{c.number}] {style.doc(passage_label(c))}" for c in group)
        reference = style.doc(reference_line(replace(group[0], title=names[doc_id])))
        lines.append(
            f"- {reference} Passages: {passages}" if style.markdown else f"{reference}\n  Passages: {passages}"
        )
    return lines
