"""Stage 4 of an answer: do two sources make opposite claims on the point asked?

Five tests, none of them a list of words about a topic:

- Different sources: two documents of different pages (MedQuAD indexes each answer of one page as its own
  document; they share the page's URL and never disagree with themselves).
- The same point: the two sentences' vectors (stored at ingest) are close, `AnswerSettings.same_point`.
- Opposite claims: a term both sentences use, other than the words that name either page (its title, keywords
  and section headings: what both pages are about, not what they claim), is negated in one and affirmed in the
  other. A term is negated when a negation in its clause is about it: the predicate after "not" ("hemodialysis
  does not remove baclofen effectively"), or the subject when "not" is followed by one word ("routine use of
  vitamin K is not recommended"); the words after "no" or "without" ("no bleeding"); the words before "negligible".
  Phrases that only look negative ("not only", "no more than", "should not exceed", "with or without") negate
  nothing, and what a condition or a relative clause denies ("if people do not get chickenpox, ...", "adults who
  have not received a dose") is only supposed; a "which" clause the sentence goes on after ("This condition, which is
  not an autoimmune disorder, is called ...") is an aside, not the sentence's claim.
- Categorical claims: a claim about part of a group ("most people ...", "in a small number of cases ...") or about
  what may happen ("may", "might", "could") is consistent with its negation, which another source may state of
  another part: "Most people with celiac disease improve on a gluten-free diet" and "In a small number of cases,
  celiac disease does not improve with a gluten-free diet" are both true. Such pairs (frequency, proportion and
  possibility words, a closed class of English, not a topic's) were 10 of the 11 false alarms of the predicate test
  (below) among our long consumer messages and samples of MedQuAD and MedicationQA questions (2026-12-03).
- Claims that name what they are about: a sentence that opens with a pronoun or a demonstrative ("It has been
  associated with an increased risk of colon cancer.", after "Ulcerative colitis is ..." on its page; "This is
  called the Philadelphia chromosome.") claims something of what another sentence names, so it cannot be shown to
  deny a claim about the thing asked ("microscopic colitis does not increase a person's risk of getting colon
  cancer"). Such a sentence was a side of each of the three "sources differ" answers to MedQuAD fact questions;
  one of the three now gets its answer, the other two find another pair (twenty-sixth session).

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

The claim is the point asked when the question may ask whether: it opens with an auxiliary verb ("is X removed by
dialysis?", "so is it ... or not?"), or it names no question word at all, as clinicians write, and says something of
its subject ("X dialyzable?", "HD removes it then?", "X safe in ESRD?"). Shorthand that only names a thing asks for
it ("baclofen removal rate constant on HD", "HD clearance mL/min"): a value, as "what is ...?" does. A claim and its
negation answer yes and no, whereas a question for a value, a mechanism or a dose ("what", "how much", "why") is
answered by the sources' values, and their conflict is a note.
Then one of the two claims must be among the `point_rank` sentences closest to the question (the cosine of its
vector, `Candidate.relevance`), or to its predicate (`predicate`: the question less a qualifier of whom or when it
asks about, "in patients with impaired renal function"; sources that disagree often answer one predicate for two
populations, and the question's qualifier pulls sentences about its population closer than either claim), and both
about the question about as much as the closest sentence is; a disagreement between sentences less about it is a
related point, shown as a note. Closeness, not the answer scorer's order, decides: a scorer learns that a sentence
opening "Yes, ..." answers whether-questions, and made questions about other points of a page with a disagreement
say that the sources differ. A claim is often one clause of a longer sentence ("Yes, X is effectively cleared by
dialysis and should be avoided in ..."), so how much it is about the question is the higher of its whole sentence's
cosine and that of its clause which carries the opposed term (`relate`, the question's encoder, embeds those few
clauses only when a pair is on trial).
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

# A clause ends at punctuation or where a contrasting, subordinate, conditional or relative clause begins.
_CLAUSE = re.compile(
    r"[;:,()\u2013\u2014]|\s-\s|\b(?:but|although|though|whereas|however|while)\b"
    r"|(?=\b(?:if|unless|who|whom|whose|which)\b)",
    re.I,
)
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
# auxiliary verb followed by more words, or offers the two answers ("... or not?"), or when no part opens with a
# question word or a request for an account ("what", "how", "tell me", "explain"): "X dialyzable?". A request
# to the assistant ("do you have information about X", "can you tell me ...") asks for information ("are you sure
# ...?" does not). "and if X?" asks the earlier question again for a new condition, which the sources that speak of
# that condition answer: like "what about X?", it does not ask whether on its own. Shorthand puts the question word
# last ("qvar 40mcg what is it for", "good for how long?"): "what", "how" and "why" ask for something anywhere.
_OPENING = r"^\W*(?:(?:so|and|but|then|also|ok|okay|well|now)\W+)?"
_ASKS_FOR = re.compile(
    _OPENING + r"(?:what|whats|how|why|when|where|which|who|whose|whom|if|tell|explain|describe|list|define|give)\b",
    re.IGNORECASE,
)
_ASKS_FOR_ANYWHERE = re.compile(r"\b(?:what|whats|how|why)\b", re.IGNORECASE)
_WHETHER = re.compile(
    _OPENING + r"(?:is|are|was|were|am|does|do|did|can|could|should|will|would|may|might|must|has|have|had)\b\W+\w",
    re.IGNORECASE,
)
_REQUEST = re.compile(_OPENING + r"(?:do|can|could|will|would)\s+you\b", re.IGNORECASE)
# Shorthand with no question word says something of its subject when it holds a predicate: an auxiliary anywhere
# ("so in ESRD pts does HD get it out?"), an adjective of what can be done ("dialyzable", "removable"), a verb with its
# object ("removes it", "dialyse them off"), a participle with its agent or place ("removed by HD"), or an adjective
# of worth or fitness ("safe", "ok", "effective", "contraindicated"); a closed class of English words, not a topic's.
_PREDICATE = re.compile(
    r"\b(?:is|are|was|were|am|does|do|did|can|could|should|will|would|may|might|must|has|have|had)\b"
    r"|\b(?:isn|aren|wasn|weren|doesn|don|didn|can|won|shouldn|couldn|wouldn|hasn|haven)['\u2019]?t\b"
    r"|\b\w+(?:able|ible)\b|\b\w+\s+(?:it|them)\b|\b\w+ed\s+(?:by|in|with|off|out|from)\b"
    r"|\b(?:safe|ok|okay|fine|effective|worth|useful|needed|necessary|indicated|contraindicated|recommended"
    r"|dangerous|toxic|required|appropriate|allowed|possible|true|real|better|worse|enough)\b",
    re.IGNORECASE,
)
_YES_OR_NO = re.compile(r"\b(?:or not|yes or no)\b", re.IGNORECASE)
_QUESTION_PARTS = re.compile(r"[?\n]+|(?<=[.!;])\s+")
# A qualifier of whom or when a question asks about ("in patients with impaired renal function", "after an
# overdose"), after at least `_PREDICATE_WORDS` words of what it asks.
_QUALIFIER = re.compile(r"\s(?:in|for|with|without|after|during|among|when|if|on)\s", re.IGNORECASE)
_PREDICATE_WORDS = 3
# How many terms a noun phrase's negation reaches ("no" and the terms after it, up to a preposition), and how many
# of a negated predicate's subject ("routine use of vitamin K is not recommended").
_NOUN_SCOPE = 3
# Phrases with a negation word that negate nothing: "not only X but Y" adds, "no more than 10 mg" and "should not
# exceed 10 mg" bound, "not every X does" grants that some do, "with or without X" names both.
_NOT_A_NEGATION = re.compile(
    r"\b(?:not (?:only|just|merely|all|every|everyone|everybody|always|necessarily)"
    r"|no (?:more|less|later|earlier|sooner|longer) than|no matter|no doubt|with or without|whether or not"
    r"|not (?:to )?exceed)\b"
    # Not knowing why or how X happens takes X as given ("it is unclear why the immune system malfunctions",
    # "doctors don't know what causes it"): only the reason is unknown. ("Unclear if X" leaves X open.)
    r"|(?:\bunclear|(?:\bnot|n['\u2019]t)(?:\s+(?:yet|fully|well|completely|entirely))?"
    r"\s+(?:known|clear|understood|certain|sure|know|understand))\s+(?:why|how|what|when|where|which|who)\b",
    re.IGNORECASE,
)
# A claim about part of a group ("most people ...", "in a small number of cases ...", "10 percent of cases") or about
# what may happen ("may", "might", "could") is consistent with its negation, which another source may state about
# another part or another outcome: "Most people with celiac disease improve on a gluten-free diet" and "In a small
# number of cases, celiac disease does not improve with a gluten-free diet" do not contradict each other. Only
# categorical claims can ("X is effectively cleared by dialysis" against "dialysis does not remove X effectively").
_PARTIAL = re.compile(
    r"\b(?:most|many|some|several|few|majority|minority|rarely|occasionally|sometimes|often|usually|typically"
    r"|generally|frequently|commonly|may|might|could)\b|\bin (?:general|rare (?:cases|instances))\b"
    r"|\ba (?:small |large )?number of\b|\b(?:half|thirds?|quarter|percent)\s+of\b|%\s+of\b",
    re.IGNORECASE,
)
# A condition ("if people do not get chickenpox, they cannot get shingles") or a relative clause saying whom a claim
# is about ("adults who have not received a dose") asserts nothing of its own: what it denies is only supposed.
_NOT_ASSERTED = re.compile(r"^\W*(?:(?:and|but|so|or)\W+)?(?:if|unless|whether|who|whom|whose)\b", re.IGNORECASE)
# A "which" clause that the sentence goes on after ("This condition, which is not an autoimmune disorder, is called
# ...") describes what the sentence names in passing: an aside, not what the sentence is there to claim (Potts, "The
# Logic of Conventional Implicatures", 2005). One that ends the sentence ("..., which means a person can live
# normally without it") carries the claim on.
_ASIDE = re.compile(r"^\W*which\b", re.IGNORECASE)
# A sentence opening with a pronoun, a possessive or a demonstrative refers back to what another sentence names.
_REFERS_BACK = re.compile(r"^\W*(?:it|its|they|their|them|this|these|that|those|he|she|his|her|such)\b", re.IGNORECASE)
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
    clauses = [c for c in _CLAUSE.split(text) if c and c.strip()]
    for at, clause in enumerate(clauses):
        if _NOT_ASSERTED.match(clause) or (_ASIDE.match(clause) and at < len(clauses) - 1):
            continue
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
    """Whether the question may ask yes or no: some part does ("is X removed by dialysis?", "so is it cleared or
    not?"), or none asks for something else and one says something of its subject ("X dialyzable?" against "what is
    the dose?" and "X HD clearance mL/min")."""
    parts = [part for part in _QUESTION_PARTS.split(question) if part.strip()]
    if any((_WHETHER.match(part) and not _REQUEST.match(part)) or _YES_OR_NO.search(part) for part in parts):
        return True
    if any(_ASKS_FOR.match(part) or _ASKS_FOR_ANYWHERE.search(part) or _REQUEST.match(part) for part in parts):
        return False
    return any(_PREDICATE.search(part) for part in parts)


def predicate(question: str) -> str:
    """The question less the qualifiers that follow what it asks: "Is X cleared by dialysis in patients with impaired
    renal function?" asks "Is X cleared by dialysis".

    Two sources that disagree often answer one predicate for different people (cleared in kidney failure, not
    removed next to working kidneys): the qualifier the question names pulls sentences about that population
    closer than either claim, so the claims are measured against the predicate too.
    """
    heads = []
    for part in (p.strip() for p in _QUESTION_PARTS.split(question)):
        cut = next((m for m in _QUALIFIER.finditer(part) if len(terms(part[: m.start()])) >= _PREDICATE_WORDS), None)
        heads.append(part[: cut.start()] if cut else part)
    return " ".join(h for h in heads if h)


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
    restated: str = "",
) -> Disagreement | None:
    """The strongest pair of opposite claims among the scored candidates, on the point asked or a related one.

    `question` is this turn's message as typed: its form says whether it asks yes or no (a follow-up's topic comes
    from earlier turns, its form does not). `restated` is a follow-up that names only a substitute ("and by the
    kidneys?") restated as the earlier question with it in place: that form must allow yes or no too ("How much
    baclofen was removed by kidneys?" asks for an amount). `relate` measures a claim's clause against the question;
    without it, only whole sentences are. `embed` compares the two claims' clauses that carry the opposed term;
    without it, that test is not made.

    Relevance to the question is each candidate's cosine to it (`Candidate.relevance`), not a scorer's score:
    a scorer picks one bottom line and is sure of it, while two sources that contradict each other are both
    about the question.
    """
    settings = settings or AnswerSettings()
    if len(candidates) < 2:
        return None
    best = max(c.relevance for c in candidates)
    closest = best_first(candidates, by=lambda c: c.relevance)
    whether = asks_whether(question) and (not restated or asks_whether(restated))
    leads = {id(c) for c in closest[: settings.point_rank]}
    head = predicate(question) if whether and embed is not None else ""
    if head and head != " ".join(p.strip() for p in _QUESTION_PARTS.split(question) if p.strip()):
        vector = embed([head])[0]
        near = best_first(candidates, by=lambda c: float(np.dot(c.vector, vector)) if c.vector is not None else -1.0)
        leads |= {id(c) for c in near[: settings.point_rank]}
    pool = [c for c in closest if c.relevance >= best - settings.note_gap and not _REFERS_BACK.match(c.text)][:24]
    names: dict[str, frozenset[str]] = {}
    clauses: dict[tuple[int, frozenset[str]], float] = {}
    # Per candidate, computed once rather than once per pair (24 candidates make 276 pairs).
    sources = {id(c): source_of(c, documents) for c in pool}
    partial = {id(c): bool(_PARTIAL.search(c.text)) for c in pool}
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
            if partial[id(first)] or partial[id(second)]:
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

    # The strongest pair first (on the point asked, then the closest); only pairs tried are embedded, in order.
    judged = [
        (
            whether
            and (id(first) in leads or id(second) in leads)
            and min(about(first, opposed), about(second, opposed)) >= best - settings.point_gap,
            first.relevance + second.relevance,
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
    ranked = best_first(candidates, by=lambda c: c.score)
    return Disagreement(tuple((claim, _context(claim, ranked)) for claim in (first, second)), asked)


def _carrying(text: str, opposed: frozenset[str]) -> list[str]:
    """The clauses of `text` that use an opposed term."""
    return [c for c in _CLAUSE.split(text) if c and c.strip() and opposed & set(terms(c))]


def _context(claim: Candidate, ranked: Sequence[Candidate]) -> tuple[Candidate, ...]:
    """The claim's document's most likely other answers, shown in the order the document gives them."""
    same = [c for c in ranked if c.chunk.doc_id == claim.chunk.doc_id and c.text != claim.text][:CONTEXT]
    return tuple(sorted(same, key=lambda c: (c.chunk.ordinal, c.chunk.start, c.start)))
