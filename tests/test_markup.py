"""Escaping untrusted document text for Markdown and HTML renderers."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from qa.markup import escape_markdown, printable, shows_as_itself


def test_escape_markdown_makes_markup_and_markdown_literal() -> None:
    expected = "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;"
    assert escape_markdown("<img src=x onerror=alert(1)>") == expected
    literal = "\\*bold\\* \\[a\\]\\(javascript\\:x\\) \\$\\$x\\$\\$"
    assert escape_markdown("*bold* [a](javascript:x) $$x$$") == literal
    assert escape_markdown("a & b") == "a &amp; b"
    # A source's line breaks survive as Markdown hard breaks, whatever their style.
    assert escape_markdown("one\ntwo\r\nthree") == "one  \ntwo  \nthree"


def test_escape_markdown_drops_direction_overrides() -> None:
    # U+202E would show "gnol" as "long": what the clinician reads must be what the source holds, in order.
    assert escape_markdown("clearance is \u202egnol\u202c here") == "clearance is gnol here"


def test_escaped_text_renders_as_the_characters_it_holds() -> None:
    hostile = "![x](http://203.0.113.9/p.png) [click](http://203.0.113.9/phish) <script>alert(1)</script> **b**"
    html = MarkdownIt("commonmark").render(escape_markdown(hostile))
    assert "<img" not in html and "<a " not in html and "<script" not in html and "<strong>" not in html
    # What the reader sees is the source's text (entities decoded by the browser).
    assert "![x](http://203.0.113.9/p.png)" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "question",
    [
        "What is end-stage renal disease (ESRD)?",
        "HbA1c: what does a level of 6.5% mean?",
        "Is it safe in A&E, at 2:1 dilution, for ward #3?",
        "Can I take ibuprofen with warfarin?",
    ],
)
def test_plain_questions_show_as_themselves(question: str) -> None:
    assert shows_as_itself(question)
    # ...and indeed render as their own text.
    html = MarkdownIt("commonmark").render(question)
    assert html == f"<p>{question.replace('&', '&amp;')}</p>\n"


@pytest.mark.parametrize(
    "question",
    [
        "What about ![x](http://203.0.113.9/p.png) in children?",
        "What about [this](javascript:alert(1))?",
        "Is <img src=x onerror=alert(1)> safe?",
        "Is **this** safe?",
        "See http://203.0.113.9/phish for the dose?",
        "See www.example.org for the dose?",
        "javascript:alert(1)",
        "What is &lt;b&gt; here?",
        "1. What is the dose?",
        "# Dosing",
        "Is this ‮safe‬?",
        "Two\nlines?",
        "Cost in $ or $$x$$?",
    ],
)
def test_questions_with_markup_addresses_or_direction_controls_do_not(question: str) -> None:
    assert not shows_as_itself(question)


@pytest.mark.parametrize(
    "hostile",
    [
        "Dose 5 mg\x1b[2J\x1b[1;1H daily",  # clears a terminal and moves its cursor
        "Dose 5 mg\x1b]8;;http://203.0.113.9/\x07link\x1b]8;;\x07 daily",  # a terminal hyperlink
        "Dose 5 mg\x9b31m daily",  # the one-byte control sequence introducer
        "Dose 5 mg\u202e daily",  # a direction override
        "Dose 5 mg\x08\x08\x08 daily\r",  # backspaces over what was shown, a carriage return
    ],
)
def test_printable_leaves_no_terminal_control_in_document_text(hostile: str) -> None:
    shown = printable(hostile)
    assert shown.startswith("Dose 5 mg") and shown.endswith("daily")
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in shown)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in shown)
    assert "\u202e" not in shown


def test_printable_keeps_ordinary_text() -> None:
    text = "Baclofen 5\u201310 mg\tdaily\nCl\u00e9arance \u2265 30 mL/min (\u03bcg/L)"
    assert printable(text) == text
