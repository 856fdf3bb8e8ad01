"""What turns a saved web page (as plain text or HTML) into clean sections: the rules shared by both formats.

Real pages carry site furniture around the clinical text: review badges, personalisation prompts, sales
pitches, disclaimers. They also carry things that are metadata rather than content: who wrote the page and
when, the reference list, "related questions", and citation markers ("… in renal impairment 1.") that would
otherwise be quoted as if they were part of a sentence. The text and HTML loaders turn a file into `Line`s;
`clean_page` applies these rules and returns the sections plus everything the page said about itself.

The rules are lists of patterns, not positions in one file, so a new page of the same kind is cleaned alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from qa.records import Marker, Reference, Section

LineKind = Literal["para", "item", "heading"]


@dataclass(frozen=True)
class Line:
    """One paragraph, list item or heading of a page, in reading order, whitespace already normalised."""

    text: str
    kind: LineKind = "para"
    # Heading depth: 1 is the top; pseudo-headings (bold-only or "Conclusion:" paragraphs) sit below any <h6>.
    level: int = 1
    # Lines of one visual block (no blank line between them; one HTML container) share a group, so a rule can
    # drop "the rest of this block".
    group: int = 0
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself; every field is optional."""

    title: str = ""
    author: str = ""
    date: str = ""
    publisher: str = ""
    url: str = ""
    doi: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Page:
    """A cleaned page: its metadata, content sections, reference list and related questions."""

    meta: PageMeta
    sections: tuple[Section, ...]
    references: tuple[Reference, ...] = ()
    related_questions: tuple[str, ...] = ()


# --- site furniture ---

# Lines that are never content, matched against the whole line (lower case, whitespace collapsed). Each rule
# names a kind of furniture found across health sites, written for the phrasings sites use, not for one page.
_DROP_LINE = [
    # Editorial badges: who reviews the site's pages ("Medically reviewed by …", "All content is reviewed by our
    # medical board", "Medical Advisory Board").
    r"(medically |clinically |expert[- ]|peer[- ])?(reviewed|fact[- ]checked) by\b.*",
    r".*\b(articles?|content|pages?|answers?|information)\b[^.]{0,30}? (is|are) (medically |clinically |"
    r"independently |regularly |expert[- ])?(reviewed|fact[- ]checked|verified)\b.*",
    r"(our )?(medical|clinical|editorial|scientific|expert) (advisory )?(board|panel|team)\b.*",
    # Use disclaimers and review-state notes ("For informational purposes only", "Content is pending review").
    r"(for )?(educational|informational|information|general information) (use|purposes?) only\b.*",
    r".*\b(content|article|page|answer|information) is (pending|awaiting|under) (human |medical |expert |editorial |"
    r"clinical )?review\b.*",
    # Personalisation prompts ("Personalise your experience", "Help us tailor this page", "Which best describes
    # you?", "I am a: patient / caregiver / clinician").
    r"(personali[sz]e|customi[sz]e)( (this|your|the) (page|experience|content|feed|results))?",
    r"(help us |let us )?(tailor|personali[sz]e|customi[sz]e|improve) (your|this|the) (experience|page|content|"
    r"feed|results)\b.*",
    r"(tell us )?(which|what) (best )?describes you\b.*",
    r"(i am|i'm) an?:? (patient|caregiver|carer|health ?care professional|clinician|student)\b.*",
    # Links to the site's own policies ("View editorial policy", "Read our review process").
    r"(view |read |see )?(our )?(editorial|review|content|sourcing|advertising) (policy|process|guidelines|"
    r"standards)",
    r"\[?click (here )?to (e-?mail|contact|print|share|download|subscribe)\b.*",
    r"(e-?mail|contact) (the )?author\]?",
    r"(share|print|e-?mail|tweet|save|bookmark)( this( article| page| answer)?)?",
    r"(skip to (main )?content|back to top|go to top|advertisement|sponsored( content)?)",
    r"(sign in|log ?in|sign up|register)",
    r"(we use cookies|this (web)?site uses cookies|accept (all )?cookies)\b.*",
    r"was this (page|article|answer|information) (helpful|useful)\?.*",
    r"(copyright|©|\(c\)) .*",
    r".*\ball rights reserved\.?",
]
# Lines that open a block of furniture: the line and the rest of its block (no blank line between) go.
_DROP_GROUP = [
    # A review-state widget: "Article review status" over "Submitted / Under review / Approved".
    r"(article|content|page|editorial) (review )?status",
    r"(on this page|in this article|jump to|table of contents|contents)",
]
# Headings or lines that open furniture running up to the next heading.
_DROP_SECTION = [
    r"(professional |important |medical |legal )*disclaimer",
    r"have a (follow[- ]up|further|another) question\??",
    r"(ask|get) (a |any )?(follow[- ]up|another) question.*",
    r"(related|recommended|popular|trending|more) (articles|posts|stories|reading|content|news)",
    r"(leave a (comment|reply)|\d+ comments?|reader comments)",
    r"(share this( article| page)?|share on\b.*|follow us\b.*)",
    r"(subscribe|sign up) (to|for) (our|the) newsletter.*",
    r"(about us|contact us|privacy policy|terms of (use|service))",
]
_REFERENCES_HEADING = r"(references?|bibliography|sources?|citations?|works cited|literature cited|further reading)"
_RELATED_HEADING = r"(related questions?|similar questions?|people also ask|other questions|more questions)"
# Source-type labels some sites print above each reference; they separate entries and are not part of them.
_REFERENCE_LABEL = (
    r"(research|guidelines?|practice guidelines?|reviews?|systematic review|meta-analysis|clinical trial|"
    r"randomi[sz]ed (controlled )?trial|case reports?|case series|drug label|fda (drug )?label|study|article|"
    r"textbook|consensus statement|expert opinion|journal article|cohort study|observational study)"
)


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_DROP_LINE_RE = _compile(_DROP_LINE)
_DROP_GROUP_RE = _compile(_DROP_GROUP)
_DROP_SECTION_RE = _compile(_DROP_SECTION)
_REFERENCES_RE = re.compile(_REFERENCES_HEADING)
_RELATED_RE = re.compile(_RELATED_HEADING)
_REFERENCE_LABEL_RE = re.compile(_REFERENCE_LABEL)


def _key(text: str) -> str:
    """A line as the rules see it: lower case, single spaces, no trailing colon."""
    key = re.sub(r"\s+", " ", text).strip().lower()
    return key.rstrip(":").strip()


def is_block_heading(text: str) -> bool:
    """True for a line that names a block the cleaner handles (references, related questions, furniture)."""
    key = _key(text)
    return any(r.fullmatch(key) for r in (_REFERENCES_RE, _RELATED_RE, _DROP_SECTION_RE))


_SMALL_WORDS = {"of", "and", "for", "to", "the", "in", "on", "&"}
_LABEL_WORDS = {
    "conclusion", "conclusions", "summary", "background", "introduction", "methods", "results", "discussion",
    "bottom line", "take home", "take home points", "take-home points", "key points", "pearls", "case",
    "objective", "objectives", "recommendations", "recommendation", "management", "treatment", "diagnosis",
    "evaluation", "presentation", "assessment", "plan", "learning points", "teaching points",
    "clinical pearls",
}  # fmt: skip


def label_heading(text: str) -> str:
    """The heading a label paragraph stands for ("Conclusion:" -> "Conclusion"), or "" when it is prose.

    "Her symptoms were:" also ends with a colon, but it leads into a list as part of a sentence; only a single
    word, a Title Case phrase of up to four words, or a known section label counts.
    """
    stripped = _spaces(text)
    label = stripped[:-1].strip() if stripped.endswith(":") else ""
    if not label or ":" in label or len(label) > 40 or not label[0].isupper():
        return ""
    words = label.split()
    if len(words) > 4 or any(ch.isdigit() for ch in label):
        return ""
    title_case = all(w[0].isupper() or w.lower() in _SMALL_WORDS for w in words)
    if len(words) == 1 or title_case or label.lower() in _LABEL_WORDS:
        return label
    return ""


# --- metadata ---

# Metadata lines are looked for in a page's header; a "Last updated" line may also stand at the foot.
_HEADER_LINES = 20
_META_LINE = re.compile(
    r"(?i)\s*(title|authors?|written by|by|date|published( on)?|publication date|posted( on)?|"
    r"last (updated|reviewed|modified)|updated( on)?|reviewed( on)?|doi|url|publisher)\s*:\s*(?P<value>.*)"
)
# "Last updated" lines are furniture even when their date cannot be read.
_ANYWHERE_META = {"last updated", "last reviewed", "last modified"}
_META_VALUE_CHARS = 200
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)\]])")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;)\]]")

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), ("y", "m", "d")),
    (re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"), ("y", "m", "d")),
    (re.compile(rf"(?i)\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)"), ("M", "d", "y")),
    (re.compile(rf"(?i)(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})(?!\d)"), ("d", "M", "y")),
    (re.compile(rf"(?i)\b{_MONTH},?\s+(\d{{4}})(?!\d)"), ("M", "y")),
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})(?![\d-])"), ("y", "m")),
]


def iso_date(text: str) -> str:
    """The first date written in `text`, as ISO 8601 ("February 4, 2026" -> "2026-02-04"); "" when none.

    Month-only and year-only dates keep their precision ("2026-02", "2007"). Numeric day/month orders such as
    04/02/2026 are ambiguous between countries and are not guessed.
    """
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups(), strict=True))
            year = int(parts["y"])
            month = _MONTHS[parts["M"].lower().rstrip(".")] if "M" in parts else int(parts.get("m", 1))
            day = int(parts.get("d", 1))
            try:
                dt.date(year, month, day)
            except ValueError:
                continue
            if "d" in parts:
                return f"{year:04d}-{month:02d}-{day:02d}"
            return f"{year:04d}-{month:02d}"
    year_only = re.fullmatch(r"\s*((?:1[89]|20)\d{2})\s*", text)
    return year_only.group(1) if year_only else ""


def doi_of(text: str) -> str:
    """The DOI named in `text` (bare, "doi:10.…" or a doi.org link), or ""."""
    match = _DOI.search(text)
    return match.group(1) if match else ""


def _take_metadata(lines: list[Line]) -> tuple[list[Line], dict[str, str]]:
    """Remove "Title:"/"Author:"/"Last updated:" lines and return what they said."""
    found: dict[str, str] = {}
    kept: list[Line] = []
    for index, line in enumerate(lines):
        match = _META_LINE.fullmatch(line.text) if line.kind != "item" else None
        name = re.sub(r"\s+", " ", match.group(1).lower()) if match else ""
        if not match or (index >= _HEADER_LINES and name not in _ANYWHERE_META):
            kept.append(line)
            continue
        field = _meta_field(name)
        value = match.group("value").strip()
        if field == "date":
            value = iso_date(value)
        elif field == "doi":
            value = doi_of(value)
        if value and len(value) <= _META_VALUE_CHARS:
            found.setdefault(field, value)
        elif name not in _ANYWHERE_META:
            # "Updated: guidelines now advise …" is a sentence that happens to start like a metadata line.
            kept.append(line)
    return kept, found


def _meta_field(name: str) -> str:
    if name == "title":
        return "title"
    if name in {"author", "authors", "written by", "by"}:
        return "author"
    if name in {"doi", "url", "publisher"}:
        return name
    # "Published", "Last updated", "Reviewed on": the page's date; the first such line wins.
    return "date"


# Public health sites whose pages are common in clinical collections: the publisher's usual name and what kind
# of page it publishes. Any other site is named by its host (`site_publisher`).
_KNOWN_SITES = {
    "medlineplus.gov": ("MedlinePlus", "health information page"),
    "cancer.gov": ("National Cancer Institute", "health information page"),
    "pubmed.ncbi.nlm.nih.gov": ("PubMed", "research abstract"),
    "ncbi.nlm.nih.gov": ("NCBI", "research article"),
    "cdc.gov": ("CDC", "public health guidance"),
    "who.int": ("WHO", "public health guidance"),
    "nice.org.uk": ("NICE", "clinical guideline"),
    "litfl.com": ("Life in the Fast Lane", "teaching note"),
    "aafp.org": ("AAFP", "review article"),
    "merckmanuals.com": ("Merck Manual", "clinical reference"),
}


# Hosts that link to a work rather than publish the page (a DOI resolver in a byline is the article's, not the
# site's).
_LINK_HOSTS = frozenset({"doi.org", "dx.doi.org"})


def known_site(url: str) -> tuple[str, str]:
    """(publisher, kind) of a URL on a site we know, or ("", "")."""
    host = _host(url)
    while host:
        if host in _KNOWN_SITES:
            return _KNOWN_SITES[host]
        host = host.partition(".")[2]
    return "", ""


def site_publisher(url: str) -> str:
    """The site a URL is on, as a publisher: its known name, else its host ("pearls.example"); "" for no address."""
    if not url.lower().startswith(("http://", "https://")):
        return ""
    host = _host(url)
    if not host or host in _LINK_HOSTS or not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host):
        return ""
    return known_site(url)[0] or host


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:  # "http://[" and other unparseable addresses
        return ""


_LIABILITY = re.compile(
    r"(?:^|[.!?]\s+)((?:[A-Z][\w.&'’-]*)(?: [A-Z][\w.&'’-]*){0,4}) (?:assumes|accepts|bears|takes) no "
    r"(?:liability|responsibility)"
)
_COPYRIGHT = re.compile(
    r"(?:©|\([cC]\)|[Cc]opyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?,?\s*)?"
    r"([A-Z][\w.&'’-]*(?: [A-Z][\w.&'’-]*){0,5})"
)


def _publisher_from_text(lines: Sequence[Line]) -> str:
    """A publisher named by the page's own small print: "X assumes no liability…", "© 2024 X"."""
    for line in lines:
        for pattern in (_LIABILITY, _COPYRIGHT):
            match = pattern.search(line.text)
            if match:
                return match.group(1).rstrip(".")
    return ""


# --- citation markers ---

_NUMBER_LIST = r"[0-9]{1,3}(?:\s*,\s*[0-9]{1,3})*"
# A marker follows a word or a closing bracket and ends a sentence, a clause or the line. Anything followed
# by a unit or another word ("10 mg", "5 of 9") is a quantity, never a marker.
_PLAIN_MARKER = re.compile(
    rf"(?:(?<=[^\W\d_])|(?<=[)\]%]))\s+(?P<nums>{_NUMBER_LIST})"
    r"(?=[.;]?\s*$|[.;]\s+[A-Z(\"'“‘]|,\s+[a-z])"
)
_BRACKET_MARKER = re.compile(r"\s*\[(?P<nums>[0-9]{1,3}(?:\s*[,–-]\s*[0-9]{1,3})*)\]")
# Words a number may follow as a quantity of the sentence, not a reference: "stage 3.", "aged over 65, and".
# Plurals are absent on purpose: a count comes before them ("48 hours"), so "by several hours 3" is a marker.
_QUANTITY_WORDS = {
    "of", "to", "than", "over", "under", "above", "below", "about", "around", "approximately", "nearly",
    "only", "least", "most", "exceeding", "aged", "age", "day", "week", "month", "year", "hour", "stage",
    "grade", "type", "class", "phase", "level", "step", "figure", "fig", "table", "number", "no", "vs", "and",
    "or", "at", "by", "from", "between", "within", "every", "each", "for", "in", "on", "is", "was", "were",
    "are", "be", "been", "equals", "score", "version", "visit", "cycle", "dose", "n", "total", "page",
    "chapter", "section", "part", "item", "question", "patient", "case", "trial", "group", "arm", "appendix",
    "box", "lead", "gcs", "nyha", "asa",
}  # fmt: skip
# Marker numbers count up from 1 in small steps; a larger jump means a quantity ("heart rate 120").
_MARKER_STEP = 5
# Lines ending in a marker before a page counts as one that uses them, when it has no reference list.
_MARKER_EVIDENCE = 3
# The widest range a bracketed marker may span ("[2-5]"); wider is more likely a quantity than citations.
_MAX_RANGE = 20


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    numbers: tuple[int, ...]
    at_end: bool


def _expand(nums: str) -> tuple[int, ...]:
    """Marker numbers as written: "3, 2" -> (3, 2); "2-4" -> (2, 3, 4)."""
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", nums.strip()):
        bounds = [int(b) for b in re.split(r"\s*[–-]\s*", part)]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= _MAX_RANGE:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return tuple(numbers)


def _candidates(text: str) -> list[_Candidate]:
    """Every stretch of `text` shaped like a citation marker, in order."""
    found: list[_Candidate] = []
    for match in _PLAIN_MARKER.finditer(text):
        before = text[: match.start()]
        word = re.sub(r"[^\w]", "", before.split()[-1]).lower() if before.split() else ""
        # After a closing bracket the parenthesis has ended: "(within 48 hours) 3" is a marker.
        if before[-1:] not in ")]" and word in _QUANTITY_WORDS:
            continue
        found.append(_Candidate(match.start(), match.end(), _expand(match["nums"]), _ends(text, match.end())))
    for match in _BRACKET_MARKER.finditer(text):
        found.append(_Candidate(match.start(), match.end(), _expand(match["nums"]), _ends(text, match.end())))
    return sorted(found, key=lambda c: c.start)


def _ends(text: str, at: int) -> bool:
    return text[at:].strip() in {"", ".", ";"}


def _marker_limit(lines: Sequence[Line], references: Sequence[Reference]) -> int:
    """The highest number a marker may carry on this page; 0 when the page does not use markers at all."""
    candidates = [c for line in lines if line.kind != "heading" for c in _candidates(line.text)]
    ends = sorted({n for c in candidates if c.at_end for n in c.numbers})
    limit = 0
    for number in ends:
        if number > limit + _MARKER_STEP:
            break
        limit = number
    evidence = sum(
        1
        for line in lines
        if line.kind != "heading" and any(c.at_end and max(c.numbers) <= limit for c in _candidates(line.text))
    )
    numbered = [r.number for r in references if r.number is not None]
    listed = max([len(references), *numbered]) if references else 0
    if evidence >= _MARKER_EVIDENCE:
        return max(limit, listed)
    return listed


def strip_markers(text: str, limit: int) -> tuple[str, tuple[Marker, ...]]:
    """Remove citation markers numbered 1..limit from a line; return the text and (offset, numbers) pairs."""
    if limit <= 0:
        return text, ()
    pieces: list[str] = []
    markers: list[Marker] = []
    cursor = 0
    length = 0
    for cand in _candidates(text):
        if cand.start < cursor or max(cand.numbers) > limit or min(cand.numbers) < 1:
            continue
        piece = text[cursor : cand.start]
        pieces.append(piece)
        length += len(piece)
        markers.append((length, cand.numbers))
        cursor = cand.end
    pieces.append(text[cursor:])
    return "".join(pieces).rstrip(), tuple(markers)


# --- references and related questions ---

_NUMBERED_REFERENCE = re.compile(r"\s*(?:\[(\d{1,3})\]|(\d{1,3})[.)])\s+(.*)")
_URL_ONLY = re.compile(r"\s*(?:(?:doi:?\s*)?10\.\d{4,9}/\S+|https?://\S+)\s*", re.IGNORECASE)


def _reference_url(line: Line) -> str:
    for link in line.links:
        if link.startswith(("http://", "https://")):
            return link
    url = _URL.search(line.text)
    if url:
        return url.group(0)
    doi = doi_of(line.text)
    return f"https://doi.org/{doi}" if doi else ""


def _parse_references(lines: Sequence[Line]) -> tuple[Reference, ...]:
    """Entries of a reference block: numbered lines, label-separated runs of lines, or one entry per line."""
    labelled = any(_REFERENCE_LABEL_RE.fullmatch(_key(line.text)) for line in lines)
    entries: list[tuple[int | None, list[str], str]] = []
    open_entry = False
    for line in lines:
        if labelled and _REFERENCE_LABEL_RE.fullmatch(_key(line.text)):
            open_entry = False
            continue
        url = _reference_url(line)
        if _URL_ONLY.fullmatch(line.text) and entries:
            number, parts, old_url = entries[-1]
            entries[-1] = (number, parts, old_url or url)
            continue
        numbered = _NUMBERED_REFERENCE.fullmatch(line.text)
        if numbered and not (labelled and open_entry):
            number = int(numbered.group(1) or numbered.group(2))
            entries.append((number, [numbered.group(3)], url))
            open_entry = True
        elif labelled and open_entry:
            number, parts, old_url = entries[-1]
            entries[-1] = (number, [*parts, line.text], old_url or url)
        else:
            entries.append((None, [line.text], url))
            open_entry = labelled
    return tuple(
        Reference(number=number, text=" ".join(parts).strip(), url=url) for number, parts, url in entries if parts
    )


# --- the whole page ---


def clean_page(
    lines: Sequence[Line],
    hints: PageMeta = PageMeta(),  # a frozen, empty default is safe to share
    *,
    first_line_title: bool = False,
    default_kind: str = "",
) -> Page:
    """Apply the furniture, metadata, reference and marker rules to a page's lines; build its sections.

    Args:
        lines: the page in reading order.
        hints: metadata the format already knows (HTML <meta> tags, <title>); lines on the page fill the gaps.
        first_line_title: plain text has no title markup, so a short first line standing alone is the title.
        default_kind: the kind of document when nothing on the page says more.
    """
    work, found = _take_metadata(list(lines))
    title = found.get("title") or hints.title
    if not title and first_line_title and work:
        title, work = _first_line_title(work)
    if not title:
        top = [line for line in work if line.kind == "heading"]
        if top:
            level = min(line.level for line in top)
            title = next(line.text for line in top if line.level == level)

    # The page's own address names its site; failing that, a link in its header (the byline's link to the author's
    # profile, "email the author") is on the site the page was saved from.
    header_links = [link for line in list(lines)[:_HEADER_LINES] for link in line.links]
    addresses = [url for url in [hints.url, found.get("url", ""), *header_links] if url]
    known_name, site_kind = next((k for url in addresses if (k := known_site(url))[0]), ("", ""))
    host_name = next((name for url in addresses if (name := site_publisher(url))), "")

    work = _drop_furniture(work)
    content, references, related = _split_blocks(work)
    limit = _marker_limit(content, references)
    sections = _sections(content, title, limit)

    meta = PageMeta(
        title=_spaces(title),
        author=found.get("author") or hints.author,
        date=found.get("date") or hints.date,
        publisher=hints.publisher or found.get("publisher") or known_name or _publisher_from_text(lines) or host_name,
        url=hints.url or found.get("url", ""),
        doi=hints.doi or found.get("doi", ""),
        kind=hints.kind or site_kind or ("Q&A page" if title.rstrip().endswith("?") else default_kind),
    )
    return Page(meta, sections, references, related)


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _first_line_title(lines: list[Line]) -> tuple[str, list[Line]]:
    first = lines[0]
    alone = len(lines) == 1 or lines[1].group != first.group
    if first.kind != "item" and alone and len(first.text) <= 200 and not first.text.endswith((".", ";", ",")):
        return first.text, lines[1:]
    return "", lines


def _drop_furniture(lines: Sequence[Line]) -> list[Line]:
    kept: list[Line] = []
    dropping_group: int | None = None
    dropping_section = False
    for line in lines:
        key = _key(line.text)
        if line.kind == "heading":
            dropping_section = bool(_DROP_SECTION_RE.fullmatch(key))
            dropping_group = None
            if dropping_section or _DROP_LINE_RE.fullmatch(key) or _DROP_GROUP_RE.fullmatch(key):
                continue
            kept.append(line)
            continue
        if dropping_section:
            continue
        if dropping_group is not None and line.group == dropping_group:
            continue
        dropping_group = None
        if _DROP_SECTION_RE.fullmatch(key):
            dropping_section = True
            continue
        if _DROP_GROUP_RE.fullmatch(key):
            dropping_group = line.group
            continue
        if _DROP_LINE_RE.fullmatch(key):
            continue
        kept.append(line)
    return kept


def _split_blocks(lines: Sequence[Line]) -> tuple[list[Line], tuple[Reference, ...], tuple[str, ...]]:
    """Separate the reference list and related questions from the content."""
    content: list[Line] = []
    reference_lines: list[Line] = []
    related: list[str] = []
    mode = "content"
    for line in lines:
        key = _key(line.text)
        if line.kind == "heading":
            if _REFERENCES_RE.fullmatch(key):
                mode = "references"
                continue
            if _RELATED_RE.fullmatch(key):
                mode = "related"
                continue
            # Source-type labels ("Research") look like headings in plain text but belong to the entries.
            if mode == "references" and _REFERENCE_LABEL_RE.fullmatch(key):
                reference_lines.append(line)
                continue
            mode = "content"
        if mode == "references":
            reference_lines.append(line)
        elif mode == "related":
            related.append(line.text)
        else:
            content.append(line)
    return content, _parse_references(reference_lines), tuple(related)


def _sections(lines: Sequence[Line], title: str, limit: int) -> tuple[Section, ...]:
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    texts: list[str] = []
    markers: list[Marker] = []
    offset = 0

    def flush() -> None:
        nonlocal texts, markers, offset
        if texts:
            path = tuple(h for _, h in stack if h and h != title)
            sections.append(Section(heading_path=path, text="\n".join(texts), markers=tuple(markers)))
        texts, markers, offset = [], [], 0

    for line in lines:
        if line.kind == "heading":
            flush()
            heading = _spaces(line.text).rstrip(":").strip()
            while stack and stack[-1][0] >= line.level:
                stack.pop()
            stack.append((line.level, heading))
            continue
        clean, found = strip_markers(line.text, limit)
        if not clean:
            continue
        if texts:
            offset += 1  # the newline joining this line to the previous one
        markers.extend((offset + at, numbers) for at, numbers in found)
        texts.append(clean)
        offset += len(clean)
    flush()
    return tuple(sections)
