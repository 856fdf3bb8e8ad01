"""Sections -> sentence-aligned chunks that fit the embedding model's window, with exact character offsets.

Sentences are found by a rule-based splitter (fast enough for ~100k sentences at ingest, no downloads) tuned
for clinical prose: abbreviations, initials, decimals, units and ratios do not end a sentence. Chunks grow
sentence by sentence inside one section, and every chunk's embedded text (`Chunk.context`) is measured with
the model's own tokenizer, so the model never silently cuts a chunk off.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import pairwise

from qa.errors import LoadError
from qa.records import Chunk, Document, Section, Span, chunk_context, stable_hash

# Bump whenever chunk boundaries, ids or contexts (what is embedded) could change: the index manifest stores it and
# refuses a mismatch. tests/test_chunking.py pins what each version makes of one document, so a change without a
# bump fails there.
# 3: the same chunks; what is embedded of them spells out the abbreviations their document defines (`qa.ingest`).
# 4: a reference number after a sentence's period ("population.1 However") ends the sentence there, and a chunk
# never ends with a list's lead-in ("Her symptoms were:"), which goes with its items into the next chunk.
CHUNKER_VERSION = "4"

TokenCounter = Callable[[Sequence[str]], list[int]]
# A sentence, or a piece of an over-long one: [start, end) in its section's text and its word-piece count.
_Unit = tuple[int, int, int]

# --- sentence splitting -------------------------------------------------------------------------------------

# One pass finds, in text order, every place a sentence may end: a line break, a bullet that opens an item, or
# sentence-final punctuation (plus closing quotes and brackets) followed by whitespace.
_CANDIDATE = re.compile(
    r"(?P<newline>[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])"
    r"|(?<=\s)(?P<bullet>)(?=[•●▪◦‣∙]\s)"
    # A dash or star only counts as a bullet after a run of spaces ("...cell).    - Leukemia may") or a colon
    # ("signs are: - a cough"), because "10 - 20" and "well - tolerated" use a dash inside a sentence.
    r"|(?:(?<=[ \t\u00a0]{2})|(?<=:[ \t\u00a0]))(?P<dash>)(?=[-–*]\s)"
    r"|(?P<term>[.?!…]+)(?P<close>[\"'”’»)\]}]*)"
    # A reference number after the period of a word or bracket ("population.1 However", "rare.[4][5] The", "(n=3).2
    # The", "rare.¹ The"): the sentence ends after it. Not after a digit's period, a decimal's ("4.2 Units").
    r"(?P<note>(?:(?<=[^\W\d_][.])|(?<=[)\]\"'”’][.]))"
    r"(?:\d{1,3}(?:[,–-]\d{1,3})*|(?:\[\d{1,3}(?:[,–-]\d{1,3})*\])+|[¹²³⁰⁴-⁹]+))?(?=\s)"
)
_WORD = re.compile(r"\S+")
# The end of a sentence: its punctuation, then perhaps closing quotes or brackets and a reference number (as
# `qa.answer.selection` reads a list's lines, an ellipsis counted too).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*[\d,]*$")
_OPENERS = "\"'“‘«([{¿¡*•●▪◦‣∙-–"
_CLOSERS = "\"'”’»)]}"
_TRAILING = _CLOSERS + ".?!…,;:"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Never the last word of a sentence, whatever follows ("e.g. Tylenol", "Dr. Smith", "Fig. 2", "et al. 2019").
_NEVER_FINAL = _words(
    "e.g i.e vs cf approx viz al dr drs mr mrs prof st mt fig figs rev hon capt col lt sgt incl esp dept univ assoc"
)
# Lower-case only: "ca. 5 mg" and "v." (versus), but "Ca." is calcium and "V." an initial.
_NEVER_FINAL_CASED = frozenset({"ca", "v"})
# Abbreviations that stand before a number ("No. 5", "p. 34", "max. 10 mg", "Jan. 5") but may end a sentence
# when a capitalised word follows ("The answer is No. The").
_BEFORE_NUMBER = _words(
    "no nos vol vols p pp ref refs eq eqs tab ch chap sect sec art suppl max min temp wt ht est avg jan "
    "feb mar apr jun jul aug sep sept oct nov dec"
)
# Abbreviations that can end a sentence as well as sit inside one ("Acme Inc. The" / "Acme Inc. Reports");
# they end one only before a word that commonly opens a sentence. Written in capitals they are acronyms
# ("MS." is multiple sclerosis, "CO." carbon monoxide) and end sentences like any other word.
_AMBIGUOUS = _words("inc ltd co corp jr sr esq bros ms")
# Words after which a single capital letter names a thing rather than a person ("hepatitis B. Patients").
_LETTER_NAMERS = _words(
    "vitamin vitamins hepatitis type types group groups class grade stage phase factor protein proteins "
    "chain complex cluster subtype serotype strain antigen influenza category level schedule part section "
    "appendix zone step form list plan letter kinase receptor lipoprotein immunoglobulin ig table figure "
    "panel arm cohort"
)
# Lower-case words that stand before a person's initials ("by J. Smith", "Smith and K. Jones").
_NAME_PRECEDERS = _words(
    "by and or of from with to for dear at per via author authors editor editors professor doctor president "
    "director said says wrote written edited contact see citing"
)
# Words that commonly open a sentence; after an ambiguous abbreviation ("U.S.", "Inc.", "J.") they decide.
_STARTERS = _words(
    "The This These That Those There Their They It Its In On At For From With Without By As An A If When "
    "Where While Whereas Although Though However Moreover Furthermore Also And But Or Other Some Many "
    "Most Our We He She His Her You Your After Before During Because Since Thus Therefore Hence Each All "
    "Both Such One To Of Is Are Was Were Can May What Which Who How Why Do Does Did Not No Patients "
    "Treatment Further Overall Finally First Second Third Then Here Several Only Any Even Despite Among "
    "Between Until Unless Nevertheless Instead Similarly Additionally Conversely Yes Please See Ask Call "
    "Talk Now Today Currently Researchers People Children Women Men Doctors Symptoms Signs Genes Mutations"
)
# "U.S", "e.g", "Ph.D", "a.m", "J.K": letters joined by internal periods (the final period is the candidate).
_DOTTED = re.compile(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}")
# A list number or letter opening a line ("1. Take", "b. Avoid", "iv. Stop"): the period is not an end.
_ENUMERATOR = re.compile(r"\d{1,3}|[A-Za-z]|[ivxIVX]{1,4}")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans [start, end) of text: whitespace trimmed, covering every non-space character once.

    Line breaks always end a sentence (bullet items are one per line), as do "?" and "!" and a period before a
    capitalised word, digit or symbol, unless the word before the period is an abbreviation, an initial, a
    list number opening the line, or the next word is lower-case ("e.g. the", "approx. 10", "J. Smith").
    """
    cuts: list[int] = []
    last_cut = 0
    for match in _CANDIDATE.finditer(text):
        if match.group("term") is None:
            cut = match.start()
        elif _ends_sentence(text, match.start(), match.group("term"), match.end("close"), last_cut, match.end()):
            cut = match.end()
        else:
            continue
        cuts.append(cut)
        last_cut = cut
    cuts.append(len(text))

    spans: list[tuple[int, int]] = []
    start = 0
    pending: tuple[int, int] | None = None  # bare punctuation waiting for the sentence after it
    for cut in cuts:
        span = _trimmed(text, start, cut)
        start = cut
        if span is None:
            continue
        if pending is not None:
            span, pending = (pending[0], span[1]), None
        if any(ch.isalnum() for ch in text[span[0] : span[1]]):
            spans.append(span)
        elif text[span[0]] in _TRAILING and spans:
            # A stray "." (". ." in scraped text) belongs to the sentence before it, so that no sentence
            # is bare punctuation; a lone bullet waits for the sentence after it.
            spans[-1] = (spans[-1][0], span[1])
        else:
            pending = span
    if pending is not None:
        if spans:
            spans[-1] = (spans[-1][0], pending[1])
        else:
            spans.append(pending)
    return spans


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(stripped)


def _ends_sentence(text: str, term_start: int, term: str, after: int, segment_start: int, note_end: int) -> bool:
    """Whether the punctuation `term` at `term_start` (closers included up to `after`, a reference number after
    them up to `note_end`) ends a sentence."""
    following = _WORD.match(text, _skip_space(text, note_end))
    if following is None:
        return False  # only whitespace follows: the end of the text is a cut anyway
    next_token = following.group()
    kind = _kind(next_token)
    if note_end > after and kind != "upper":
        # "vitamin B.12 tablets": a number a lower-case word follows is no reference.
        return False
    if kind == "lower":
        # "(e.g. the", "? she asked", "U.S. patients": a lower-case word continues the sentence.
        return False
    if "?" in term or "!" in term or after > term_start + len(term):
        # A question, an exclamation, or a period inside a closing quote or bracket: `..." She` ends there.
        return True

    word_start = term_start
    while word_start > segment_start and not text[word_start - 1].isspace():
        word_start -= 1
    raw_word = text[word_start:term_start]
    word = raw_word.lstrip(_OPENERS).rstrip(_CLOSERS)
    lower = word.lower()
    if not word:
        return True
    if lower in _NEVER_FINAL or word in _NEVER_FINAL_CASED:
        return False
    if (
        _ENUMERATOR.fullmatch(word)
        and raw_word == word
        and all(ch.isspace() or ch in _OPENERS for ch in text[segment_start:word_start])
    ):
        return False
    next_word = _leading_word(next_token)
    if _DOTTED.fullmatch(word) or (lower in _AMBIGUOUS and not word.isupper()):
        return kind == "upper" and next_word in _STARTERS
    if len(word) == 1 and word.isupper():
        return _initial_ends_sentence(text, word_start, segment_start, next_token, next_word)
    if lower in _BEFORE_NUMBER:
        return kind in {"upper", "mixed"}
    return True


def _initial_ends_sentence(text: str, word_start: int, segment_start: int, next_token: str, next_word: str) -> bool:
    """A capital letter and a period: an initial ("J. Smith") unless a word shows it names a thing.

    People's initials follow a capitalised name or a word like "by"; a letter after a lower-case word names a
    thing ("cathepsin D. Cathepsin D is", "hepatitis B. Patients"), and so ends the sentence.
    """
    if re.fullmatch(r"[A-Z]\.,?", next_token):
        return False  # "J. A. Smith": another initial follows
    if next_word in _STARTERS:
        return True
    before = text[segment_start:word_start].split()
    if not before:
        return False
    previous = before[-1].strip(",;:()[]\"'")
    if previous.lower() in _LETTER_NAMERS:
        return True
    return previous.isalpha() and previous.islower() and len(previous) > 2 and previous not in _NAME_PRECEDERS


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _kind(token: str) -> str:
    """How the next token opens: upper, lower, mixed ("eGFR", "mRNA", "pH"), digit, or other (symbols)."""
    body = token.lstrip(_OPENERS)
    if not body:
        return "other"
    first = body[0]
    if first.isdigit():
        return "digit"
    if first.isupper():
        return "upper"
    if first.islower():
        if "\u0370" <= first <= "\u03ff":
            return "other"  # "β-blockers reduce...": Greek letters open sentences in lower case
        word = _leading_word(body, keep_digits=True)
        if any(ch.isupper() or ch.isdigit() for ch in word):
            return "mixed"
        return "lower"
    return "other"


def _leading_word(token: str, *, keep_digits: bool = False) -> str:
    body = token.lstrip(_OPENERS)
    end = 0
    while end < len(body) and (body[end].isalpha() or (keep_digits and body[end].isdigit())):
        end += 1
    return body[:end]


# --- chunking -----------------------------------------------------------------------------------------------


def chunk_document(
    doc: Document,
    count_tokens: TokenCounter,
    max_tokens: int,
    target_tokens: int = 128,
) -> list[Chunk]:
    """Cut a document's sections into sentence-aligned chunks whose context fits `max_tokens` word pieces.

    Sentences are packed greedily until the context (title, headings, text) would pass `target_tokens`; a
    sentence longer than the window is split at word boundaries (at characters only for a single huge "word").
    A final remainder under a quarter of the target joins the chunk before it when that still fits. Every
    context is then measured with `count_tokens` (batched per document) and re-split if it is too long, so the
    model never truncates a chunk.

    Args:
        count_tokens: word pieces per text without special tokens, e.g. `Embedder.count_tokens`.
        max_tokens: the model's window minus its special tokens (254 for all-MiniLM-L6-v2).
        target_tokens: the preferred chunk size, context included; above `max_tokens` it means `max_tokens`.

    Raises:
        ValueError: `max_tokens` or `target_tokens` is not positive.
        LoadError: the document's title and headings alone fill the model's window.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be positive (the model window less special tokens), got {max_tokens}")
    if target_tokens < 1:
        raise ValueError(f"target_tokens must be positive, got {target_tokens}")
    target = min(target_tokens, max_tokens)

    sections = doc.sections
    heads = [chunk_context(doc.title, s.heading_path, "", doc.keywords) for s in sections]
    sentence_spans = [split_sentences(s.text) for s in sections]
    distinct_heads = sorted({h for h, spans in zip(heads, sentence_spans, strict=True) if spans and h})
    sentence_texts = [s.text[a:b] for s, spans in zip(sections, sentence_spans, strict=True) for a, b in spans]
    counts = _count(count_tokens, [*distinct_heads, *sentence_texts])
    head_counts = dict(zip(distinct_heads, counts[: len(distinct_heads)], strict=True))
    # Word pieces of each section's context prefix (0 for an empty prefix or a section without text).
    head_sizes = [head_counts.get(h, 0) for h in heads]
    sentence_counts = iter(counts[len(distinct_heads) :])

    for head, size in zip(heads, head_sizes, strict=True):
        if size >= max_tokens:
            raise LoadError(
                f"document {doc.doc_id!r}: its title, keywords and headings ({head.strip()[:80]!r}) take {size} "
                f"word pieces, leaving no room in the model's window of {max_tokens}; shorten the title, keywords "
                f"or headings"
            )

    units = [[(a, b, next(sentence_counts)) for a, b in spans] for spans in sentence_spans]
    try:
        units = _split_oversize(sections, units, [max_tokens - size for size in head_sizes], count_tokens)
    except LoadError as exc:
        raise LoadError(f"document {doc.doc_id!r}: {exc}") from exc

    groups: list[tuple[int, list[_Unit]]] = []
    for index, section_units in enumerate(units):
        head = head_sizes[index]
        packed = _pack(section_units, head, target, _lead_ins(sections[index].text, section_units))
        if len(packed) > 1:
            tail = sum(u[2] for u in packed[-1])
            if tail < target / 4 and head + sum(u[2] for u in packed[-2]) + tail <= max_tokens:
                packed[-2:] = [packed[-2] + packed[-1]]
        groups.extend((index, group) for group in packed)

    try:
        groups = _verify(doc, groups, head_sizes, count_tokens, max_tokens)
    except LoadError as exc:
        raise LoadError(f"document {doc.doc_id!r}: {exc}") from exc
    groups.sort(key=lambda g: (g[0], g[1][0][0]))
    return _make_chunks(doc, groups)


def _count(count_tokens: TokenCounter, texts: list[str]) -> list[int]:
    """One batched call to the tokenizer, checked: a wrong-length answer would misalign every later count."""
    if not texts:
        return []
    counts = list(count_tokens(texts))
    if len(counts) != len(texts):
        raise ValueError(
            f"count_tokens returned {len(counts)} counts for {len(texts)} texts; it must return one per text"
        )
    return [int(c) for c in counts]


def _pack(units: list[_Unit], head: int, limit: int, lead_ins: frozenset[int] = frozenset()) -> list[list[_Unit]]:
    """Greedy runs of units whose estimated context (head + units) stays within `limit`; none empty.

    A run never ends with a lead-in (`lead_ins`: the starts of units that introduce the next line) unless it is
    all the run holds: the lead-in moves to the next run, with the items it introduces."""
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = head
    for unit in units:
        if current and size + unit[2] > limit:
            carried: list[_Unit] = []
            while len(current) > 1 and current[-1][0] in lead_ins:
                carried.insert(0, current.pop())
            groups.append(current)
            current, size = carried, head + sum(u[2] for u in carried)
        current.append(unit)
        size += unit[2]
    if current:
        groups.append(current)
    return groups


def _lead_ins(text: str, units: Sequence[_Unit]) -> frozenset[int]:
    """The starts of the units that introduce the line after them: a line that ends with a colon ("Her symptoms
    were:"), or one that ends without a sentence's end and runs on into a line opening in lower case ("Some common
    symptoms are" / "fatigue"), as `qa.answer.selection.lists` reads lists. A heading before a paragraph is none."""
    found: set[int] = set()
    for (start, end, _), (after, _, _) in pairwise(units):
        if "\n" not in text[end:after]:
            continue
        line = text[start:end].rstrip()
        if line.endswith(":") or (not _SENTENCE_END.search(line) and text[after : after + 1].islower()):
            found.add(start)
    return frozenset(found)


def _split_oversize(
    sections: Sequence[Section], units: list[list[_Unit]], budgets: list[int], count_tokens: TokenCounter
) -> list[list[_Unit]]:
    """Split every unit above its section's budget into pieces that fit, one tokenizer call per round.

    A sentence is split between words into near-equal pieces; a single word above the budget (a long run of
    digits and commas tokenizes into hundreds of pieces) is split into equal character slices next round.
    """
    while True:
        over = [(si, ui) for si, su in enumerate(units) for ui, u in enumerate(su) if u[2] > budgets[si]]
        if not over:
            return units
        parts = {key: _parts(sections[key[0]].text, units[key[0]][key[1]], budgets[key[0]]) for key in over}
        texts = [sections[si].text[a:b] for (si, _), spans in parts.items() for a, b in spans]
        counts = iter(_count(count_tokens, texts))
        measured = {key: [(a, b, next(counts)) for a, b in spans] for key, spans in parts.items()}
        units = [
            [
                piece
                for ui, unit in enumerate(su)
                for piece in (_balanced(measured[si, ui], budgets[si]) if (si, ui) in measured else [unit])
            ]
            for si, su in enumerate(units)
        ]


def _parts(text: str, unit: _Unit, budget: int) -> list[Span]:
    """The words of a unit, or equal character slices of it when it is a single word."""
    start, end, tokens = unit
    words = [m.span() for m in _WORD.finditer(text, start, end)]
    if len(words) > 1:
        return words
    if end - start < 2:
        raise LoadError(
            f"the single character {text[start:end]!r} counts {tokens} word pieces, more than the "
            f"{budget} left in the model's window after the title and headings; shorten the title and "
            f"headings or use a model with a larger window"
        )
    pieces = min(end - start, max(2, math.ceil(tokens / max(budget, 1))))
    step = math.ceil((end - start) / pieces)
    return [(a, min(a + step, end)) for a in range(start, end, step)]


def _balanced(parts: list[_Unit], budget: int) -> list[_Unit]:
    """Adjacent parts joined into near-equal pieces within `budget`, so no piece is a tiny leftover."""
    total = sum(p[2] for p in parts)
    ideal = total / max(1, math.ceil(total / max(budget, 1)))
    pieces: list[_Unit] = []
    start, end, size = parts[0]
    for a, b, tokens in parts[1:]:
        if size + tokens > budget or size >= ideal:
            pieces.append((start, end, size))
            start, size = a, 0
        end = b
        size += tokens
    pieces.append((start, end, size))
    return pieces


def _verify(
    doc: Document,
    groups: list[tuple[int, list[_Unit]]],
    head_sizes: list[int],
    count_tokens: TokenCounter,
    max_tokens: int,
) -> list[tuple[int, list[_Unit]]]:
    """Measure every chunk's real context and re-split those over the window until all fit.

    Unit counts add up exactly for a WordPiece tokenizer (it splits on whitespace first), so the first round
    normally passes; the repair covers tokenizers for which joined text costs more than its parts.
    """
    accepted: list[tuple[int, list[_Unit]]] = []
    pending = groups
    while pending:
        texts = [
            chunk_context(doc.title, doc.sections[si].heading_path, _group_text(doc.sections[si], g), doc.keywords)
            for si, g in pending
        ]
        retry: list[tuple[int, list[_Unit]]] = []
        for (si, group), measured in zip(pending, _count(count_tokens, texts), strict=True):
            if measured <= max_tokens:
                accepted.append((si, group))
                continue
            head = head_sizes[si]
            if len(group) > 1:
                estimate = head + sum(u[2] for u in group)
                # Shrink the limit by the observed excess so the re-pack splits this run at least once.
                limit = min(estimate - 1, math.floor(max_tokens * estimate / measured))
                retry.extend((si, g) for g in _pack(group, head, limit))
            else:
                halves = _halve(doc.sections[si].text, group[0], measured - head)
                retry.extend((si, [half]) for half in halves)
        pending = retry
    return accepted


def _halve(text: str, unit: _Unit, tokens: int) -> list[_Unit]:
    """Two pieces of a unit that did not fit, split between words (or characters), counts shared by length."""
    start, end, _ = unit
    words = [m.span() for m in _WORD.finditer(text, start, end)]
    if len(words) > 1:
        middle = words[len(words) // 2][0]
        first = (start, words[len(words) // 2 - 1][1])
    else:
        if end - start < 2:
            raise LoadError(
                f"the single character {text[start:end]!r} does not fit the model's window after the title "
                f"and headings; shorten the title and headings or use a model with a larger window"
            )
        middle = start + (end - start) // 2
        first = (start, middle)
    share = tokens * (first[1] - start) // (end - start)
    return [(first[0], first[1], share), (middle, end, tokens - share)]


def _group_text(section: Section, group: list[_Unit]) -> str:
    return section.text[group[0][0] : group[-1][1]]


def _make_chunks(doc: Document, groups: list[tuple[int, list[_Unit]]]) -> list[Chunk]:
    """Chunk records for the sorted groups, numbered in document order, each with its share of the markers."""
    starts: dict[int, list[int]] = {}
    for index, group in groups:
        starts.setdefault(index, []).append(group[0][0])
    owners = {
        index: [max(0, bisect_left(section_starts, offset) - 1) for offset, _ in doc.sections[index].markers]
        for index, section_starts in starts.items()
    }
    chunks: list[Chunk] = []
    position: dict[int, int] = {}
    for ordinal, (index, group) in enumerate(groups):
        section = doc.sections[index]
        nth = position[index] = position.get(index, -1) + 1
        start, end = group[0][0], group[-1][1]
        text = section.text[start:end]
        markers = tuple(
            (min(max(offset - start, 0), end - start), numbers)
            for (offset, numbers), owner in zip(section.markers, owners[index], strict=True)
            if owner == nth
        )
        chunks.append(
            Chunk(
                chunk_id=stable_hash(doc.doc_id, str(index), str(start), text),
                doc_id=doc.doc_id,
                title=doc.title,
                heading_path=section.heading_path,
                section_index=index,
                start=start,
                end=end,
                text=text,
                sentences=tuple((a - start, b - start) for a, b, _ in group),
                ordinal=ordinal,
                page=section.page,
                markers=markers,
                keywords=doc.keywords,
            )
        )
    return chunks
