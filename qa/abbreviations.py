"""Abbreviations a document defines ("hemodialysis (HD)"): learning them, and spelling them out where it uses them.

Questions get the corpus's definitions expanded (`qa.lexicon` stores them, `qa.query.QueryBuilder` applies them).
Ingest embeds each chunk with the short forms its own document defines spelled out (`spell_out`): the embedding
model reads "HD" as little more than two letters. With all-MiniLM-L6-v2, "Total of 3 HD session performed." is at
cosine 0.42 to "how many dialysis sessions did the case patient need?", "Total of 3 hemodialysis session
performed." at 0.73. Only what is embedded changes; what is stored, searched by BM25 and quoted stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from qa.records import Span

# A long form (one to seven words) right before its short form in brackets: "end-stage renal disease (ESRD)".
_LONG_THEN_SHORT = re.compile(r"((?:[A-Za-z][\w-]*\s+){0,6}?[A-Za-z][\w-]*)\s+\(([A-Z][A-Za-z]{1,7})\)")
_SHORT_IN_BRACKETS = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
_LONG_FORM_WORDS = 7


def learn_abbreviations(texts: Iterable[str]) -> dict[str, str]:
    """Abbreviations `texts` define in the usual order, long form first (short form -> long form, lower case): the
    initials of a few words ("end-stage renal disease (ESRD)"), or the letters of one long word, in order, from its
    first ("hemodialysis (HD)", "electrocardiogram (ECG)"). The first definition of a short form is kept."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _long_then_short(text):
            long_form, short = match.group(1), match.group(2)
            initials = [w[0].lower() for w in re.split(r"[\s-]+", long_form) if w]
            letters = [c.lower() for c in short if c.isalpha()]
            # Keep the shortest tail of the long form whose initials spell the abbreviation.
            for size in range(len(letters), min(len(initials), len(letters) + 3) + 1):
                tail = initials[-size:]
                if _spells(tail, letters):
                    words = re.split(r"\s+", long_form)
                    found.setdefault(short.lower(), " ".join(words[-_word_count_for(words, size) :]).lower())
                    break
            else:
                last = re.split(r"\s+", long_form)[-1].lower()
                if _holds_in_order(last, letters):
                    found.setdefault(short.lower(), last)
    return found


def _long_then_short(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_LONG_THEN_SHORT.finditer(text)`, found by looking back from each bracketed short form.

    The pattern tried at every position of every chunk was most of a million-chunk build. A long form holds only
    words and spaces, at most seven words, so it starts within the eight space-separated tokens before its
    bracket and no earlier than the end of the previous match: searching that window alone finds the same
    matches (`tests/test_abbreviations.py` checks this against the plain pattern).
    """
    last = 0
    for short in _SHORT_IN_BRACKETS.finditer(text):
        if short.start() < last:
            continue
        start = short.start()
        for _ in range(_LONG_FORM_WORDS + 1):
            while start > last and text[start - 1].isspace():
                start -= 1
            while start > last and not text[start - 1].isspace():
                start -= 1
        match = _LONG_THEN_SHORT.search(text, start, short.end())
        if match is not None:
            yield match
            last = match.end()


def _holds_in_order(word: str, letters: list[str]) -> bool:
    """Whether one word (no hyphen: its parts' initials are tried first) starts with the first letter and holds the
    others in order, and is at least twice as long: "hemodialysis" holds "hd", "water" does not abbreviate to
    "WATER", nor "of" to "OF"."""
    return "-" not in word and len(letters) >= 2 and len(word) >= 2 * len(letters) and _spells(list(word), letters)


def _spells(initials: list[str], letters: list[str]) -> bool:
    """Whether `initials` start with the first of `letters` and hold the others in order after it."""
    rest = iter(initials[1:])
    return initials[0] == letters[0] and all(any(c == i for i in rest) for c in letters[1:])


def _word_count_for(words: list[str], initials: int) -> int:
    """How many space-separated words hold the last `initials` hyphen/space-separated parts."""
    count, parts = 0, 0
    for word in reversed(words):
        count += 1
        parts += len([p for p in word.split("-") if p])
        if parts >= initials:
            break
    return count


def spell_out(text: str, spans: Sequence[Span], abbreviations: Mapping[str, str]) -> tuple[str, list[Span]]:
    """`text` with each short form of `abbreviations` (lower case -> long form) replaced by its long form, and
    `spans` (half-open, of `text`) moved to cover the same sentences in the result.

    A short form counts where it stands as a word with two capitals or more ("HD", "eGFR"; not "As" at the start of
    a sentence on a page that defines "ankylosing spondylitis (AS)"), not inside the brackets of its definition
    ("hemodialysis (HD)" stays as written).
    """
    if not abbreviations:
        return text, list(spans)
    shorts = sorted(abbreviations, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w(])(?:" + "|".join(map(re.escape, shorts)) + r")(?![\w)])", re.IGNORECASE)
    pieces: list[str] = []
    # Per short form replaced: its start and end in `text`, and how much longer the result is from its end on.
    shifts: list[tuple[int, int, int]] = []
    at, grown = 0, 0
    for match in pattern.finditer(text):
        short = match.group(0)
        if sum(c.isupper() for c in short) < 2:
            continue
        long_form = abbreviations[short.lower()]
        pieces += [text[at : match.start()], long_form]
        grown += len(long_form) - len(short)
        shifts.append((match.start(), match.end(), grown))
        at = match.end()
    if not shifts:
        return text, list(spans)
    pieces.append(text[at:])

    def moved(offset: int, is_end: bool) -> int:
        # A start moves by what grew before it; an end inside or right after a short form moves past its long form.
        before = [g for start, end, g in shifts if end <= offset or (is_end and start < offset)]
        return offset + (before[-1] if before else 0)

    return "".join(pieces), [(moved(start, False), moved(end, True)) for start, end in spans]
