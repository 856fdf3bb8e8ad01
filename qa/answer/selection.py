"""Stage 3 of an answer: which scored candidates are quoted, and where.

The bottom line is the scorer's best candidate; when it leads into a list ("Her symptoms were:", "Some common
symptoms of hypothyroidism are"), the items on the lines after it in its passage come with it, since the lead-in
alone says nothing; when it is an item of a list ("weight gain"), its lead-in comes before it, which says what the
item is. Warnings the clinician must not miss get their own place when the scorer finds them likely enough; then the
key evidence, the next most likely sentences. No sentence is quoted twice, nor one that only repeats another in
other words (word-set overlap).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.answer.candidates import quotable
from qa.answer.features import FRAGMENT_WORDS
from qa.answer.safety import QUANTITY, WARNING
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Chunk
from qa.text import term_sets, word_matches, words

# A sentence's end: its punctuation, then perhaps closing quotes or brackets and a footnote's number ("organs.2").
_ENDS = re.compile(r"[.!?][\"'”’)\]]*[\d,]*$")
# Text that opens as a sentence does: a capital letter (after any quote or bracket).
_OPENS = re.compile(r"[\"'“‘(\[]*[A-Z]")
# In a heading every word this long opens with a capital: "of", "for", "in" and "and" may not.
_HEADING_WORD = 4
# Headings one under another that a heading's sentence may sit below ("Treatment Options" / "Low-Risk Disease").
_NESTED_HEADINGS = 2


@dataclass(frozen=True)
class Selection:
    """The candidates an answer quotes: its bottom line, its warnings and its key evidence (best first)."""

    bottom_line: tuple[Candidate, ...]
    safety: tuple[Candidate, ...]
    evidence: tuple[Candidate, ...]


def best_first(
    candidates: Sequence[Candidate], by: Callable[[Candidate], float] = lambda c: c.score
) -> list[Candidate]:
    """The candidates by score (or `by`), best first (ties in the order given: chunk rank, then sentence order)."""
    return [c for _, c in sorted(enumerate(candidates), key=lambda item: (-by(item[1]), item[0]))]


def pick(
    candidates: Sequence[Candidate],
    limit: int,
    *,
    floor: float = float("-inf"),
    taken: Sequence[Candidate] = (),
    require: re.Pattern[str] | None = None,
    prefer: re.Pattern[str] | None = None,
    near_duplicate: float = 0.6,
) -> list[Candidate]:
    """Up to `limit` best candidates scoring at least `floor`, none a near-duplicate of another or of `taken`.

    `require` keeps only candidates matching a pattern (warning cues, for the safety group); `prefer` puts the ones
    matching it first (a warning with a dose in it before one without).
    """
    eligible = [c for c in best_first(candidates) if c.score >= floor]
    if require is not None:
        eligible = [c for c in eligible if require.search(c.text)]
    if prefer is not None:
        eligible.sort(key=lambda c: not prefer.search(c.text))
    seen = term_sets([c.text for c in taken])
    taken_keys = {(c.chunk.chunk_id, c.start) for c in taken}
    terms = term_sets([c.text for c in eligible])
    chosen: list[Candidate] = []
    for candidate, held in zip(eligible, terms, strict=True):
        if len(chosen) >= limit:
            break
        if (candidate.chunk.chunk_id, candidate.start) in taken_keys:
            continue
        if any(_jaccard(held, other) >= near_duplicate for other in seen):
            continue
        chosen.append(candidate)
        seen.append(held)
    return chosen


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def select(
    candidates: Sequence[Candidate], settings: AnswerSettings | None = None, lead: Sequence[Candidate] = ()
) -> Selection:
    """The bottom line (unless `lead`, the sides of a disagreement, takes its place), warnings and evidence."""
    settings = settings or AnswerSettings()
    if not candidates:
        return Selection((), (), ())
    # A softmax share of at least `relative` times the best candidate's is a score of at least best + log(relative).
    best = max(c.score for c in candidates)

    def floor(relative: float) -> float:
        return best + math.log(relative) if relative > 0 else float("-inf")

    bottom = () if lead else tuple(with_list(pick(candidates, 1), candidates, settings.max_list_items))
    quoted = [*lead, *bottom]
    safety = pick(
        candidates,
        settings.max_safety,
        floor=floor(settings.min_safety_share),
        taken=quoted,
        require=WARNING,
        prefer=QUANTITY,
        near_duplicate=settings.near_duplicate_safety,
    )
    evidence = pick(
        candidates,
        settings.max_sentences,
        floor=floor(settings.min_share),
        taken=[*quoted, *safety],
        near_duplicate=settings.near_duplicate,
    )
    return Selection(bottom, tuple(safety), tuple(evidence))


def with_list(chosen: Sequence[Candidate], candidates: Sequence[Candidate], limit: int) -> list[Candidate]:
    """`chosen` (one candidate) with the list it belongs to: followed by its items when it is a lead-in (up to
    `limit`); after its lead-in when it is an item that says little alone, since "weight gain" does not say whose
    symptom it is (an item that opens in lower case runs on from its lead-in; one of fewer than `FRAGMENT_WORDS`
    words without a sentence's end is a fragment). An item that is a sentence of its own ("The hemodialysis removal
    rate constant is 0.152 h⁻¹, ...") is the bottom line alone.

    Items are quoted whether or not they are candidates: a one-word item ("fatigue") is never quoted alone, but it
    is part of the list its lead-in announces."""
    if len(chosen) != 1:
        return list(chosen)
    head = chosen[0]
    found = lists(head.chunk)
    if head.sentence in found:
        items = [_quoted(head, k, candidates) for k in found[head.sentence]]
        return [head, *[item for item in items if item is not None][:limit]]
    lead = next((lead for lead, items in found.items() if head.sentence in items), None)
    if lead is None:
        body = _headed(head, candidates)
        return [head] if body is None else [head, body]
    quoted = _quoted(head, lead, candidates) if not _stands_alone(head.text) else None
    return [head] if quoted is None else [quoted, head]


def _headed(head: Candidate, candidates: Sequence[Candidate]) -> Candidate | None:
    """The sentence that `head` heads, when `head` is a heading: a line of its own, without a sentence's end, whose
    words of `_HEADING_WORD` letters or more all open with a capital ("Other Causes of Hypoglycemia"), followed by
    lines. Chosen as the bottom line, a heading names what the page says next and says none of it, so the first
    sentence below it (and below any headings under it, up to `_NESTED_HEADINGS`) comes with it. None otherwise."""
    chunk, number = head.chunk, head.sentence
    sentences = [text.strip() for text in chunk.sentence_texts()]
    if not _is_heading(sentences[number]) or (number > 0 and not _starts_line(chunk, number)):
        return None
    for below in range(number + 1, min(number + 2 + _NESTED_HEADINGS, len(sentences))):
        if not _starts_line(chunk, below):
            return None
        if not _is_heading(sentences[below]):
            return _quoted(head, below, candidates)
    return None


def _is_heading(text: str) -> bool:
    """A line that reads as a title: no sentence's end or colon, and two words or more of `_HEADING_WORD` letters
    or more, each opening with a capital."""
    if _ENDS.search(text) or text.endswith(":"):
        return False
    written = (m.group(0) for m in word_matches(text))
    long = [w for w in written if len(w) >= _HEADING_WORD and w[0].isalpha()]
    return len(long) >= 2 and all(w[0].isupper() for w in long)


def _stands_alone(text: str) -> bool:
    """Whether a list item reads as a sentence of its own: it opens as one, and has a sentence's end or enough
    words not to be a fragment."""
    text = text.strip()
    return bool(_OPENS.match(text)) and (bool(_ENDS.search(text)) or len(words(text)) >= FRAGMENT_WORDS)


def lists(chunk: Chunk) -> dict[int, list[int]]:
    """The lists of `chunk`: each lead-in's sentence number, and its items' (the sentences after it that each
    start a line, up to the next lead-in).

    A lead-in either ends with a colon ("Her symptoms were:"), and its items may be full sentences; or it opens as a
    sentence does and ends without a sentence's punctuation, and runs on into each line below it that opens in lower
    case ("Some common symptoms of hypothyroidism are" / "fatigue"), as MedQuAD's pages write their lists. Lines that
    each open with a capital and lack a full stop are bullets side by side ("Do not assume ..." / "Do not delay
    ..."), and a heading is followed by a paragraph, not by items."""
    sentences = [text.strip() for text in chunk.sentence_texts()]
    found: dict[int, list[int]] = {}
    number = 0
    while number < len(sentences):
        head = sentences[number]
        colon = head.endswith(":")
        items: list[int] = []
        if colon or (_OPENS.match(head) and not _ENDS.search(head)):
            for item in range(number + 1, len(sentences)):
                text = sentences[item]
                if not _starts_line(chunk, item) or text.endswith(":"):
                    break
                if not colon and _OPENS.match(text):
                    break
                items.append(item)
        if items:
            found[number] = items
        number = items[-1] + 1 if items else number + 1
    return found


def _starts_line(chunk: Chunk, number: int) -> bool:
    """Whether sentence `number` of `chunk` starts a line of its own (a line break since the sentence before)."""
    if number == 0:
        return False
    return "\n" in chunk.text[chunk.sentences[number - 1][1] : chunk.sentences[number][0]]


def _quoted(head: Candidate, number: int, candidates: Sequence[Candidate]) -> Candidate | None:
    """Sentence `number` of `head`'s chunk as a quote: its candidate when it is one, else made from `head`'s hit
    (with `head`'s score, since it is quoted as part of `head`'s list) when it is quotable; None when it is not (an
    instruction to a web page's reader is never quoted, in a list or not)."""
    for c in candidates:
        if c.chunk.chunk_id == head.chunk.chunk_id and c.sentence == number:
            return c
    start, end = head.chunk.sentences[number]
    if not quotable(head.chunk.text[start:end]):
        return None
    return Candidate(head.hit, start, end, sentence=number, score=head.score)
