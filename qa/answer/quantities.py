"""Stage 2d of an answer: a sentence about another range of the quantity asked does not answer the question.

"can I give baclofen if eGFR <30?" is as close in meaning to "For patients with moderately reduced kidney function
(eGFR 30-60 mL/min/1.73m²): ..." as to "... severely impaired renal function (eGFR <30 mL/min/1.73m²) ...": to a
sentence vector, and to the readers, a number is a number. Yet the first sentence is about other patients. So where
the question states a value or range of a measure ("eGFR 22", "eGFR below 30", "aged 15-39") and the best few
candidates state that measure too, those whose every range of it lies apart from the question's go just after the
last whose range meets it; nothing else moves. A measure is the word written just before its number, as sources and
clinicians both write it; a number with no such word, or a measure the question does not state, changes nothing.
Units are not read: a measure is written with one unit within a page, and two ranges that overlap never conflict.

Kidney function is also named by category: a clinician asks for "the dose in ESRD" or "in moderate renal
impairment", and a dosing source states the category's range ("eGFR <30 mL/min/1.73m²", "CrCl 30-59 mL/min").
`KIDNEY_CATEGORIES` reads each named category as its range of the measures the categories are defined on, so that
"what is the baclofen dose in ESRD?" is not answered with the sentence for eGFR 30-60. The bands are the published
ones (KDIGO 2012 GFR categories; FDA, "Pharmacokinetics in Patients with Impaired Renal Function", 2024: normal
>= 90, mild 60-89, moderate 30-59, severe 15-29, kidney failure < 15 or on dialysis): clinical vocabulary of every
corpus, as `qa.abbreviations` is, not words of any page or question.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

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


# A kidney-function category as clinicians and dosing sources name it, and its range of GFR (mL/min/1.73m², or mL/min
# of creatinine clearance): see the module's docstring. Dialysis names the last category only where it is the
# patient's state ("on dialysis", "dialysis patients"), not a treatment asked about ("is it dialyzable?"); acute
# kidney failure has no GFR category.
_KIDNEY = r"(?:renal|kidney)"
_IMPAIRED = (
    rf"(?:(?:reduced|impaired|decreased)\s+)?{_KIDNEY}\s+(?:impairment|function|disease|insufficiency|dysfunction)"
)
_CKD = r"(?:CKD|chronic\s+kidney\s+disease)"
_DIALYSIS = r"(?:(?:hemo|haemo|peritoneal\s+)?dialysis|HD|PD|RRT|CRRT|renal\s+replacement\s+therapy)"


def _category(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


KIDNEY_CATEGORIES: tuple[tuple[re.Pattern[str], Interval], ...] = (
    (
        _category(
            rf"ESRD|ESKD|end[\s-]+stage\s+{_KIDNEY}(?:\s+(?:disease|failure))?|(?<!acute\s){_KIDNEY}\s+failure"
            rf"|(?:on|receiving|undergoing|requiring|needing)\s+{_DIALYSIS}|(?:hemo|haemo)?dialysis\s+(?:patients?|pts?)"
            rf"|{_CKD}\s*(?:stage\s*)?(?:5|G5|V)|stage\s*(?:5|V)\s+{_CKD}"
        ),
        Interval(0.0, 15.0, high_open=True),
    ),
    (
        _category(
            rf"severe(?:ly)?\s+{_IMPAIRED}|severe\s+{_CKD}|{_CKD}\s*(?:stage\s*)?(?:4|G4|IV)|stage\s*(?:4|IV)\s+{_CKD}"
        ),
        Interval(15.0, 30.0, high_open=True),
    ),
    (
        _category(
            rf"moderate(?:ly)?\s+{_IMPAIRED}|moderate\s+{_CKD}|{_CKD}\s*(?:stage\s*)?(?:3[ab]?|G3[ab]?|III)"
            rf"|stage\s*(?:3[ab]?|III)\s+{_CKD}"
        ),
        Interval(30.0, 60.0, high_open=True),
    ),
    (_category(rf"mild(?:ly)?\s+{_IMPAIRED}|mild\s+{_CKD}"), Interval(60.0, 90.0, high_open=True)),
    (
        _category(
            rf"normal\s+{_KIDNEY}\s+(?:function|clearance)|(?:normal|healthy|working)\s+kidneys"
            r"|kidneys\s+(?:are|were|is)\s+(?:normal|fine|working|healthy)"
        ),
        Interval(90.0, math.inf),
    ),
)
# The measures the categories are ranges of, by their word (lower case) as `stated` reads it.
KIDNEY_MEASURES = ("egfr", "gfr", "crcl", "clcr")


def stated(text: str) -> dict[str, list[Interval]]:
    """The ranges `text` states, by measure (its word, lower case): "eGFR <30" gives {"egfr": [(-inf, 30)]}, and
    "in ESRD" gives the range of kidney failure for each of `KIDNEY_MEASURES`.

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
    for pattern, interval in KIDNEY_CATEGORIES:
        if pattern.search(text):
            for measure in KIDNEY_MEASURES:
                found.setdefault(measure, []).append(interval)
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
