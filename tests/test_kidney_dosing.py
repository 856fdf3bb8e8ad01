"""A question naming a kidney-function category gets the sentence for its band, on a page in none of the seeds' words
(tests/fixtures/kidney_dosing: a drug dosed by creatinine clearance), end to end with the real model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.settings import REPO_ROOT

pytestmark = pytest.mark.slow

KIDNEY_DOSING = REPO_ROOT / "tests" / "fixtures" / "kidney_dosing"
# The category moves only sentences about another band (`qa.answer.quantities.prefer_agreeing`): here the readers put
# a sentence that states no band first ("... more frequent when the dose is not reduced for kidney function").
OUTSIDE = "a sentence stating no range of kidney function ranks above the band's"


@pytest.fixture(scope="module")
def assistant(assistant_over: Callable[[Path, int], Assistant]) -> Assistant:
    return assistant_over(KIDNEY_DOSING, 1)


@pytest.mark.parametrize(
    ("question", "history", "band"),
    [
        ("what is the gabapentin dose in ESRD?", (), "CrCl <15"),
        ("gabapentin dose in end-stage renal disease", (), "CrCl <15"),
        ("how much gabapentin for a patient with moderate kidney impairment?", (), "CrCl 30-59"),
        pytest.param(
            "gabapentin dosing in severe renal impairment",
            (),
            "CrCl 15-29",
            marks=pytest.mark.xfail(strict=True, reason=OUTSIDE),
        ),
        ("what is the daily dose of gabapentin with normal kidney function?", (), "CrCl ≥60"),
        ("and in kidney failure?", ("gabapentin dose in mild renal impairment?",), "CrCl <15"),
        # A numbered stage is its band alone, 15-29: not the dialysis patients' supplemental dose.
        ("gabapentin dose in CKD 4?", (), "CrCl 15-29"),
        ("and in CKD 4?", ("gabapentin dose in ESRD?",), "CrCl 15-29"),
    ],
)
def test_a_named_category_gets_the_dose_of_its_band(
    assistant: Assistant, question: str, history: tuple[str, ...], band: str
) -> None:
    answer = assistant.ask(question, list(history))
    assert not answer.abstained
    assert band in answer.bottom_line[0].text, answer.bottom_line[0].text
