"""The general mechanisms on a corpus from another field (tests/fixtures/other_field: anticoagulation, asthma),
end to end with the real model: brand names found through the drug vocabulary, follow-ups, document ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.settings import REPO_ROOT

pytestmark = pytest.mark.slow

OTHER_FIELD = REPO_ROOT / "tests" / "fixtures" / "other_field"
APIXABAN = "anticoagulation/apixaban-kidney.md"
ALBUTEROL = "asthma/albuterol-reliever.md"


@pytest.fixture(scope="module")
def assistant(assistant_over: Callable[[Path, int], Assistant]) -> Assistant:
    return assistant_over(OTHER_FIELD, 5)


def cited(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.doc_id for c in answer.citations]


def test_documents_are_named_by_their_paths_under_the_folder(assistant: Assistant) -> None:
    assert APIXABAN in assistant.index.documents and ALBUTEROL in assistant.index.documents


@pytest.mark.parametrize(
    ("question", "doc_id", "generic"),
    [
        ("Is Eliquis safe in kidney disease?", APIXABAN, "apixaban"),
        ("Ventolin dose?", ALBUTEROL, "albuterol"),
    ],
)
def test_a_brand_name_finds_the_document_that_uses_the_generic_name(
    assistant: Assistant, question: str, doc_id: str, generic: str
) -> None:
    # Neither brand name is in the corpus; the drug vocabulary supplies the generic name the documents use.
    assert question.split()[0 if question.startswith("V") else 1].lower() not in assistant.vocabulary
    answer = assistant.ask(question)
    assert not answer.abstained, answer.text
    assert generic in answer.query or generic in " ".join(assistant.build_query(question).expanded)
    assert cited(answer)[0] == doc_id
    assert generic in answer.text.lower()


def test_the_assistant_reads_what_its_pages_are_about_from_their_titles(assistant: Assistant) -> None:
    # For follow-ups that change the subject (`qa.query.PageSubjects`): a title, or its part before a colon.
    subjects = assistant.queries.subjects
    assert "Coumadin" in subjects and "inhaled corticosteroids for asthma" in subjects
    assert "asthma" not in subjects and "children" not in subjects


def test_a_follow_up_keeps_the_topic_of_the_conversation(assistant: Assistant) -> None:
    answer = assistant.ask("What about children?", history=["Ventolin dose?"])
    assert not answer.abstained, answer.text
    assert ALBUTEROL in cited(answer)
    assert "Children use the same inhaler with a spacer" in answer.text


def test_a_question_in_everyday_words_keeps_the_topic_of_the_conversation(assistant: Assistant) -> None:
    # "usual" is its only topic word, and an everyday one: alone, the sources answer it (some dose of some drug),
    # but after a question about apixaban it asks about apixaban's dose.
    question, history = "what is the usual dose?", ["Is Eliquis safe in kidney disease?"]
    assert not assistant.retrieve(question)[0].followup
    query, _, _ = assistant.retrieve(question, history)
    assert query.followup and "eliquis" in query.text.lower()
    assert cited(assistant.ask(question, history))[0] == APIXABAN
    # A question that names a topic of its own, covered, stands alone (`test_assistant.py` has the seeds' case).
    assert not assistant.retrieve("what is the usual dose of albuterol?", history)[0].followup
