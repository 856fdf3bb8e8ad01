"""A patient a question points at ("was the girl hypotensive?") and the patient a retrieved case describes.

A definite description of one person ("the girl", "the teen's", "the 14yo") presupposes someone the writer and the
reader both know of. With no earlier turn naming one, it is the patient of a case the sources describe ("Case: 14
year old (51 kg) woman ingested 60 tablets ...", "A 67-year-old man presented with ..."). The question's own words
do not say so: "girl" is none of the case report's words, and "was the girl hypotensive?" is at a cosine of 0.20
to its best chunk, so the abstention model, which weighs closeness most, judged such questions out of scope (all
eleven of the own set's in-scope abstentions, eval/EXPERIMENTS.md, "Thirty-fourth session"). Read with the case's
patient in place of the reference ("was the 14 year old woman hypotensive?"), a question is judged on what else
it asks: "was the girl given antibiotics?" stays out of scope, since the sources say nothing of antibiotics.
`Assistant._retrieve` uses that reading only to decide whether to answer.

`PERSON_NOUNS` is a closed class of English, the nouns case reports and clinicians use for one patient, as
`qa.query`'s determiners are: no word of any corpus or question type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qa.query import spell_out_ages

PERSON_NOUNS = frozenset(
    {
        "patient", "pt", "woman", "man", "lady", "gentleman", "girl", "boy", "teen", "teenager", "adolescent",
        "kid", "child", "infant", "baby", "toddler", "newborn", "neonate", "female", "male",
    }
)  # fmt: skip
_NOUN = "|".join(sorted(PERSON_NOUNS))
# An age as case reports write it, in the singular of an attribute ("14 year old", "67-year-old", "3-month-old"):
# "2 years old" says how old someone must be, not who a patient is.
_AGE = r"\d{1,3}[\s-]*(?:year|yr|month|week|day)[\s-]*old"
# A patient described: an age, a bracketed aside ("(51 kg)") if any, then a word (a person noun, checked after).
_DESCRIBED = re.compile(rf"\b(?P<age>{_AGE})\b(?:\s*\([^()]*\))?[\s-]+(?P<noun>[A-Za-z]+)\b", re.IGNORECASE)
# One person pointed at: "the girl", "this patient", "the 14 year old", "the 14 year old woman" (not "the patients",
# not "my patient": a clinician's own patient is not a case in the sources).
_REFERENCE = re.compile(
    rf"\b(?:the|this|that)\s+(?:{_AGE}(?:\s+(?:{_NOUN}))?|(?:{_NOUN}))(?![A-Za-z0-9])", re.IGNORECASE
)


def described_patient(texts: Iterable[str]) -> str | None:
    """The patient the first of `texts` (passages, in retrieval's order) to describe a case introduces, as it
    writes the age and the person ("14 year old woman", "67-year-old man"), or None when none does."""
    for text in texts:
        for match in _DESCRIBED.finditer(text):
            if match.group("noun").lower() in PERSON_NOUNS:
                return f"{match.group('age')} {match.group('noun')}"
    return None


def about_patient(question: str, patient: str) -> str | None:
    """`question` with each definite reference to one person read as `patient` ("was the girl hypotensive?" ->
    "was the 14 year old woman hypotensive?"), or None when it makes none. Ages in shorthand are spelled out
    first ("the 14yo"), as `qa.query` spells them out for search."""
    spelled = spell_out_ages(question)
    reading, count = _REFERENCE.subn(lambda _: f"the {patient}", spelled)  # a function: no escapes read in it
    return reading if count else None
