"""Stage 4 of an answer: do two sources make opposite claims on the point asked?

Three tests, none of them a list of words about a topic:

- Different sources: two documents of different pages (MedQuAD indexes each answer of one page as its own
  document; they share the page's URL and never disagree with themselves).
- The same point: the two sentences' vectors (stored at ingest) are close, `AnswerSettings.same_point`.
- Opposite claims: a term both sentences use, other than the words that name either page (its title, keywords
  and section headings: what both pages are about, not what they claim), is negated in one and affirmed in the
  other. A term is negated when a negation in its clause is about it: the predicate after "not" ("hemodialysis
  does not remove baclofen effectively"), or the subject when "not" is followed by one word ("routine use of
  vitamin K is not recommended"); the words after "no" or "without" ("no bleeding"); the words before "negligible".
  Phrases that only look negative ("not only", "no more than") negate nothing.

A negated verb negates its object and adverbs ("does not remove X effectively"), not what a preposition adds
("cannot compensate through alternative elimination pathways" denies no elimination; "no history of the
disorder" denies no disorder); it negates its subject (its last few terms) only when it is a predicate ("X is not
recommended", "X cannot be removed"), not an activity ("the patient is not bleeding" denies the bleeding, not the
patient).

Opposite claims also say the same thing but for the negation: the clauses that carry the opposed term must be close
(`AnswerSettings.same_claim`, the cosine of their vectors, `embed` being the question's encoder). One shared term of
opposite sign is not enough: "there is no known cause for X" and "X is a condition that causes an urge to move"
share "cause", "you cannot digest lactose" and "people have digestive symptoms" share "digest"; such pairs made
long consumer messages about MedQuAD pages say "the sources differ" in 6 of 39 answers, with clause cosines of
0.17-0.42 against 0.45-0.83 for the seeds' dialysis claims.

The claim is the point asked when the question asks whether (it opens with an auxiliary verb, "is X removed by
dialysis?", "so is it ... or not?"): a claim and its negation answer yes and no, whereas a question for a value, a
mechanism or a dose is answered by the sources' values, and their conflict is a note. Then one of the two sentences
must be among the best few of the stage's lead ranking (`Candidate.lead`: the answer scorer these numbers were tuned
with, pinned in `qa/answer/disagreement_leads.json`, so a retrained answer scorer does not move them) and both about
the question about as much as the best sentence is (cosine to the question); a disagreement between sentences less
about it is a related point, shown as a note. A claim is often one clause of a longer sentence ("Yes, X is
effectively cleared by dialysis and should be avoided in ..."), so how much it is about the question is the higher
of its whole sentence's cosine and that of its clause which carries the opposed term (`relate`, the question's
encoder, embeds those few clauses only when a pair is on trial).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer.features import page_names
from qa.answer.selection import best_first
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Document
from qa.text import term_sets, terms

# A clause ends at punctuation or where a contrasting or subordinate clause begins.
_CLAUSE = re.compile(r"[;:,()\u2013\u2014]|\s-\s|\b(?:but|although|though|whereas|however|while|which)\b", re.I)
# Three kinds of negation, by what they negate within their clause: a verb's ("does not remove X", "X is not
# recommended": what follows, or the subject when only a word follows), a noun phrase's ("no bleeding": the next
# few words), and one placed after what it negates ("removal of X is negligible").
_VERB_NEGATION = re.compile(r"\b(?:not|never|cannot|unclear|fails? to|failed to)\b|n['\u2019]t\b", re.IGNORECASE)
_NOUN_NEGATION = re.compile(r"\b(?:no|neither|nor|without)\b", re.IGNORECASE)
_AFTER_NEGATION = re.compile(r"\b(?:negligible|ineffective|insignificant)\b", re.IGNORECASE)
# A preposition ends a negated verb's scope: what follows it qualifies the verb, and is not what is denied.
# ("to" does not: "not able to remove X" denies the removal.)
_PREPOSITION = re.compile(
    r"\b(?:of|in|on|at|by|for|with|through|from|into|onto|during|after|before|over|under|between|among|against"
    r"|via|within|without|per|than|as|about|across|toward|towards|despite|because)\b",
    re.IGNORECASE,
)
# A negated predicate ("is not recommended", "cannot be removed") negates its subject too: a copula just before the
# negation, or "be" just after it.
_COPULA_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being)\W*$", re.IGNORECASE)
_BE_AFTER = re.compile(r"^\W*(?:be|been)\b", re.IGNORECASE)
# "is not bleeding": the first word after the negation names an activity, which is all it denies.
_ACTIVITY = re.compile(r"^\W*\w{2,}ing\b", re.IGNORECASE)
# A question asks whether when one of its parts opens (after a word that only links it to the conversation) with an
# auxiliary verb followed by more words, or offers the two answers ("... or not?"). A request to the assistant
# ("do you have information about X", "can you tell me ...") asks for information ("are you sure ...?" does not).
_OPENING = r"^\W*(?:(?:so|and|but|then|also|ok|okay|well|now)\W+)?"
_WHETHER = re.compile(
    _OPENING + r"(?:is|are|was|were|am|does|do|did|can|could|should|will|would|may|might|must|has|have|had)\b\W+\w",
    re.IGNORECASE,
)
_REQUEST = re.compile(_OPENING + r"(?:do|can|could|will|would)\s+you\b", re.IGNORECASE)
_YES_OR_NO = re.compile(r"\b(?:or not|yes or no)\b", re.IGNORECASE)
_QUESTION_PARTS = re.compile(r"[?\n]+|(?<=[.!;])\s+")
# How many terms a noun phrase's negation reaches ("no" and the terms after it, up to a preposition), and how many
# of a negated predicate's subject ("routine use of vitamin K is not recommended").
_NOUN_SCOPE = 3
# Phrases with a negation word that negate nothing: "not only X but Y" adds, "no more than 10 mg" bounds, "not
# every X does" grants that some do.
_NOT_A_NEGATION = re.compile(
    r"\b(?:not (?:only|just|merely|all|every|everyone|everybody|always|necessarily)"
    r"|no (?:more|less|later|earlier|sooner|longer) than|no matter|no doubt)\b",
    re.IGNORECASE,
)
# How many sentences of each document's context accompany its claim.
CONTEXT = 2

# The cosine of each text to the question (its closest part), one per text: the question's encoder.
Relate = Callable[[Sequence[str]], np.ndarray]
# Unit vectors of texts, one row per text: the question's encoder, for the clauses of a pair on trial.
Embed = Callable[[Sequence[str]], np.ndarray]


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
        before, after = clause[: cue.start()], clause[cue.end() :]
        stop = _PREPOSITION.search(after)
        scope = terms(after[: stop.start()] if stop else after)
        out.update(scope)
        predicate = _COPULA_BEFORE.search(before) or _BE_AFTER.match(after)
        if len(scope) <= 1 and predicate and not _ACTIVITY.match(after):
            out.update(terms(before)[-_NOUN_SCOPE:])
    for cue in _NOUN_NEGATION.finditer(clause):
        after = clause[cue.end() :]
        stop = _PREPOSITION.search(after)
        out.update(terms(after[: stop.start()] if stop else after)[:_NOUN_SCOPE])
    for cue in _AFTER_NEGATION.finditer(clause):
        out.update(terms(clause[: cue.start()]))
    return out


def asks_whether(question: str) -> bool:
    """Whether some part of the question asks yes or no ("is X removed by dialysis?", "so is it cleared or not?")."""
    return any(
        (_WHETHER.match(part) and not _REQUEST.match(part)) or _YES_OR_NO.search(part)
        for part in _QUESTION_PARTS.split(question)
    )


def opposite(first: str, second: str, ignore: frozenset[str] = frozenset()) -> frozenset[str]:
    """The terms, other than `ignore`, that one text only affirms and the other only negates."""
    return _opposed(polarity(first), polarity(second), ignore)


def _opposed(a: dict[str, set[bool]], b: dict[str, set[bool]], ignore: frozenset[str]) -> frozenset[str]:
    return frozenset(t for t in (a.keys() & b.keys()) - ignore if len(a[t]) == 1 and len(b[t]) == 1 and a[t] != b[t])


def source_of(candidate: Candidate, documents: Mapping[str, Document]) -> str:
    """The source a sentence comes from: its page (several documents of one page share its URL), else its document."""
    document = documents.get(candidate.chunk.doc_id)
    return document.url if document is not None and document.url else candidate.chunk.doc_id


def find(
    candidates: Sequence[Candidate],
    documents: Mapping[str, Document],
    settings: AnswerSettings | None = None,
    *,
    question: str,
    relate: Relate | None = None,
    embed: Embed | None = None,
) -> Disagreement | None:
    """The strongest pair of opposite claims among the scored candidates, on the point asked or a related one.

    `question` is this turn's message as typed: its form says whether it asks yes or no (a follow-up's topic comes
    from earlier turns, its form does not). `relate` measures a claim's clause against the question; without it,
    only whole sentences are. `embed` compares the two claims' clauses that carry the opposed term; without it,
    that test is not made.

    Relevance to the question is each candidate's cosine to it (`Candidate.relevance`), not a scorer's score:
    a scorer picks one bottom line and is sure of it, while two sources that contradict each other are both
    about the question.
    """
    settings = settings or AnswerSettings()
    if len(candidates) < 2:
        return None
    best = max(c.relevance for c in candidates)
    ranked = best_first(candidates, by=lambda c: c.lead)
    whether = asks_whether(question)
    leads = {id(c) for c in ranked[: settings.point_rank]}
    pool = [c for c in ranked if c.relevance >= best - settings.note_gap][:24]
    names: dict[str, frozenset[str]] = {}
    clauses: dict[tuple[int, frozenset[str]], float] = {}
    # Per candidate, computed once rather than once per pair (24 candidates make 276 pairs).
    sources = {id(c): source_of(c, documents) for c in pool}
    signs: dict[int, dict[str, set[bool]]] = {}

    def signs_of(claim: Candidate) -> dict[str, set[bool]]:
        if id(claim) not in signs:
            signs[id(claim)] = polarity(claim.text)
        return signs[id(claim)]

    def about(claim: Candidate, opposed: frozenset[str]) -> float:
        """How much a claim is about the question: its sentence's cosine, or its opposed clause's when higher."""
        if relate is None or claim.relevance >= best - settings.point_gap:
            return claim.relevance
        key = (id(claim), opposed)
        if key not in clauses:
            carrying = _carrying(claim.text, opposed)
            cosines = [float(v) for v in relate(carrying)] if carrying else []
            clauses[key] = max([claim.relevance, *cosines])
        return clauses[key]

    # The pairs on trial: different sources, one point, a term one affirms and the other negates.
    trials: list[tuple[Candidate, Candidate, frozenset[str]]] = []
    for x, first in enumerate(pool):
        for second in pool[x + 1 :]:
            if sources[id(first)] == sources[id(second)]:
                continue
            if first.vector is None or second.vector is None:
                continue
            if float(np.dot(first.vector, second.vector)) < settings.same_point:
                continue
            for c in (first, second):
                if c.chunk.chunk_id not in names:
                    names[c.chunk.chunk_id] = term_sets([page_names(c.chunk)])[0]
            ignore = names[first.chunk.chunk_id] | names[second.chunk.chunk_id]
            opposed = _opposed(signs_of(first), signs_of(second), ignore)
            if opposed:
                trials.append((first, second, opposed))
    vectors: dict[str, np.ndarray] = {}

    def same_claim(first: Candidate, second: Candidate, opposed: frozenset[str]) -> bool:
        """One claim and its negation: the clauses of the two that carry the opposed term are close."""
        if embed is None:
            return True
        texts = [" ".join(_carrying(c.text, opposed)) or c.text for c in (first, second)]
        todo = [t for t in dict.fromkeys(texts) if t not in vectors]
        if todo:
            vectors.update(zip(todo, embed(todo), strict=True))
        return float(vectors[texts[0]] @ vectors[texts[1]]) >= settings.same_claim

    # The strongest pair first (on the point asked, then by lead score); only pairs tried are embedded, in order.
    judged = [
        (
            whether
            and (id(first) in leads or id(second) in leads)
            and min(about(first, opposed), about(second, opposed)) >= best - settings.point_gap,
            first.lead + second.lead,
            n,
        )
        for n, (first, second, opposed) in enumerate(trials)
    ]
    found: tuple[bool, float, Candidate, Candidate] | None = None
    for asked, total, n in sorted(judged, key=lambda j: (j[0], j[1], -j[2]), reverse=True):
        first, second, opposed = trials[n]
        if same_claim(first, second, opposed):
            found = (asked, total, first, second)
            break
    if found is None:
        return None
    asked, _, first, second = found
    return Disagreement(tuple((claim, _context(claim, ranked)) for claim in (first, second)), asked)


def _carrying(text: str, opposed: frozenset[str]) -> list[str]:
    """The clauses of `text` that use an opposed term."""
    return [c for c in _CLAUSE.split(text) if c and c.strip() and opposed & set(terms(c))]


def _context(claim: Candidate, ranked: Sequence[Candidate]) -> tuple[Candidate, ...]:
    """The claim's document's most likely other answers, shown in the order the document gives them."""
    same = [c for c in ranked if c.chunk.doc_id == claim.chunk.doc_id and c.text != claim.text][:CONTEXT]
    return tuple(sorted(same, key=lambda c: (c.chunk.ordinal, c.chunk.start, c.start)))
