"""Plain text and Markdown: blank-line paragraphs, bullets and headings become `Line`s, then a cleaned page.

Plain text has no heading markup, so a heading is recognised by its shape: a short line standing alone,
without final punctuation, followed by body text ("Hemodialysis Clearance Data" above a paragraph). Markdown
states its headings with `#`; only those (and block names the page cleaner knows, such as "References") count.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.errors import LoadError
from qa.loaders.webpage import Line, Page, clean_page, is_block_heading, label_heading
from qa.records import Document

_BULLET = re.compile(r"\s*[•◦▪▫‣⁃∙·●○■□➢►✓✔*+–—-]\s+(?P<text>\S.*)")
_NUMBERED_ITEM = re.compile(r"\s*\d{1,2}[.)]\s+\S.*")
_MD_HEADING = re.compile(r"\s{0,3}(?P<marks>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?\s*")
_SETEXT_RULE = re.compile(r"\s{0,3}(=+|-+)\s*")
_HORIZONTAL_RULE = re.compile(r"\s{0,3}([-*_])(\s*\1){2,}\s*")
_FENCE = re.compile(r"\s{0,3}(```|~~~)")
_TABLE_ROW = re.compile(r"\s*\|.*\|\s*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

# A heading is short: a line longer than this, or with more words, is a sentence that lacks its full stop.
_HEADING_CHARS = 100
_HEADING_WORDS = 12
# Heading depth of a label paragraph ("Conclusion:") below a shape-recognised heading.
_LABEL_LEVEL = 2


def load_text(text: str, path: Path, *, markdown: bool = False) -> Document:
    """One Document from a plain-text or Markdown file.

    `doc_id` is the file name; `load_paths` renames it to the path under the folder it was found in.

    Raises:
        LoadError: nothing but page furniture is left once the page is cleaned.
    """
    lines = markdown_lines(text) if markdown else text_lines(text)
    page = clean_page(lines, first_line_title=not markdown, default_kind="text document")
    return page_document(page, path)


def page_document(page: Page, path: Path) -> Document:
    """The Document of a cleaned page read from `path` (shared by the text and HTML loaders).

    Raises:
        LoadError: the page has no content left.
    """
    if not page.sections:
        raise LoadError("no readable text (empty, or only menus, disclaimers and other page furniture)")
    meta = page.meta
    return Document(
        doc_id=path.name,
        title=meta.title or path.stem,
        sections=page.sections,
        source=str(path),
        kind=meta.kind,
        publisher=meta.publisher,
        author=meta.author,
        date=meta.date,
        url=meta.url,
        doi=meta.doi,
        references=page.references,
        related_questions=page.related_questions,
    )


def text_lines(text: str) -> list[Line]:
    """Plain text as Lines: paragraphs joined across hard wraps, bullets one item each, headings guessed."""
    groups = _groups(text.splitlines())
    lines = _paragraphs(groups, hard_wrapped=_hard_wrapped(groups))
    return _guess_headings(lines, by_shape=True)


def markdown_lines(text: str) -> list[Line]:
    """Markdown as Lines: `#` and underlined headings, bullets, paragraphs; code kept, tables dropped."""
    raw = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL).splitlines()
    headed: list[Line] = []
    block: list[str] = []
    group = 0
    in_fence = False

    def close_block() -> None:
        nonlocal block, group
        if block:
            headed.extend(_paragraphs([(group, block)], hard_wrapped=True))
            group += 1
        block = []

    for raw_line in raw:
        if _FENCE.match(raw_line):
            close_block()
            if in_fence:
                group += 1  # the code block is a block of its own
            in_fence = not in_fence
            continue
        if in_fence:
            # Code and dosing tables typed as code keep their line breaks; they are never headings.
            if raw_line.strip():
                headed.append(Line(_spaces(raw_line), group=group))
            continue
        heading = _MD_HEADING.fullmatch(raw_line)
        if heading:
            close_block()
            headed.append(Line(_inline(heading["text"]), "heading", len(heading["marks"]), group))
            group += 1
            continue
        if _SETEXT_RULE.fullmatch(raw_line) and len(block) == 1:
            level = 1 if raw_line.strip().startswith("=") else 2
            headed.append(Line(_inline(block[0]), "heading", level, group))
            block = []
            group += 1
            continue
        if not raw_line.strip() or _HORIZONTAL_RULE.fullmatch(raw_line):
            close_block()
            continue
        if _TABLE_ROW.fullmatch(raw_line):
            # Table cells out of their grid read as fragments that could be quoted out of context.
            continue
        block.append(_inline(raw_line.lstrip().removeprefix(">").strip()))
    close_block()
    return _guess_headings(headed, by_shape=False)


def _inline(text: str) -> str:
    """Markdown inline syntax removed: images, link targets, emphasis and code ticks."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)([^_]+?)(?<=\S)_(?!\w)", r"\1", text)
    return re.sub(r"`([^`]*)`", r"\1", text)


def _spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _groups(raw_lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, numbered in order."""
    groups: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for raw in raw_lines:
        if raw.strip():
            current.append(raw.rstrip())
        elif current:
            groups.append((len(groups), current))
            current = []
    if current:
        groups.append((len(groups), current))
    return groups


def _hard_wrapped(groups: list[tuple[int, list[str]]]) -> bool:
    """True when the file was wrapped at a fixed width, so a line break inside a paragraph means nothing.

    Wrapped files have many lines, each followed by more of its paragraph, ending near one width (60-100).
    """
    inner = [len(_spaces(line)) for _, lines in groups for line in lines[:-1] if not _BULLET.fullmatch(line)]
    if len(inner) < 3:
        return False
    width = max(inner)
    if not 50 <= width <= 120:
        return False
    return sum(1 for n in inner if n >= width - 20) >= 0.7 * len(inner)


def _paragraphs(groups: list[tuple[int, list[str]]], *, hard_wrapped: bool) -> list[Line]:
    """Lines of each group joined into paragraphs and list items."""
    lines: list[Line] = []
    for group, raw_lines in groups:
        current: Line | None = None
        for raw in raw_lines:
            text = _spaces(raw)
            bullet = _BULLET.fullmatch(raw)
            if bullet or _NUMBERED_ITEM.fullmatch(raw):
                if current:
                    lines.append(current)
                # The bullet glyph is layout; a list number is part of what the item says.
                current = Line(_spaces(bullet["text"]) if bullet else text, "item", group=group)
                continue
            continues_item = current is not None and current.kind == "item" and raw[:1].isspace()
            if current is not None and (continues_item or _joins(current.text, text, hard_wrapped)):
                glue = "" if current.text.endswith("-") and text[:1].islower() else " "
                current = Line(current.text + glue + text, current.kind, group=group)
                continue
            if current:
                lines.append(current)
            current = Line(text, group=group)
        if current:
            lines.append(current)
    return lines


def _joins(previous: str, text: str, hard_wrapped: bool) -> bool:
    """Does `text` continue the paragraph `previous` rather than start a new line?"""
    if hard_wrapped:
        return True
    # A line that breaks mid-sentence is followed by lower case ("…patients with\nrenal impairment").
    return not previous.endswith((".", "!", "?", ":")) and (text[:1].islower() or text[:1] in "(,;")


def _guess_headings(lines: list[Line], *, by_shape: bool) -> list[Line]:
    """Mark standalone lines that are headings: labels, known block names and (plain text) heading shapes."""
    result: list[Line] = []
    for index, line in enumerate(lines):
        if line.kind != "para" or not _alone(lines, index):
            result.append(line)
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        label = label_heading(line.text)
        if label and following is not None and following.kind != "heading":
            result.append(Line(label, "heading", _LABEL_LEVEL, line.group))
        elif is_block_heading(line.text) or (by_shape and _heading_shape(line.text) and _is_body(following)):
            result.append(Line(line.text.rstrip(":").strip(), "heading", 1, line.group))
        else:
            result.append(line)
    return result


def _alone(lines: list[Line], index: int) -> bool:
    group = lines[index].group
    before = index > 0 and lines[index - 1].group == group
    after = index + 1 < len(lines) and lines[index + 1].group == group
    return not before and not after


def _heading_shape(text: str) -> bool:
    if len(text) > _HEADING_CHARS or len(text.split()) > _HEADING_WORDS:
        return False
    if text.endswith((".", ",", ";", "!", "?", ":")) or ":" in text or "://" in text:
        return False
    return (text[:1].isupper() or text[:1].isdigit()) and any(ch.isalpha() for ch in text)


def _is_body(line: Line | None) -> bool:
    """Text that a heading can stand over: a list item or a sentence, not another short label."""
    if line is None or line.kind == "heading":
        return False
    return line.kind == "item" or line.text.endswith((".", "!", "?", ":", "…")) or len(line.text) > _HEADING_CHARS
