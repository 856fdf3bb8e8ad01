"""The signals the abstention model reads: topic words, their coverage, and the counts, on a one-sentence corpus."""

from __future__ import annotations

import pytest

from qa.confidence import Confidence, Signals, corpus_words, word_ranks
from qa.query import QueryBuilder

CORPUS = "Baclofen is cleared by hemodialysis in kidney failure."
# The everyday words of this fixture (the model's vocabulary in the product): everything but the drug and
# disease names.
EVERYDAY = {"is", "cleared", "by", "in", "kidney", "failure", "wean", "how", "off", "what", "clear"}


@pytest.fixture(scope="module")
def confidence() -> Confidence:
    vocabulary = corpus_words([CORPUS])
    return Confidence(vocabulary, EVERYDAY, QueryBuilder(vocabulary, known_words=EVERYDAY))


def signals(confidence: Confidence, question: str, dense: float = 0.6) -> Signals:
    return confidence.signals(dense, confidence.queries.build(question))


def test_a_missing_drug_beside_a_covered_word_is_counted_as_both(confidence: Confidence) -> None:
    found = signals(confidence, "is ondansetron cleared by hemodialysis?")
    # ondansetron missing (rare: 2), cleared covered (everyday: 0.3), hemodialysis covered (rare: 1).
    assert found.coverage == pytest.approx(1 - 2 / 3.3)
    assert found.rare_coverage == pytest.approx(1 - 2 / 3)
    assert (found.covered_rare, found.missing_rare, found.missing_light, found.missing_drug) == (1, 1, 0, 1)
    assert found.topic_words == 3 and not found.followup


def test_a_missing_everyday_word_beside_a_covered_drug_is_light(confidence: Confidence) -> None:
    found = signals(confidence, "how to wean off baclofen?")
    assert found.coverage == pytest.approx(1 - 0.6 / 1.6)
    assert found.rare_coverage == 1.0
    assert (found.covered_rare, found.missing_rare, found.missing_light, found.missing_drug) == (1, 0, 2, 0)


def test_the_formula_is_what_confidence_of_returns(confidence: Confidence) -> None:
    for question in ("is ondansetron cleared by hemodialysis?", "how to wean off baclofen?", "tegretol"):
        query = confidence.queries.build(question)
        found = confidence.signals(0.6, query)
        assert found.formula == pytest.approx(confidence.of(0.6, query))
        assert found.formula == pytest.approx(0.6 * found.coverage**2)
    assert signals(confidence, "tegretol").formula == 0.0


def test_coverage_is_the_share_of_the_topic_words_weight(confidence: Confidence) -> None:
    words = confidence.topic("is ondansetron cleared by hemodialysis?")
    assert [(w.text, w.covered, w.weight) for w in words] == [
        ("ondansetron", False, 2.0),
        ("cleared", True, 0.3),
        ("hemodialysis", True, 1.0),
    ]
    assert confidence.coverage("is ondansetron cleared by hemodialysis?") == pytest.approx(1 - 2 / 3.3)
    assert confidence.coverage("what is it?") == 1.0


def test_negative_closeness_counts_as_none(confidence: Confidence) -> None:
    assert signals(confidence, "is baclofen cleared?", dense=-0.2).formula == 0.0


def test_drugs_the_corpus_holds_and_words_it_holds_only_loosely_are_counted(confidence: Confidence) -> None:
    exact = signals(confidence, "is baclofen cleared by hemodialysis?")
    assert (exact.covered_drug, exact.loose_rare) == (1, 0)
    # A typo's fix covers "hemodialisys", but only loosely; "ondansetron" names a drug the corpus lacks.
    typed = signals(confidence, "is ondansetron cleared by hemodialisys?")
    assert (typed.covered_drug, typed.missing_drug, typed.loose_rare) == (0, 1, 1)
    assert typed.coverage == signals(confidence, "is ondansetron cleared by hemodialysis?").coverage


def test_a_clipped_word_is_covered_loosely_by_the_word_it_begins(confidence: Confidence) -> None:
    # "hemo" begins only "hemodialysis" in this corpus: "hemo" is covered, as a typo's fix is, loosely.
    clipped = signals(confidence, "is baclofen cleared by hemo?")
    assert clipped.missing_rare == 0 and clipped.loose_rare == 1
    assert clipped.coverage == signals(confidence, "is baclofen cleared by hemodialysis?").coverage


def test_a_word_typed_in_two_pieces_is_covered_loosely_by_the_word_they_make(confidence: Confidence) -> None:
    # "hemo dialysis" is "hemodialysis" typed apart: both pieces are covered, loosely.
    apart = signals(confidence, "is baclofen cleared by hemo dialysis?")
    assert apart.missing_rare == 0 and apart.loose_rare >= 1
    assert apart.coverage == signals(confidence, "is baclofen cleared by hemodialysis?").coverage
    # Two pieces that make no corpus word stay as they are.
    words = {w.text: w for w in confidence.topic("is baclofen cleared by zorbo dialysis?")}
    assert not words["dialysis"].covered and not words["zorbo"].covered


def test_a_contraction_of_everyday_words_is_an_everyday_word() -> None:
    # "We're scared and confused.": "we're" is "we" + "re", as everyday as they are, not a rare word the corpus lacks.
    vocabulary = corpus_words([CORPUS])
    everyday = EVERYDAY | {"we", "re", "scared"}
    confidence = Confidence(vocabulary, everyday, QueryBuilder(vocabulary, known_words=everyday))
    assert confidence.is_common("we're") and confidence.is_common("we\u2019re")
    assert not confidence.is_common("baclofen's") and not confidence.is_common("ondansetron")
    found = confidence.signals(0.6, confidence.queries.build("We're scared."))
    assert found.missing_rare == 0


@pytest.mark.parametrize("age", ["14 y/o", "14yo", "14 y.o.", "14-yr-old", "14 yrs old"])
def test_an_age_in_shorthand_counts_as_the_age_it_spells(confidence: Confidence, age: str) -> None:
    # Retrieval searches "14 year old" for "14 y/o" (QueryBuilder.expand); coverage must not count "y/o" as a rare
    # word the corpus lacks, which made questions about the case report's patient abstain.
    shorthand = signals(confidence, f"is baclofen cleared by hemodialysis in a {age}?")
    spelt = signals(confidence, "is baclofen cleared by hemodialysis in a 14 year old?")
    assert (shorthand.coverage, shorthand.missing_rare, shorthand.topic_words) == (
        spelt.coverage,
        spelt.missing_rare,
        spelt.topic_words,
    )


def test_unmatched_names_the_words_of_the_question_the_corpus_lacks(confidence: Confidence) -> None:
    # "pregnancy" names what is asked, and no source holds it: an answer about baclofen quotes something else.
    assert confidence.unmatched(confidence.queries.build("is baclofen cleared by hemodialysis in pregnancy?")) == (
        "pregnancy",
    )
    assert confidence.unmatched(confidence.queries.build("is baclofen cleared by hemodialysis?")) == ()
    # A rare word is named as an everyday one is; each word once.
    both = confidence.queries.build("is ondansetron cleared by hemodialysis? and ondansetron in pregnancy?")
    assert confidence.unmatched(both) == ("ondansetron", "pregnancy")
    # Named as the question writes them. An abbreviation clinicians type counts as covered for scope and search,
    # which spell it out, but it is named when the corpus holds neither it nor every word of its long form.
    assert confidence.unmatched(confidence.queries.build("Is baclofen cleared by CRRT?")) == ("CRRT",)
    assert confidence.unmatched(confidence.queries.build("Is baclofen cleared by HD in CKD?")) == ("CKD",)
    assert confidence.unmatched(confidence.queries.build("Is baclofen cleared by HD?")) == ()


def test_unmatched_leaves_out_typos_and_the_story_around_a_question(confidence: Confidence) -> None:
    # "waen" is a typo of an everyday word (a swap), not something asked about. ("off", an everyday word the
    # corpus lacks, is among the most frequent: `test_unmatched_passes_over_the_most_frequent_everyday_words`.)
    assert confidence.unmatched(confidence.queries.build("how to waen off baclofen?")) == ("off",)
    assert confidence.unmatched(confidence.queries.build("how to wean off baclofen?")) == ("wean", "off")
    # The story's words ("ortho", "started") tell how the patient came to be asked about, not what is asked.
    story = confidence.queries.build(
        "Pt on hemodialysis, started baclofen by ortho. Is baclofen cleared by hemodialysis?"
    )
    assert confidence.unmatched(story) == ()


def test_unmatched_names_a_follow_ups_own_words() -> None:
    vocabulary = corpus_words([CORPUS])
    everyday = EVERYDAY | {"about", "pregnancy"}
    confidence = Confidence(vocabulary, everyday, QueryBuilder(vocabulary, known_words=everyday))
    query = confidence.queries.build("what about in pregnancy?", ["is baclofen cleared by hemodialysis?"])
    assert query.followup
    assert confidence.unmatched(query) == ("pregnancy",)


def test_unmatched_names_an_everyday_word_one_edit_from_another() -> None:
    # "protein" is one letter from "proteins": both are everyday words, and neither is a typo of the other. A typo
    # is a word the model's vocabulary lacks.
    vocabulary = corpus_words([CORPUS])
    everyday = EVERYDAY | {"protein", "proteins", "binding", "bindings", "the", "of"}
    confidence = Confidence(vocabulary, everyday, QueryBuilder(vocabulary, known_words=everyday))
    query = confidence.queries.build("what is the protein binding of baclofen?")
    assert confidence.unmatched(query) == ("protein", "binding")


def test_unmatched_passes_over_the_most_frequent_everyday_words() -> None:
    # "take" is among the language's most frequent words: no source lacking it lacks what is asked. "teenager" is
    # an everyday word too, but a rarer one, and names who is asked about.
    vocabulary = corpus_words([CORPUS])
    ranked = ["the", "take", "off", "teenager"]
    everyday = EVERYDAY | set(ranked)
    ranks = {word: rank for rank, word in enumerate(ranked)}
    confidence = Confidence(vocabulary, everyday, QueryBuilder(vocabulary, known_words=everyday), word_ranks=ranks)
    query = confidence.queries.build("can a teenager take baclofen?")
    assert confidence.unmatched(query) == ("teenager", "take")
    assert confidence.unmatched(query, frequent_below=2) == ("teenager",)
    assert confidence.unmatched(query, frequent_below=4) == ()


def test_word_ranks_count_whole_words_in_the_order_given() -> None:
    # Word pieces, single letters and signs are not words a question is made of.
    assert word_ranks(["[PAD]", "!", "a", "b", "the", "##s", "of", "é", "take", "[CLS]"]) == {
        "the": 0,
        "of": 1,
        "take": 2,
    }


def test_unmatched_names_a_compound_of_rarer_words_and_leaves_out_frequent_words_run_together() -> None:
    # "howmuch" runs two of the most frequent words together: a typo. "breastfeeding" is made of rarer ones: a word
    # of its own (the scope judgement reads both alike: `topic`).
    vocabulary = corpus_words([CORPUS])
    ranked = ["how", "much", "the", "breast", "feeding"]
    everyday = EVERYDAY | set(ranked)
    ranks = {word: rank for rank, word in enumerate(ranked)}
    confidence = Confidence(vocabulary, everyday, QueryBuilder(vocabulary, known_words=everyday), word_ranks=ranks)
    assert (
        confidence.unmatched(confidence.queries.build("howmuch baclofen is cleared by hemodialysis?"), frequent_below=3)
        == ()
    )
    breastfeeding = confidence.queries.build("is baclofen cleared by hemodialysis when breastfeeding?")
    assert [w.aside for w in confidence.topic(breastfeeding.text) if w.text == "breastfeeding"] == [True]
    assert confidence.unmatched(breastfeeding, frequent_below=3) == ("breastfeeding",)
    # Where both parts are frequent, it is read as a typo.
    assert confidence.unmatched(breastfeeding, frequent_below=5) == ()


@pytest.mark.parametrize(
    ("question", "everyday"),
    [
        ("how is it cleared?", True),
        # Everyday words joined by a hyphen or a slash are everyday words too.
        ("is it cleared in kidney-failure?", True),
        ("is it cleared in kidney failure/clear?", True),
        ("is baclofen cleared?", False),
        ("is ondansetron cleared?", False),
    ],
)
def test_a_question_in_everyday_words_names_no_topic(confidence: Confidence, question: str, everyday: bool) -> None:
    assert confidence.in_everyday_words(question) is everyday
