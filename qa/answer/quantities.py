"""Stage 2d of an answer: a sentence about another range of the quantity asked does not answer the question.

"can I give baclofen if eGFR <30?" is as close in meaning to "For patients with moderately reduced kidney function
(eGFR 30-60 mL/min/1.73m²): ..." as to "... severely impaired renal function (eGFR <30 mL/min/1.73m²) ...": to a
sentence vector, and to the readers, a number is a number. Yet the first sentence is about other patients. So where
the question states a value or range of a measure ("eGFR 22", "eGFR below 30", "aged 15-39") and the best few
candidates state that measure too, those whose every range of it lies apart from the question's go just after the
last whose range meets it; nothing else moves. A measure is the word written just before its number, as sources and
clinicians both write it; a number with no such word, or a measure the question does not state, changes nothing.
Units are not read: a measure is written with one unit within a page, and two ranges that overlap never conflict.

Kidney function is also named by category ("in ESRD", "moderate renal impairment"): `qa.kidney` reads each as its
band, a range of each measure the categories are defined on, so that "what is the baclofen dose in ESRD?" is not
answered with the sentence for eGFR 30-60.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa import kidney
from qa.records import Candidate
from qa.text import FUNCTION_WORDS, folded

# A number as written in English text: "3,000" is three thousand, "1.73" a decimal.
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A measure's word (not glued to its number: "HbA1c", "FSHD1" and "IL-4" are names), words that link it to its
# value ("eGFR of 22", "eGFR is below 30", "eGFR ~40"), a comparison, then a value or a range of two ("30-60",
# "30 to 60"), and a bound said after it ("65 and over", "40 or younger").
_STATED = re.compile(
    r"(?<![\w.-])(?P<measure>[A-Za-z](?:[A-Za-z0-9'-]*[A-Za-z0-9])?)"
    r"(?:\s+(?:of|is|was|are|were|at|around|about|approximately|roughly|near))*\s*[(:=~\u2248]?\s*"
    r"(?P<compare><=|>=|=<|=>|[<>\u2264\u2265]|(?:less|more|greater|fewer)\s+than|under|below|over|above|"
    r"at\s+least|at\s+most)?\s*"
    rf"(?<![A-Za-z0-9-])(?P<low>{_NUMBER})(?:\s*(?:-|\u2013|to)\s*(?P<high>{_NUMBER}))?(?![.,]?\d)"
    r"(?:\s+(?:and|or)\s+(?P<after>over|older|above|more|greater|higher|under|younger|below|less|fewer|lower)\b)?",
    re.IGNORECASE,
)
_BELOW = frozenset({"<", "\u2264", "<=", "=<", "under", "below", "less than", "fewer than", "at most"})
_BELOW_AFTER = frozenset({"under", "younger", "below", "less", "fewer", "lower"})
_INCLUSIVE = frozenset({"\u2264", "\u2265", "<=", ">=", "=<", "=>", "at least", "at most"})


@dataclass(frozen=True)
class Interval:
    """The values a text allows a measure: from `low` to `high`, an end excluded where said ("<30")."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def meets(self, other: Interval) -> bool:
        """Whether some value lies in both."""
        if self.high < other.low or other.high < self.low:
            return False
        if self.high == other.low:
            return not (self.high_open or other.low_open)
        if other.high == self.low:
            return not (other.high_open or self.low_open)
        return True


def stated(text: str) -> dict[str, list[Interval]]:
    """The ranges `text` states, by measure (its word, lower case): "eGFR <30" gives {"egfr": [(-inf, 30)]}, and
    "in ESRD" gives the band of kidney failure for each of `qa.kidney.MEASURES`.

    A year or a list's number does not count: its word is a function word ("in 2004", "of 13") or a value a
    measure's word does not precede."""
    found: dict[str, list[Interval]] = {}
    for match in _STATED.finditer(text):
        measure = folded(match.group("measure"))
        if measure in FUNCTION_WORDS or any(c.isdigit() for c in measure):
            continue
        interval = _interval(match.group("compare"), match.group("low"), match.group("high"), match.group("after"))
        if interval is not None:
            found.setdefault(measure, []).append(interval)
    for low, high in dict.fromkeys(c.band for c in kidney.categories(text) if c.band is not None):
        band = Interval(low, high, high_open=not math.isinf(high))
        for measure in kidney.MEASURES:
            found.setdefault(measure, []).append(band)
    return found


def _interval(compare: str | None, low: str, high: str | None, after: str | None) -> Interval | None:
    """The interval a comparison and one or two numbers say; None for a range written backwards or bounded twice."""
    first = float(low.replace(",", ""))
    if high is not None:
        second = float(high.replace(",", ""))
        return Interval(first, second) if compare is None and after is None and first <= second else None
    if compare is None and after is None:
        return Interval(first, first)
    if compare is None:
        # "65 and over" includes 65.
        return Interval(-math.inf, first) if after.lower() in _BELOW_AFTER else Interval(first, math.inf)
    if after is not None:
        return None
    word = " ".join(compare.lower().split())
    closed = word in _INCLUSIVE
    if word in _BELOW:
        return Interval(-math.inf, first, high_open=not closed)
    return Interval(first, math.inf, low_open=not closed)


def judge(asked: dict[str, list[Interval]], text: str) -> tuple[bool, bool]:
    """(agrees, conflicts) of a sentence with the question's ranges: it states a measure asked with a range that
    meets one of the question's, or a measure asked whose every range lies apart from all of the question's (a
    sentence can do both, for two measures; it then counts as agreeing)."""
    agrees = conflict = False
    for measure, ranges in stated(text).items():
        wanted = asked.get(measure)
        if not wanted:
            continue
        if any(r.meets(w) for r in ranges for w in wanted):
            agrees = True
        else:
            conflict = True
    return agrees, conflict


def prefer_agreeing(candidates: Sequence[Candidate], question: str, window: int) -> list[Candidate]:
    """The scored candidates (in the order given), the scorer's `window` best reordered so that a sentence whose
    range of a measure asked lies apart from the question's comes after every one whose range meets it; scores are
    handed out in the new order, as the reranker does (`qa.answer.rerank.rerank`). Nothing moves when the question
    states no range or none of the best few meets it."""
    asked = stated(question)
    if not asked or window == 0 or len(candidates) < 2:
        return list(candidates)
    top = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)[:window]
    judged = [judge(asked, candidates[i].text) for i in top]
    if not any(agrees and not conflict for agrees, conflict in judged):
        return list(candidates)
    # A conflicting sentence goes just after the last that agrees; the rest keep their order.
    kept = [agrees or not conflict for agrees, conflict in judged]
    last = max(k for k, (agrees, conflict) in enumerate(judged) if agrees and not conflict)
    order = [
        *(k for k in range(last + 1) if kept[k]),
        *(k for k in range(last + 1) if not kept[k]),
        *range(last + 1, len(top)),
    ]
    out = list(candidates)
    for k, slot in zip(order, top, strict=True):
        out[top[k]] = dataclasses.replace(candidates[top[k]], score=candidates[slot].score)
    return out
