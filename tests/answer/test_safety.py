"""The emergency line: every present emergency flagged, never a textbook question, a case in the literature or
a patient's past. The labelled set eval/sets/emergency.jsonl is checked in full by `medcite eval emergency`."""

from __future__ import annotations

import json

import pytest

from eval.plan import EMERGENCY_SET
from qa.answer import is_emergency


@pytest.mark.parametrize(
    "message",
    [
        "my patient took 60 tablets",
        "crushing chest pain since an hour",
        "he wants to kill himself",
        "she just swallowed 30 pills of baclofen",
        "patient is unresponsive after baclofen",
        "I have chest pain",
        "my husband is having a heart attack",
        "my patient has suicidal thoughts",
        "chest pain right now, what do I do",
        "my daughter drank bleach, what should I do",
    ],
)
def test_an_emergency_now_gets_the_line(message: str) -> None:
    assert is_emergency(message)


@pytest.mark.parametrize(
    "message",
    [
        "How is baclofen overdose managed?",
        "What is the differential diagnosis of chest pain?",
        "Can baclofen be restarted after a heart attack?",
        "What is the risk of suicide with isotretinoin?",
        # A case in the literature, an exam vignette, the remote past.
        "was the 14 year old who overdosed given dialysis?",
        "In the case report, the girl ingested 60 tablets - how was she treated?",
        "Exam question: a 40 year old man presents with crushing chest pain. What is the next best step?",
        "My patient had a baclofen overdose two years ago and recovered; can she restart it at a low dose?",
        "How long after a baclofen overdose do patients wake up?",
    ],
)
def test_a_question_about_an_emergency_does_not(message: str) -> None:
    assert not is_emergency(message)


def test_the_labelled_set_is_balanced_enough_to_measure() -> None:
    rows = [json.loads(line) for line in EMERGENCY_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 40
    assert sum(r["emergency"] for r in rows) >= 20 and sum(not r["emergency"] for r in rows) >= 20
    assert len({r["id"] for r in rows}) == len(rows)
