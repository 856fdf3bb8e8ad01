"""Answer figures: is the bottom line a labelled answer sentence, how high do the answer sentences rank, and
is the bottom line taken from a relevant document at least as often as the top-ranked document is relevant.

A labelled answer is a verbatim quote of the sentence that answers the question (or a part of it). A quoted
sentence matches it when one holds the other, in the same document: quotes survive re-chunking and a sentence
splitter that cuts a little differently. A sentence of another document that holds a whole quote of
`SPECIFIC_WORDS` words or more matches too: those words say the same thing wherever they stand, and MedQuAD repeats
pages across its sources ("Rotarix is given in two doses." is on two of them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.datasets import Passage, Query
from eval.splits import SPLITS
from qa.records import Answer
from qa.text import words

# A labelled quote this long is specific to what it says; a shorter one (a list item, "Avoid baclofen entirely")
# only counts in its own document.
SPECIFIC_WORDS = 5


def same_doc(labelled: str, doc_id: str) -> bool:
    """A label's document names `doc_id`: the id itself, or (for files) its path's tail ("a/b.md" for "b.md")."""
    return labelled == doc_id or doc_id.endswith("/" + labelled)


def matches(text: str, doc_id: str, labels: Sequence[Passage]) -> bool:
    """Whether a sentence of `doc_id` is (part of) a labelled answer, or holds a whole specific one."""
    text = text.strip()
    return bool(text) and any(
        (same_doc(p.doc, doc_id) and (p.quote in text or text in p.quote))
        or (len(words(p.quote)) >= SPECIFIC_WORDS and p.quote in text)
        for p in labels
    )


def bottom_line_correct(query: Query, answer: Answer) -> bool:
    """The bottom line quotes a labelled answer sentence; when the sources differ on the point asked (a "differ"
    question), the bottom line must say so and one of its sides must quote a labelled sentence."""
    if answer.abstained:
        return False
    if query.differ:
        return bool(answer.sides) and any(matches(s.claim.text, s.claim.doc_id, query.answers) for s in answer.sides)
    if answer.sides:
        return False
    return any(matches(q.text, q.doc_id, query.answers) for q in answer.bottom_line)


def answer_rank(query: Query, answer: Answer) -> int | None:
    """The rank (1 = best) of the first labelled answer sentence among the scorer's candidates, None when none is
    among them."""
    for rank, ranked in enumerate(answer.ranked, start=1):
        if matches(ranked.text, ranked.doc_id, query.answers):
            return rank
    return None


def reciprocal_rank(query: Query, answer: Answer) -> float:
    """1 / the rank of the first labelled answer sentence among the scorer's candidates (0 when none is there)."""
    rank = answer_rank(query, answer)
    return 1.0 / rank if rank else 0.0


def bottom_line_relevant(answer: Answer, relevant: Mapping[str, int]) -> bool:
    """The bottom line (or, when the sources differ, a side's claim) comes from a document judged relevant."""
    if answer.abstained:
        return False
    quoted = [q.doc_id for q in answer.bottom_line] + [s.claim.doc_id for s in answer.sides]
    return any(relevant.get(doc, 0) > 0 for doc in quoted)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def labelled_figures(items: Sequence[tuple[Query, Answer]]) -> dict[str, Any]:
    """Figures of a labelled set, in all and per split: bottom line correct, answer-sentence MRR, the share of
    "differ" questions answered with both sides, and of the other questions wrongly answered so."""

    def block(chosen: Sequence[tuple[Query, Answer]]) -> dict[str, Any]:
        differ = [(q, a) for q, a in chosen if q.differ]
        direct = [(q, a) for q, a in chosen if not q.differ]
        return {
            "questions": len(chosen),
            "bottom_line_correct": _ratio(sum(bottom_line_correct(q, a) for q, a in chosen), len(chosen)),
            "answer_mrr": _ratio(sum(reciprocal_rank(q, a) for q, a in chosen), len(chosen)),
            "differ_questions": len(differ),
            "differ_flagged": _ratio(sum(bool(a.sides) for _, a in differ), len(differ)),
            "differ_false": _ratio(sum(bool(a.sides) for _, a in direct), len(direct)),
            "abstained": _ratio(sum(a.abstained for _, a in chosen), len(chosen)),
        }

    return {**block(items), "splits": {s: block([i for i in items if i[0].split == s]) for s in SPLITS}}


def document_figures(items: Sequence[tuple[Query, Answer, bool]]) -> dict[str, Any]:
    """For document-judged sets, in all and per split: how often the bottom line comes from a relevant document,
    beside how often the top-ranked document of retrieval is relevant (`items`: query, answer, top relevant), over
    every question: an abstention has no bottom line, so it counts as not from a relevant document, while the
    top-ranked document, which showing the first passage would give, counts for every question. The same two over
    the answered questions alone ("answered_..."): on the same questions, whether the sentence chosen, rather than
    the decision to answer, does worse than the first passage."""

    def block(chosen: Sequence[tuple[Query, Answer, bool]]) -> dict[str, Any]:
        n = len(chosen)
        answered = [(q, a, top) for q, a, top in chosen if not a.abstained]
        return {
            "questions": n,
            "bottom_line_relevant": _ratio(sum(bottom_line_relevant(a, q.relevant) for q, a, _ in chosen), n),
            "top_document_relevant": _ratio(sum(top for _, _, top in chosen), n),
            "answered": len(answered),
            "answered_bottom_line_relevant": _ratio(
                sum(bottom_line_relevant(a, q.relevant) for q, a, _ in answered), len(answered)
            ),
            "answered_top_document_relevant": _ratio(sum(top for _, _, top in answered), len(answered)),
            "abstained": _ratio(sum(a.abstained for _, a, _ in chosen), n),
            "differ": _ratio(sum(bool(a.sides) for _, a, _ in chosen), n),
        }

    return {**block(items), "splits": {s: block([i for i in items if i[0].split == s]) for s in SPLITS}}
