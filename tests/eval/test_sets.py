"""Our own question sets: big enough, clinician-style, and every quote verbatim in the loaded corpus."""

from __future__ import annotations

import re

from eval.datasets import read_own_set, read_question_set
from eval.plan import ABSTAIN_SET, OWN_SET
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
        for passage in query.passages:
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
