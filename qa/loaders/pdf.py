"""PDF files (pypdf): one section per page, so a quoted sentence can be cited with its page number."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from qa.errors import LoadError
from qa.records import Document, Section

_BULLET = re.compile(r"(?P<glyph>[•◦▪‣●○■□➢►–—*-])\s+\S")
_CONTENTS_LINE = re.compile(r"(?:\.\s*){4,}\d+$")
_PAGE_NUMBER = re.compile(r"(?i)(page\s+)?\d{1,4}(\s+(of|/)\s+\d{1,4})?")
# A line shorter than this share of the page's widest line, ending a sentence, ends its paragraph too.
_SHORT_LINE = 0.8
# A running header or footer repeats on at least this share of the pages (and on three pages at least).
_RUNNING_SHARE = 0.5
_RUNNING_MIN_PAGES = 3


def load_pdf(data: bytes, path: Path) -> Document:
    """One Document from a PDF, one section per page with text (`page` 1-based).

    `doc_id` is the file name; `load_paths` renames it to the path under the folder it was found in.

    Raises:
        LoadError: the PDF is damaged or encrypted, or no page has extractable text (a scan without OCR).
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF is encrypted with a password; save an unencrypted copy and add that")
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except LoadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"malformed PDF: {exc}") from exc

    pages = _drop_running_lines([_lines(text) for text in raw_pages])
    sections = tuple(
        Section(heading_path=(), text=text, page=number)
        for number, lines in enumerate(pages, start=1)
        if (text := _paragraphs(lines))
    )
    if not sections:
        raise LoadError("PDF has no extractable text (scanned image?); run OCR on it first")
    first_line = sections[0].text.split("\n", 1)[0]
    title = _info(info, "/Title") or (first_line if len(first_line) <= 150 else path.stem)
    return Document(
        doc_id=path.name,
        title=title,
        sections=sections,
        source=str(path),
        kind="PDF document",
        author=_info(info, "/Author"),
        date=pdf_date(_info(info, "/CreationDate")),
    )


def _info(info: object, key: str) -> str:
    try:
        value = info.get(key)  # type: ignore[attr-defined]
    except (KeyError, ValueError, TypeError):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip() if value else ""


def pdf_date(value: str) -> str:
    """ISO date of a PDF date ("D:20200315120000+01'00'" -> "2020-03-15"); "" when absent or invalid."""
    match = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?", value)
    if not match:
        return ""
    year, month, day = match.groups()
    return "-".join(part for part in (year, month, day) if part)


def _lines(text: str) -> list[str]:
    """A page's non-blank lines, whitespace collapsed, contents lines ("Dosing . . . . 12") left out."""
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
    return [line for line in lines if line and not _CONTENTS_LINE.search(line)]


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers/footers, which would otherwise end up inside sentences."""

    # Digits are blanked so "Page 3" and "Page 4" count as the same running line.
    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", line.lower())

    counts = Counter(shape(line) for lines in pages for line in {*lines[:2], *lines[-2:]})
    running = {key for key, n in counts.items() if n >= _RUNNING_MIN_PAGES and n >= _RUNNING_SHARE * len(pages)}
    return [
        [line for line in lines if not _PAGE_NUMBER.fullmatch(line) and shape(line) not in running] for lines in pages
    ]


def _paragraphs(lines: list[str]) -> str:
    """Rejoin the lines of a page into paragraphs: PDF text breaks at every line of the layout.

    A line ends its paragraph when it ends a sentence and stops well short of the page's widest line; a bullet
    or a numbered line starts a new one.
    """
    if not lines:
        return ""
    width = max(len(line) for line in lines)
    paragraphs: list[str] = []
    previous_line = ""
    for line in lines:
        ends = previous_line.endswith((".", "!", "?", ":")) and len(previous_line) < _SHORT_LINE * width
        bullet = _BULLET.match(line)
        starts = bool(bullet) or bool(re.match(r"\d{1,2}[.)]\s", line))
        if bullet:
            line = line[bullet.end("glyph") :].lstrip()  # the glyph is layout, as in text files
        if paragraphs and not ends and not starts:
            # Keep a hyphen at a line break: removing it could join "beta-" and "blocker" wrongly.
            glue = "" if paragraphs[-1].endswith("-") else " "
            paragraphs[-1] += glue + line
        else:
            paragraphs.append(line)
        previous_line = line
    return "\n".join(paragraphs)
