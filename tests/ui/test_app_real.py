"""End to end over HTTP with the real assistant: a question, a follow-up in context, sessions kept apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gradio_client import Client

pytestmark = pytest.mark.slow

BACLOFEN_QUESTION = "Is baclofen cleared by dialysis in patients with impaired renal function?"
FOLLOW_UP = "What about the dose?"


def answer_text(reply: list[dict]) -> str:
    return reply[0]["content"]


def sources(reply: list[dict]) -> list[dict]:
    return [m for m in reply if m["metadata"].get("title")]


def test_question_then_follow_up_in_the_same_session(real_url: str, client_for: Callable[[str], Client]) -> None:
    client = client_for(real_url)
    first = client.predict(BACLOFEN_QUESTION, api_name="/chat")
    assert "[1]" in answer_text(first)
    assert "hemodialysis" in answer_text(first).lower()
    cited = sources(first)
    assert cited and cited[0]["metadata"]["title"].startswith("\\[1\\] ")
    # Every source shows its passage with the quoted sentence highlighted.
    assert all("<mark>" in m["content"] for m in cited)
    assert first[-1]["options"], "the answer offers follow-up questions"

    followup = client.predict(FOLLOW_UP, api_name="/chat")
    # The follow-up names no drug; the caption shows it was searched with the first question's topic.
    caption = answer_text(followup).rsplit("<sub>", 1)[1]
    assert "searched for: What about the dose? \\(baclofen" in caption
    assert "baclofen" in answer_text(followup).lower()


def test_interleaved_clients_keep_separate_histories(
    real_url: str, client_for: Callable[[str], Client]
) -> None:
    alice, bob = client_for(real_url), client_for(real_url)
    alice.predict(BACLOFEN_QUESTION, api_name="/chat")
    bob.predict("Does grapefruit juice interact with zolpidem?", api_name="/chat")
    bob_followup = answer_text(bob.predict(FOLLOW_UP, api_name="/chat"))
    alice_followup = answer_text(alice.predict(FOLLOW_UP, api_name="/chat"))
    assert "\\(grapefruit juice interact zolpidem\\)" in bob_followup
    assert "zolpidem" not in alice_followup.rsplit("<sub>", 1)[1]
    assert "\\(baclofen" in alice_followup.rsplit("<sub>", 1)[1]


def test_new_conversation_drops_the_topic(real_url: str, client_for: Callable[[str], Client]) -> None:
    client = client_for(real_url)
    client.predict(BACLOFEN_QUESTION, api_name="/chat")
    client.predict(api_name="/new_conversation")
    reply = answer_text(client.predict(FOLLOW_UP, api_name="/chat"))
    assert "searched for" not in reply
