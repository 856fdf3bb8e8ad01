"""A question naming a kidney-function category gets the sentence for its band, on a page in none of the seeds' words
(tests/fixtures/kidney_dosing: a drug dosed by creatinine clearance), end to end with the real model."""

from __future__ import annotations

import pytest

from qa.assistant import Assistant
from qa.ingest import ingest
from qa.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.slow

KIDNEY_DOSING = REPO_ROOT / "tests" / "fixtures" / "kidney_dosing"
# The category moves only sentences about another band (`qa.answer.quantities.prefer_agreeing`): here the readers put
# a sentence that states no band first ("... more frequent when the dose is not reduced for kidney function").
OUTSIDE = "a sentence stating no range of kidney function ranks above the band's"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    home = tmp_path_factory.mktemp("kidney-dosing")
    settings = Settings(index_dir=home / "index", cache_dir=home / "cache", corpus_dir=KIDNEY_DOSING)
    report = ingest([KIDNEY_DOSING], settings)
    assert report.skipped == () and report.documents == 1
    return Assistant.load(settings.index_dir, settings)


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
    ],
)
def test_a_named_category_gets_the_dose_of_its_band(
    assistant: Assistant, question: str, history: tuple[str, ...], band: str
) -> None:
    answer = assistant.ask(question, list(history))
    assert not answer.abstained
    assert band in answer.bottom_line[0].text, answer.bottom_line[0].text
