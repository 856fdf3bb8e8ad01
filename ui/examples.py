"""Starter questions for the empty chat, taken from the indexed corpus and checked against the assistant.

A hard-coded list would go stale the moment someone ingests another corpus, and a suggestion the assistant
then abstains on is a poor first impression; so candidates come from the documents (their stored related
questions, and titles phrased as questions) and only those the assistant answers with citations are offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

from qa.markup import shows_as_itself
from qa.records import Answer, Document

# Long enough to be a real question, short enough to fit on a starter button.
MIN_CHARS = 12
MAX_CHARS = 160


class Asks(Protocol):
    """The one assistant method the starter questions need."""

    def ask(self, question: str, history: Iterable[str] = ()) -> Answer: ...


def candidate_questions(documents: Mapping[str, Document] | Iterable[Document]) -> Iterator[str]:
    """Questions the documents pose about themselves, one document at a time, without repeats.

    Each document contributes its first usable question before any document contributes a second, so the
    starters cover several documents rather than one document's list of related questions. Documents are read
    as the questions are taken: the chat starts after a dozen of them, not after reading a whole large index.
    """
    docs = documents.values() if isinstance(documents, Mapping) else documents
    later: list[list[str]] = []
    seen: set[str] = set()
    for doc in docs:
        own = [*doc.related_questions]
        if doc.title.rstrip().endswith("?"):
            own.insert(0, doc.title)
        # A starter is a button's plain-text label and, clicked, a message the chat renders as Markdown: one
        # holding markup or an address is not offered (see qa.markup.shows_as_itself).
        questions = [
            " ".join(q.split()) for q in own if MIN_CHARS <= len(q.strip()) <= MAX_CHARS and shows_as_itself(q)
        ]
        if questions and questions[0].lower() not in seen:
            seen.add(questions[0].lower())
            yield questions[0]
        later.append(questions[1:])
    depth = max((len(qs) for qs in later), default=0)
    for level in range(depth):
        for questions in later:
            if level < len(questions) and questions[level].lower() not in seen:
                seen.add(questions[level].lower())
                yield questions[level]


def example_questions(
    assistant: Asks,
    documents: Mapping[str, Document] | Iterable[Document],
    *,
    limit: int = 4,
    max_tries: int = 12,
) -> list[str]:
    """Up to `limit` corpus questions that the assistant answers with citations, trying at most `max_tries`.

    `max_tries` bounds start-up time on a large corpus: each try is one full `ask`.
    """
    if limit < 1 or max_tries < 1:
        raise ValueError(f"limit and max_tries must be positive, got {limit} and {max_tries}")
    chosen: list[str] = []
    for tries, question in enumerate(candidate_questions(documents), start=1):
        answer = assistant.ask(question)
        if not answer.abstained and answer.citations:
            chosen.append(question)
        if len(chosen) >= limit or tries >= max_tries:
            break
    return chosen
