"""Stage 3 of an answer: which scored candidates are quoted, and where.

The bottom line is the scorer's best candidate; when it leads into a list ("Her symptoms were:"), the items on the
lines after it in its passage come with it, since the lead-in alone says nothing. Warnings the clinician must not
miss get their own place when the scorer finds them likely enough; then the key evidence, the next most likely
sentences. No sentence is quoted twice, nor one that only repeats another in other words (word-set overlap).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.answer.safety import QUANTITY, WARNING
from qa.answer.settings import AnswerSettings
from qa.records import Candidate
from qa.text import term_sets


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
    """`chosen` (one candidate), followed by its list when it is a lead-in (ends with a colon): the candidates that
    come next in its passage, each starting a line of its own, up to `limit`, stopping at another lead-in."""
    if len(chosen) != 1 or not chosen[0].text.rstrip().endswith(":"):
        return list(chosen)
    head = chosen[0]
    by_sentence = {c.sentence: c for c in candidates if c.chunk.chunk_id == head.chunk.chunk_id}
    items: list[Candidate] = []
    after = head.sentence + 1
    while after in by_sentence and len(items) < limit:
        item = by_sentence[after]
        start = head.chunk.sentences[after][0]
        if "\n" not in head.chunk.text[head.chunk.sentences[after - 1][1] : start] or item.text.rstrip().endswith(":"):
            break
        items.append(item)
        after += 1
    return [head, *items]
