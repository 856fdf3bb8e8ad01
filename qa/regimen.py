"""A dose and how often it is taken, as prescriptions and clinicians write them ("5 mg bid", "2.5 mg twice daily").

A follow-up that changes the regimen ("and 10 mg tid?" after "is baclofen 5 mg bid safe in CKD?") names parts that
meaning cannot place: "tid" and "bid" are two short strings to the embedding model, and a number is a number. Each
part takes the place of its own kind (`qa.query.substitute`): the dose the dose, how often how often. The
abbreviations are the standard Latin ones of prescriptions (bid, tid, qid, qd, qhs, prn, q8h): clinical
vocabulary of every corpus, as `qa.kidney`'s categories are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"\d+(?:[.,]\d+)?"
# A dose: a number or a range and its unit ("5 mg", "2.5mg", "500 mcg", "10-20 units", "0.5 mg/kg", "<10 mg").
DOSE = re.compile(
    rf"(?<![\w.,<>\u2264\u2265-])[<>\u2264\u2265]?\s*{_NUMBER}(?:\s*(?:-|\u2013|to)\s*{_NUMBER})?\s*(?:mg|mcg|µg|ug|g|ml|mL|units?|IU|mmol|mEq)(?:/kg)?"
    r"(?![\w/])",
    re.IGNORECASE,
)
# How often: "bid", "b.i.d.", "q8h", "q 12 hours", "every 8 hours", "twice daily", "three times a day", "at bedtime".
FREQUENCY = re.compile(
    r"(?<![\w.])(?:q\.?d\.?|o\.?d\.?|b\.?i\.?d\.?|t\.?i\.?d\.?|q\.?i\.?d\.?|q\.?h\.?s\.?|q\.?am|q\.?pm|p\.?r\.?n\.?"
    r"|q\s?\d+\s?(?:h|hr|hrs|hours?)|every\s+\d+\s+(?:h|hr|hrs|hours?)"
    r"|(?:once|twice|(?:two|three|four|2|3|4)\s+times)\s+(?:a|per|each)\s+day|(?:once|twice|(?:two|three|four|2|3|4)"
    r"\s+times)\s+daily|daily|nightly|at\s+bedtime)(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Regimen:
    """Where a text writes a dose and how often (`start`, `end` of each), None for a part it does not write."""

    dose: tuple[int, int] | None
    frequency: tuple[int, int] | None


def regimen(text: str) -> Regimen:
    """The first dose and the first frequency `text` writes."""
    dose = DOSE.search(text)
    frequency = FREQUENCY.search(text)
    return Regimen(dose.span() if dose else None, frequency.span() if frequency else None)
