"""Starter questions come from the corpus and are kept only when the assistant answers them."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from qa.records import Answer, Citation, Document, Section
from ui.examples import candidate_questions, example_questions


def doc(doc_id: str, title: str, *related: str) -> Document:
    return Document(doc_id, title, (Section((title,), "text"),), related_questions=related)


DOCS = [
    doc("a", "What is baclofen?", "Is baclofen dialyzable?", "Is baclofen dialyzable?  "),
    doc("b", "Baclofen overdose", "What is the dose in children?", "Why?"),
    doc("c", "Zolpidem and grapefruit?", "What is baclofen?"),
]


def test_candidates_go_round_robin_over_documents_without_repeats_or_fragments() -> None:
    # Level 0: a's title, b's first related question, c's title; level 1: a's related question. "Why?" is too
    # short, a's repeat differs only in spaces, and c's related question repeats a's title.
    assert list(candidate_questions(DOCS)) == [
        "What is baclofen?",
        "What is the dose in children?",
        "Zolpidem and grapefruit?",
        "Is baclofen dialyzable?",
    ]
    assert list(candidate_questions({d.doc_id: d for d in DOCS})) == list(candidate_questions(DOCS))


def test_candidates_read_documents_only_as_questions_are_taken() -> None:
    # A large index's documents are read from disk one by one: the first starters must not read them all.
    read: list[str] = []

    def documents():
        for i in range(10_000):
            read.append(str(i))
            yield doc(str(i), f"Question number {i}?")

    taken = candidate_questions(documents())
    assert [next(taken), next(taken)] == ["Question number 0?", "Question number 1?"]
    assert len(read) == 2


class Scripted:
    """Answers the questions it was told to, abstains on the rest, and records what it was asked."""

    def __init__(self, answerable: set[str]):
        self.answerable = answerable
        self.asked: list[str] = []

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        self.asked.append(question)
        if question not in self.answerable:
            return Answer(question, "Not covered.", "", (), 0.0, True)
        cite = Citation(1, "a", "c", "T", "q", 1.0)
        return Answer(question, "q [1]", "q", (cite,), 0.9, False)


def test_examples_keep_answered_questions_and_stop_at_the_limit() -> None:
    assistant = Scripted({"What is the dose in children?", "Is baclofen dialyzable?"})
    chosen = example_questions(assistant, DOCS, limit=4)
    assert chosen == ["What is the dose in children?", "Is baclofen dialyzable?"]
    assistant = Scripted({"What is baclofen?", "What is the dose in children?"})
    assert example_questions(assistant, DOCS, limit=1) == ["What is baclofen?"]
    assert assistant.asked == ["What is baclofen?"]


def test_examples_try_at_most_max_tries_questions() -> None:
    assistant = Scripted({"Is baclofen dialyzable?"})
    assert example_questions(assistant, DOCS, max_tries=3) == []
    assert len(assistant.asked) == 3


def test_examples_reject_a_non_positive_limit() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        example_questions(Scripted(set()), DOCS, limit=0)


def test_starter_questions_holding_markup_or_addresses_are_not_offered() -> None:
    hostile = doc(
        "h",
        "Is <b>zolpidem</b> safe with grapefruit?",
        "What about ![x](http://203.0.113.9/p.png) in children?",
        "How long does naloxone [last](javascript:alert(1))?",
        "How long does naloxone last after an overdose?",
    )
    assert list(candidate_questions([hostile])) == ["How long does naloxone last after an overdose?"]
