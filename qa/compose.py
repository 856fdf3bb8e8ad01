"""The templated, extractive answer: sentences chosen from retrieved chunks, quoted verbatim, cited by number.

No sentence of the answer body is written here: every one is a span of a chunk's text, and `Answer.quotes`
lists each with the number of the citation that holds it. The only words of our own are the template's labels
(headings, "The sources differ", the disclaimer), which never state a clinical fact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qa.bm25 import stems
from qa.markup import escape_markdown
from qa.records import Answer, Chunk, Citation, Document, Hit, is_structure_heading

DISCLAIMER = (
    "medcite quotes the indexed sources verbatim; it does not give medical advice. Check the cited passages and "
    "use clinical judgement."
)
EMERGENCY_LINE = (
    "If this is happening now, treat it as an emergency: call your local emergency number or poison control, "
    "or go to the nearest emergency department."
)
# An emergency in progress, whatever the wording around it: an ingestion, a collapse, intent to die.
_EMERGENCY_ACT = re.compile(
    r"\b(overdos(?:ed|ing|e in progress)|took\s+(?:\d+|a lot|all|too many|an entire|a whole)|"
    r"(?:ingested|swallowed)\s+\d+|just (?:took|ingested|swallowed)|not breathing|stopped breathing|unresponsive|"
    r"unconscious|crushing chest|kill (?:myself|himself|herself|themselves)|end (?:my|his|her|their) life|"
    r"want(?:s)? to die)",
    re.IGNORECASE,
)
# Topics that are an emergency only when they are happening to someone now: "the differential diagnosis of
# chest pain" and "restarting a drug after a heart attack" are textbook questions.
_EMERGENCY_TOPIC = re.compile(r"\b(chest pain|heart attack|suicid\w*|self[- ]harm\w*)", re.IGNORECASE)
_SITUATION_NOW = re.compile(
    r"\b(?:(?:i|i'm|im|i've|he|she|they|we|he's|she's|patient|pt|the patient)\b[^.?!]{0,40}?\b"
    r"(?:is|am|are|has|have|having|feel\w*|complain\w*|report\w*|says?|present\w*|develop\w*|got|gets?|"
    r"started|began|keeps?|thinking)|(?:my|our) (?:patient|pt|son|daughter|wife|husband|partner|mother|mom|"
    r"father|dad|child|baby|friend|brother|sister)|now|right now|currently|since|for the (?:last|past)|ago|"
    r"this (?:morning|afternoon|evening)|tonight|ongoing|worsening|sudden\w*)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[./][a-z0-9]+)*")
# A negation before what it negates ("does not remove X"), and one after it ("removal of X is negligible").
_NEGATION = re.compile(
    r"\b(not|no|never|cannot|can't|doesn't|don't|isn't|aren't|won't|fails? to|neither|nor)\b", re.IGNORECASE
)
_NEGATION_AFTER = re.compile(r"\b(negligible|minimal|insignificant|ineffective|unclear|little)\b", re.IGNORECASE)
# How many words on the negated side must hold a term both sentences share, for the negation to be about the
# shared point ("do not use insulin" negates using insulin, not what the other sentence says about glucose).
_NEGATION_SCOPE = 3
# "(Click the table on the right to see ...)": about the web page the text came from, not about medicine.
_PAGE_INSTRUCTION = re.compile(r"\b(?:click|tap)\s+(?:here|the|on|to|this|a)\b", re.IGNORECASE)
# Phrases with a negation word that negate nothing: "not only X but Y" adds, "no more than 10 mg" bounds.
_NOT_A_NEGATION = re.compile(
    r"\b(?:not (?:only|just|merely)|no (?:more|less|later|earlier|sooner) than|no matter|no doubt)\b", re.IGNORECASE
)
# Verbs that make the same claim in different words, so "cleared" and "does not remove" are seen as one point.
_SAME_CLAIM = {
    "remov": "clear",
    "clearanc": "clear",
    "elimin": "clear",
    "dialyz": "clear",
    "haemodialysi": "dialysi",
    "hemodialysi": "dialysi",
    "effect": "effect",
    "renal": "kidney",
}
_SAFETY = re.compile(
    r"\b(toxic\w*|avoid\w*|contraindicat\w*|caution|warning|fatal|death|overdose|do not|should not|never|"
    r"black box|life-threatening|severe (?:toxicity|reactions?)|risk of)\b",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|kg|ml|l|mmol|mol|meq|units?|iu|%|ml/min|mg/kg|ng/ml|hours?|h|days?|weeks?)\b",
    re.IGNORECASE,
)
_YES_NO_QUESTION = re.compile(
    r"^\W*(is|are|was|were|does|do|did|can|could|should|will|would|may|has|have)\b", re.IGNORECASE
)
_DIRECT_ANSWER = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)
_POPULATION = frozenset(
    """
    patient patients case year old woman man child children pediatric adult adults overdose ingested
    ingestion normal kidney renal function impairment impaired failure disease dialysis hemodialysis stage
    end pregnant elderly
    """.split()
)
_STOP = frozenset(
    """
    a an the of in on at to for with by and or but is are was were be been being it its this that these
    those as from which who what when how than then there their they them he she his her we you i do does
    did has have had can could should would may might will not no yes also such
    """.split()
)


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence: where it is, and how well it answers the question."""

    hit: Hit
    start: int
    end: int
    score: float

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start : self.end]


@dataclass(frozen=True)
class ComposeSettings:
    """How much goes into an answer: enough to be useful, little enough to read in 30 seconds."""

    max_chunks: int = 12
    max_candidates: int = 20
    max_sentences: int = 5
    max_safety: int = 2
    max_groups: int = 4
    near_duplicate: float = 0.6
    near_duplicate_safety: float = 0.45
    min_relative_score: float = 0.55
    min_safety_score: float = 0.4


def is_emergency(message: str) -> bool:
    """True when a message describes an emergency now (an overdose in progress, chest pain, suicidal intent).

    Erring towards the emergency line is the safe side, so any present-tense situation with an emergency topic
    counts ("my patient has chest pain", "he is suicidal"), but naming the topic alone does not.
    """
    if _EMERGENCY_ACT.search(message):
        return True
    return bool(_EMERGENCY_TOPIC.search(message) and _SITUATION_NOW.search(message))


def tokens(text: str) -> list[str]:
    """Snowball stems of the content words, with claim synonyms folded ("removes" and "cleared" -> "clear")."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOP]
    return [_SAME_CLAIM.get(stem, stem) for stem in stems(words)]


def pick_chunks(hits: Sequence[Hit], max_chunks: int, per_document: int = 8) -> list[Hit]:
    """The chunks to quote from: best first, but no document may crowd out the others."""
    picked: list[Hit] = []
    per_doc: dict[str, int] = {}
    for hit in hits:
        if per_doc.get(hit.chunk.doc_id, 0) < per_document:
            picked.append(hit)
            per_doc[hit.chunk.doc_id] = per_doc.get(hit.chunk.doc_id, 0) + 1
        if len(picked) >= max_chunks:
            break
    return picked


def candidate_sentences(
    hits: Sequence[Hit], query: str, *, max_chunks: int, max_sentences: int
) -> list[tuple[Hit, int, int]]:
    """The sentences worth embedding, as (hit, start, end) spans of their chunk's text.

    All sentences of the chunks worth quoting, cut to the `max_sentences` that share the most words with the
    question (ties by chunk rank), so answer time stays bounded however long the chunks are.
    """
    query_terms = set(tokens(query))
    spans: list[tuple[float, int, tuple[Hit, int, int]]] = []
    for rank, hit in enumerate(pick_chunks(hits, max_chunks)):
        for start, end in hit.chunk.sentences:
            text = hit.chunk.text[start:end]
            if len(_TOKEN.findall(text.lower())) >= 3 and not _PAGE_INSTRUCTION.search(text):
                overlap = len(set(tokens(text)) & query_terms)
                spans.append((-overlap, rank, (hit, start, end)))
    spans.sort(key=lambda item: item[:2])
    return [span for _, _, span in spans[:max_sentences]]


# What a sentence about another topic than the one asked loses: more than word overlap can give it.
_OFF_TOPIC = 0.3


def score_sentences(
    spans: Sequence[tuple[Hit, int, int]],
    sentence_vectors: np.ndarray,
    query_vector: np.ndarray,
    query: str,
    focus: str = "",
) -> list[Sentence]:
    """Relevance of each sentence: its own similarity to the question, its chunk's rank, and shared words.

    `focus` is what this turn itself asks (a follow-up's own words); its words count more than the topic
    carried over from earlier turns, so "and the dose?" picks dosing sentences, not the earlier answer again.
    """
    if not spans:
        return []
    similarity = sentence_vectors @ query_vector
    chunk_scores = np.array([h.score for h, _, _ in spans], dtype=np.float32)
    spread = float(chunk_scores.max() - chunk_scores.min()) or 1.0
    chunk_part = (chunk_scores - chunk_scores.min()) / spread
    query_terms = set(tokens(query))
    focus_terms = set(tokens(focus)) if focus and focus != query else set()
    yes_no = bool(_YES_NO_QUESTION.match(focus or query))
    # The question's words that name a retrieved page's topic ("lupus" of "is lupus contagious"): what the
    # question is about. A sentence that names none of them, on a page whose title, keywords and headings name
    # none either, is about something else, however well it matches the rest ("rheumatoid arthritis is not
    # contagious").
    page_terms = {id(h.chunk): set(tokens(_topic_names(h.chunk))) for h, _, _ in spans}
    topic_terms = query_terms & set().union(*page_terms.values())
    scored = []
    for i, (hit, start, end) in enumerate(spans):
        text = hit.chunk.text[start:end]
        terms = set(tokens(text))
        overlap = len(terms & query_terms) / max(len(query_terms), 1)
        score = float(similarity[i]) + 0.15 * float(chunk_part[i]) + 0.25 * overlap
        if topic_terms and not (terms | page_terms[id(hit.chunk)]) & topic_terms:
            score -= _OFF_TOPIC
        if focus_terms:
            score += 0.3 * len(terms & focus_terms) / len(focus_terms)
        if _QUANTITY.search(text):
            score += 0.08  # a dose, a clearance, a rate: what a clinician acts on
        if text.rstrip().endswith(":") or (
            len(text.split()) < 8 and text.rstrip()[-1:] not in ".!?" and not re.search(r"\d", text)
        ):
            score -= 0.15  # a list's lead-in or a heading-like fragment says little on its own
        if yes_no and _DIRECT_ANSWER.match(text):
            score += 0.15  # "Yes, ..." answers a yes/no question more directly than any background sentence
        scored.append(Sentence(hit, start, end, score))
    return scored


def _topic_names(chunk: Chunk) -> str:
    """What names a chunk's topic: its title, its document's keywords, and headings other than a paper's parts."""
    heads = [h for h in chunk.heading_path if not is_structure_heading(h)]
    return " ".join([chunk.title, *chunk.keywords, *heads])


def select(
    sentences: Sequence[Sentence],
    limit: int,
    *,
    floor: float,
    taken: Sequence[Sentence] = (),
    require: re.Pattern[str] | None = None,
    prefer: re.Pattern[str] | None = None,
    near_duplicate: float = 0.6,
) -> list[Sentence]:
    """Up to `limit` best sentences scoring at least `floor`, none a near-duplicate of another or of `taken`.

    `require` keeps only sentences matching a pattern (the safety cues, for the safety group); `prefer` puts
    the sentences matching it first (a warning with a dose in it before one without).
    """
    seen = [set(tokens(s.text)) for s in taken]
    taken_keys = {(s.chunk.chunk_id, s.start) for s in taken}
    chosen: list[Sentence] = []
    eligible = [s for s in sentences if s.score >= floor]
    for sentence in sorted(eligible, key=lambda s: (not (prefer and prefer.search(s.text)), -s.score)):
        if len(chosen) >= limit:
            break
        if (sentence.chunk.chunk_id, sentence.start) in taken_keys:
            continue
        if require is not None and not require.search(sentence.text):
            continue
        terms = set(tokens(sentence.text))
        if any(_jaccard(terms, other) >= near_duplicate for other in seen):
            continue
        chosen.append(sentence)
        seen.append(terms)
    return chosen


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True)
class Disagreement:
    """Two sources that make opposite claims on the point asked, each with a sentence of its context."""

    sides: tuple[tuple[Sentence, tuple[Sentence, ...]], ...]


def find_disagreement(
    sentences: Sequence[Sentence], documents: Mapping[str, Document], question: str, focus: str = ""
) -> Disagreement | None:
    """Opposite claims: two relevant sentences of different documents on the same point, one negated.

    Different documents means different pages. The same point means sharing at least three content stems with
    each other and two with the question; opposite means exactly one of the two negates a term they share
    beyond their titles' (within a few words of the negation). Agreeing sources never trigger it.
    """
    query_terms = set(tokens(question))
    focus_terms = set(tokens(focus)) if focus and focus != question else set()
    ranked = sorted(sentences, key=lambda s: -s.score)[:16]
    terms = [set(tokens(s.text)) for s in ranked]
    best: tuple[int, float, Sentence, Sentence] | None = None
    for i, first in enumerate(ranked):
        if len(terms[i] & query_terms) < 2:
            continue
        for j in range(i + 1, len(ranked)):
            second = ranked[j]
            if _source(second, documents) == _source(first, documents):
                continue
            shared = terms[i] & terms[j]
            if len(shared) < 3 or len(shared & query_terms) < 2:
                continue
            if focus_terms and not (terms[i] & focus_terms and terms[j] & focus_terms):
                continue  # a follow-up asks about something else; the earlier dispute is not its point
            # What is negated must be the claim, not the topic both pages are named after ("normal white blood
            # cells cannot form, leading to acute leukemia" does not deny a page on acute leukemia).
            point = shared - set(tokens(first.chunk.title)) - set(tokens(second.chunk.title))
            if _negates(first.text, point) == _negates(second.text, point):
                continue
            key = (len(shared), first.score + second.score)
            if best is None or key > best[:2]:
                best = (*key, first, second)
    if best is None:
        return None
    return Disagreement(tuple((s, _context_sentences(s, sentences)) for s in best[2:]))


def _source(sentence: Sentence, documents: Mapping[str, Document]) -> str:
    """The source a sentence comes from: its page (one page may be indexed as several documents, one per
    answer, as MedQuAD's are), else its document."""
    document = documents.get(sentence.chunk.doc_id)
    return document.url if document is not None and document.url else sentence.chunk.doc_id


def _negates(text: str, point: set[str]) -> bool:
    """Whether `text` negates one of the `point` terms: a negation with one of them within a few words on its
    negated side (after "not", before "negligible")."""
    text = _NOT_A_NEGATION.sub(" ", text)
    for match in _NEGATION.finditer(text):
        after = _TOKEN.findall(text[match.end() :].lower())[:_NEGATION_SCOPE]
        if set(tokens(" ".join(after))) & point:
            return True
    for match in _NEGATION_AFTER.finditer(text):
        before = _TOKEN.findall(text[: match.start()].lower())[-_NEGATION_SCOPE:]
        if set(tokens(" ".join(before))) & point:
            return True
    return False


def _context_sentences(claim: Sentence, sentences: Sequence[Sentence], limit: int = 2) -> tuple[Sentence, ...]:
    """The sentences of the claim's document that best say whom it is about (patients, a case, kidney function).

    Returned in document order, so they read as the source wrote them.
    """
    scored: list[tuple[int, float, Sentence]] = []
    seen: set[str] = {claim.text}
    for sentence in sentences:
        if sentence.chunk.doc_id != claim.chunk.doc_id or sentence.text in seen:
            continue
        seen.add(sentence.text)
        words = set(re.findall(r"[a-z]+", sentence.text.lower()))
        population = len(words & _POPULATION)
        if population >= 3:
            scored.append((population, sentence.score, sentence))
    best = sorted(scored, key=lambda item: (-item[0], -item[1]))[:limit]
    return tuple(sorted((s for _, _, s in best), key=lambda s: (s.chunk.ordinal, s.start)))


class _Numbering:
    """Citation numbers, one per quoted chunk; a document's chunks get consecutive numbers."""

    def __init__(self, quoted_in_order: Sequence[Sentence], documents: Mapping[str, Document]):
        self.documents = documents
        by_doc: dict[str, list[str]] = {}
        self.quoted: dict[str, list[str]] = {}
        self.hits: dict[str, Hit] = {}
        for sentence in quoted_in_order:
            chunk_id = sentence.chunk.chunk_id
            chunks = by_doc.setdefault(sentence.chunk.doc_id, [])
            if chunk_id not in chunks:
                chunks.append(chunk_id)
                self.hits[chunk_id] = sentence.hit
            quotes = self.quoted.setdefault(chunk_id, [])
            if sentence.text not in quotes:
                quotes.append(sentence.text)
        order = [chunk_id for chunks in by_doc.values() for chunk_id in chunks]
        self.by_chunk = {chunk_id: n for n, chunk_id in enumerate(order, start=1)}

    def number(self, sentence: Sentence) -> int:
        return self.by_chunk[sentence.chunk.chunk_id]

    def citations(self) -> tuple[Citation, ...]:
        out = []
        for chunk_id, number in self.by_chunk.items():
            hit = self.hits[chunk_id]
            chunk = hit.chunk
            doc = self.documents.get(chunk.doc_id)
            out.append(
                Citation(
                    number=number,
                    doc_id=chunk.doc_id,
                    chunk_id=chunk_id,
                    title=chunk.title or (doc.title if doc else chunk.doc_id),
                    quote=" ".join(self.quoted[chunk_id]),
                    score=hit.score,
                    heading_path=chunk.heading_path,
                    kind=doc.kind if doc else "",
                    publisher=doc.publisher if doc else "",
                    author=doc.author if doc else "",
                    date=doc.date if doc else "",
                    url=doc.url if doc else "",
                    doi=doc.doi if doc else "",
                    page=chunk.page,
                    chunk_text=chunk.text,
                )
            )
        return tuple(out)


def reference_line(citation: Citation) -> str:
    """ "Title. Publisher, date. Author. Kind. URL" from what the source states, nothing more."""
    parts = [citation.title.rstrip(".?") + ("?" if citation.title.endswith("?") else ".")]
    source = ", ".join(p for p in (citation.publisher, citation.date) if p)
    if source:
        parts.append(source + ".")
    if citation.author:
        parts.append(f"{citation.author}.")
    if citation.kind:
        parts.append(citation.kind[0].upper() + citation.kind[1:] + ".")
    link = citation.url or (f"https://doi.org/{citation.doi}" if citation.doi else "")
    if link:
        parts.append(link)
    return " ".join(parts)


def passage_label(citation: Citation) -> str:
    """Where in its document a cited passage is: section and page, as the source names them."""
    parts = []
    if citation.heading_path:
        parts.append(" > ".join(citation.heading_path))
    if citation.page is not None:
        parts.append(f"page {citation.page}")
    return ", ".join(parts) or "main text"


def _reference_lines(citations: Sequence[Citation], markdown: bool) -> list[str]:
    """One entry per document, then its quoted passages by number: [1] section A; [2] section B.

    In Markdown every part a document supplied (title, publisher, link, section names) is escaped: a link is
    shown as text, never made live, since a document can state any address as its own.
    """
    shown = escape_markdown if markdown else str
    lines: list[str] = []
    by_doc: dict[str, list[Citation]] = {}
    for citation in citations:
        by_doc.setdefault(citation.doc_id, []).append(citation)
    for group in by_doc.values():
        passages = "; ".join(f"[{c.number}] {shown(passage_label(c))}" for c in group)
        lines.append(
            f"- {shown(reference_line(group[0]))} Passages: {passages}"
            if markdown
            else f"{reference_line(group[0])}\n  Passages: {passages}"
        )
    return lines


def _source_label(doc: Document | None, chunk: Chunk) -> str:
    """ "Teaching note (UMEM), 'Baclofen clearance: hemodialysis or kidneys?'": what kind of source says it."""
    title = chunk.title or (doc.title if doc else chunk.doc_id)
    if doc is None:
        return title
    kind = doc.kind[0].upper() + doc.kind[1:] if doc.kind else "Source"
    who = f"{kind} ({doc.publisher})" if doc.publisher else kind
    return f"{who}, \u201c{title}\u201d"


def compose(
    question: str,
    hits: Sequence[Hit],
    sentences: Sequence[Sentence],
    documents: Mapping[str, Document],
    *,
    confidence: float,
    settings: ComposeSettings | None = None,
    emergency: bool = False,
    query: str = "",
    focus: str = "",
) -> Answer:
    """Render the answer from scored sentences: bottom line, disagreement, evidence by topic, references."""
    settings = settings or ComposeSettings()
    if not sentences:
        # Every candidate was filtered out (fragments, page instructions): nothing can be quoted, so say so.
        return abstain(question, nearest_topics(hits), confidence=confidence, emergency=emergency, query=query)
    top = max(s.score for s in sentences)
    disagreement = find_disagreement(sentences, documents, query or question, focus)
    sides = list(disagreement.sides) if disagreement else []
    # With a disagreement, the two sides are the bottom line; otherwise the best sentence is.
    lead = [s for claim, context in sides for s in (claim, *context)]
    if not lead:
        lead = select(sentences, 1, floor=-np.inf)
    # Warnings (toxicity, avoid, contraindicated) are what a clinician must not miss, so they get their own
    # place even when a background sentence scores a little higher.
    safety = select(
        sentences,
        settings.max_safety,
        floor=top * settings.min_safety_score,
        taken=lead,
        require=_SAFETY,
        prefer=_QUANTITY,
        near_duplicate=settings.near_duplicate_safety,
    )
    evidence = select(
        sentences,
        settings.max_sentences,
        floor=top * settings.min_relative_score,
        taken=[*lead, *safety],
        near_duplicate=settings.near_duplicate,
    )
    groups: dict[tuple[str, tuple[str, ...]], list[Sentence]] = {}
    for sentence in evidence:
        key = (sentence.chunk.doc_id, sentence.chunk.heading_path)
        if key not in groups and len(groups) >= settings.max_groups:
            continue
        groups.setdefault(key, []).append(sentence)
    for key, members in groups.items():
        groups[key] = sorted(members, key=lambda s: (s.chunk.ordinal, s.start))

    in_order = [*lead, *safety]
    for members in groups.values():
        in_order += members
    numbering = _Numbering(in_order, documents)
    quotes = [(sentence.text, numbering.number(sentence)) for sentence in in_order]

    def cited(sentence: Sentence) -> str:
        return f"{sentence.text} [{numbering.number(sentence)}]"

    def cited_md(sentence: Sentence) -> str:
        return f"{escape_markdown(sentence.text)} [{numbering.number(sentence)}]"

    md: list[str] = []
    plain: list[str] = []
    if emergency:
        md += [f"**{EMERGENCY_LINE}**", ""]
        plain += [EMERGENCY_LINE, ""]
    if not sides:
        md.append(f"**Bottom line:** {cited_md(lead[0])}")
        plain.append(f"Bottom line: {cited(lead[0])}")
    else:
        md.append("**Bottom line: the sources differ on this point.**")
        plain.append("Bottom line: the sources differ on this point.")
        for claim, context in sides:
            label = _source_label(documents.get(claim.chunk.doc_id), claim.chunk)
            tail = f" Context: {' '.join(cited(c) for c in context)}" if context else ""
            tail_md = f" Context: {' '.join(cited_md(c) for c in context)}" if context else ""
            md.append(f"- *{escape_markdown(label)}:* {cited_md(claim)}{tail_md}")
            plain.append(f"- {label}: {cited(claim)}{tail}")
    if safety:
        md += ["", "**Safety**"]
        plain += ["", "Safety"]
        for sentence in safety:
            md.append(f"- {cited_md(sentence)}")
            plain.append(f"- {cited(sentence)}")
    if groups:
        md += ["", "**Key evidence**"]
        plain += ["", "Key evidence"]
    for (doc_id, heading_path), members in groups.items():
        doc = documents.get(doc_id)
        heading = heading_path[-1] if heading_path else (doc.title if doc else doc_id)
        md += ["", f"*{escape_markdown(heading)}*"]
        plain += ["", heading if heading[-1:] in "?.!:" else f"{heading}:"]
        for sentence in members:
            md.append(f"- {cited_md(sentence)}")
            plain.append(f"- {cited(sentence)}")

    citations = numbering.citations()
    md += ["", "**References**", *_reference_lines(citations, markdown=True)]
    plain += ["", "References", *_reference_lines(citations, markdown=False)]
    md += ["", f"_{DISCLAIMER}_"]
    plain += ["", DISCLAIMER]
    return Answer(
        question=question,
        markdown="\n".join(md).strip(),
        text="\n".join(plain).strip(),
        citations=citations,
        confidence=confidence,
        abstained=False,
        disagreement=disagreement is not None,
        emergency=emergency,
        query=query,
        quotes=tuple(quotes),
    )


def nearest_topics(hits: Sequence[Hit], limit: int = 3) -> list[str]:
    """The topics of the best hits ("Title: Section"), named when the sources cannot answer."""
    labels = []
    for hit in hits:
        heading = hit.chunk.heading_path[-1] if hit.chunk.heading_path else ""
        title = hit.chunk.title
        labels.append(f"{title}: {heading}" if heading and heading != title else title)
    return list(dict.fromkeys(label for label in labels if label))[:limit]


def abstain(
    question: str, nearest: Sequence[str], *, confidence: float, emergency: bool = False, query: str = ""
) -> Answer:
    """The answer when the sources do not cover the question: say so, and name the nearest topics they cover."""
    md: list[str] = []
    plain: list[str] = []
    if emergency:
        md.append(f"**{EMERGENCY_LINE}**")
        plain.append(EMERGENCY_LINE)
    sorry = "The indexed sources do not cover this question, so medcite will not answer it."
    md += ["", f"**{sorry}**"]
    plain += ["", sorry]
    if nearest:
        md += ["", "The nearest topics they do cover:"]
        plain += ["", "The nearest topics they do cover:"]
        for topic in nearest:
            md.append(f"- {escape_markdown(topic)}")
            plain.append(f"- {topic}")
    md += ["", f"_{DISCLAIMER}_"]
    plain += ["", DISCLAIMER]
    return Answer(
        question=question,
        markdown="\n".join(md).strip(),
        text="\n".join(plain).strip(),
        citations=(),
        confidence=confidence,
        abstained=True,
        emergency=emergency,
        query=query,
    )
