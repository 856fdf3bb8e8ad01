"""Format detection and decoding: what a file is, judged by its bytes, never by its extension.

Users save HTML as `.txt`, JSON lines as `.json` and data sets without any extension, so the extension says
little. The content does: PDF has a magic number, JSON and XML parse, and HTML has a recognisable density of
tags. Each detector here either names a format or raises `LoadError` with the reason shown to the user.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from qa.errors import LoadError

Format = Literal["pdf", "medquad", "pubmedqa", "beir", "html", "markdown", "text"]

BINARY_REASON = "binary file (not text, HTML, PDF, JSON or XML)"

# The PDF standard lets a header follow some junk bytes; readers look for it in the first kilobyte.
_PDF_WINDOW = 1024
# Enough of a file to judge whether it is binary, without scanning a large file twice.
_BINARY_WINDOW = 8192
# C0 control bytes other than tab, newline, form feed and carriage return: rare in text, common in binaries.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))

# Tags that only HTML uses for structure; a single `<b>` or `<br>` quoted in prose is not enough (see below).
_HTML_TAG = re.compile(
    r"<\s*/?\s*(html|head|body|p|br|div|span|ul|ol|li|table|tr|td|th|h[1-6]|a|hr|em|strong|b|i|"
    r"section|article|nav|header|footer|main|blockquote|pre|fieldset|legend|title|meta|link|script|style|"
    r"img|sup|sub|dl|dt|dd|figure|figcaption)\b[^<>]*>",
    re.IGNORECASE,
)
_HTML_START = re.compile(r"\A\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
# An array of objects, arrays or strings is JSON; "[1] Smith J. ..." is a text file starting with a reference.
_JSON_ARRAY_START = re.compile(r"\A\[\s*[\[{\"\]]")


@dataclass(frozen=True)
class Sniffed:
    """A file's format with what detection already parsed, so no loader parses the same bytes twice."""

    format: Format
    text: str = ""
    # The parsed XML root (MedQuAD) or JSON value(s) (PubMedQA, BEIR); None for text formats and PDF.
    parsed: object = None


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused with a reason.

    Guessing a legacy code page would silently turn "µg" into "Âµg" in a quoted dose, so an undecodable file
    is skipped and the user is told to re-save it as UTF-8.

    Raises:
        LoadError: the bytes are binary or not valid in any accepted encoding.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise LoadError("not valid UTF-8 text (it is UTF-32); save it as UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"not valid UTF-16 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    if looks_binary(data):
        raise LoadError(BINARY_REASON)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Mostly undecodable bytes are a binary format without NULs, not a text file in another encoding.
        replaced = data[:_BINARY_WINDOW].decode("utf-8", errors="replace").count("\ufffd")
        if replaced > min(len(data), _BINARY_WINDOW) * 0.3:
            raise LoadError(BINARY_REASON) from exc
        raise LoadError(
            f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from exc


def looks_binary(data: bytes) -> bool:
    """True when the start of the file holds NUL bytes or mostly control bytes, as images and archives do."""
    window = data[:_BINARY_WINDOW]
    if b"\x00" in window:
        return True
    controls = len(window) - len(window.translate(None, _CONTROL_BYTES))
    return controls > len(window) * 0.1


def sniff(data: bytes) -> Sniffed:
    """Name the format of a file's bytes, parsing structured formats once.

    Raises:
        LoadError: empty, binary, undecodable, malformed XML/JSON, or XML/JSON of no recognised data set.
    """
    if not data.strip():
        raise LoadError("empty file")
    if b"%PDF-" in data[:_PDF_WINDOW]:
        return Sniffed("pdf")
    text = decode(data)
    if not text.strip():
        raise LoadError("empty file")
    head = text.lstrip()
    if head.startswith("<?xml") or re.match(r"<Document\b", head):
        return _sniff_xml(data, text)
    if head.startswith("{") or _JSON_ARRAY_START.match(head):
        return _sniff_json(text)
    if is_html(text):
        return Sniffed("html", text)
    if _MARKDOWN_HEADING.search(text):
        return Sniffed("markdown", text)
    return Sniffed("text", text)


def is_html(text: str) -> bool:
    """True when the text is marked up as HTML, not merely mentioning a tag.

    A page is HTML when it starts like one, or when it uses at least two different structural tags at least
    three times in all: a clinical note that writes "<br>" once, or a Markdown file with one inline `<sup>`,
    stays text.
    """
    if _HTML_START.match(text):
        return True
    names: set[str] = set()
    for count, match in enumerate(_HTML_TAG.finditer(text), start=1):
        names.add(match.group(1).lower())
        if len(names) >= 2 and count >= 3:
            return True
    return False


def xml_parser() -> etree.XMLParser:
    """The parser for untrusted XML: no entity expansion, no network, no DTD, and libxml2's size limits kept.

    The limits (nesting depth, size of one text node) bound the memory a hostile file can make the parser use;
    `huge_tree=True` would lift them, and no MedQuAD page comes near them.
    """
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _sniff_xml(data: bytes, text: str) -> Sniffed:
    # Parse the bytes, not the text: the XML declaration names the encoding, and lxml refuses a str with one.
    try:
        root = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise LoadError(f"malformed XML: {exc}") from exc
    tag = etree.QName(root).localname.lower() if isinstance(root.tag, str) else ""
    if tag == "html":
        return Sniffed("html", text)
    # MedQuAD pages come in two spellings: <Document><QAPairs><QAPair> and, in a few NINDS files, the older
    # <doc><qaPairs><pair>.
    if (tag, root.find("QAPairs") is not None or root.find("qaPairs") is not None) in {
        ("document", True),
        ("doc", True),
    }:
        return Sniffed("medquad", text, root)
    raise LoadError(
        f"XML with root <{etree.QName(root).localname}> is not a recognised format "
        "(expected a MedQuAD page: a <Document> root holding <QAPairs>)"
    )


def _sniff_json(text: str) -> Sniffed:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        # "Extra data" after a complete first value means one JSON value per line (JSONL), not a broken file.
        if not exc.msg.startswith("Extra data"):
            raise LoadError(f"malformed JSON at line {exc.lineno}: {exc.msg} (column {exc.colno})") from exc
        records = parse_jsonl(text)
        if _is_beir_records(records):
            return Sniffed("beir", text, records)
        raise LoadError(_UNKNOWN_JSON) from exc
    if isinstance(value, dict):
        if _is_pubmedqa(value):
            return Sniffed("pubmedqa", text, value)
        if _is_beir_records([value]):
            return Sniffed("beir", text, [value])
    if isinstance(value, list) and value and _is_beir_records(value):
        return Sniffed("beir", text, value)
    raise LoadError(_UNKNOWN_JSON)


_UNKNOWN_JSON = (
    "JSON is not a recognised data set (expected PubMedQA ori_pqal.json, or a BEIR corpus: "
    "one JSON object per line with _id and text)"
)


def parse_jsonl(text: str) -> list[object]:
    """One JSON value per non-blank line.

    Raises:
        LoadError: naming the first line that does not parse.
    """
    records: list[object] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise LoadError(f"malformed JSON at line {number}: {exc.msg} (column {exc.colno})") from exc
    return records


def _is_beir_records(records: list[object]) -> bool:
    return bool(records) and all(isinstance(r, dict) and "_id" in r and "text" in r for r in records)


def _is_pubmedqa(value: dict) -> bool:
    return bool(value) and all(
        isinstance(entry, dict) and "QUESTION" in entry and "CONTEXTS" in entry and "LABELS" in entry
        for entry in value.values()
    )
