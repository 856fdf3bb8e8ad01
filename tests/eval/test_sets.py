"""Our own question sets: big enough, clinician-style, and every quote verbatim in the loaded corpus."""

from __future__ import annotations

import bisect
import itertools
import json
import re
from pathlib import Path

import pytest

from eval import EvalError
from eval.datasets import (
    Query,
    medquad_sources,
    read_judged_set,
    read_medquad_pages,
    read_own_set,
    read_question_set,
    set_corpus,
)
from eval.plan import (
    ABSTAIN_SET,
    ANSWER_SETS,
    MESSAGE_SETS,
    NEAR_SCOPE_SET,
    OWN_SET,
    answer_set_corpus,
    default_datasets_dir,
)
from qa.chunking import split_sentences
from qa.loaders import load_paths
from qa.records import Document
from qa.settings import REPO_ROOT

CORPUS = REPO_ROOT / "corpus"


def test_own_set_has_enough_questions_of_every_kind() -> None:
    queries = read_own_set(OWN_SET)
    assert len(queries) >= 40
    assert len({q.qid for q in queries}) == len(queries)
    assert sum(1 for q in queries if q.history) >= 5
    # Messages asking two things at once: two question marks, or a "+" / "and" joining two requests.
    assert sum(1 for q in queries if q.text.count("?") >= 2 or " + " in q.text) >= 3
    shorthand = re.compile(r"\b(HD|ESRD|CKD|eGFR|tox|OD|sx|tx|pts?|mgmt|AKI|ICU|MOA|abd)\b")
    assert sum(1 for q in queries if shorthand.search(q.text)) >= 20


def test_every_quote_is_verbatim_once_in_the_loaded_corpus() -> None:
    loaded = load_paths([CORPUS])
    documents = {d.doc_id: d for d in loaded.documents}
    for query in read_own_set(OWN_SET):
        for passage in (*query.passages, *query.answers):
            assert passage.doc in documents, f"{query.qid}: {passage.doc} is not a corpus file"
            count = sum(s.text.count(passage.quote) for s in documents[passage.doc].sections)
            assert count == 1, f"{query.qid}: {passage.quote!r} occurs {count} times in {passage.doc}"
            # Inline citation markers are stripped by the loaders, so a quote must not end in one.
            assert not re.search(r"\s\d+(,\s*\d+)*\.?$", passage.quote), passage.quote


def test_abstain_set_is_separate_and_off_topic() -> None:
    queries = read_question_set(ABSTAIN_SET)
    assert len(queries) >= 20
    assert len({q.text.lower() for q in queries}) == len(queries)
    assert not any("baclofen" in q.text.lower() for q in queries)
    own = {q.text.lower() for q in read_own_set(OWN_SET)}
    assert not own & {q.text.lower() for q in queries}


def test_near_scope_set_asks_of_the_bundled_corpus_what_it_never_says() -> None:
    # About the seeds' subject (baclofen, dialysis, the case report's patient) or following a question on it, and
    # asking what no sentence of theirs answers: none of them is in the own set or the abstention set.
    queries = read_question_set(NEAR_SCOPE_SET)
    assert len(queries) >= 40 and len({q.qid for q in queries}) == len(queries)
    assert len({q.text.lower() for q in queries}) == len(queries)
    subject = re.compile(r"baclofen|dialys|\bHD\b|CRRT|teen|girl|14 year", re.IGNORECASE)
    assert all(subject.search(" ".join([q.text, *q.history])) for q in queries)
    asked = {q.text.lower() for q in (*read_own_set(OWN_SET), *read_question_set(ABSTAIN_SET))}
    assert not asked & {q.text.lower() for q in queries}
    # Both splits hold questions, and some are follow-ups.
    assert {q.split for q in queries} == {"tune", "heldout"} and sum(1 for q in queries if q.history) >= 5


@pytest.mark.parametrize(("name", "questions", "corpus", "index"), MESSAGE_SETS)
def test_message_sets_are_long_messy_and_judged_against_their_corpus(
    name: str, questions: Path, corpus: str, index: str
) -> None:
    queries = read_judged_set(questions)
    assert len(queries) >= 25 and len({q.qid for q in queries}) == len(queries)
    words = sorted(len(q.text.split()) for q in queries)
    assert words[len(words) // 2] >= 35, f"{name}: median {words[len(words) // 2]} words, not a long message"
    # Messages as people write them: a subject line, several questions, a story around them.
    assert sum(1 for q in queries if q.text.lower().startswith("subject:")) >= len(queries) // 2
    assert sum(1 for q in queries if q.text.count("?") >= 2) >= len(queries) // 2
    # Graded: what the main question asks (2) and what the others ask (1).
    assert all(2 in q.relevant.values() for q in queries)
    folder = default_datasets_dir() / corpus
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: judgements not checked against the corpus")
    known = (
        {json.loads(line)["_id"] for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines()}
        if (folder / "corpus.jsonl").is_file()
        else {
            doc_id
            for source in medquad_sources(folder)
            for page in read_medquad_pages(source)[0]
            for _, doc_id in page.questions
        }
    )
    for query in queries:
        missing = set(query.relevant) - known
        assert not missing, f"{query.qid} judges documents not in {folder}: {sorted(missing)}"


def test_labelled_answer_sets_are_big_enough_and_split() -> None:
    own = read_own_set(OWN_SET)
    others = {name: read_own_set(path) for name, path in ANSWER_SETS.items()}
    public = [q for name in ("answers/medquad", "answers/pubmedqa") for q in others[name]]
    assert len(own) >= 60 and len(own) + len(public) >= 120
    # A third of the bundled-corpus questions are follow-ups; both splits hold questions of every set.
    assert sum(1 for q in own if q.history) * 3 >= len(own)
    for queries in (own, *others.values()):
        assert {q.split for q in queries} == {"tune", "heldout"}
        assert all(q.answers for q in queries)
    assert set_corpus(ANSWER_SETS["answers/medquad"]) == "medquad/all"


def test_the_other_field_sets_quotes_are_verbatim_in_the_fixture() -> None:
    path = ANSWER_SETS["answers/other-field"]
    documents = {d.doc_id: d for d in load_paths([REPO_ROOT / set_corpus(path)]).documents}
    for query in read_own_set(path):
        for passage in query.answers:
            (doc,) = [d for i, d in documents.items() if i == passage.doc or i.endswith("/" + passage.doc)]
            assert sum(s.text.count(passage.quote) for s in doc.sections) == 1, passage.quote


def _public_set(name: str) -> tuple[tuple[Query, ...], Path]:
    """A public labelled set's questions and its corpus in `../shared` (the test is skipped when it is absent)."""
    queries = read_own_set(ANSWER_SETS[name])
    try:
        _, corpus = answer_set_corpus(set_corpus(ANSWER_SETS[name]), default_datasets_dir())
    except EvalError as exc:
        pytest.skip(f"{name}'s corpus is absent: {exc}")
    assert corpus is not None
    return queries, corpus


def _sentences(document: Document) -> list[str]:
    """A document's sentences as medcite splits them."""
    return [section.text[a:b] for section in document.sections for a, b in split_sentences(section.text)]


@pytest.mark.parametrize("name", ["answers/medquad", "answers/pubmedqa"])
def test_the_public_answer_sets_quotes_lie_inside_one_sentence_of_their_document(name: str) -> None:
    # A label is matched against the sentences medcite quotes (`eval.answers.matches`): a quote that spans two of
    # them, or that a document does not hold, could never be found, and the set would understate every answer.
    queries, corpus = _public_set(name)
    if corpus.is_dir():  # MedQuAD: only the pages the labels name ("medquad/3_GHR_QA/0000640-3")
        pages = {p.doc.removeprefix("medquad/").rpartition("-")[0] for q in queries for p in q.answers}
        paths = [corpus / f"{page}.xml" for page in sorted(pages)]
    else:
        paths = [corpus]
    documents = {d.doc_id: d for d in load_paths(paths).documents}
    for query in queries:
        for passage in query.answers:
            assert passage.doc in documents, f"{query.qid}: {passage.doc} is not in {corpus}"
            assert any(passage.quote in sentence for sentence in _sentences(documents[passage.doc])), (
                f"{query.qid}: {passage.quote!r} is not inside one sentence of {passage.doc}"
            )


@pytest.mark.parametrize("name", ["answers/medquad", "answers/pubmedqa"])
def test_the_public_answer_sets_name_every_document_that_holds_a_quoted_sentence(name: str) -> None:
    # MedQuAD repeats sentences across pages ("Passing gas around 13 to 21 times a day is normal." on two NIDDK
    # pages): a label names every page that holds its sentence, so the set says itself which pages answer.
    # (`eval.answers.matches` also accepts a quote of five words or more from any page; a shorter one it accepts
    # only from a page the label names.)
    queries, corpus = _public_set(name)
    documents = load_paths([corpus]).documents
    texts = ["\n".join(section.text for section in d.sections) for d in documents]
    starts = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))
    joined = "\x00".join(texts)
    for query in queries:
        named = {p.doc for p in query.answers}
        for quote in {p.quote for p in query.answers}:
            found = joined.find(quote)
            while found >= 0:
                document = documents[bisect.bisect_right(starts, found) - 1]
                holds = any(quote in sentence for sentence in _sentences(document))
                assert document.doc_id in named or not holds, f"{query.qid}: {document.doc_id} also holds {quote!r}"
                found = joined.find(quote, found + 1)
