"""A dose, how it is given and how often, as prescriptions and clinicians write them ("5 mg PO bid", "2.5 mg twice
daily").

A follow-up that changes the regimen ("and 10 mg tid?" after "is baclofen 5 mg bid safe in CKD?") names parts that
meaning cannot place: "tid" and "bid" are two short strings to the embedding model, and a number is a number. Each
part takes the place of its own kind (`qa.query.substitute`): the dose the dose, the route the route ("and
intrathecal?" after "what is the oral dose of baclofen?"), how often how often. The abbreviations are the standard
ones of prescriptions (bid, tid, qd, q8h, PO, IV, IM): clinical vocabulary of every corpus, as `qa.kidney`'s
categories are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"\d+(?:[.,]\d+)?"
# A dose: a number or a range and its unit ("5 mg", "2.5mg", "500 mcg", "10-20 units", "0.5 mg/kg", "<10 mg").
DOSE = re.compile(
    rf"(?<![\w.,<>\u2264\u2265-])[<>\u2264\u2265]?\s*{_NUMBER}(?:\s*(?:-|\u2013|to)\s*{_NUMBER})?"
    r"\s*(?:mg|mcg|µg|ug|g|ml|mL|units?|IU|mmol|mEq)(?:/kg)?(?![\w/])",
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

# How it is given: the words, and the prescription abbreviations as clinicians type them ("iv", "po"); "IM", "SC",
# "SQ", "SL", "IT" (intrathecal) and "PR" (rectal) only in capitals ("im" is "I'm" typed without its apostrophe, "it"
# a pronoun), and those only in a text that is not all capitals ("IS IT SAFE?"): `regimen`.
ROUTE = re.compile(
    r"(?<![\w-])(?:(?i:oral(?:ly)?|by\s+mouth|p\.?o\.?|i\.?v\.?|intravenous(?:ly)?|intramuscular(?:ly)?"
    r"|subcutaneous(?:ly)?|intrathecal(?:ly)?|sublingual(?:ly)?|transdermal(?:ly)?|intranasal(?:ly)?|rectal(?:ly)?"
    r"|topical(?:ly)?|inhaled)|(?P<capitals>IM|SC|SQ|SL|IT|PR))(?![\w-])"
)


@dataclass(frozen=True)
class Regimen:
    """Where a text writes a dose, how it is given and how often (`start`, `end` of each), None for a part it does
    not write."""

    dose: tuple[int, int] | None
    route: tuple[int, int] | None
    frequency: tuple[int, int] | None

    def parts(self) -> tuple[tuple[int, int] | None, ...]:
        """The three, in the order a prescription writes them."""
        return (self.dose, self.route, self.frequency)


def shouted(text: str) -> bool:
    """Whether `text` is written in capitals only, where "IT" is a pronoun."""
    return not any(c.islower() for c in text)


def regimen(text: str, *, capitals: bool | None = None) -> Regimen:
    """The first dose, route and frequency `text` writes. `capitals` says whether the routes written only in
    capitals count ("IT"); by default, where `text` is not `shouted`. A phrase cut from a question ("IT" of "what
    about IT?") is judged by the question's writing."""
    capitals = not shouted(text) if capitals is None else capitals
    route = next((m for m in ROUTE.finditer(text) if capitals or not m.group("capitals")), None)
    found = (DOSE.search(text), route, FREQUENCY.search(text))
    return Regimen(*(match.span() if match else None for match in found))
