"""Rendering answers: escaping untrusted document text, highlighting quotes, attaching follow-ups."""

from __future__ import annotations

from qa.markup import escape_markdown
from qa.records import Answer, Citation
from ui.render import (
    Span,
    answer_caption,
    answer_messages,
    find_spans,
    footer_markdown,
    highlight,
    shorten,
    source_markdown,
    source_title,
)


def citation(number: int = 1, **overrides: object) -> Citation:
    fields: dict[str, object] = {
        "number": number,
        "doc_id": "doc.txt",
        "chunk_id": "c1",
        "title": "Baclofen",
        "quote": "It is dialyzable.",
        "score": 0.5,
        "chunk_text": "Baclofen is renally cleared. It is dialyzable. Doses must be reduced.",
    }
    fields.update(overrides)
    return Citation(**fields)  # type: ignore[arg-type]


def answer(**overrides: object) -> Answer:
    fields: dict[str, object] = {
        "question": "Is baclofen dialyzable?",
        "markdown": "It is dialyzable. [1]",
        "text": "It is dialyzable.",
        "citations": (citation(),),
        "confidence": 0.8,
        "abstained": False,
        "query": "Is baclofen dialyzable?",
        "quotes": (("It is dialyzable.", 1),),
    }
    fields.update(overrides)
    return Answer(**fields)  # type: ignore[arg-type]


def test_find_spans_exact_whitespace_tolerant_merged_and_missing() -> None:
    text = "Alpha beta.  Gamma\ndelta. Epsilon."
    # "Gamma delta." matches across the newline; "beta. Gamma" overlaps it and merges; "Zeta." is absent.
    assert find_spans(text, ["Gamma delta.", "beta.  Gamma", "Zeta.", ""]) == [Span(6, 25)]
    assert find_spans(text, ["Epsilon.", "Alpha"]) == [Span(0, 5), Span(26, 34)]


def test_highlight_marks_the_quote_and_escapes_everything() -> None:
    text = "Safe <b>part</b>. Quoted <i>bit</i>. Tail."
    assert highlight(text, ["Quoted <i>bit</i>."]) == (
        "Safe &lt;b&gt;part&lt;/b&gt;\\. <mark>Quoted &lt;i&gt;bit&lt;/i&gt;\\.</mark> Tail\\."
    )
    assert highlight("No match here", ["absent"]) == "No match here"


def test_source_markdown_shows_provenance_and_the_highlighted_passage() -> None:
    body = source_markdown(
        citation(
            heading_path=("Baclofen", "Clearance"),
            publisher="UMEM",
            date="2020",
            url="https://example.org/a_(b)",
            doi="10.1000/xyz",
            page=3,
        )
    )
    assert "**Source:** UMEM · 2020" in body
    assert "**Section:** Baclofen › Clearance (page 3)" in body
    # Parentheses in the address are encoded so they cannot close the Markdown link early.
    assert "(https://example.org/a_%28b%29)" in body
    assert "(https://doi.org/10.1000/xyz)" in body
    passage = "> Baclofen is renally cleared\\. <mark>It is dialyzable\\.</mark> Doses must be reduced\\."
    assert passage in body


def test_source_markdown_never_links_a_script_url_or_emits_document_html() -> None:
    hostile = citation(
        title="<script>alert(1)</script>",
        url="javascript:alert(1)",
        chunk_text="See <img src=x onerror=alert(1)> here. It is dialyzable.",
    )
    body = source_markdown(hostile)
    assert "<script" not in body and "<img" not in body
    assert "](javascript" not in body
    assert "javascript\\:alert\\(1\\)" in body
    assert "<script" not in source_title(hostile)


def test_source_title_names_number_title_and_section() -> None:
    assert source_title(citation(heading_path=("Baclofen", "Dialysis"))) == "\\[1\\] Baclofen — Dialysis"
    assert source_title(citation(number=2, title="", heading_path=())) == "\\[2\\] doc\\.txt"


def test_answer_messages_one_source_per_citation_and_options_on_the_last() -> None:
    second = citation(2, quote="Doses must be reduced.")
    messages = answer_messages(
        answer(citations=(citation(), second), suggestions=("What dose?", "In children?"))
    )
    assert [m.metadata.get("title") for m in messages] == [None, "\\[1\\] Baclofen", "\\[2\\] Baclofen"]
    assert messages[0].content.startswith("It is dialyzable. [1]")
    assert "<mark>Doses must be reduced\\.</mark>" in messages[2].content
    assert [m.options for m in messages[:2]] == [[], []]
    assert messages[2].options == [
        {"value": "What dose?", "label": "What dose?"},
        {"value": "In children?", "label": "In children?"},
    ]


def test_answer_messages_highlights_every_sentence_quoted_for_a_citation() -> None:
    messages = answer_messages(
        answer(quotes=(("It is dialyzable.", 1), ("Doses must be reduced.", 1)), markdown="Two. [1]")
    )
    assert "<mark>It is dialyzable\\.</mark> <mark>Doses must be reduced\\.</mark>" in messages[1].content


def test_abstention_without_citations_carries_options_on_the_answer() -> None:
    messages = answer_messages(
        answer(citations=(), quotes=(), abstained=True, markdown="Not covered.", suggestions=("Try this?",))
    )
    assert len(messages) == 1
    assert messages[0].options == [{"value": "Try this?", "label": "Try this?"}]


def test_caption_shows_the_resolved_query_only_when_it_differs() -> None:
    assert answer_caption(answer()) == "<sub>Confidence 0.80</sub>"
    followup = answer(question="And in children?", query="And in children? (baclofen dialyzable)")
    assert answer_caption(followup) == (
        "<sub>Confidence 0.80 · searched for: And in children? \\(baclofen dialyzable\\)</sub>"
    )


def test_footer_names_corpus_size_model_date_and_disclaimer() -> None:
    footer = footer_markdown(model="all-MiniLM-L6-v2", created="2026-02-01", documents=1234, chunks=5)
    assert "1,234 documents · 5 passages · model all\\-MiniLM\\-L6\\-v2 · index built 2026\\-02\\-01" in (
        footer
    )
    assert "does not give medical advice" in footer


def test_long_titles_are_shortened_in_the_collapsed_line_only() -> None:
    long_title = "Is baclofen (a muscle relaxant) cleared by dialysis in patients with impaired renal function?"
    cited = citation(title=long_title, heading_path=("Dosing",))
    # The first 59 characters end in "in pati"; the cut goes back to the last space, then the ellipsis.
    assert source_title(cited) == "\\[1\\] Is baclofen \\(a muscle relaxant\\) cleared by dialysis in… — Dosing"
    assert escape_markdown(long_title) in source_markdown(cited)
    assert shorten("short", 60) == "short"
    assert shorten("x" * 70, 10) == "xxxxxxxxx…"


def test_sources_with_the_same_title_are_told_apart_by_their_paths() -> None:
    # Two folders' summary.txt, both titled "Dosing": the collapsed source lines name the paths.
    first = citation(1, doc_id="cardiology/dosing.txt", title="Dosing")
    second = citation(2, doc_id="nephrology/dosing.txt", title="Dosing", chunk_id="c2")
    other = citation(3, doc_id="asthma.txt", title="Asthma", chunk_id="c3")
    messages = answer_messages(answer(citations=(first, second, other), quotes=()))
    titles = [m.metadata["title"] for m in messages[1:]]
    assert titles == [
        escape_markdown("[1] Dosing (cardiology/dosing.txt)"),
        escape_markdown("[2] Dosing (nephrology/dosing.txt)"),
        escape_markdown("[3] Asthma"),
    ]


def test_one_disclaimer_for_answers_footer_and_empty_chat() -> None:
    from qa.answer import DISCLAIMER
    from ui.app import _placeholder

    footer = footer_markdown(model="m", created="2026-01-01", documents=1, chunks=1)
    assert escape_markdown(DISCLAIMER) in footer
    assert escape_markdown(DISCLAIMER) in _placeholder()


def test_follow_ups_a_document_filled_with_markup_are_not_offered() -> None:
    # Clicked, an option becomes the user's message, which the chat renders as Markdown: an image there would be
    # fetched from another machine. Escaping it would put backslashes into the question searched.
    hostile = (
        "What about ![x](http://203.0.113.9/p.png) in children?",
        "What about <img src=x onerror=alert(1)>?",
        "Read [more](javascript:alert(1))?",
        "Is it safe in ESRD (stage 5)?",
    )
    messages = answer_messages(answer(suggestions=hostile))
    assert messages[-1].options == [{"value": hostile[-1], "label": hostile[-1]}]
