"""A patient a question points at ("the girl") and the patient a retrieved case describes (`qa.cases`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.cases import PERSON_NOUNS, about_patient, described_document, described_patient


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Case: 14 year old (51 kg) woman ingested 60 tablets of baclofen (20 mg tablets)"], "14 year old woman"),
        (["A 67-year-old man presented with confusion."], "67-year-old man"),
        (["We report a 3-month-old infant with stridor."], "3-month-old infant"),
        # The first passage (in retrieval's order) that describes a patient names the one meant.
        (["Baclofen is renally cleared.", "A 45 year old female on HD", "A 9-year-old boy"], "45 year old female"),
    ],
)
def test_a_case_is_told_by_its_patients_age_and_person(texts: list[str], expected: str) -> None:
    assert described_patient(texts) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Children under 2 years old should not take it.",  # an age limit, not a patient
        "A 5 year old vaccine schedule was used.",  # an age, but no person after it
        "The patient should be monitored.",  # a person, but no age: no case is described
        "",
    ],
)
def test_no_case_without_a_patient_of_an_age(text: str) -> None:
    assert described_patient([text]) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("was the girl hypotensive?", "was the 14 year old woman hypotensive?"),
        ("did the girl's hypotension need pressors?", "did the 14 year old woman's hypotension need pressors?"),
        ("when was the 14yo extubated?", "when was the 14 year old woman extubated?"),
        ("was the 14 year old woman given dialysis?", "was the 14 year old woman given dialysis?"),
        ("how much did HD remove in the teen?", "how much did HD remove in the 14 year old woman?"),
        ("Did The Patient wake up?", "Did the 14 year old woman wake up?"),
    ],
)
def test_a_definite_reference_to_a_person_is_read_as_the_cases_patient(question: str, expected: str) -> None:
    assert about_patient(question, "14 year old woman") == expected


@pytest.mark.parametrize(
    "question",
    [
        "my patient is on HD, is baclofen cleared?",  # the writer's own patient, not a case in the sources
        "a girl took 10 tablets",  # someone new, not one already known
        "is baclofen dialyzable?",
        "what is the manual for the machine?",
        "the patients with ESRD",  # many, not one
    ],
)
def test_no_reading_without_a_definite_person(question: str) -> None:
    assert about_patient(question, "14 year old woman") is None


def test_the_patient_is_put_in_as_written() -> None:
    # Backslashes and group references in the patient are text, not a replacement template.
    patient = r"14 year old \1 \g<0> woman"
    assert about_patient("was the girl seen?", patient) == f"was the {patient} seen?"


_NO_REFERENCE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80).filter(
    lambda s: re.search(r"\b(?:the|this|that)\b", s, re.IGNORECASE) is None
)


@given(_NO_REFERENCE)
def test_a_question_without_a_definite_article_is_never_read_about_a_case(question: str) -> None:
    assert about_patient(question, "14 year old woman") is None


@given(st.sampled_from(sorted(PERSON_NOUNS)), st.text(alphabet="abcdefghij ?", max_size=30))
def test_every_person_noun_after_the_is_read_as_the_patient(noun: str, tail: str) -> None:
    question = f"was the {noun} {tail}"
    reading = about_patient(question, "67-year-old man")
    assert reading is not None and reading.startswith("was the 67-year-old man")


@pytest.mark.parametrize(
    ("question", "texts", "expected"),
    [
        # "case report" is held by one document of those retrieved: the description names it.
        (
            "what did the case report conclude?",
            {"a": "In a recently published case report, HD was used.", "b": "HD clears it."},
            "a",
        ),
        # Held by two, or by none, it names neither; one word alone ("the study") is no description of one.
        ("what did the case report conclude?", {"a": "One case report.", "b": "Another case report."}, None),
        (
            "what did the clinical trial show?",
            {"a": "In a recently published case report.", "b": "HD clears it."},
            None,
        ),
        ("what did the study find?", {"a": "The study found it.", "b": "HD clears it."}, None),
        # Words apart are not the phrase.
        ("what did the case report conclude?", {"a": "The report of a case.", "b": "HD clears it."}, None),
    ],
)
def test_a_definite_description_names_the_one_document_that_holds_it(
    question: str, texts: dict[str, str], expected: str | None
) -> None:
    assert described_document(question, list(texts.items())) == expected
