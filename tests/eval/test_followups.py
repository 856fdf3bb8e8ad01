"""Follow-up pairs built from MedQuAD pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.datasets import MedquadPage
from eval.followups import followup_pairs, strip_focus


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What are the treatments for Acromegaly ?", "What are the treatments?"),
        ("How many people are affected by Acromegaly ?", "How many people are affected?"),
        ("Is Acromegaly inherited ?", "Is it inherited?"),
        ("What are the genetic changes related to Acromegaly ?", "What are the genetic changes?"),
        ("What causes Acromegaly ?", "What causes it?"),
        ("Who is at risk for Acromegaly? ?", "Who is at risk?"),
        (
            "what research (or clinical trials) is being done for acromegaly ?",
            "what research (or clinical trials) is being done?",
        ),
        ("Do you have information about Acromegaly", "Do you have information"),
    ],
)
def test_strip_focus_phrases_a_follow_up(question: str, expected: str) -> None:
    assert strip_focus(question, "Acromegaly") == expected


def test_strip_focus_keeps_regex_characters_literal() -> None:
    focus = "Hepatitis C (HCV)"
    assert strip_focus(f"What are the symptoms of {focus} ?", focus) == "What are the symptoms?"


def test_strip_focus_needs_the_focus_and_a_question_left() -> None:
    assert strip_focus("What causes gout ?", "Acromegaly") is None
    assert strip_focus("Acromegaly ?", "Acromegaly") is None
    assert strip_focus("What causes Acromegaly ?", "") is None


def test_pairs_use_the_opener_as_history_and_the_later_answer_as_relevant() -> None:
    with_opener = MedquadPage(
        Path("1.xml"),
        "Gout",
        (
            ("What are the symptoms of Gout ?", "m/1-1"),
            ("What is (are) Gout ?", "m/1-2"),
            ("What causes Gout ?", "m/1-3"),
        ),
    )
    without_opener = MedquadPage(Path("2.xml"), "Lupus", (("What causes Lupus ?", "m/2-1"),))
    pairs = followup_pairs([with_opener, without_opener])
    assert [(q.qid, q.text, q.history, dict(q.relevant)) for q in pairs] == [
        ("m/1-1", "What are the symptoms?", ("What is (are) Gout ?",), {"m/1-1": 1}),
        ("m/1-3", "What causes it?", ("What is (are) Gout ?",), {"m/1-3": 1}),
    ]


def test_subject_change_pairs_ask_the_same_thing_of_the_next_pages_focus() -> None:
    from eval.followups import subject_change_pairs

    gout = MedquadPage(
        Path("a.xml"),
        "Gout",
        (("What is (are) Gout ?", "m/a-1"), ("What are the symptoms of Gout ?", "m/a-2")),
        ("information", "symptoms"),
    )
    lupus = MedquadPage(
        Path("b.xml"),
        "Lupus",
        (
            ("What is (are) Lupus ?", "m/b-1"),
            ("What are the treatments for Lupus ?", "m/b-2"),
            ("What are the symptoms of Lupus ?", "m/b-3"),
        ),
        ("information", "treatment", "symptoms"),
    )
    (pair,) = subject_change_pairs([gout, lupus])
    assert (pair.text, pair.history, dict(pair.relevant)) == (
        "What about Lupus?",
        ("What are the symptoms of Gout ?",),
        {"m/b-3": 1},
    )
    # Two pages with the same focus ask nothing new; a page after a page without shared types gives nothing.
    assert subject_change_pairs([gout, gout]) == ()
