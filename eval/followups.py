"""Two-turn follow-up pairs from MedQuAD pages: does medcite use the earlier turn to resolve "it", and does it
drop the earlier subject when the follow-up names another ("What about X?")?

Each MedQuAD page asks "What is (are) X ?" and then more questions about the same X. A clinician's second
message drops the subject ("What are the treatments?"), so the pair (first question, second question without
its focus) scores retrieval with the history against the same question without it: the gap between the two is
what follow-up resolution buys.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from eval.datasets import MedquadPage, Query
from eval.splits import medquad_page_key, split_of

OPENER = re.compile(r"^\s*what\s+is\s+\(are\)\s", re.IGNORECASE)
# Words that tie the focus to the question; they go with it ("the treatments for X" -> "the treatments").
_LINKED = re.compile(r"\s*\b(?:related to|about|for|of|by|with|to|in|on|from)\s*$", re.IGNORECASE)
_MIN_WORDS = 2


def strip_focus(question: str, focus: str) -> str | None:
    """The question as a follow-up would phrase it, the focus removed; None when the focus is not in it.

    A focus that hangs on a preposition goes with it ("What are the treatments for X ?" -> "What are the
    treatments?"); one that is the object of a verb becomes "it" ("What causes X ?" -> "What causes it?").
    """
    focus = focus.strip()
    if not focus:
        return None
    found = re.search(re.escape(focus), question, re.IGNORECASE)
    if found is None:
        return None
    before, after = question[: found.start()], question[found.end() :]
    linked = _LINKED.search(before)
    before = before[: linked.start()] if linked else before + "it"
    text = " ".join(f"{before} {after}".split())
    # MedQuAD writes " ?" and sometimes "? ?"; a typed follow-up ends in one question mark, no space before.
    text = re.sub(r"\s*(\?\s*)+$", "?", text)
    text = re.sub(r"\s+([?,.])", r"\1", text)
    if len(re.findall(r"\w+", text)) < _MIN_WORDS:
        return None
    return text


def followup_pairs(pages: Iterable[MedquadPage]) -> tuple[Query, ...]:
    """A query per later question of a page with an opener: the question stripped, the opener as history.

    The query is judged by the later question's own answer, exactly as in the single-turn MedQuAD set.
    """
    pairs: list[Query] = []
    for page in pages:
        opener = next((text for text, _ in page.questions if OPENER.match(text)), None)
        if opener is None:
            continue
        for text, doc_id in page.questions:
            if OPENER.match(text):
                continue
            follow = strip_focus(text, page.focus)
            if follow is not None:
                split = split_of(medquad_page_key(doc_id))
                pairs.append(Query(doc_id, follow, {doc_id: 1}, history=(opener,), split=split))
    return tuple(pairs)


def subject_change_pairs(pages: Iterable[MedquadPage]) -> tuple[Query, ...]:
    """A query per question type shared by two neighbouring pages: page A's question, then "What about B?".

    The follow-up asks the same thing of page B's focus, so it is judged by B's answer of that type: carrying
    A's whole question along (A's focus included) finds A's answer again; replacing A's focus finds B's.
    """
    ordered = [p for p in pages if p.focus and p.qtypes]
    pairs: list[Query] = []
    for first, second in itertools.pairwise(ordered):
        if first.focus.lower() == second.focus.lower():
            continue
        theirs = {qtype: doc_id for (_, doc_id), qtype in zip(second.questions, second.qtypes, strict=True)}
        for (text, _), qtype in zip(first.questions, first.qtypes, strict=True):
            if qtype in theirs and qtype != "information":
                doc_id = theirs[qtype]
                split = split_of(medquad_page_key(doc_id))
                pairs.append(
                    Query(f"{doc_id}~{qtype}", f"What about {second.focus}?", {doc_id: 1}, history=(text,), split=split)
                )
                break
    return tuple(pairs)
