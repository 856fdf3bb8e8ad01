"""Question-side clean-up: greetings and NDC numbers, sub-questions, follow-ups, abbreviations, typo fixes."""

from __future__ import annotations

import pytest

from qa.query import (
    PageSubjects,
    QueryBuilder,
    clean_message,
    content_words,
    is_followup,
    resolve_followup,
    split_questions,
    substitute,
)

EARLIER = "Is baclofen cleared by dialysis in patients with impaired renal function?"


# --- clean_message ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Hello! Is baclofen dialyzable? Thanks so much", "Is baclofen dialyzable?"),
        ("hi, quick q. pt on HD, is baclofen cleared?? thx", "pt on HD, is baclofen cleared??"),
        (
            "Good morning, what is the dose of baclofen in renal failure? Thank you",
            "what is the dose of baclofen in renal failure?",
        ),
        ("Baclofen NDC 0172-4096-60 dose in ESRD?", "Baclofen dose in ESRD?"),
        ("Is   baclofen\n\tdialyzable?", "Is baclofen dialyzable?"),
        ("Thanks so much! One more q: how long until they wake up after HD?", "how long until they wake up after HD?"),
        ("ok, thank you. Another question - is PD any better?", "is PD any better?"),
        ("Hi there. My pt is on HD.", "My pt is on HD."),
        # Without the punctuation of a filler, the same words are content.
        ("Great saphenous vein thrombosis treatment?", "Great saphenous vein thrombosis treatment?"),
        ("OK to give baclofen in HD?", "OK to give baclofen in HD?"),
    ],
)
def test_clean_message_drops_greetings_thanks_and_ndc_numbers(message: str, expected: str) -> None:
    assert clean_message(message) == expected


def test_clean_message_keeps_every_clinical_word_and_number() -> None:
    message = "Hi, 10 mg baclofen tid in ESRD (eGFR <15) on HD: toxicity risk? Thanks"
    cleaned = clean_message(message)
    for word in ("10 mg", "baclofen", "tid", "ESRD", "eGFR <15", "HD", "toxicity", "risk?"):
        assert word in cleaned
    assert "Hi" not in cleaned and "Thanks" not in cleaned


def test_clean_message_leaves_a_bare_ndc_like_dosage_alone() -> None:
    # "10-20 mg" has the wrong digit groups for an NDC code and must survive.
    assert clean_message("Is 10-20 mg of baclofen safe?") == "Is 10-20 mg of baclofen safe?"


# --- split_questions -------------------------------------------------------------------------------------


def test_split_questions_separates_two_questions() -> None:
    assert split_questions("Is baclofen cleared by dialysis? What is the dose in ESRD?") == [
        "Is baclofen cleared by dialysis?",
        "What is the dose in ESRD?",
    ]


def test_split_questions_splits_a_statement_followed_by_a_question() -> None:
    assert split_questions("Pt on HD took baclofen. Is it cleared by dialysis?") == [
        "Pt on HD took baclofen.",
        "Is it cleared by dialysis?",
    ]


def test_split_questions_merges_a_short_fragment_into_its_neighbour() -> None:
    # "And why?" has two words: too little to search on its own.
    assert split_questions("Is baclofen cleared by dialysis? And why?") == ["Is baclofen cleared by dialysis? And why?"]


def test_split_questions_keeps_a_statement_after_a_question_with_it() -> None:
    # What follows the question tells its story or its feelings; searched alone it would find other pages.
    assert split_questions("What are the options for prostate cancer? We're scared and confused.") == [
        "What are the options for prostate cancer? We're scared and confused."
    ]
    assert split_questions("Is ibuprofen safe? I have kidney disease. What dose should I take?") == [
        "Is ibuprofen safe? I have kidney disease.",
        "What dose should I take?",
    ]


def test_split_questions_keeps_a_single_question_whole() -> None:
    assert split_questions("Baclofen toxicity in dialysis patients.") == ["Baclofen toxicity in dialysis patients."]


# --- follow-ups ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "and the dose?",
        "Is it safe in pregnancy?",
        "What are the treatments?",
        "what should she take?",
        "can he still drive?",
    ],
)
def test_followups_carry_the_earlier_topic(question: str) -> None:
    assert is_followup(question)
    resolved, used = resolve_followup(question, [EARLIER])
    assert used
    assert resolved.startswith(question)
    # The topic words of the earlier turn, not its question words, are carried along.
    for word in ("baclofen", "dialysis", "renal"):
        assert word in resolved.removeprefix(question)
    assert "Is " not in resolved.removeprefix(question)


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "How is lithium toxicity treated with hemodialysis?"],
)
def test_a_fully_stated_question_carries_nothing(question: str) -> None:
    assert not is_followup(question)
    assert resolve_followup(question, [EARLIER]) == (question, False)


def test_followup_takes_the_topic_of_the_latest_turn_that_names_one() -> None:
    history = ["What is lithium toxicity?", EARLIER, "and the dose?"]
    resolved, used = resolve_followup("Is it safe in pregnancy?", history)
    assert used
    assert "baclofen" in resolved and "lithium" not in resolved


def test_a_followup_of_a_followup_carries_what_that_one_carried() -> None:
    # "and how do you treat tox?" names toxicity only; it asked about baclofen in ESRD, and so does the next turn.
    history = ["baclofen in ESRD", "and how do you treat tox?"]
    resolved, used = resolve_followup("how fast do they wake up after?", history)
    assert used
    assert all(word in resolved.lower() for word in ("tox", "baclofen", "esrd"))


@pytest.mark.parametrize("question", ["any hepatic metab?", "any interactions?", "Any data in children?"])
def test_a_question_opening_with_any_leans_on_the_conversation(question: str) -> None:
    assert is_followup(question)
    resolved, used = resolve_followup(question, ["how is baclofen eliminated?"])
    assert used and "baclofen" in resolved


def test_the_drug_asked_about_two_turns_back_is_carried_through_an_any_question() -> None:
    history = ["how is baclofen eliminated?", "any hepatic metab?"]
    resolved, used = resolve_followup("so in ESRD pts does HD get it out?", history)
    assert used and "baclofen" in resolved and "hepatic" in resolved


@pytest.mark.parametrize(
    "question", ["How long does the confusion last afterwards?", "How fast do patients wake up after?"]
)
def test_a_question_that_leaves_out_its_event_is_a_followup(question: str) -> None:
    # Neither opens like a follow-up nor points back with a pronoun: only the dangling "after" says it leans on
    # the turn before.
    assert is_followup(question)
    resolved, used = resolve_followup(question, [EARLIER])
    assert used and "baclofen" in resolved


@pytest.mark.parametrize(
    "question",
    [
        "what's the usual sx that tips you off to tox in these pts?",
        "How often do these side effects go away on treatment?",
    ],
)
def test_these_before_a_noun_points_back_however_long_the_question(question: str) -> None:
    # More than two topic words, no pronoun standing alone: "these pts" are the patients of the turn before.
    assert is_followup(question)
    resolved, used = resolve_followup(question, [EARLIER])
    assert used and "baclofen" in resolved
    # "those" as a pronoun names whom it means: a question of its own.
    assert not is_followup("How did mortality compare between patients given oxygen and those given surgery alone?")


def test_after_inside_a_question_does_not_make_it_a_followup() -> None:
    assert not is_followup("Is baclofen cleared by dialysis after an overdose?")


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # The phrase ends in a word of the earlier question: it replaces the run of words it stands in for.
        (
            "what about peritoneal dialysis?",
            EARLIER,
            "Is baclofen cleared by peritoneal dialysis in patients with impaired renal function?",
        ),
        (
            "and with normal kidney function?",
            EARLIER,
            "Is baclofen cleared by dialysis in patients with normal kidney function?",
        ),
        (
            "what about hemodialysis patients?",
            "baclofen dose in ESRD patients",
            "baclofen dose in hemodialysis patients",
        ),
    ],
)
def test_what_about_x_replaces_the_part_x_stands_in_for(question: str, earlier: str, expected: str) -> None:
    assert resolve_followup(question, [earlier]) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # The number is what the follow-up changes: answering about the earlier one would answer another question.
        ("what about 10 mg?", "is 5 mg of baclofen safe in HD?", "is 10 mg of baclofen safe in HD?"),
        # The number ends a run of topic words: "give 10 mg" is no part that "2.5 mg" stands in for.
        (
            "what about 2.5 mg?",
            "can I give 10 mg baclofen to a dialysis pt?",
            "can I give 2.5 mg baclofen to a dialysis pt?",
        ),
        ("and with eGFR 20?", "can I give baclofen with eGFR 45?", "can I give baclofen with eGFR 20?"),
        ("what about eGFR <30?", "baclofen dosing at eGFR 45", "baclofen dosing at eGFR <30"),
        (
            "and for a 6 year old?",
            "what is the dose of amoxicillin for a 2 year old?",
            "what is the dose of amoxicillin for a 6 year old?",
        ),
        # A name that starts with a digit is one token, never cut: "1q21.1", not "21.1".
        (
            "what about 1q21.1 microdeletion?",
            "What are the genetic changes related to 15q13.3 microdeletion ?",
            "What are the genetic changes related to 1q21.1 microdeletion ?",
        ),
        ("and eGFR 30-60?", "baclofen dose at eGFR <30", "baclofen dose at eGFR 30-60"),
        # A number beside the phrase's words comes along, even where the earlier part had none; the phrase's
        # "with eGFR 45" stands where "on hemodialysis" stood (the same person, qualified otherwise).
        (
            "what about a patient with eGFR 45?",
            "baclofen dose for a patient on hemodialysis",
            "baclofen dose for a patient with eGFR 45",
        ),
    ],
)
def test_a_number_typed_with_the_substitute_replaces_the_number_it_stands_in_for(
    question: str, earlier: str, expected: str
) -> None:
    assert resolve_followup(question, [earlier]) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # A number alone stands in for the earlier question's one number, whatever it measures.
        ("and 20?", "how do you dose baclofen with an eGFR of 40?", "how do you dose baclofen with an eGFR of 20?"),
        ("what about 10?", "is 5 mg of baclofen safe in HD?", "is 10 mg of baclofen safe in HD?"),
        ("and <30?", "baclofen dose at eGFR 45", "baclofen dose at eGFR <30"),
        (
            "and 12?",
            "what is the dose of amoxicillin for a 6 year old?",
            "what is the dose of amoxicillin for a 12 year old?",
        ),
    ],
)
def test_a_number_alone_replaces_the_earlier_questions_number(question: str, earlier: str, expected: str) -> None:
    assert resolve_followup(question, [earlier]) == (expected, True)


def test_a_followup_of_a_turn_read_with_the_conversations_topic_carries_that_topic() -> None:
    # "how soon?" names a word of its own, so only the assistant's retrieval can say it leaned on the turn before
    # (`leaned`); a third turn then asks about what the second one did, not about "soon" alone.
    history = ["what's the treatment of choice for baclofen toxicity in ESRD?", "how soon?"]
    alone, _ = resolve_followup("how often?", history)
    assert "baclofen" not in alone
    resolved, used = resolve_followup("how often?", history, leaned={1})
    assert used and "soon" in resolved and "baclofen toxicity" in resolved and "ESRD".lower() in resolved.lower()


def test_a_substitute_in_a_third_turn_replaces_a_part_and_keeps_the_carried_topic_whole() -> None:
    # "in CKD?" is read "how is baclofen eliminated in CKD?"; "children" stands in for "CKD" alone. (Once it was
    # read "in CKD? (baclofen eliminated)", and "CKD? (baclofen eliminated" was replaced: punctuation ends a run.)
    history = ["how is baclofen eliminated?", "in CKD?"]
    assert resolve_followup("and in children?", history) == ("how is baclofen eliminated in children?", True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # A comma parts two runs: "peritoneal dialysis" stands in for "dialysis", not for "baclofen, dialysis".
        (
            "what about peritoneal dialysis?",
            "baclofen, dialysis: is it removed?",
            "baclofen, peritoneal dialysis: is it removed?",
        ),
        ("and in children?", "dose: in CKD (baclofen)", "dose: in children (baclofen)"),
    ],
)
def test_punctuation_ends_the_part_a_substitute_replaces(question: str, earlier: str, expected: str) -> None:
    assert substitute(question, earlier) == expected


@pytest.mark.parametrize("earlier", ["is baclofen 10 mg safe with eGFR 45?", "can baclofen be given in dialysis?"])
def test_a_number_alone_names_no_substitute_where_the_earlier_question_has_none_or_several(earlier: str) -> None:
    # "and 20?" after two numbers could mean either; after none, it means nothing of the earlier question's.
    assert substitute("and 20?", earlier) is None


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # "a" does not go before a plural, and "an" goes before a vowel: the caption shows the question as searched.
        (
            "What about in children?",
            "Is baclofen cleared by dialysis in a patient with gout?",
            "Is baclofen cleared by dialysis in children with gout?",
        ),
        (
            "and in adults?",
            "Is baclofen cleared by dialysis in a child with gout?",
            "Is baclofen cleared by dialysis in adults with gout?",
        ),
        (
            "and in adult patients?",
            "Is baclofen cleared by dialysis in a patient with gout?",
            "Is baclofen cleared by dialysis in adult patients with gout?",
        ),
        (
            "and in an adult patient?",
            "Is baclofen safe in a patient with gout?",
            "Is baclofen safe in an adult patient with gout?",
        ),
        ("and an adult?", "Is baclofen safe for a child?", "Is baclofen safe for an adult?"),
        ("and for a man?", "Is baclofen safe for an elderly woman?", "Is baclofen safe for a man?"),
        # The determiner typed with the phrase is the one it is asked with.
        ("what about in a child?", "Is baclofen safe in adults?", "Is baclofen safe in a child?"),
        (
            "and in the elderly?",
            "Is baclofen safe in a child with gout?",
            "Is baclofen safe in the elderly with gout?",
        ),
        # "the" agrees with either number, and is kept.
        ("and by the kidneys?", "is baclofen removed by the liver?", "is baclofen removed by the kidneys?"),
    ],
)
def test_the_article_before_a_substitute_agrees_with_it(question: str, earlier: str, expected: str) -> None:
    # A stand-in for the model's closeness that knows baclofen is not a population or an organ.
    def similar(phrase: str, parts):
        return [0.1 if "baclofen" in part else 0.9 for part in parts]

    assert resolve_followup(question, [earlier], similar=similar) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        (
            "what about patients with cirrhosis?",
            "is metformin safe in patients with CKD?",
            "is metformin safe in patients with cirrhosis?",
        ),
        ("and for children under 2?", "paracetamol dose for children over 12", "paracetamol dose for children under 2"),
        ("and in adults with asthma?", "Flovent dose in adults", "Flovent dose in adults with asthma"),
    ],
)
def test_a_qualified_phrase_replaces_the_earlier_qualifier_of_its_word(
    question: str, earlier: str, expected: str
) -> None:
    # "patients with cirrhosis" after "... patients with CKD": the same word, qualified otherwise; keeping both
    # qualifiers would ask about a patient with cirrhosis and CKD.
    assert resolve_followup(question, [earlier], similar=lambda p, parts: [0.1] * len(parts)) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "part", "expected"),
    [
        # The 10 mg is the dose asked about, not part of the drug that "tizanidine" stands in for.
        (
            "what about tizanidine?",
            "is baclofen 10 mg safe in dialysis?",
            "baclofen",
            "is tizanidine 10 mg safe in dialysis?",
        ),
        # "eGFR 45" is a measure and its value, "dystonia 6" a name and its number: the substitute takes both's place.
        ("what about creatinine clearance?", "baclofen dosing eGFR 45", "eGFR", "baclofen dosing creatinine clearance"),
        (
            "What about dystrophic epidermolysis bullosa?",
            "How many people are affected by dystonia 6 ?",
            "dystonia",
            "How many people are affected by dystrophic epidermolysis bullosa ?",
        ),
    ],
)
def test_a_number_after_the_part_replaced_goes_with_it_unless_the_part_is_a_drug(
    question: str, earlier: str, part: str, expected: str
) -> None:
    resolved = resolve_followup(
        question, [earlier], similar=lambda p, parts: [0.9 if x == part else 0.1 for x in parts]
    )
    assert resolved == (expected, True)


def test_a_substitute_not_written_like_any_part_is_placed_by_meaning() -> None:
    # "apixaban" shares no word with "How is warfarin reversed in major bleeding?": the closest part in meaning
    # (as the embedding model would say; here a stand-in that knows drugs) takes its place.
    def similar(phrase: str, parts):
        return [0.8 if p == "warfarin" else 0.1 for p in parts]

    earlier = "How is warfarin reversed in major bleeding?"
    assert resolve_followup("what about apixaban?", [earlier], similar=similar) == (
        "How is apixaban reversed in major bleeding?",
        True,
    )
    # Nothing close enough: the topic is carried along as before.
    resolved, used = resolve_followup("what about apixaban?", [earlier], similar=lambda p, parts: [0.1] * len(parts))
    assert used and resolved == "what about apixaban? (warfarin reversed major bleeding)"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # "breastfeeding" is no word of the model's, as "baclofen" is not, but two of its words run together: no
        # name, so no name's place is taken for it; the part closest in meaning is ("pregnancy").
        ("and breastfeeding?", "baclofen in breastfeeding"),
        # A name the model lacks, a drug's or a class's, takes the place of the part that names one.
        ("what about tizanidine?", "tizanidine in pregnancy"),
        ("what about corticosteroids?", "corticosteroids in pregnancy"),
    ],
)
def test_two_everyday_words_run_together_are_no_name(question: str, expected: str) -> None:
    everyday = frozenset({"and", "what", "about", "in", "pregnancy", "breast", "feeding"})
    resolved = resolve_followup(
        question,
        ["baclofen in pregnancy"],
        similar=lambda p, parts: [0.5 if part == "pregnancy" else 0.2 for part in parts],
        everyday=everyday,
    )
    assert resolved == (expected, True)


@pytest.mark.parametrize("question", ["and if the kidneys are normal?", "and the dose?", "what about it?"])
def test_a_condition_or_an_aspect_names_no_substitute(question: str) -> None:
    resolved, used = resolve_followup(
        question, ["Does hemodialysis remove baclofen?"], similar=lambda p, t: [0.9] * len(t)
    )
    assert used and resolved.startswith(question) and "baclofen" in resolved


def test_a_phrase_after_a_preposition_takes_the_place_of_what_followed_it_before() -> None:
    # "by the kidneys" stands where "by HD" stood; no word is shared, and the closest part in meaning (the drug,
    # for a stand-in that prefers it) would make "How much kidneys was removed by HD".
    resolved, used = resolve_followup(
        "and by the kidneys?",
        ["How much baclofen was removed by HD in the case?"],
        similar=lambda p, parts: [0.9 if part == "baclofen" else 0.1 for part in parts],
    )
    assert (resolved, used) == ("How much baclofen was removed by the kidneys in the case?", True)
    # A preposition the earlier question does not use places nothing by itself: its phrase is added, a setting.
    resolved, used = resolve_followup(
        "and in children?", ["baclofen dose for spasticity"], similar=lambda p, parts: [0.1] * len(parts)
    )
    assert (resolved, used) == ("baclofen dose for spasticity in children", True)


def test_a_title_that_opens_with_a_question_word_is_still_a_substitute() -> None:
    # MedQuAD names pages "What I need to know about Kidney Stones": after "what about", that is a phrase.
    resolved, used = resolve_followup(
        "What about What I need to know about Kidney Stones?",
        ["What are the treatments for Gallstones ?"],
        similar=lambda p, parts: [0.9 if part == "Gallstones" else 0.1 for part in parts],
    )
    assert (resolved, used) == ("What are the treatments for Kidney Stones ?", True)


def test_a_query_says_when_a_followup_restated_the_earlier_question() -> None:
    # Only a restated follow-up asks in the earlier question's form; one that carries the topic along asks in its own.
    earlier = ["How much baclofen was removed by HD in the case?"]
    restated = builder().build("and by the kidneys?", earlier)
    assert restated.restated and restated.text.startswith("How much baclofen was removed by the kidneys")
    assert not builder().build("and how long did she stay?", earlier).restated
    assert not builder().build("How much baclofen was removed by HD?").restated


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # "without" is one word, not "with" and "out": its phrase takes the place of "with dialysis", preposition too.
        (
            "and without dialysis?",
            "how long does recovery from baclofen toxicity take with dialysis?",
            "how long does recovery from baclofen toxicity take without dialysis?",
        ),
        (
            "and with dialysis?",
            "how long does recovery take without dialysis?",
            "how long does recovery take with dialysis?",
        ),
        (
            "and within 24 hours?",
            "how much baclofen is removed in 4 hours?",
            "how much baclofen is removed within 24 hours?",
        ),
        # An opening preposition that only repeats the earlier one leaves the earlier wording as it was.
        ("and in children?", "baclofen dose in adults", "baclofen dose in children"),
    ],
)
def test_a_phrase_opening_with_another_preposition_replaces_the_earlier_one_too(
    question: str, earlier: str, expected: str
) -> None:
    def similar(phrase: str, parts):
        return [0.9 if any(w in part for w in ("dialysis", "HD", "hours", "adults")) else 0.1 for part in parts]

    assert resolve_followup(question, [earlier], similar=similar) == (expected, True)


def test_a_phrase_after_a_preposition_is_placed_in_another_field_too() -> None:
    # Anticoagulation, not the seeds: "by mouth" stands where "by injection" stood, whatever the closest part says.
    resolved, used = resolve_followup(
        "and by mouth?",
        ["Is vitamin K given by injection to reverse warfarin?"],
        similar=lambda p, parts: [0.9 if part == "warfarin" else 0.1 for part in parts],
    )
    assert (resolved, used) == ("Is vitamin K given by mouth to reverse warfarin?", True)


@pytest.mark.parametrize(
    "question", ["and how long til she came round?", "but why did they dialyze her", "and which dose then"]
)
def test_a_followup_asking_its_own_question_names_no_substitute(question: str) -> None:
    # "how long til she came round" is a question of its own, not a phrase to put in place of a part of the earlier
    # one ("how long after HD do baclofen til she came round up?").
    resolved, used = resolve_followup(
        question, ["how long after HD do baclofen tox pts wake up?"], similar=lambda p, t: [0.9] * len(t)
    )
    assert used and resolved.startswith(question) and "baclofen" in resolved


def test_clinical_shorthand_for_an_aspect_names_no_drug_or_disease() -> None:
    # "sx" (symptoms) is not among the model's everyday words, but it names an aspect, not a drug: a phrase with a
    # drug in it would take the place of the closest part naming one, however far ("is toxicity cleared by HD?"
    # lost baclofen); a phrase without one needs a close part, and none is here.
    everyday = frozenset({"toxicity", "is", "cleared", "by", "what", "about"})
    resolved, used = resolve_followup(
        "what about toxicity sx?",
        ["is baclofen cleared by HD?"],
        similar=lambda p, parts: [0.1] * len(parts),
        everyday=everyday,
    )
    assert used and "baclofen" in resolved
    assert set(content_words("tx and dx w/o sx")) == set()


# Titles of a corpus's pages, as the index holds them (MedQuAD names a page by its subject, a handout may add a
# subtitle after a colon).
TITLES = [
    "Alzheimer's Disease",
    "Anxiety Disorders",
    "Absence of the Septum Pellucidum",
    "Acid Lipase Disease",
    "Von Hippel-Lindau Disease (VHL)",
    "Type 2 Diabetes",
    "Coumadin: ward handout for nurses",
    "Warfarin: a leaflet for patients",
]


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # Everyday words, far from the subject in meaning (0.44 by the bundled model): the old subject was carried
        # along, "What about Anxiety Disorders? (alzheimer's disease)", and the aspect asked was lost.
        (
            "What about Anxiety Disorders?",
            "What are the symptoms of Alzheimer's Disease ?",
            "What are the symptoms of Anxiety Disorders ?",
        ),
        # The whole subject, not the piece closest in meaning: "Absence of the Acid Lipase Disease Pellucidum".
        (
            "What about Acid Lipase Disease?",
            "What are the treatments for Absence of the Septum Pellucidum ?",
            "What are the treatments for Acid Lipase Disease ?",
        ),
        # The abbreviation in parentheses goes with the name it stands for, not with the new subject.
        (
            "What about Acid Lipase Disease?",
            "What are the treatments for Von Hippel-Lindau Disease (VHL) ?",
            "What are the treatments for Acid Lipase Disease ?",
        ),
        (
            "what about type 2 diabetes?",
            "how is von hippel-lindau disease diagnosed in adults?",
            "how is type 2 diabetes diagnosed in adults?",
        ),
        ("and coumadin?", "can warfarin be taken with food?", "can coumadin be taken with food?"),
    ],
)
def test_a_page_subject_takes_the_place_of_the_page_subject_asked_about(
    question: str, earlier: str, expected: str
) -> None:
    subjects = PageSubjects(lambda: TITLES)
    far = lambda p, parts: [0.1] * len(parts)  # noqa: E731
    assert resolve_followup(question, [earlier], similar=far, subjects=subjects) == (expected, True)


def test_of_several_page_subjects_the_closest_in_meaning_is_replaced() -> None:
    # Seizures, baclofen and tizanidine each have a page: the drug stands in for the drug, not for the first or the
    # longest subject named; a subject inside a longer one is never replaced alone.
    subjects = PageSubjects(lambda: ["Seizures", "Baclofen", "Tizanidine", "Septum"])
    near = lambda p, parts: [0.6 if part == "baclofen" else 0.2 for part in parts]  # noqa: E731
    assert resolve_followup(
        "what about tizanidine?", ["can seizures be caused by baclofen?"], similar=near, subjects=subjects
    ) == ("can seizures be caused by tizanidine?", True)
    subjects = PageSubjects(lambda: [*TITLES, "Septum"])
    assert resolve_followup(
        "what about Anxiety Disorders?",
        ["is the septum pellucidum absent in Absence of the Septum Pellucidum ?"],
        similar=lambda p, parts: [0.9 if part == "Septum" else 0.1 for part in parts],
        subjects=subjects,
    ) == ("is the septum pellucidum absent in Anxiety Disorders ?", True)


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        # "in pregnancy" is a setting of the question, not a page's subject in place of high blood pressure: it is
        # added to the question, as nothing of it stands for pregnancy.
        (
            "what about in pregnancy?",
            ["how is high blood pressure treated?"],
            "how is high blood pressure treated in pregnancy?",
        ),
        ("what about in children?", ["What causes kidney stones?"], "What causes kidney stones in children?"),
        # A page's title word for word ("Pregnancy") after a preposition is a setting all the same.
        ("and in pregnancy?", ["what causes high blood pressure?"], "what causes high blood pressure in pregnancy?"),
        ("in pregnancy?", ["what causes high blood pressure?"], "what causes high blood pressure in pregnancy?"),
        # "and for X?" asks the question of X, as "same for X" does, where X is a page's subject word for word.
        ("and for kidney stones?", ["What causes gout?"], "What causes kidney stones?"),
        # After a follow-up that names no topic, the phrase goes with what that one asked (its treatment), and the
        # topic it carried stays.
        (
            "and in people with kidney disease?",
            ["What are the symptoms of gout?", "how is it treated?"],
            "how is it treated in people with kidney disease? (gout)",
        ),
        # The same preposition before a subject: that subject is the one replaced.
        (
            "and for Alzheimer's Disease?",
            ["What are the treatments for Parkinson's Disease?"],
            "What are the treatments for Alzheimer's Disease?",
        ),
    ],
)
def test_a_phrase_opening_with_a_preposition_is_a_setting_unless_it_parallels_one(
    question: str, history: list[str], expected: str
) -> None:
    subjects = PageSubjects(
        lambda: ["Pregnancy", "High Blood Pressure", "Kidney Disease", "Gout", "Kidney Stones", *TITLES]
    )
    far = lambda p, parts: [0.1] * len(parts)  # noqa: E731
    assert resolve_followup(question, history, similar=far, subjects=subjects) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        ("in pregnancy?", "what causes high blood pressure?", "what causes high blood pressure in pregnancy?"),
        ("what if in pregnancy?", "what causes high blood pressure?", "what causes high blood pressure in pregnancy?"),
        ("and in older adults?", "what causes gout?", "what causes gout in older adults?"),
        # A part after a preposition is in the same role: the closest in meaning is replaced.
        ("in children?", "is ibuprofen safe in adults?", "is ibuprofen safe in children?"),
    ],
)
def test_a_setting_in_everyday_words_replaces_no_part_that_follows_no_preposition(
    question: str, earlier: str, expected: str
) -> None:
    # As the bundled model has them: "pregnancy" is near "high blood pressure" (a topic's page in the corpus,
    # MedQuAD), so by meaning alone it took its place ("what causes pregnancy?").
    everyday = frozenset(
        "what causes high blood pressure in pregnancy and older adults gout is ibuprofen safe children if".split()
    )
    near = lambda p, parts: [0.6] * len(parts)  # noqa: E731
    assert resolve_followup(question, [earlier], similar=near, everyday=everyday) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # A follow-up that is a bare prepositional phrase substitutes as "and for children?" does.
        ("for children?", "what is the dose of vitamin D for adults?", "what is the dose of vitamin D for children?"),
        ("with food?", "how should I take metformin?", "how should I take metformin with food?"),
        ("before surgery?", "should I stop warfarin?", "should I stop warfarin before surgery?"),
    ],
)
def test_a_bare_prepositional_phrase_is_a_substitute_or_a_setting(question: str, earlier: str, expected: str) -> None:
    assert resolve_followup(question, [earlier], similar=lambda p, parts: [0.1] * len(parts)) == (expected, True)


def _first_part_closest(phrase: str, parts: list[str]) -> list[float]:
    """A `similar` under which the earlier question's first part is the closest: the rules, not meaning, must place
    the phrase."""
    return [0.9 if i == 0 else 0.1 for i in range(len(parts))]


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # A kidney-function category in place of another (`qa.kidney`), whole, with what links it to the question.
        (
            "and in ESKD?",
            "is HD useful for baclofen OD if kidneys are normal?",
            "is HD useful for baclofen OD in ESKD?",
        ),
        (
            "and with moderately reduced kidney function?",
            "baclofen dose in ESRD?",
            "baclofen dose with moderately reduced kidney function?",
        ),
        ("what about on dialysis?", "apixaban dose in severe renal impairment", "apixaban dose on dialysis"),
        ("and normal kidneys?", "gabapentin half-life in ESRD pts", "gabapentin half-life in normal kidneys"),
        (
            "and in CKD 3?",
            "what dose of baclofen caused toxicity in HD patients?",
            "what dose of baclofen caused toxicity in CKD 3?",
        ),
        ("and in ESKD?", "is baclofen safe in AKI?", "is baclofen safe in ESKD?"),
        # A value of a measure the categories grade stands for the category too.
        (
            "and for eGFR 50?",
            "what's the renal dose of baclofen on PD?",
            "what's the renal dose of baclofen for eGFR 50?",
        ),
        # None in the earlier question, and none typed before it: a setting all the same, added with "in".
        (
            "what about dialysis patients?",
            "what are the symptoms of baclofen toxicity?",
            "what are the symptoms of baclofen toxicity in dialysis patients?",
        ),
        ("and kidney failure?", "is baclofen renally cleared?", "is baclofen renally cleared in kidney failure?"),
        ("same for ESRD", "how is apixaban dosed?", "how is apixaban dosed in ESRD?"),
        # None in the earlier question: the category is a setting, added.
        (
            "with normal kidneys?",
            "how much baclofen is removed by dialysis in an overdose?",
            "how much baclofen is removed by dialysis in an overdose with normal kidneys?",
        ),
    ],
)
def test_a_kidney_function_category_takes_the_place_of_the_one_asked_before(
    question: str, earlier: str, expected: str
) -> None:
    # Meaning would pick another part: "ESKD" and "kidneys are normal" are far apart in the model's vectors.
    assert resolve_followup(question, [earlier], similar=_first_part_closest) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # A dose and how often it is taken (`qa.regimen`): each takes the place of its own kind.
        ("and 10 mg tid?", "is baclofen 5 mg bid safe in CKD?", "is baclofen 10 mg tid safe in CKD?"),
        ("what about tid?", "is baclofen 5 mg bid safe in CKD?", "is baclofen 5 mg tid safe in CKD?"),
        (
            "and twice daily?",
            "can I give baclofen 5 mg once daily in ESRD?",
            "can I give baclofen 5 mg twice daily in ESRD?",
        ),
        (
            "what about 2.5 mg bid?",
            "is apixaban 5 mg twice daily right for her?",
            "is apixaban 2.5 mg bid right for her?",
        ),
        ("and 100 mg daily?", "gabapentin 300 mg tid in CKD 3?", "gabapentin 100 mg daily in CKD 3?"),
        # How it is given, in place of how it was asked.
        ("and intrathecal?", "what is the oral dose of baclofen?", "what is the intrathecal dose of baclofen?"),
        ("and po?", "what is the iv dose of apixaban?", "what is the po dose of apixaban?"),
        ("what about 10 mg IV?", "is 5 mg PO of drug X safe?", "is 10 mg IV of drug X safe?"),
        # With words the earlier question has ("baclofen"): they name nothing new.
        ("what about IT baclofen?", "oral baclofen dose in ESRD?", "IT baclofen dose in ESRD?"),
        ("what about IT?", "is baclofen 5 mg PO tid safe in CKD 3?", "is baclofen 5 mg IT tid safe in CKD 3?"),
        ("and 20 mg of apixaban bid?", "is apixaban 5 mg twice daily right?", "is apixaban 20 mg bid right?"),
        # How often, where only a dose was asked: it goes with the dose.
        ("and q8h?", "is 10 mg of baclofen ok in CKD?", "is 10 mg q8h of baclofen ok in CKD?"),
    ],
)
def test_a_dose_and_how_often_take_the_place_of_those_asked_before(question: str, earlier: str, expected: str) -> None:
    assert resolve_followup(question, [earlier], similar=_first_part_closest) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # "Same question for X", "ditto for X": the earlier question asked again, X in place of its part ("for" is
        # the idiom's, as in "what about X?").
        ("same question for CKD 3", "what is the baclofen dose in ESRD?", "what is the baclofen dose in CKD 3?"),
        ("same q for mild CKD?", "what is the baclofen dose in ESRD?", "what is the baclofen dose in mild CKD?"),
        ("ditto for eGFR 45", "what is the baclofen dose in ESRD?", "what is the baclofen dose in eGFR 45?"),
        (
            "same question but with normal kidneys",
            "what are the symptoms of baclofen toxicity in dialysis patients?",
            "what are the symptoms of baclofen toxicity with normal kidneys?",
        ),
        ("Same thing, in PD?", "is baclofen safe in ESRD?", "is baclofen safe in PD?"),
        # "what if" then a prepositional phrase puts the question in that setting, as "what if she's on PD?" does.
        ("what if on PD?", "is baclofen safe in ESRD?", "is baclofen safe on PD?"),
    ],
)
def test_the_same_question_for_x_puts_x_in_place(question: str, earlier: str, expected: str) -> None:
    assert resolve_followup(question, [earlier], similar=_first_part_closest) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        ("same for naproxen?", "can I take ibuprofen with lisinopril?", "can I take naproxen with lisinopril?"),
        ("ditto for tramadol", "what are the side effects of codeine?", "what are the side effects of tramadol?"),
        (
            "same question for oxycodone",
            "is it safe to take codeine while breastfeeding?",
            "is it safe to take oxycodone while breastfeeding?",
        ),
    ],
)
def test_the_same_question_for_a_drug_asks_it_of_that_drug(question: str, earlier: str, expected: str) -> None:
    # Not "can I take ibuprofen for naproxen?": the idiom's "for" governs nothing of the question.
    similar = lambda p, parts: [0.6 if part in ("ibuprofen", "codeine") else 0.1 for part in parts]  # noqa: E731
    assert resolve_followup(question, [earlier], similar=similar) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # A letter that tells one of a kind from another ("hepatitis C", "vitamin K") goes with the part it follows
        # where the phrase ends with its own: not "how is hep B C spread?".
        ("what about hep B?", "how is hepatitis C spread?", "how is hep B spread?"),
        ("and hep B?", "can hepatitis C be cured?", "can hep B be cured?"),
        ("what about vitamin D?", "is vitamin K safe with warfarin?", "is vitamin D safe with warfarin?"),
        # "a" is a word.
        ("what about vitamin D?", "is vitamin a good idea?", "is vitamin D a good idea?"),
    ],
)
def test_a_letter_that_names_a_kind_goes_with_the_part_replaced(question: str, earlier: str, expected: str) -> None:
    similar = lambda p, parts: [0.7 if part.lower().startswith(("hepatitis", "vitamin")) else 0.1 for part in parts]  # noqa: E731
    assert resolve_followup(question, [earlier], similar=similar) == (expected, True)


def test_a_phrase_in_place_of_another_prepositions_phrase_replaces_it_whole() -> None:
    # "renal" is the part closest to "HD"; with its preposition it goes, and so does the rest of its phrase:
    # not "... on HD failure?".
    resolved = resolve_followup(
        "on HD?",
        ["what's the half-life of baclofen in renal failure?"],
        leaning=True,  # it names a topic: the assistant reads it so where alone the sources do not cover it
        similar=lambda p, parts: [0.9 if part == "renal" else 0.1 for part in parts],
    )
    assert resolved == ("what's the half-life of baclofen on HD?", True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        ("and in healthy people?", "baclofen in ESRD", "baclofen in healthy people"),
        ("what about older persons?", "baclofen dose in young adults", "baclofen dose in older persons"),
    ],
)
def test_the_people_a_phrase_qualifies_go_with_it(question: str, earlier: str, expected: str) -> None:
    # "people" is an aspect word ("how many people are affected?"); after the phrase's words it is whom they
    # qualify, not "baclofen in healthy".
    similar = lambda p, parts: [0.6 if part in ("ESRD", "young adults") else 0.1 for part in parts]  # noqa: E731
    assert resolve_followup(question, [earlier], similar=similar) == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # Nothing before "baclofen" says "with": the phrase is another drug taken with it, not one in its place.
        ("with gabapentin?", "is baclofen safe at night?", "is baclofen safe at night with gabapentin?"),
        # "on amoxicillin": there, the drug taken is what the phrase replaces.
        ("with metronidazole?", "can I drink alcohol on amoxicillin?", "can I drink alcohol with metronidazole?"),
    ],
)
def test_a_drug_after_a_preposition_replaces_only_a_drug_after_one(question: str, earlier: str, expected: str) -> None:
    everyday = frozenset({"is", "safe", "at", "night", "with", "can", "i", "drink", "alcohol", "on"})
    similar = lambda p, parts: [0.6 if part in ("baclofen", "amoxicillin") else 0.1 for part in parts]  # noqa: E731
    resolved = resolve_followup(question, [earlier], leaning=True, similar=similar, everyday=everyday)
    assert resolved == (expected, True)


@pytest.mark.parametrize(
    ("question", "earlier"),
    [
        # An abbreviation the model does not know, and no drug's: not the drug's place by default.
        ("what about CVVHD?", "does hemodialysis clear baclofen?"),
        ("and for eGFR 50?", "what's the dose of baclofen?"),
    ],
)
def test_an_abbreviation_that_names_no_drug_takes_no_drugs_place(question: str, earlier: str) -> None:
    everyday = frozenset({"does", "hemodialysis", "clear", "what", "about", "what's", "the", "dose", "of", "and"})
    resolved, used = resolve_followup(question, [earlier], similar=lambda p, t: [0.1] * len(t), everyday=everyday)
    assert used and "baclofen" in resolved


def test_a_phrase_of_prepositions_and_aspects_names_no_setting() -> None:
    resolved, used = resolve_followup("after how long?", ["baclofen toxicity treatment for a child"])
    assert used and resolved == "after how long? (baclofen toxicity child)"


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        (
            "what if she's on PD instead?",
            "pt on HD got baclofen 10mg, now obtunded, dialyze?",
            "pt on PD got baclofen 10mg, now obtunded, dialyze?",
        ),
        ("and what if he is on warfarin?", "is baclofen safe at night?", "is baclofen safe at night on warfarin?"),
    ],
)
def test_what_if_the_patient_is_on_x_is_a_prepositional_phrase(question: str, earlier: str, expected: str) -> None:
    everyday = frozenset({"is", "safe", "at", "night", "pt", "on", "hd", "pd", "got", "now", "she's"})
    similar = lambda p, parts: [0.6 if part in ("baclofen", "HD") else 0.1 for part in parts]  # noqa: E731
    assert resolve_followup(question, [earlier], similar=similar, everyday=everyday) == (expected, True)


def test_a_preposition_ends_a_run_of_topic_words() -> None:
    # "before" is no aspect word, but "warfarin before surgery" is two parts: the drug, and when.
    assert substitute("on apixaban?", "what is the INR target on warfarin before surgery?") == (
        "what is the INR target on apixaban before surgery?"
    )


def test_a_setting_after_a_preposition_takes_no_drugs_place() -> None:
    # "dialysis" and "apixaban" are both words the model lacks, names; the only name of the earlier question is
    # the drug, but "on dialysis" is where the patient is, in place of "in kidney disease" (the closest part).
    everyday = frozenset({"what", "is", "the", "dose", "in", "kidney", "disease", "on"})
    similar = lambda p, parts: [0.57 if part == "kidney disease" else 0.26 for part in parts]  # noqa: E731
    assert resolve_followup(
        "on dialysis?",
        ["what is the apixaban dose in kidney disease?"],
        leaning=True,  # as the assistant reads it: alone, the sources do not cover it
        similar=similar,
        everyday=everyday,
    ) == ("what is the apixaban dose on dialysis?", True)


def test_a_question_opening_with_a_preposition_is_no_substitute() -> None:
    # A clause: the topic is carried along, nothing placed.
    resolved, used = resolve_followup("in patients on HD, is it safe?", ["baclofen dose for adults"])
    assert used and resolved.startswith("in patients on HD, is it safe? (")


def test_a_subject_with_a_number_takes_the_place_of_one_numbered_alike() -> None:
    # "type 1 diabetes" stands for "type 2 diabetes", not for "diabetes" alone ("type 2 type 1 diabetes").
    subjects = PageSubjects(lambda: ["Diabetes", "Type 1 Diabetes"])
    far = lambda p, parts: [0.1] * len(parts)  # noqa: E731
    assert resolve_followup(
        "what about type 1 diabetes?", ["How is type 2 diabetes diagnosed?"], similar=far, subjects=subjects
    ) == ("How is type 1 diabetes diagnosed?", True)


def test_a_phrase_that_names_no_page_leaves_the_earlier_subject_alone() -> None:
    # "children" is no page's subject: a population added to the question, as before; and a page's subject
    # named after a question that names none is placed as any other phrase.
    subjects = PageSubjects(lambda: TITLES)
    far = lambda p, parts: [0.1] * len(parts)  # noqa: E731
    earlier = "What are the symptoms of Alzheimer's Disease ?"
    assert resolve_followup("what about children?", [earlier], similar=far, subjects=subjects) == (
        "what about children? (alzheimer's disease)",
        True,
    )
    resolved, used = resolve_followup(
        "what about Anxiety Disorders?", ["baclofen dose"], similar=far, subjects=subjects
    )
    assert used and "baclofen" in resolved


# Titles as a public-health agency writes its handouts' and a genetics reference its pages': holding a word that opens
# a clause ("if", "can"), opening or ending with function words ("What I", "type I"), with a long subtitle.
HANDOUT_TITLES = [
    *TITLES,
    "Preparing for Pregnancy if You Have Diabetes",
    "I Can Lower My Risk for Heart Disease",
    "What I need to know about Gas",
    "What I need to know about Kidney Stones",
    "What I need to know about Hepatitis A",
    "glycogen storage disease type I",
    "glycogen storage disease type III",
    "Monogenic Forms of Diabetes: Neonatal Diabetes Mellitus and Maturity-onset Diabetes of the Young",
]


@pytest.mark.parametrize(
    ("question", "earlier", "expected"),
    [
        # Read as a clause ("and if the kidneys are normal?") for its "if", the title was appended to the earlier
        # question, which was searched with both subjects.
        (
            "What about Preparing for Pregnancy if You Have Diabetes?",
            "What are the symptoms of Alzheimer's Disease ?",
            "What are the symptoms of Preparing for Pregnancy if You Have Diabetes ?",
        ),
        (
            "what about I Can Lower My Risk for Heart Disease?",
            "How to diagnose Anxiety Disorders ?",
            "How to diagnose I Can Lower My Risk for Heart Disease ?",
        ),
        # A title with a clause word is also replaced whole when a follow-up names another page.
        (
            "What about Anxiety Disorders?",
            "What are the symptoms of Preparing for Pregnancy if You Have Diabetes ?",
            "What are the symptoms of Anxiety Disorders ?",
        ),
        # A title that opens with function words is replaced with them: not "What causes What I What I need ...".
        (
            "What about What I need to know about Kidney Stones?",
            "What causes What I need to know about Gas ?",
            "What causes What I need to know about Kidney Stones ?",
        ),
        (
            "What about Anxiety Disorders?",
            "What causes What I need to know about Gas ?",
            "What causes Anxiety Disorders ?",
        ),
        # ... or that ends with one ("A", the Roman "I"): not "glycogen storage disease type III I".
        (
            "What about glycogen storage disease type III?",
            "How many people are affected by glycogen storage disease type I ?",
            "How many people are affected by glycogen storage disease type III ?",
        ),
        (
            "What about What I need to know about Gas?",
            "Who is at risk for What I need to know about Hepatitis A? ?",
            "Who is at risk for What I need to know about Gas? ?",
        ),
        # A title with its subtitle, 15 words, is replaced whole: not its part before the colon alone.
        (
            "What about What I need to know about Gas?",
            "What to do for Monogenic Forms of Diabetes: Neonatal Diabetes Mellitus and Maturity-onset Diabetes of the"
            " Young ?",
            "What to do for What I need to know about Gas ?",
        ),
    ],
)
def test_a_title_typed_whole_is_a_page_subject(question: str, earlier: str, expected: str) -> None:
    subjects = PageSubjects(lambda: HANDOUT_TITLES)
    far = lambda p, parts: [0.1] * len(parts)  # noqa: E731
    assert resolve_followup(question, [earlier], similar=far, subjects=subjects) == (expected, True)


def test_a_clause_that_names_a_page_subject_is_still_a_clause() -> None:
    # Function words aside, "if you have type 2 diabetes" names the page "Type 2 Diabetes"; typed as a condition,
    # it adds that condition to the earlier question rather than replacing its subject. Only a whole title, word for
    # word, is read as a page's subject when it holds a clause word.
    subjects = PageSubjects(lambda: HANDOUT_TITLES)
    far = lambda p, parts: [0.1] * len(parts)  # noqa: E731
    earlier = "What are the symptoms of Alzheimer's Disease ?"
    resolved, used = resolve_followup("and if you have type 2 diabetes?", [earlier], similar=far, subjects=subjects)
    assert used and resolved == "and if you have type 2 diabetes? (alzheimer's disease)"
    assert subjects.titled("preparing for pregnancy if you have diabetes")
    assert not subjects.titled("if you have type 2 diabetes") and not subjects.titled("the type 2 diabetes")
    assert subjects.titled("type 2 diabetes (T2D)") and subjects.titled("I can lower my risk for heart disease")


def test_page_subjects_compare_words_not_spelling_and_read_the_titles_once() -> None:
    reads = []

    def titles() -> list[str]:
        reads.append(1)
        return TITLES

    subjects = PageSubjects(titles)
    assert not reads, "titles are read when first needed, not when the assistant loads"
    assert "alzheimer\u2019s disease" in subjects and "the Anxiety Disorders" in subjects
    # An abbreviation in parentheses and a subtitle after a colon are not part of the subject's name.
    assert "Von Hippel-Lindau Disease" in subjects and "von hippel-lindau disease (VHL)" in subjects
    assert "Coumadin" in subjects and "ward handout" not in subjects
    assert "Type 1 Diabetes" not in subjects and "Disease" not in subjects and "" not in subjects
    assert len(reads) == 1


def test_followup_without_history_is_left_as_typed() -> None:
    assert resolve_followup("and the dose?", []) == ("and the dose?", False)


# --- QueryBuilder ----------------------------------------------------------------------------------------

VOCABULARY = ["dialysis", "hemodialysis", "tablets", "tablet", "baclofen", "patients", "kidney", "bottle", "battle"]


def builder(**kw: object) -> QueryBuilder:
    return QueryBuilder(VOCABULARY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typo", "fixed"), [("dialisys", "dialysis"), ("tabkets", "tablets"), ("bacloffen", "baclofen")]
)
def test_correct_fixes_a_typo_to_the_nearest_corpus_word(typo: str, fixed: str) -> None:
    assert builder().correct(typo) == fixed


def test_a_substitute_is_measured_against_the_parts_spelled_out() -> None:
    # The model reads "eGFR" poorly: "patients on dialysis" is as far from it (0.08) as from "baclofen" (0.08), and
    # replaced the drug. Spelled out, "estimated glomerular filtration rate" is the population it stands in for.
    def similar(phrase: str, parts):
        return [0.3 if "glomerular" in part else 0.08 for part in parts]

    queries = builder(similar=similar, known_words=["patients", "on", "dosing"])
    query = queries.build("what about patients on dialysis?", ["baclofen dosing eGFR 45"])
    assert query.text == "baclofen dosing patients on dialysis"


def test_correct_never_changes_a_known_word() -> None:
    queries = builder(known_words=["table"])
    # In the corpus, or a real word the corpus lacks: both stay as typed, though "table" is one edit from "tablet".
    assert queries.correct("dialysis") is None
    assert queries.correct("table") is None
    assert builder().correct("table") == "tablet"


def test_correct_refuses_to_guess_between_two_equally_close_words() -> None:
    # "bettle" is one edit from both "bottle" and "battle".
    assert builder().correct("bettle") is None


def test_correct_takes_the_far_more_common_of_two_equally_close_words() -> None:
    # "presure" is one edit from "pressure" and from "presume"; a corpus that says "pressure" 300 times means it.
    counts = {"pressure": 300, "presume": 2, "bottle": 3, "battle": 1}
    queries = QueryBuilder(counts)
    assert queries.correct("presure") == "pressure"
    # Three uses against one is no evidence: still no guess.
    assert queries.correct("bettle") is None


def test_correct_leaves_short_words_and_far_words_alone() -> None:
    queries = builder()
    assert queries.correct("dose") is None  # too short to correct safely
    assert queries.correct("zzzzzzzz") is None


def test_correct_reads_a_long_word_with_letters_left_out_as_the_corpus_word() -> None:
    # People drop a syllable of a long drug name: "metopol" is "metoprolol" less three letters, "testerone"
    # "testosterone" less three; neither is within two edits.
    counts = {"metoprolol": 40, "testosterone": 12, "metformin": 30, "methotrexate": 9}
    queries = QueryBuilder(counts)
    assert queries.correct("metopol") == "metoprolol"
    assert queries.correct("testerone") == "testosterone"


def test_correct_leaves_out_no_more_than_three_letters_and_never_adds_one() -> None:
    queries = QueryBuilder({"metoprolol": 40, "hydrochlorothiazide": 7, "metformin": 30})
    assert queries.correct("metpol") is None  # four letters less
    assert queries.correct("metol") is None  # five letters less, and too short to guess from
    assert queries.correct("hydrozide") is None  # ten letters left out
    # A letter the corpus word lacks (the "x" of "mextoprol") is an edit, not a dropped letter: the usual edit
    # limit holds.
    assert queries.correct("mextoprol") is None


def test_correct_does_not_guess_between_two_words_that_a_word_is_left_of() -> None:
    # "amlodin" is "amlodipine" and "amlodinate" (a made-up word) less letters, both used alike: no guess.
    queries = QueryBuilder({"amlodipine": 5, "amlodinate": 4})
    assert queries.correct("amlodin") is None
    assert QueryBuilder({"amlodipine": 50, "amlodinate": 4}).correct("amlodin") == "amlodipine"


def test_typed_apart_joins_two_pieces_into_the_corpus_word_they_make() -> None:
    counts = {"levetiracetam": 20, "hydrocodone": 9, "level": 30, "blood": 40, "pressure": 35}
    queries = QueryBuilder(counts, known_words=["why", "give", "me", "level", "blood", "pressure", "coding"])
    # "level iracetam": one piece unknown, and the two together one edit from "levetiracetam".
    assert queries.typed_apart("why give me level iracetam") == {"level": "levetiracetam", "iracetam": "levetiracetam"}
    assert queries.typed_apart("what does hydro codone do") == {"hydro": "hydrocodone", "codone": "hydrocodone"}
    # "hydro coding" is two edits from "hydrocodone", and "best tme" from "bedtime": a typo joining its neighbour.
    assert queries.typed_apart("what does hydro coding do") == {}
    assert QueryBuilder({"bedtime": 9}, known_words=["best", "the"]).typed_apart("the best tme to take") == {}
    assert queries.expand("why give me level iracetam") == "why give me level iracetam (levetiracetam)"
    # Two known words are two words, and pieces that make nothing the corpus holds stay apart.
    assert queries.typed_apart("blood pressure") == {}
    assert queries.typed_apart("level zorbotam") == {}
    # Pieces apart by more than a space ("level, iracetam") were typed as two.
    assert queries.typed_apart("level, iracetam") == {}


def test_unclip_reads_a_clipped_word_as_the_corpus_word_it_begins() -> None:
    # "vit" begins "vitamin" (and its forms), used far more than "vitiligo": a clipping, as "chemo" and "tab" are.
    counts = {"vitamin": 55, "vitamins": 15, "vitiligo": 4, "chemotherapy": 8, "cortisol": 6, "coronary": 5}
    queries = QueryBuilder(counts, known_words=["the", "dose"])
    assert queries.unclip("vit") == "vitamin"
    assert queries.unclip("chemo") == "chemotherapy"
    # Two words the corpus uses alike: no guess. A word the corpus or the language knows, or two letters: kept.
    assert queries.unclip("cor") is None
    assert queries.unclip("vitamin") is None and queries.unclip("dose") is None and queries.unclip("vi") is None
    assert queries.expand("vit b12 dose?") == "vit b12 dose? (vitamin)"
    # An abbreviation has its own long form: "tox" is "toxicity" by the built-in table, not by its clipping.
    assert QueryBuilder({"toxicity": 20, "toxin": 1}).unclip("tox") is None


def test_expand_adds_abbreviation_long_forms_and_generic_names() -> None:
    expanded = builder().expand("pt on HD, Lioresal dose")
    assert expanded.startswith("pt on HD, Lioresal dose (")
    assert "hemodialysis" in expanded and "baclofen" in expanded and "patient" in expanded


@pytest.mark.parametrize(
    ("question", "long_form"),
    [
        ("and her UOP?", "urine output"),
        ("pts with normal renal fxn", "function"),
        ("new SOB in an HD pt", "shortness of breath"),
        ("SBP 80 after IVF", "systolic blood pressure"),
    ],
)
def test_expand_spells_out_a_clinicians_charting_abbreviations(question: str, long_form: str) -> None:
    assert long_form in builder().expand(question)


@pytest.mark.parametrize(
    ("question", "generic"),
    [
        ("Is Eliquis safe in kidney disease?", "apixaban"),
        ("Ventolin dose?", "albuterol"),
        ("salbutamol inhaler in children", "albuterol"),
        ("Flovent or Pulmicort for a child?", "fluticasone"),
        ("Coumadin and vitamin K", "warfarin"),
        ("paracetamol overdose", "acetaminophen"),
        ("is acetylsalicylic acid safe", "aspirin"),
    ],
)
def test_brand_and_other_drug_names_bring_the_generic_name_from_the_vocabulary(question: str, generic: str) -> None:
    # No list written for a corpus: the names come from the drug vocabulary qa.drugs reads.
    assert generic in builder().expand(question)


def test_names_that_are_everyday_words_are_not_taken_for_drugs() -> None:
    # The vocabulary lists product names such as "Armour" (thyroid) and "Caps"; typed in a question they are words.
    queries = builder(known_words=["armour", "caps", "sits"])
    assert queries.generic_names("armour caps sits") == []
    assert queries.generic_names("Eliquis with caps") == ["apixaban"]


def test_the_vocabulary_is_plain_data_read_once() -> None:
    from qa.drugs import drug_names

    names = drug_names()
    assert names is drug_names()
    assert len(names) > 50_000
    assert names["eliquis"] == "apixaban" and "apixaban" not in names  # a generic name maps to nothing
    assert all(len(name.split()) <= 3 for name in names)


def test_spelling_variants_are_fixed_against_the_corpus_not_listed() -> None:
    queries = QueryBuilder(["hemodialysis", "dialyzed", "patients"])
    assert queries.expand("haemodialysis in dialysed patients") == (
        "haemodialysis in dialysed patients (hemodialysis, dialyzed)"
    )


@pytest.mark.parametrize(
    ("question", "age"),
    [
        ("how much did the 14yo take?", "14 year old"),
        ("did the 14 y/o OD seize?", "14 year old"),
        ("72 yo on warfarin", "72 year old"),
        ("a 3-yo with fever", "3 year old"),
        ("an 80 y.o. man on dialysis", "80 year old"),
        ("65yr old woman, eGFR 20", "65 year old"),
        ("a 6 yrs old child", "6 year old"),
    ],
)
def test_expand_spells_out_an_age_in_clinical_shorthand(question: str, age: str) -> None:
    # Sources write "14 year old"; "14yo" is one token to BM25 and a rare string to the embedding model.
    expanded = builder().expand(question)
    assert expanded.startswith(f"{question} (") and expanded.endswith(f"{age})")


def test_expand_reads_no_age_into_other_numbers() -> None:
    for question in ("tdap 10-64 yrs how often", "5 mg yearly", "baclofen 10 mg daily", "yo-yo dieting"):
        assert builder().expand(question) == question


def test_expand_uses_abbreviations_learned_from_the_corpus() -> None:
    queries = builder(abbreviations={"mtx": "methotrexate"})
    assert queries.expand("MTX toxicity") == "MTX toxicity (methotrexate)"


def test_expand_does_not_read_everyday_words_as_learned_abbreviations() -> None:
    # A big corpus defines "infantile spasms (IS)" and "acute lymphoblastic leukemia (ALL)": "what is" and "all"
    # typed in lower case are words, not abbreviations; in capitals, or when not everyday words, they are.
    learned = {"is": "infantile spasm", "all": "acute lymphoblastic leukemia", "ckd": "chronic kidney disease"}
    queries = builder(abbreviations=learned, known_words=["is", "all", "what"])
    assert queries.expand("What is all this about?") == "What is all this about?"
    assert queries.expand("what is ckd") == "what is ckd (chronic kidney disease)"
    assert queries.expand("What is ALL?") == "What is ALL? (acute lymphoblastic leukemia)"


def test_expand_fixes_a_typo_in_an_acronym_typed_in_capitals() -> None:
    # "HELPP" is one edit from the corpus's "HELLP" (and from the word "help", which a capitalised acronym is not).
    queries = builder(acronyms=["HELLP", "HIV"], known_words=["help", "the", "syndrome"])
    assert queries.expand("The HELPP syndrome") == "The HELPP syndrome (HELLP)"
    assert queries.expand("HIVV") == "HIVV"  # too short to guess


def test_expand_appends_the_typo_fix_and_keeps_the_typed_words() -> None:
    assert builder().expand("is it cleared by dialisys") == "is it cleared by dialisys (dialysis)"


def test_expand_appends_no_fix_that_only_changes_a_word_s_ending() -> None:
    # The corpus says "patients" only; "patient" is the same word to BM25's stemmer and to a reader, and appending
    # "patients" would count the word twice in the BM25 query.
    assert builder().expand("one patient on dialysis") == "one patient on dialysis"


def test_expand_leaves_a_clean_question_unchanged() -> None:
    assert builder().expand("Is baclofen cleared by hemodialysis?") == "Is baclofen cleared by hemodialysis?"


def test_build_cleans_splits_and_expands() -> None:
    query = builder().build("hi, is baclofen cleared by dialisys? what is the dose in HD? thx")
    assert query.text == "is baclofen cleared by dialisys? what is the dose in HD?"
    assert query.parts == ("is baclofen cleared by dialisys?", "what is the dose in HD?")
    assert query.expanded == ("is baclofen cleared by dialisys? (dialysis)", "what is the dose in HD? (hemodialysis)")
    assert not query.followup


def test_build_resolves_a_followup_into_one_part() -> None:
    query = builder().build("and the dose?", [EARLIER])
    assert query.followup
    assert query.focus == "and the dose?"
    assert len(query.parts) == 1 and "baclofen" in query.parts[0]


def test_build_carries_a_messages_topic_into_its_later_parts_that_lean_on_it() -> None:
    message = "my mother is on dialysis and was given baclofen for spasms. is this safe?? what dose should she take"
    query = builder().build(message)
    assert len(query.parts) == 3
    assert query.parts[0] == "my mother is on dialysis and was given baclofen for spasms."
    assert all("baclofen" in part and "dialysis" in part for part in query.parts)
    # A later part that names its own topic stands alone, as a new turn would.
    query = builder().build("is baclofen cleared by dialysis? what is lithium toxicity?")
    assert query.parts == ("is baclofen cleared by dialysis?", "what is lithium toxicity?")
