"""The quantities stage: the ranges a text states of a measure, and a sentence about another range put later."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.answer.quantities import Interval, prefer_agreeing, stated
from qa.answer.settings import AnswerSettings
from qa.records import Candidate, Chunk, Hit

SENTENCES = (
    "For patients with eGFR 30-60 mL/min: reduce the dose.",
    "For patients with eGFR <30 mL/min: avoid the drug.",
    "The drug is cleared by the kidneys.",
    "Patients aged 65 and over need a lower dose.",
)


def _chunk(sentences: tuple[str, ...]) -> Chunk:
    spans, at = [], 0
    for sentence in sentences:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    text = " ".join(sentences)
    return Chunk("c", "doc.txt", "Dosing", ("Dosing",), 0, 0, len(text), text, tuple(spans))


CHUNK = _chunk(SENTENCES)


def _scored(*scores: float) -> list[Candidate]:
    return [Candidate(Hit(CHUNK, 1.0), *CHUNK.sentences[i], sentence=i, score=s) for i, s in enumerate(scores)]


def _ranges(text: str) -> dict[str, list[tuple[float, float]]]:
    return {measure: [(r.low, r.high) for r in ranges] for measure, ranges in stated(text).items()}


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("eGFR <30 mL/min/1.73m²", {"egfr": [(-math.inf, 30.0)]}),
        ("(eGFR 30-60 mL/min/1.73m²):", {"egfr": [(30.0, 60.0)]}),
        ("if the eGFR is below 30?", {"egfr": [(-math.inf, 30.0)]}),
        ("pt w eGFR 22, ok to start?", {"egfr": [(22.0, 22.0)]}),
        ("eGFR ~40", {"egfr": [(40.0, 40.0)]}),
        ("INR 4.5 to 10, not bleeding", {"inr": [(4.5, 10.0)]}),
        ("aged 65 and over", {"aged": [(65.0, math.inf)]}),
        ("at age 40 or younger", {"age": [(-math.inf, 40.0)]}),
        ("roughly 3,000 bodies", {"roughly": [(3000.0, 3000.0)]}),
        ("type 2 diabetes", {"type": [(2.0, 2.0)]}),
    ],
)
def test_a_measure_is_the_word_before_its_number(text: str, ranges: dict) -> None:
    assert _ranges(text) == ranges


@pytest.mark.parametrize(
    "text",
    ["HbA1c rose", "FSHD1 and FSHD2", "IL-4 one day after", "in 2004", "of 13 patients", "eGFR 60-30", "no numbers"],
)
def test_names_with_digits_function_words_and_backward_ranges_state_nothing(text: str) -> None:
    assert stated(text) == {}


KIDNEY_MEASURES = ("egfr", "gfr", "crcl", "clcr")
FAILURE, SEVERE, MODERATE, MILD, NORMAL = (0.0, 15.0), (0.0, 30.0), (30.0, 60.0), (60.0, 90.0), (90.0, math.inf)
STAGE_4 = (15.0, 30.0)  # a numbered stage is its category alone; "severe" reads below 30, kidney failure included


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("baclofen dose in ESRD?", FAILURE),
        ("what dose in end-stage renal disease", FAILURE),
        ("gabapentin in kidney failure", FAILURE),
        ("dosing for dialysis patients", FAILURE),
        ("a patient on hemodialysis", FAILURE),
        ("and if she's on PD?", FAILURE),
        ("CKD stage 5", FAILURE),
        ("in severe renal impairment", SEVERE),
        ("severely reduced kidney function", SEVERE),
        ("stage 4 CKD", STAGE_4),
        ("moderate kidney impairment", MODERATE),
        ("chronic kidney disease stage 3b", MODERATE),
        ("mild renal insufficiency", MILD),
        ("with normal kidney function?", NORMAL),
        ("and if the kidneys are normal?", NORMAL),
    ],
)
def test_a_named_kidney_function_category_states_its_range(text: str, band: tuple[float, float]) -> None:
    # Clinicians name the category; dosing sources state its range of eGFR or creatinine clearance. ("CKD stage 5"
    # also states a "stage" of 5, by the word before its number.)
    ranges = _ranges(text)
    assert {measure: ranges.get(measure) for measure in KIDNEY_MEASURES} == {key: [band] for key in KIDNEY_MEASURES}


@pytest.mark.parametrize(
    "text",
    [
        "is baclofen dialyzable?",
        "does HD remove baclofen?",
        "acute kidney failure after contrast",  # a category of a patient, but of no range (`qa.kidney`)
        "a severe reaction in the kidney",
        "the kidneys clear it",
    ],
)
def test_dialysis_as_a_treatment_and_acute_failure_name_no_category(text: str) -> None:
    assert stated(text) == {}


def test_a_named_category_meets_the_range_a_source_states_for_it() -> None:
    failure = stated("baclofen dose in ESRD?")["egfr"]
    assert any(r.meets(s) for r in failure for s in stated("eGFR <30 mL/min/1.73m²")["egfr"])
    assert not any(r.meets(s) for r in failure for s in stated("(eGFR 30-60 mL/min/1.73m²):")["egfr"])
    moderate = stated("CrCl 30-59 mL/min")["crcl"]
    assert not any(r.meets(s) for r in stated("in severe renal impairment")["crcl"] for s in moderate)


def test_an_excluded_end_does_not_meet_the_range_that_starts_there() -> None:
    below = Interval(-math.inf, 30.0, high_open=True)
    assert not below.meets(Interval(30.0, 60.0)) and not Interval(30.0, 60.0).meets(below)
    assert Interval(-math.inf, 30.0).meets(Interval(30.0, 60.0))
    assert Interval(22.0, 22.0).meets(below) and not Interval(45.0, 45.0).meets(below)


def test_a_sentence_about_another_range_goes_after_the_one_about_the_range_asked() -> None:
    scored = _scored(3.0, 2.0, 1.0, 0.5)
    out = prefer_agreeing(scored, "can I give it if eGFR is below 30?", window=4)
    # The <30 sentence takes the best score; the 30-60 one the next; scores are handed out, not changed.
    assert [c.score for c in out] == [2.0, 3.0, 1.0, 0.5]
    assert [c.text for c in out] == [c.text for c in scored]


def test_a_conflicting_sentence_goes_only_just_after_the_last_that_agrees() -> None:
    # Order 30-60 (conflicts), kidneys (says nothing of eGFR), <30 (agrees): the neutral sentence keeps its place
    # ahead of the agreeing one; the conflicting one goes after both.
    scored = _scored(3.0, 1.0, 2.0, 0.5)
    out = prefer_agreeing(scored, "eGFR 22, what dose?", window=4)
    assert sorted(range(4), key=lambda i: -out[i].score) == [2, 1, 0, 3]


@pytest.mark.parametrize(
    ("question", "window"),
    [
        ("is it safe with eGFR >60?", 4),  # nothing agrees: no better sentence to put first
        ("what dose for the elderly?", 4),  # no range asked
        ("can I give it if eGFR is below 30?", 0),  # turned off
        ("can I give it if eGFR is below 30?", 1),  # the agreeing sentence is not among the best one
    ],
)
def test_nothing_moves_without_a_range_asked_and_a_sentence_that_meets_it(question: str, window: int) -> None:
    scored = _scored(3.0, 2.0, 1.0, 0.5)
    assert prefer_agreeing(scored, question, window) == scored


@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=4),
    st.sampled_from(["eGFR 45", "eGFR <30", "eGFR >60", "patients aged 70", "no numbers here"]),
    st.integers(0, 6),
)
def test_reordering_hands_out_the_same_scores_and_keeps_the_rest(scores, question, window) -> None:
    scored = _scored(*scores)
    out = prefer_agreeing(scored, question, window)
    assert sorted(c.score for c in out) == sorted(scores)
    assert [c.text for c in out] == [c.text for c in scored]
    best = sorted(range(4), key=lambda i: -scored[i].score)[:window]
    assert all(out[i].score == scored[i].score for i in range(4) if i not in best)


def test_settings_refuse_a_negative_window() -> None:
    with pytest.raises(ValueError, match="quantity_window"):
        AnswerSettings(quantity_window=-1)
    assert AnswerSettings().quantity_window == AnswerSettings().rerank_top
