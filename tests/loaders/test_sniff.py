"""Format detection and decoding judge a file by its bytes, never by its name."""

from __future__ import annotations

import codecs

import pytest

from qa.errors import LoadError
from qa.loaders.sniff import decode, is_html, sniff


def test_utf8_with_and_without_bom_and_utf16_with_bom_decode_to_the_same_text() -> None:
    text = "Dose: 5 µg/kg"
    assert decode(text.encode("utf-8")) == text
    assert decode(codecs.BOM_UTF8 + text.encode("utf-8")) == text
    assert decode(text.encode("utf-16")) == text  # Python writes the BOM for "utf-16"


def test_latin1_bytes_are_refused_rather_than_guessed() -> None:
    with pytest.raises(LoadError, match=r"^not valid UTF-8 text \(byte 0xe9 at offset 3\)"):
        decode(b"caf\xe9 au lait, 5 mg")


def test_nul_bytes_mean_binary() -> None:
    with pytest.raises(LoadError, match=r"^binary file \(not text, HTML, PDF, JSON or XML\)$"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_html_needs_real_markup_not_one_tag_mentioned_in_prose() -> None:
    assert not is_html("Use a line break (<br>) between doses.")
    assert is_html("<p>Give 10 mg.</p>\n<ul><li>Monitor</li></ul>")
    assert is_html("<!DOCTYPE html>\nhello")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"Title: Note<br/>Author: A<br/><p>Text.</p>", "html"),
        (b"# Asthma\n\nText.", "markdown"),
        (b"Asthma\n\nWheeze is common.", "text"),
        (b"[1] Smith J. A reference list as text.", "text"),
        (b'{"_id": "d1", "text": "A passage."}\n{"_id": "d2", "text": "Another."}\n', "beir"),
        (b'{"1": {"QUESTION": "Q?", "CONTEXTS": ["c"], "LABELS": ["L"]}}', "pubmedqa"),
        (b'<?xml version="1.0"?><Document id="1"><QAPairs/></Document>', "medquad"),
    ],
)
def test_formats_are_named_by_content(data: bytes, expected: str) -> None:
    assert sniff(data).format == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"  \n\t ", r"^empty file$"),
        (b'<?xml version="1.0"?><Document><QAPairs>', r"^malformed XML: "),
        (b'<?xml version="1.0"?><rss></rss>', r"^XML with root <rss> is not a recognised format"),
        (b'{"a": 1,\n "b": }', r"^malformed JSON at line 2: Expecting value"),
        (
            b'{"_id": "d1", "text": "ok"}\n{"_id": "d2", "text": "ok"}\n{"_id": broken}\n',
            r"^malformed JSON at line 3:",
        ),
        (b'{"name": "not a data set"}', r"^JSON is not a recognised data set"),
    ],
)
def test_bad_structured_files_say_what_is_wrong(data: bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        sniff(data)


def test_xml_past_the_parser_safety_limits_is_refused_not_parsed() -> None:
    # libxml2's limits (nesting depth, text node size) guard against memory exhaustion by hostile XML; a
    # MedQuAD page is a few levels deep. With the limits lifted (huge_tree) this would parse.
    deep = b'<?xml version="1.0"?><Document><QAPairs>' + b"<a>" * 300 + b"</a>" * 300 + b"</QAPairs></Document>"
    with pytest.raises(LoadError, match=r"^malformed XML"):
        sniff(deep)


def test_xml_entities_are_not_expanded() -> None:
    # A "billion laughs" page must not expand; with entities left unresolved the page has no answers.
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Document><QAPairs><QAPair><Question qid="1-1">Q?</Question><Answer>&b;</Answer></QAPair>'
        b"</QAPairs></Document>"
    )
    sniffed = sniff(laughs)
    assert sniffed.format == "medquad"
    assert "haha" not in "".join(sniffed.parsed.itertext())  # type: ignore[attr-defined]
