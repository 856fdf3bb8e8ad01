"""Our own question sets: big enough, clinician-style, and every quote verbatim in the loaded corpus."""

from __future__ import annotations

import re

from eval.datasets import read_own_set, read_question_set, set_corpus
from eval.plan import ABSTAIN_SET, ANSWER_SETS, OWN_SET
from qa.loaders import load_paths
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
