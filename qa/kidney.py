"""Kidney-function categories as clinicians and dosing sources name them, and the range of GFR each stands for.

A clinician asks for "the dose in ESRD" or "in moderate renal impairment"; a dosing source states the category's
range ("eGFR <30 mL/min/1.73m²", "CrCl 30-59 mL/min"). Two stages read the names: answering takes a category for its
range of the measures the categories are defined on (`qa.answer.quantities`), so that "what is the baclofen dose in
ESRD?" is not answered with the sentence for eGFR 30-60; and a follow-up naming one category takes the place of the
one the earlier question named (`qa.query.substitute`), which meaning cannot place: "ESKD" and "kidneys are normal"
are far apart in the model's vectors.

The bands are the published ones (KDIGO 2012 GFR categories; FDA, "Pharmacokinetics in Patients with Impaired Renal
Function", 2024): normal >= 90, mild 60-89, moderate 30-59, severe 15-29, kidney failure < 15 or on dialysis, in
mL/min/1.73m² of GFR or mL/min of creatinine clearance. "Severe" is read as below 30: dosing sources write it so
("avoid in severe renal impairment (CrCl <30 mL/min)"), kidney failure included, and a sentence about it answers
a question about ESRD. A numbered stage ("CKD 4", "G4") is its category alone, 15-29: stage 5 is kidney failure,
so a sentence about dialysis patients is about other patients. Clinical vocabulary of every corpus, as `qa.query`'s
built-in abbreviations are, not words of any page or question.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_KIDNEY = r"(?:renal|kidney)"
_IMPAIRED = (
    rf"(?:(?:reduced|impaired|decreased)\s+)?{_KIDNEY}\s+(?:impairment|function|disease|insufficiency|dysfunction)"
)
_CKD = r"(?:CKD|chronic\s+kidney\s+disease)"
_DIALYSIS = r"(?:(?:hemo|haemo|peritoneal\s+)?dialysis|HD|PD|RRT|CRRT|renal\s+replacement\s+therapy)"
# Dialysis names the last category only where it is the patient's state ("on dialysis", "dialysis patients", "HD
# pts"), not a treatment asked about ("is it dialyzable?", "does HD remove it?").
_NAMES = (
    (
        rf"ESRD|ESKD|end[\s-]+stage\s+{_KIDNEY}(?:\s+(?:disease|failure))?|(?<!acute\s){_KIDNEY}\s+failure"
        rf"|(?:on|receiving|undergoing|requiring|needing)\s+{_DIALYSIS}"
        rf"|(?:(?:hemo|haemo)?dialysis|HD|PD)\s+(?:patients?|pts?)"
        rf"|{_CKD}\s*(?:stage\s*)?(?:5|G5|V)|stage\s*(?:5|V)\s+{_CKD}",
        0.0,
        15.0,
    ),
    (rf"severe(?:ly)?\s+{_IMPAIRED}|severe\s+{_CKD}", 0.0, 30.0),
    # A numbered stage is its category alone: no source writes "CKD 4" of a patient on dialysis.
    (rf"{_CKD}\s*(?:stage\s*)?(?:4|G4|IV)|stage\s*(?:4|IV)\s+{_CKD}", 15.0, 30.0),
    (
        rf"moderate(?:ly)?\s+{_IMPAIRED}|moderate\s+{_CKD}|{_CKD}\s*(?:stage\s*)?(?:3[ab]?|G3[ab]?|III)"
        rf"|stage\s*(?:3[ab]?|III)\s+{_CKD}",
        30.0,
        60.0,
    ),
    (rf"mild(?:ly)?\s+{_IMPAIRED}|mild\s+{_CKD}", 60.0, 90.0),
    (
        rf"normal\s+{_KIDNEY}\s+(?:function|clearance)|(?:normal|healthy|working)\s+kidneys"
        r"|kidneys\s+(?:are|were|is)\s+(?:normal|fine|working|healthy)",
        90.0,
        math.inf,
    ),
)
# Reduced kidney function named with no grade ("impaired renal function", "kidney disease", "CKD", "AKI"): a
# category of a conversation's patient as much as the graded ones, but a range of none (dosing sources grade chronic
# disease; acute injury has no GFR category). Tried after the graded names, so a graded one is read whole.
_UNGRADED = rf"(?:(?:reduced|impaired|decreased|poor)\s+)?{_KIDNEY}\s+(?:impairment|disease|insufficiency|dysfunction)"
_UNGRADED += rf"|(?:reduced|impaired|decreased|poor)\s+{_KIDNEY}\s+function|{_CKD}"
_UNGRADED += rf"|AKI|acute\s+{_KIDNEY}\s+(?:injury|failure)"


def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


CATEGORIES = tuple((_compiled(pattern), (low, high)) for pattern, low, high in _NAMES)
_UNGRADED_NAME = _compiled(_UNGRADED)
# The measures the categories are ranges of, by their word (lower case) as `qa.answer.quantities` reads it.
MEASURES = ("egfr", "gfr", "crcl", "clcr")
# One of them written in a text ("eGFR 45", "creatinine clearance below 30").
MEASURED = _compiled(r"e?GFR|CrCl|ClCr|creatinine\s+clearance")


@dataclass(frozen=True)
class Category:
    """One kidney-function category named in a text: where (`start`, `end`), and its GFR band (from the first
    value up to but not including the second), None for one named with no grade."""

    start: int
    end: int
    band: tuple[float, float] | None


def categories(text: str) -> list[Category]:
    """Every kidney-function category `text` names, in the order written; where names overlap ("moderate chronic
    kidney disease" holds "chronic kidney disease"), the first to start, and of those the longest."""
    found = [Category(m.start(), m.end(), band) for pattern, band in CATEGORIES for m in pattern.finditer(text)]
    found += [Category(m.start(), m.end(), None) for m in _UNGRADED_NAME.finditer(text)]
    kept: list[Category] = []
    for category in sorted(found, key=lambda c: (c.start, -c.end)):
        if not kept or category.start >= kept[-1].end:
            kept.append(category)
    return kept
