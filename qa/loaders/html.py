"""HTML pages: headings h1-h6 become sections, each list item one line; tables, scripts and site chrome go.

The DOM is flattened into `Line`s (one per paragraph, list item, heading or `<br>`-separated line), and the
shared page rules in `webpage` do the rest. `<meta>` tags (author, citation_*, og:site_name, dc.*) are read
first because they are more reliable than anything guessed from the visible text.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml import etree

from qa.errors import LoadError
from qa.loaders.text import page_document
from qa.loaders.webpage import Line, LineKind, PageMeta, clean_page, doi_of, iso_date, label_heading
from qa.records import Document

# Elements whose text is never content. Tables are dropped too: a cell's words out of their grid read as
# fragments ("10 mg", "q8h") that could be quoted without the row and column that give them meaning.
_DROPPED = {
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "nav", "footer",
    "aside", "form", "button", "select", "input", "textarea", "table", "head", "title", "meta", "link", "img",
    "video", "audio", "map",
}  # fmt: skip
# Elements that start and end a line of text.
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "blockquote", "pre", "dl", "dt", "dd", "ul", "ol",
    "figure", "figcaption", "fieldset", "address", "center", "details", "summary", "body", "html", "caption",
}  # fmt: skip
# Containers whose children are separate blocks; anything else groups its children ("the rest of this block").
_PAGE_CONTAINERS = {"html", "body", "main", "article", "section", "header"}
_LINE_ELEMENTS = {"p", "li", "dt", "dd", "pre", "figcaption", "address", "summary"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Pseudo-headings (a <legend>, a bold-only paragraph, "Conclusion:") nest below every real heading.
_PSEUDO_LEVEL = 7
_PSEUDO_HEADING_CHARS = 100
_SUPERSCRIPT = str.maketrans("0123456789+-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻")
_MARKER_SUP = re.compile(r"\d{1,3}(?:\s*[,–-]\s*\d{1,3})*")
# Short unit names after which a superscript number is an exponent: m², cm³, 10⁹.
_UNIT_BEFORE = re.compile(r"(?:\d|\b(?:m|cm|mm|km|dm|µm|μm|kg/m|g/m|/m|x|×)|\^)$")


def load_html(text: str, path: Path) -> Document:
    """One Document from an HTML page (whatever its extension).

    `doc_id` is the file name; `load_paths` renames it to the path under the folder it was found in.

    Raises:
        LoadError: the page cannot be parsed, or has no content once cleaned.
    """
    # Rich-text editors put no-break spaces between a tag's name and its attributes (`<a\xa0href=…>`), which
    # HTML parsers then read as part of the tag name; in text they are ordinary spaces anyway.
    # lxml refuses a str that still declares a byte encoding (XHTML's "<?xml … encoding=…?>"); it is decoded.
    markup = re.sub(r"\A\s*<\?xml[^>]*\?>", "", text).replace("\u00a0", " ")
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise LoadError(f"malformed HTML: {exc}") from exc
    hints = page_meta(root)
    lines = html_lines(root)
    page = clean_page(lines, hints, default_kind="web page")
    return page_document(page, path)


def page_meta(root: lxml.html.HtmlElement) -> PageMeta:
    """What the page's <head> states: citation_*, dc.*, og:* and author meta tags, canonical link, <title>."""
    metas: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = _spaces(meta.get("content") or "")
        if name and content:
            metas.setdefault(name, []).append(content)

    def first(*names: str) -> str:
        return next((metas[n][0] for n in names if n in metas), "")

    authors = metas.get("citation_author") or metas.get("dc.creator") or metas.get("author") or []
    publisher = first("og:site_name", "citation_publisher", "dc.publisher", "citation_journal_title")
    title = first("citation_title", "dc.title", "og:title")
    if not title:
        headings = [_spaces(h.text_content()) for h in root.iter("h1")]
        title = headings[0] if len(headings) == 1 else _page_title(root, publisher)
    date = first(
        "citation_publication_date", "citation_date", "dc.date", "article:published_time", "date",
        "citation_online_date", "article:modified_time", "dc.date.modified",
    )  # fmt: skip
    doi = first("citation_doi", "prism.doi", "dc.identifier")
    canonical = next((link.get("href", "") for link in root.iter("link") if link.get("rel") == "canonical"), "")
    return PageMeta(
        title=title,
        author="; ".join(dict.fromkeys(authors)),
        date=iso_date(date) or date,
        publisher=publisher,
        url=canonical or first("og:url", "citation_abstract_html_url", "citation_fulltext_html_url"),
        doi=doi_of(doi),
    )


def _page_title(root: lxml.html.HtmlElement, publisher: str) -> str:
    """<title> without the " | Site name" tail that browsers show but a citation does not need."""
    node = root.find(".//title")
    title = _spaces(node.text_content()) if node is not None else ""
    parts = re.split(r"\s+[|–—-]\s+", title)
    if len(parts) > 1 and (not publisher or parts[-1].lower() == publisher.lower()):
        return " - ".join(parts[:-1])
    return title


def html_lines(root: lxml.html.HtmlElement) -> list[Line]:
    """The visible text of the page's body as Lines, in reading order."""
    builder = _Builder()
    body = root.find("body")
    builder.walk(body if body is not None else root, builder.new_group())
    builder.flush()
    return _label_headings(builder.lines)


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Builder:
    """Accumulates inline text into lines while walking the DOM."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._buffer: list[str] = []
        self._links: list[str] = []
        self._kind: LineKind = "para"
        self._group = 0
        self._groups = 0

    def new_group(self) -> int:
        self._groups += 1
        return self._groups

    def flush(self) -> None:
        text = _spaces("".join(self._buffer))
        if text:
            self.lines.append(Line(text, self._kind, group=self._group, links=tuple(self._links)))
        self._buffer, self._links, self._kind = [], [], "para"

    def add(self, text: str | None, group: int) -> None:
        if text:
            if not self._buffer or not "".join(self._buffer).strip():
                self._group = group
            self._buffer.append(text)

    def walk(self, element: etree._Element, group: int) -> None:
        """Emit the element's text and children; the caller emits its tail."""
        self.add(element.text, group)
        for child in element:
            self.child(child, group)
            self.add(child.tail, group)

    def child(self, element: etree._Element, group: int) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in _DROPPED or _hidden(element):
            return
        if tag in _HEADINGS or tag == "legend":
            self.flush()
            text = _spaces(element.text_content())
            if text:
                level = _HEADINGS.get(tag, _PSEUDO_LEVEL)
                self.lines.append(Line(text, "heading", level, group))
            return
        if tag in {"br", "hr"}:
            self.flush()
            return
        if tag == "sup":
            self.add(_superscript(element, "".join(self._buffer)), group)
            return
        if tag == "a":
            href = (element.get("href") or "").strip()
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                self._links.append(href)
            self.walk(element, group)
            return
        if tag == "li":
            self.flush()
            self._kind = "item"
            self._group = group
            # An ordered list's numbers are part of what it says (steps, numbered references).
            self.add(_list_number(element), group)
            self.walk(element, group)
            self.flush()
            return
        if tag in _BLOCKS:
            self.flush()
            bold = _bold_only(element) if tag in {"p", "div"} else ""
            if bold:
                self.lines.append(Line(bold.rstrip(":").strip(), "heading", _PSEUDO_LEVEL, group))
                return
            inner = group if tag in _LINE_ELEMENTS else self.new_group()
            if element.getparent() is not None and element.getparent().tag in _PAGE_CONTAINERS:
                inner = self.new_group()
            self._group = inner
            self.walk(element, inner)
            self.flush()
            return
        # Inline elements (span, strong, em, code, sub, …) just carry their text.
        self.walk(element, group)


def _list_number(item: etree._Element) -> str:
    parent = item.getparent()
    if parent is None or parent.tag != "ol":
        return ""
    siblings = [child for child in parent if child.tag == "li"]
    try:
        start = int(parent.get("start", "1"))
    except ValueError:
        start = 1
    return f"{start + siblings.index(item)}. "


def _hidden(element: etree._Element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return element.get("hidden") is not None or element.get("aria-hidden") == "true" or "display:none" in style


def _bold_only(element: etree._Element) -> str:
    """The text of a paragraph that is nothing but one bold run, used on many pages instead of a heading."""
    children = [c for c in element if isinstance(c.tag, str) and c.tag.lower() != "br"]
    if len(children) != 1 or children[0].tag.lower() not in {"b", "strong"}:
        return ""
    outside = (element.text or "") + (children[0].tail or "")
    text = _spaces(children[0].text_content())
    if outside.strip() or not text or len(text) > _PSEUDO_HEADING_CHARS or text.endswith((".", "?", "!")):
        return ""
    return text


def _superscript(element: etree._Element, before: str) -> str:
    """A citation marker as "[1, 2]" (the page cleaner strips those), an exponent as superscript digits."""
    text = _spaces(element.text_content())
    if _MARKER_SUP.fullmatch(text) and not _UNIT_BEFORE.search(before):
        return f" [{text}]"
    if re.fullmatch(r"[0-9+\-−]+", text):
        return text.translate(_SUPERSCRIPT)
    return text


def _label_headings(lines: list[Line]) -> list[Line]:
    """A paragraph that is only a label ("Conclusion:") heads what follows it."""
    result: list[Line] = []
    for index, line in enumerate(lines):
        label = label_heading(line.text) if line.kind == "para" else ""
        alone = (index == 0 or lines[index - 1].group != line.group) and (
            index + 1 == len(lines) or lines[index + 1].group != line.group or lines[index + 1].kind == "item"
        )
        if label and alone and index + 1 < len(lines):
            result.append(Line(label, "heading", _PSEUDO_LEVEL, line.group))
        else:
            result.append(line)
    return result
