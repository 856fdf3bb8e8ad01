"""The chat load test's check of each session's replies (`bench/load_chat.py`): it must tell a follow-up resolved
against this session's history from one that was not, whichever way the follow-up was resolved."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def bench(load_bench):
    return load_bench("load_chat")


def reply(caption: str = "") -> str:
    """An answer message as the chat renders it: the answer, then its caption."""
    searched = f" · searched for: {caption}" if caption else ""
    return f"**Bottom line:** Some children may need treatment\\. [1]\n\n<sub>Confidence 0.91{searched}</sub>"


def test_a_follow_up_restated_in_the_earlier_questions_form_is_resolved(bench) -> None:
    # Since follow-ups replace a part of the earlier question ("What about in children?" puts "children" where
    # "a patient" stood), the caption no longer opens with the follow-up's own words.
    restated = reply("Is baclofen cleared by dialysis in children with gout?")
    assert bench.reply_errors(restated, "gout", follow_up=True) == []


def test_a_follow_up_with_the_earlier_topic_appended_is_resolved(bench) -> None:
    assert bench.reply_errors(reply("What about in children? (gout baclofen dialysis)"), "gout", follow_up=True) == []


def test_a_follow_up_searched_as_asked_or_with_another_topic_is_an_error(bench) -> None:
    assert bench.reply_errors(reply(), "gout", follow_up=True)  # no caption: history was not used
    errors = bench.reply_errors(
        reply("Is baclofen cleared by dialysis in children with lupus?"), "gout", follow_up=True
    )
    assert any("lupus" in e for e in errors) and any("gout" in e for e in errors)


def test_a_first_question_needs_no_caption_but_must_not_carry_another_users_topic(bench) -> None:
    assert bench.reply_errors(reply(), "gout", follow_up=False) == []
    assert bench.reply_errors(reply("gout and lupus"), "gout", follow_up=False)
