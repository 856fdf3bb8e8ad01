"""Stage 4 of an answer: do two sources make opposite claims on the point asked?

Three tests, none of them a list of words about a topic:

- Different sources: two documents of different pages (MedQuAD indexes each answer of one page as its own
  document; they share the page's URL and never disagree with themselves).
- The same point: the two sentences' vectors (stored at ingest) are close, `AnswerSettings.same_point`.
- Opposite claims: a term both sentences use, other than the words that name either page (its title, keywords
  and section headings: what both pages are about, not what they claim), is negated in one and affirmed in the
  other. A term is negated when a negation in its clause is about it: the predicate after "not" ("hemodialysis
  does not remove baclofen effectively"), or the subject when "not" is followed by one word ("routine use of
  vitamin K is not recommended"); the words after "no" ("no bleeding"); the words before "negligible".
  Phrases that only look negative ("not only", "no more than") negate nothing.

The claim is the point asked when both sentences are among the scorer's likely answers (`point_share` of the best
one's share each); a disagreement between less likely sentences is a related point, shown as a note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer.features import page_names
from qa.answer.scoring import shares
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Document
from qa.text import term_sets, terms

# A clause ends at punctuation or where a contrasting or subordinate clause begins.
_CLAUSE = re.compile(r"[;:,()\u2013\u2014]|\s-\s|\b(?:but|although|though|whereas|however|while|which)\b", re.I)
# Three kinds of negation, by what they negate within their clause: a verb's ("does not remove X", "X is not
# recommended": what follows, or the subject when only a word follows), a noun phrase's ("no bleeding": the next
# few words), and one placed after what it negates ("removal of X is negligible").
_VERB_NEGATION = re.compile(r"\b(?:not|never|cannot|unclear|fails? to|failed to)\b|n['\u2019]t\b", re.IGNORECASE)
_NOUN_NEGATION = re.compile(r"\b(?:no|neither|nor)\b", re.IGNORECASE)
_AFTER_NEGATION = re.compile(r"\b(?:negligible|ineffective|insignificant)\b", re.IGNORECASE)
# How many terms after "no" it negates.
_NOUN_SCOPE = 3
# Phrases with a negation word that negate nothing: "not only X but Y" adds, "no more than 10 mg" bounds.
_NOT_A_NEGATION = re.compile(
    r"\b(?:not (?:only|just|merely)|no (?:more|less|later|earlier|sooner|longer) than|no matter|no doubt)\b",
    re.IGNORECASE,
)
# How many sentences of each document's context accompany its claim.
CONTEXT = 2


@dataclass(frozen=True)
class Disagreement:
    """Opposite claims of two sources, each with its source's own context; `asked` when on the point asked."""

    sides: tuple[tuple[Candidate, tuple[Candidate, ...]], ...]
    asked: bool


def polarity(text: str) -> dict[str, set[bool]]:
    """Each term of `text` with whether it is affirmed (True) or negated (False) where it stands."""
    text = _NOT_A_NEGATION.sub(" ", text)
    signs: dict[str, set[bool]] = {}
    for clause in (c for c in _CLAUSE.split(text) if c and c.strip()):
        negated = _negated(clause)
        for term in terms(clause):
            signs.setdefault(term, set()).add(term not in negated)
    return signs


def _negated(clause: str) -> set[str]:
    """The terms of one clause that a negation in it negates (see the patterns above)."""
    out: set[str] = set()
    for cue in _VERB_NEGATION.finditer(clause):
        after = terms(clause[cue.end() :])
        out.update(after if len(after) > 1 else [*after, *terms(clause[: cue.start()])])
    for cue in _NOUN_NEGATION.finditer(clause):
        out.update(terms(clause[cue.end() :])[:_NOUN_SCOPE])
    for cue in _AFTER_NEGATION.finditer(clause):
        out.update(terms(clause[: cue.start()]))
    return out


def opposite(first: str, second: str, ignore: frozenset[str] = frozenset()) -> frozenset[str]:
    """The terms, other than `ignore`, that one text only affirms and the other only negates."""
    a, b = polarity(first), polarity(second)
    return frozenset(t for t in (a.keys() & b.keys()) - ignore if len(a[t]) == 1 and len(b[t]) == 1 and a[t] != b[t])


def source_of(candidate: Candidate, documents: Mapping[str, Document]) -> str:
    """The source a sentence comes from: its page (several documents of one page share its URL), else its document."""
    document = documents.get(candidate.chunk.doc_id)
    return document.url if document is not None and document.url else candidate.chunk.doc_id


def find(
    candidates: Sequence[Candidate], documents: Mapping[str, Document], settings: AnswerSettings | None = None
) -> Disagreement | None:
    """The strongest pair of opposite claims among the scored candidates, on the point asked or a related one."""
    settings = settings or AnswerSettings()
    if len(candidates) < 2:
        return None
    share = shares(candidates)
    top = float(share.max())
    order = [i for i in np.argsort(-share, kind="stable") if share[i] >= settings.note_share * top][:16]
    names: dict[str, frozenset[str]] = {}
    best: tuple[bool, float, int, int] | None = None
    for x, i in enumerate(order):
        for j in order[x + 1 :]:
            first, second = candidates[i], candidates[j]
            if source_of(first, documents) == source_of(second, documents):
                continue
            if first.vector is None or second.vector is None:
                continue
            if float(np.dot(first.vector, second.vector)) < settings.same_point:
                continue
            for c in (first, second):
                if c.chunk.chunk_id not in names:
                    names[c.chunk.chunk_id] = term_sets([page_names(c.chunk)])[0]
            ignore = names[first.chunk.chunk_id] | names[second.chunk.chunk_id]
            if not opposite(first.text, second.text, ignore):
                continue
            asked = min(share[i], share[j]) >= settings.point_share * top
            key = (asked, float(share[i] + share[j]), int(i), int(j))
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return None
    asked, _, i, j = best
    share_of = {id(c): float(s) for c, s in zip(candidates, share, strict=True)}
    sides = tuple(
        (claim, _context(claim, candidates, share_of, settings.min_share * top))
        for claim in (candidates[i], candidates[j])
    )
    return Disagreement(sides, asked)


def _context(
    claim: Candidate, candidates: Sequence[Candidate], share_of: Mapping[int, float], floor: float
) -> tuple[Candidate, ...]:
    """The claim's document's other likely answers, best first, shown in the order the document gives them."""
    same = [
        c
        for c in candidates
        if c.chunk.doc_id == claim.chunk.doc_id and c.text != claim.text and share_of[id(c)] >= floor
    ]
    best = sorted(same, key=lambda c: -c.score)[:CONTEXT]
    return tuple(sorted(best, key=lambda c: (c.chunk.ordinal, c.chunk.start, c.start)))
