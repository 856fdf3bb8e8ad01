"""The assistant end to end over the two seed documents, with the real bundled model.

One index of `corpus/` is built per test session in a temporary folder; every test asks it questions. The
seeds are a Q&A page that says baclofen is effectively cleared by hemodialysis and a teaching note whose case
report concludes that hemodialysis does not remove it effectively.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from qa.abstention import shipped_model
from qa.answer import DISCLAIMER, EMERGENCY_LINE, is_emergency
from qa.answer.onnx_reader import OnnxReader
from qa.answer.rerank import Readers
from qa.answer.settings import AnswerSettings
from qa.assistant import Assistant
from qa.embedding import onnx_installed
from qa.ingest import ingest
from qa.markup import escape_markdown
from qa.records import Answer
from qa.retrieve import MODES
from qa.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.slow

QA_PAGE = "000_0cc897c33312779f.txt"
TEACHING_NOTE = "002_749b50180efa7039.txt"
BACLOFEN = "Is baclofen cleared by dialysis in patients with impaired renal function?"
OVERDOSE_FOLLOWUP = "What about an overdose in a patient with normal kidney function?"
MESSY = "hi, quick q. pt on HD, took baclofen 10mg tabkets. is it cleared by dialisys?? thx"

# Clinician shorthand, typos, questions on each part of the seeds, and follow-ups (question, earlier turns).
VARIED: list[tuple[str, tuple[str, ...]]] = [
    (BACLOFEN, ()),
    ("is baclofen dialyzable", ()),
    ("baclofen HD clearance?", ()),
    ("Baclofen dose in ESRD?", ()),
    ("can pts on dialysis take baclofen", ()),
    ("baclofen tox sx in dialysis pts?", ()),
    ("How is baclofen toxicity treated?", ()),
    ("When should emergent hemodialysis be started for baclofen toxicity?", ()),
    ("how long does recovery take after dialysis for baclofen toxicity", ()),
    ("What are the symptoms of a large baclofen overdose?", ()),
    ("Baclofen level in the case report?", ()),
    ("How much baclofen was removed by HD in the teen overdose case?", ()),
    ("does hemodialysis help baclofen overdose with normal kidneys", ()),
    ("baclofen eGFR <30 - avoid?", ()),
    ("is 10 mg baclofen safe in dialysis", ()),
    ("baclofen mechanism of action", ()),
    ("What is baclofen used for?", ()),
    ("Why does abdominal pain occur in baclofen toxicity?", ()),
    ("baclofen renal eliminaton percentage", ()),
    ("bacolfen in kidny failure", ()),
    ("Is baclofen safe in AKI?", ()),
    ("What happens with baclofen in CKD stage 3?", ()),
    ("Should ICU monitoring be used for baclofen toxicity?", ()),
    ("How many HD sessions for baclofen tox?", ()),
    ("Is there a lag between dialysis and waking up after baclofen toxicity?", ()),
    ("What is the removal rate constant of baclofen during hemodialysis?", ()),
    ("pt 51kg ingested 60 tabs baclofen 20mg - HD?", ()),
    ("Is baclofen metabolized by the liver?", ()),
    (MESSY, ()),
    ("and the dose?", (BACLOFEN,)),
    ("what about peritoneal dialysis?", (BACLOFEN,)),
    (OVERDOSE_FOLLOWUP, (BACLOFEN,)),
    ("Is it safe in pregnancy?", (BACLOFEN,)),
    ("and seizures?", ("What are the symptoms of baclofen overdose?",)),
    ("Does it lower blood pressure?", ("baclofen overdose",)),
    ("What are the treatments?", ("baclofen toxicity in dialysis patients",)),
]


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of an index of `corpus/` built once for the session, with its own embedding cache."""
    root = tmp_path_factory.mktemp("seed_index")
    settings = Settings(index_dir=root / "index", cache_dir=root / "cache")
    report = ingest([REPO_ROOT / "corpus"], settings)
    assert report.documents == 2 and not report.skipped
    return settings


@pytest.fixture(scope="session")
def assistant(seed_settings: Settings) -> Assistant:
    return Assistant.load(Path(seed_settings.index_dir), seed_settings)


@pytest.fixture(scope="session")
def baclofen_answer(assistant: Assistant) -> Answer:
    return assistant.ask(BACLOFEN)


def cited_docs(answer: Answer) -> set[str]:
    return {c.doc_id for c in answer.citations}


def verbatim_problems(assistant: Assistant, answer: Answer) -> list[str]:
    """Every way the answer's quotes fail to be verbatim spans of the chunks their citations point to."""
    chunks = {c.chunk_id: c for c in assistant.index.chunks}
    by_number = {c.number: c for c in answer.citations}
    problems = []
    if len(by_number) != len(answer.citations):
        problems.append("two citations share a number")
    for sentence, number in answer.quotes:
        citation = by_number.get(number)
        if citation is None:
            problems.append(f"[{number}] names no citation")
            continue
        chunk = chunks.get(citation.chunk_id)
        if chunk is None:
            problems.append(f"[{number}] cites chunk {citation.chunk_id}, which is not in the index")
            continue
        if sentence not in chunk.text:
            problems.append(f"{sentence!r} is not in the text of chunk [{number}]")
        if chunk.doc_id != citation.doc_id or citation.chunk_text != chunk.text:
            problems.append(f"citation [{number}] does not match its chunk")
        # The Markdown shows document text escaped (qa.markup): the quote is there as its escaped form.
        if f"{escape_markdown(sentence)} [{number}]" not in answer.markdown:
            problems.append(f"{sentence!r} [{number}] is not quoted in the markdown")
    return problems


# --- the seed question -----------------------------------------------------------------------------------


def test_baclofen_question_is_answered_from_both_sources(baclofen_answer: Answer) -> None:
    answer = baclofen_answer
    assert not answer.abstained
    assert answer.confidence >= shipped_model().threshold
    assert cited_docs(answer) == {QA_PAGE, TEACHING_NOTE}
    # The two sources' opposite claims are the bottom line: the question asks whether dialysis clears it.
    assert answer.disagreement and not answer.note
    assert "the sources differ" in answer.markdown or "The sources differ" in answer.markdown


def test_baclofen_answer_quotes_the_clearance_and_the_low_dose_warning(baclofen_answer: Answer) -> None:
    text = baclofen_answer.text
    assert "effectively cleared by hemodialysis" in text
    safety = text.split("\nSafety\n", 1)[1].split("\n\n", 1)[0]
    assert "low-dose" in safety or "10 mg" in safety, safety
    assert all(escape_markdown(sentence) in baclofen_answer.markdown for sentence, _ in baclofen_answer.quotes)


def test_baclofen_answer_lists_its_references_and_the_disclaimer(baclofen_answer: Answer) -> None:
    markdown = baclofen_answer.markdown
    references = markdown.split("**References**", 1)[1]
    assert escape_markdown("Baclofen clearance: hemodialysis or kidneys?") in references
    assert escape_markdown("Is baclofen (a muscle relaxant) cleared by dialysis") in references
    assert markdown.rstrip().endswith(f"_{DISCLAIMER}_")
    assert DISCLAIMER in baclofen_answer.text
    assert EMERGENCY_LINE not in markdown


def test_baclofen_answer_is_verbatim(assistant: Assistant, baclofen_answer: Answer) -> None:
    assert verbatim_problems(assistant, baclofen_answer) == []


def test_answer_times_each_stage(baclofen_answer: Answer) -> None:
    timings = baclofen_answer.timings
    assert set(timings) >= {"query", "retrieve", "compose", "suggest", "total"}
    assert all(seconds >= 0 for seconds in timings.values())
    stages = timings["query"] + timings["retrieve"] + timings["compose"] + timings["suggest"]
    assert stages <= timings["total"] + 1e-6


def test_suggestions_are_questions_the_sources_answer(assistant: Assistant, baclofen_answer: Answer) -> None:
    assert baclofen_answer.suggestions
    assert BACLOFEN not in baclofen_answer.suggestions
    for suggestion in baclofen_answer.suggestions:
        assert not assistant.ask(suggestion).abstained, suggestion


def test_suggestions_use_the_scores_made_at_ingest(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    scored = set(assistant.index.follow_up_scores)
    assert scored >= {q for d in assistant.index.documents.values() for q in d.related_questions}
    fresh = Assistant(assistant.index, assistant.embedder)  # no confidence remembered yet

    def no_embedding(texts: list[str]) -> None:
        raise AssertionError(f"embedded {texts} at answer time")

    monkeypatch.setattr(fresh.embedder, "encode_uncached", no_embedding)
    query = fresh.build_query(BACLOFEN)
    suggestions = fresh.suggest(query, fresh.search(BACLOFEN, k=20), exclude=BACLOFEN)
    assert suggestions and set(suggestions) <= scored


def test_an_assistant_runs_numpy_on_one_blas_thread(assistant: Assistant) -> None:
    """The bug: OpenBLAS's idle threads busy-waited after each product, doubling an answer's CPU time, so two
    chat users answered at once ran at half speed each (qa/threads.py)."""
    from threadpoolctl import threadpool_info

    # numpy's OpenBLAS (pthreads, one count for the process), not faiss's (OpenMP, counted per thread).
    numpy_blas = [lib for lib in threadpool_info() if lib.get("threading_layer") == "pthreads"]
    assert numpy_blas and {lib["num_threads"] for lib in numpy_blas} == {1}


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_answers_the_seed_question(assistant: Assistant, mode: str) -> None:
    answer = assistant.ask(BACLOFEN, mode=mode)
    assert not answer.abstained
    assert QA_PAGE in cited_docs(answer)
    assert verbatim_problems(assistant, answer) == []


# --- follow-ups, messy input, emergencies ----------------------------------------------------------------


def test_followup_on_an_overdose_cites_the_teaching_note(assistant: Assistant) -> None:
    answer = assistant.ask(OVERDOSE_FOLLOWUP, [BACLOFEN])
    assert not answer.abstained
    assert TEACHING_NOTE in cited_docs(answer)
    # Through the seeds' disagreement on dialysis, as a note: "what about ...?" asks the earlier question again for
    # another population; the bottom line is still the Q&A page's (issue 11).
    assert {s.claim.doc_id for s in answer.note} == {QA_PAGE, TEACHING_NOTE}
    # The earlier turn's topic rides along in the query the answer was built from.
    assert "baclofen" in answer.query.lower()


def test_a_followup_naming_another_kidney_category_asks_about_it_in_place_of_the_first(
    assistant: Assistant,
) -> None:
    # `qa.kidney`: "ESKD" takes the place of "if kidneys are normal" (before: "if ESKD are normal"); the answer
    # reads that population's sentences first (`qa.answer.quantities`).
    answer = assistant.ask("and in ESKD?", ["is HD useful for baclofen OD if kidneys are normal?"])
    assert answer.query == "is HD useful for baclofen OD in ESKD?"
    assert not answer.abstained and "normal kidney function" not in answer.bottom_line[0].text


def test_messy_question_with_typos_is_answered_from_the_qa_page(assistant: Assistant) -> None:
    answer = assistant.ask(MESSY)
    assert not answer.abstained
    assert QA_PAGE in cited_docs(answer)
    assert "thx" not in answer.query and "hi," not in answer.query


def test_a_story_then_short_questions_that_lean_on_it_is_answered(assistant: Assistant) -> None:
    # How people write: the situation first, then "is this safe?", "what dose?" with no topic of their own.
    message = (
        "Hello doctor, my mother is on dialysis 3 times a week and her neurologist gave her baclofen for muscle "
        "spasms. is this safe?? what dose should she take"
    )
    answer = assistant.ask(message)
    assert not answer.abstained
    assert QA_PAGE in cited_docs(answer)
    # The dosing safety for dialysis patients is what was asked.
    assert "even 10 mg can cause severe toxicity" in answer.markdown or "Avoid baclofen entirely" in answer.markdown


def test_a_question_the_sources_cover_only_with_the_conversations_topic_is_read_as_a_followup(
    assistant: Assistant,
) -> None:
    # It names a topic ("HD"), so it does not look like a follow-up; alone it is not covered, with baclofen it is.
    question = "Thanks so much! One more q: how long until they wake up after HD?"
    assert assistant.ask(question).abstained
    answer = assistant.ask(question, history=[BACLOFEN])
    assert not answer.abstained
    assert "lag of several hours" in answer.markdown
    query, hits, confidence = assistant.retrieve(question, history=[BACLOFEN])
    assert query.followup and "baclofen" in query.text and confidence >= shipped_model().threshold
    # Search (what the evaluation scores) reads it the same way.
    searched = assistant.search(question, k=3, history=[BACLOFEN])
    assert [h.chunk.chunk_id for h in searched] == [h.chunk.chunk_id for h in hits[:3]]


def test_a_third_turn_carries_the_topic_the_second_was_read_with(assistant: Assistant) -> None:
    # "how many sessions?" names a word of its own; the sources cover it only with the first turn's topic, so it
    # was read with it, and "how long each?" asks about baclofen and HD sessions, not about sessions alone.
    history = ["how much baclofen does HD remove per session?", "how many sessions?"]
    second, _, _ = assistant.retrieve(history[1], history[:1])
    assert second.followup and "baclofen" in second.text
    third, _, _ = assistant.retrieve("how long each?", history)
    assert third.followup and "baclofen" in third.text and "sessions" in third.text
    assert "baclofen" in assistant.ask("how long each?", history).query


def test_a_covered_change_of_topic_is_not_read_as_a_followup(assistant: Assistant) -> None:
    query, _, _ = assistant.retrieve("What are the symptoms of baclofen toxicity?", history=["What is lithium?"])
    assert not query.followup and "lithium" not in query.text


def test_a_clinicians_vignette_in_shorthand_is_answered(assistant: Assistant) -> None:
    # The story holds words the sources never use (MWF, ortho); the question restates its covered topic.
    message = (
        "Hi there. My pt is 68yo on hemodialysis MWF, was started on baclofen 5mg TID by ortho 2 days ago, now "
        "confused + drowsy. Could this be baclofen toxicity? Should we dialyze?"
    )
    answer = assistant.ask(message)
    assert not answer.abstained
    assert QA_PAGE in cited_docs(answer)


def test_a_question_about_the_case_reports_patient_is_answered(assistant: Assistant) -> None:
    # "the teenager" is none of the case report's words ("14 year old (51 kg) woman"): read as its patient, the
    # question is in scope, and its answer is built from the question as asked (`qa.cases`).
    answer = assistant.ask("was the teenager hypotensive?")
    assert not answer.abstained
    assert answer.confidence >= shipped_model().threshold
    assert "Transient hypotension" in answer.bottom_line[0].text
    assert answer.query == "was the teenager hypotensive?"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what did the case report conclude?", "does not remove baclofen effectively"),
        ("what was the conclusion of the case report?", "does not remove baclofen effectively"),
    ],
)
def test_a_question_about_the_document_a_definite_description_names_is_answered(
    assistant: Assistant, question: str, expected: str
) -> None:
    # Every topic word is an everyday one: alone the question reads as out of scope (0.05). "the case report" is
    # what one document of the retrieved calls itself: read with that document's title, it is in scope; the answer
    # is built from the question as asked (`qa.cases.described_document`).
    answer = assistant.ask(question)
    assert not answer.abstained
    assert answer.query == question
    assert expected in answer.bottom_line[0].text


@pytest.mark.parametrize(
    "question",
    [
        "was the teenager given antibiotics?",
        "what dose of metformin should the patient get?",
        "did the man have a fever?",
        "what did the case report say about metformin?",
        "what did the randomized trial conclude?",
        # Read with the title of the page that says "accumulated dosage", all but the drug is covered: a question
        # naming a drug the sources lack is not read so, though the model counts "lithium" an everyday word.
        "what is the accumulated dosage for lithium toxicity?",
    ],
)
def test_a_question_about_a_patient_stays_out_of_scope_where_the_sources_do_not_cover_it(
    assistant: Assistant, question: str
) -> None:
    # Read as the case's patient, what else the question asks is still not in the sources.
    assert assistant.ask(question).abstained


def test_an_answer_names_what_it_was_asked_that_no_source_mentions(assistant: Assistant) -> None:
    # The seeds say much of baclofen and nothing of pregnancy: the question is answered with what they do say (the
    # abstention model cannot tell it from an in-scope question, eval/EXPERIMENTS.md), and the answer names
    # "pregnancy" so the reader sees that the quotes do not speak to it.
    answer = assistant.ask("can baclofen be used during pregnancy?")
    assert not answer.abstained and answer.confidence < assistant.answer_settings.unmatched_below
    assert answer.unmatched == ("pregnancy",)
    assert "No indexed source mentions: \u201cpregnancy\u201d." in answer.text
    # The notice is only for an answer not sure of its scope: a sure one names nothing, whatever word it lacks.
    sure_question = "what are the symptoms of baclofen toxicity in elderly dialysis patients?"
    assert assistant.confidence_model.unmatched(assistant.build_query(sure_question)) == ("elderly",)
    sure = assistant.ask(sure_question)
    assert sure.confidence >= assistant.answer_settings.unmatched_below and sure.unmatched == ()
    assert assistant.ask(BACLOFEN).unmatched == ()
    off = Assistant(assistant.index, assistant.embedder, answer_settings=AnswerSettings(unmatched_below=0.0))
    assert off.ask("can baclofen be used during pregnancy?").unmatched == ()


def test_the_words_no_source_mentions_read_the_case_patient_as_the_case_describes_her(assistant: Assistant) -> None:
    # "the teen" points at the case report's "14 year old (51 kg) woman": the report mentions her in its own words,
    # as the scope judgement reads her (`qa.cases`). Another word the sources lack is still named.
    for question, named in (("did the teen have an MRI?", "teen"), ("was the kid's MRI normal?", "kid's")):
        query, hits, _ = assistant.retrieve(question)
        assert named in assistant.confidence_model.unmatched(query)
        assert assistant.missing_words(query, hits) == ("MRI",)
        # With no case among the passages, "the teen" is no one the sources describe.
        assert assistant.missing_words(query, []) == (named, "MRI")


@pytest.mark.parametrize(
    "message",
    [
        "Pt on ondansetron. Dialysis clearance?",
        "My patient is on ondansetron and HD. Is it cleared by dialysis?",
        "68yo on HD MWF, started on gabapentin by neuro, now drowsy. Could this be gabapentin toxicity?",
    ],
)
def test_a_story_about_a_drug_the_sources_never_mention_abstains(assistant: Assistant, message: str) -> None:
    assert assistant.ask(message).abstained


def test_emergency_line_on_an_overdose_in_progress(assistant: Assistant) -> None:
    answer = assistant.ask("my patient just took 60 baclofen tablets, what now?")
    assert answer.emergency
    assert answer.markdown.splitlines()[0] == f"**{EMERGENCY_LINE}**"


def test_emergency_line_even_when_abstaining(assistant: Assistant) -> None:
    answer = assistant.ask("my friend just took 40 tablets of an unknown drug")
    assert answer.emergency
    assert answer.markdown.splitlines()[0] == f"**{EMERGENCY_LINE}**"


def test_the_emergency_reader_finds_an_emergency_in_words_no_lexicon_holds(assistant: Assistant) -> None:
    # Written for this test on 2026-12-07, after the reader was trained; in none of eval/sets.
    message = "my grandad fell down the stairs and isn't moving"
    assert not is_emergency(message), "the lexicons alone miss it"
    assert assistant.emergency_likely is not None
    answer = assistant.ask(message)
    assert answer.emergency and answer.markdown.splitlines()[0] == f"**{EMERGENCY_LINE}**"
    # Behind the same checks of person and tense: the same words in the past or about no one are not flagged.
    assert not assistant.ask("my grandad fell down the stairs three years ago, can he take baclofen?").emergency
    assert not assistant.ask("what should be done when an old man falls down the stairs?").emergency


def test_the_situation_reader_takes_away_an_event_told_for_revision(assistant: Assistant) -> None:
    # Written for this test on 2026-12-07, after the reader was trained; in none of eval/sets.
    revision = (
        "for my pharmacology revision notes: a patient took 40 tablets of paracetamol, when is the antidote given?"
    )
    assert is_emergency(revision), "the lexicons alone flag it"
    assert assistant.emergency_present is not None
    assert not assistant.ask(revision).emergency
    assert assistant.ask("my patient just took 40 tablets of paracetamol").emergency


# --- abstention ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2018 World Cup?",
        "What is the capital of France?",
        "Is ondansetron cleared by dialysis?",
        "Is ondansetron dialyzable in ESRD patients?",
    ],
)
def test_out_of_scope_questions_abstain(assistant: Assistant, baclofen_answer: Answer, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained
    assert answer.confidence < baclofen_answer.confidence
    assert answer.confidence < shipped_model().threshold
    assert answer.citations == () and answer.quotes == ()
    assert "do not cover this question" in answer.markdown
    # The nearest topics the sources do cover are named, so the user can rephrase.
    assert "baclofen" in answer.markdown.lower()


def test_the_learned_model_tells_a_missing_drug_from_a_missing_aspect(assistant: Assistant) -> None:
    # The seeds name neither ondansetron nor vancomycin; both questions' other word ("dialyzable") they cover. The
    # formula's coverage cannot tell a missing drug from a missing aspect word; the model reads `missing_drug`.
    threshold = assistant.abstention.threshold
    for question in ("is ondansetron dialyzable?", "is vancomycin dialyzable"):
        query, hits, confidence = assistant.retrieve(question)
        signals = assistant.signals(query, hits)
        assert (signals.missing_drug, signals.covered_rare) == (1, 1)
        assert confidence == pytest.approx(assistant.abstention.probability(signals))
        answer = assistant.ask(question)
        assert answer.abstained and answer.confidence < threshold
    answered = assistant.ask("is baclofen dialyzable?")
    assert not answered.abstained and answered.confidence >= threshold


def test_a_brand_name_of_a_covered_drug_is_answered(assistant: Assistant) -> None:
    assert assistant.coverage("Is Lioresal cleared by dialysis?") == 1.0
    assert not assistant.ask("Is Lioresal cleared by dialysis?").abstained


def test_contractions_and_units_are_not_missing_topic_words(assistant: Assistant) -> None:
    question = "what's the hemodialysis clearance of baclofen in mL/min"
    assert assistant.coverage(question) == 1.0
    assert not assistant.ask(question).abstained


def test_clinician_state_words_count_as_covered_when_the_sources_spell_them_out(assistant: Assistant) -> None:
    # The seeds say "bradycardia", "hypotension" and "decreased ... level of consciousness", never the adjectives.
    question = "Is baclofen dialyzable in a bradycardic, hypotensive, obtunded patient?"
    assert assistant.coverage(question) == 1.0
    assert not assistant.ask(question).abstained


def test_another_form_of_an_everyday_word_costs_little(assistant: Assistant) -> None:
    # Neither word is in the seeds; the model's vocabulary holds a form of "prescribing" whole, none of "ondansetron".
    everyday = assistant.coverage("prescribing baclofen")
    rare = assistant.coverage("ondansetron baclofen")
    assert rare < everyday < 1.0


def test_a_misspelt_everyday_word_costs_what_an_everyday_word_does(assistant: Assistant) -> None:
    # Consumer messages misspell and run together everyday words ("whate", "teh", "howmuch", "aday"): such a word
    # costs what a missing everyday word costs, not what a missing drug name does, and the question is answered.
    for typed, unknown in (
        ("whate is the baclofen dose", "ondansetron is the baclofen dose"),
        ("how fast does teh baclofen work", "how fast does ondansetron baclofen work"),
        ("howmuch baclofen aday", "ondansetron baclofen ondansetron"),
    ):
        assert assistant.coverage(typed) > assistant.coverage(unknown)
    assert assistant.coverage("whate baclofen") == assistant.coverage("prescribing baclofen")
    assert not assistant.ask("whate is the baclofen dose").abstained


def test_a_followup_in_everyday_words_is_answered_and_one_naming_an_unknown_drug_is_not(
    assistant: Assistant,
) -> None:
    answered = assistant.ask("How fast do patients wake up after?", history=[BACLOFEN])
    assert not answered.abstained
    assert "several hours" in answered.bottom_line[0].text
    assert assistant.ask("what about ondansetron?", history=[BACLOFEN]).abstained
    # One edit from an everyday word ("stations") is no reason to take a drug class the sources lack for a typo.
    assert assistant.ask("what about statins?", history=[BACLOFEN]).abstained


# --- the verbatim property -------------------------------------------------------------------------------


def test_every_quote_of_every_answer_is_verbatim(assistant: Assistant) -> None:
    problems: list[str] = []
    answered = 0
    for question, history in VARIED:
        answer = assistant.ask(question, history)
        if answer.abstained:
            if answer.quotes or answer.citations:
                problems.append(f"{question!r}: abstained but quotes or cites")
            continue
        answered += 1
        if not answer.quotes:
            problems.append(f"{question!r}: answered without a quote")
        problems += [f"{question!r}: {p}" for p in verbatim_problems(assistant, answer)]
    assert problems == []
    # The property must be checked on real answers, not on a run of abstentions.
    assert answered >= 25, f"only {answered} of {len(VARIED)} questions were answered"


# --- search and ranking ----------------------------------------------------------------------------------


def test_search_resolves_followups_against_history(assistant: Assistant) -> None:
    alone = assistant.search("and the dose?", k=3)
    followed = assistant.search("and the dose?", k=3, history=[BACLOFEN])
    assert [h.score for h in followed] == sorted((h.score for h in followed), reverse=True)
    assert {h.chunk.doc_id for h in followed} <= {QA_PAGE, TEACHING_NOTE}
    assert [h.chunk.chunk_id for h in alone] != [h.chunk.chunk_id for h in followed]


def test_rank_documents_lists_each_document_once_by_its_best_chunk(assistant: Assistant) -> None:
    ranked = assistant.rank_documents(BACLOFEN, k=5)
    assert [doc for doc, _ in ranked] == [QA_PAGE, TEACHING_NOTE]
    assert ranked[0][1] >= ranked[1][1]
    assert assistant.rank_documents(BACLOFEN, k=1) == ranked[:1]


def test_empty_question_and_unknown_mode_are_refused(assistant: Assistant) -> None:
    with pytest.raises(ValueError, match="the question is empty"):
        assistant.ask("   ")
    with pytest.raises(ValueError, match="choose one of hybrid, dense, bm25, rrf"):
        assistant.ask(BACLOFEN, mode="semantic")


# --- the CLI ---------------------------------------------------------------------------------------------


def run_ask(settings: Settings, question: str, history: Sequence[str] = ()) -> dict:
    """`python -m medcite ask --json` against the session's index, in a fresh process."""
    command = [sys.executable, "-m", "medcite", "ask", "--json", "--index", str(settings.index_dir)]
    for turn in history:
        command += ["--history", turn]
    env = {**os.environ, "MEDCITE_CACHE": str(settings.cache_dir), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [*command, question], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_cli_ask_json(seed_settings: Settings) -> None:
    data = run_ask(seed_settings, BACLOFEN)
    assert {"answer", "citations", "confidence", "abstained"} <= set(data)
    assert data["abstained"] is False
    assert isinstance(data["confidence"], float) and data["confidence"] >= shipped_model().threshold
    assert data["citations"]
    for citation in data["citations"]:
        assert {"number", "title", "quote"} <= set(citation)
        assert f"[{citation['number']}]" in data["answer"]
    assert "effectively cleared by hemodialysis" in data["answer"]
    # The sources differ on the point asked: the bottom line is the two sides.
    assert data["disagreement"] is True and not data["bottom_line"]
    assert len(data["sides"]) == 2 and all(side["claim"]["text"] in data["text"] for side in data["sides"])


def test_cli_ask_with_history(seed_settings: Settings) -> None:
    data = run_ask(seed_settings, OVERDOSE_FOLLOWUP, history=[BACLOFEN])
    assert data["abstained"] is False
    # "What about X?" puts X in place of the part of the earlier question it stands in for.
    assert "baclofen" in data["query"].lower() and "normal kidney function" in data["query"]
    assert "impaired renal function" not in data["query"]


# --- the bottom line answers the question asked (issue 11's examples) ------------------------------------

NOTE_ON_NORMAL_KIDNEYS = (
    "3 hours of HD #1: 3.05 mg removed.",
    "24 hour urine output: 2810 mL --> total baclofen urinary elimination: 42 mg",
    "it appears that hemodialysis does not remove baclofen effectively",
    "it is unclear if there is a benefit of using HD in patients with normal kidney function",
)
# Known misses of the shipped scorer (eval/README.md, "Answers"): kept as strict expected failures, so a scorer that
# gets them right turns them into failures to promote, and none can silently regress from passing.
MISSED = "the shipped scorer and its reranker put another sentence first (issue 11, not yet met)"
BOTTOM_LINES = [
    # Right since the eighteenth session's reranker, trained on the own set's grown tune half, which asks for the
    # same sentence in other words ("site of action of baclofen - brain or cord?", own-286): not evidence of transfer.
    ("how does baclofen work?", (), ("Baclofen is a presynaptic GABA-B receptor agonist",)),
    ("elimination rate constant of baclofen on dialysis", (), ("The hemodialysis removal rate constant is 0.152",)),
    ("and if the kidneys are normal?", ("Does hemodialysis remove baclofen?",), NOTE_ON_NORMAL_KIDNEYS),
    (
        "what happened to the patient in the end?",
        ("Tell me about the baclofen overdose case in the teaching note",),
        ("was extubated", "discharged to psychiatry"),
    ),
    # Right since the seventeenth session's reranker, which trains on the own set's tune half, this question among
    # them (own-55): what it shows is that the reader learnt its labels, not that it answers unseen questions.
    ("how many dialysis sessions did the case patient need?", (), ("Total of 3 HD session performed.",)),
    pytest.param(
        "was the 14 year old who overdosed given dialysis?",
        (),
        ("HD was implemented", "Total of 3 HD session performed.", "3 hours of HD #1: 3.05 mg removed."),
        marks=pytest.mark.xfail(strict=True, reason=MISSED),
    ),
]


# The seeds give baclofen one sentence per eGFR band; none of these phrasings is in the own set.
EGFR_BANDS = [
    ("can baclofen be used if eGFR is below 30?", (), "eGFR <30"),
    ("baclofen in a patient with eGFR 15", (), "eGFR <30"),
    ("eGFR 45, baclofen dose?", (), "eGFR 30-60"),
    ("and with eGFR 12?", ("baclofen dosing in CKD",), "eGFR <30"),
    ("and 20?", ("how do you dose baclofen with an eGFR of 40?",), "eGFR <30"),
    # A kidney-function category named, not its range (`qa.answer.quantities.KIDNEY_CATEGORIES`).
    ("what is the baclofen dose in ESRD?", (), "eGFR <30"),
    ("baclofen dosing for dialysis patients", (), "eGFR <30"),
    ("what dose of baclofen in kidney failure?", (), "eGFR <30"),
    ("baclofen dose in moderate CKD?", (), "eGFR 30-60"),
]


@pytest.mark.parametrize(("question", "history", "band"), EGFR_BANDS)
def test_the_bottom_line_speaks_of_the_egfr_asked(
    assistant: Assistant, question: str, history: tuple[str, ...], band: str
) -> None:
    """A sentence about another eGFR band is about other patients (`qa.answer.quantities`)."""
    answer = assistant.ask(question, list(history))
    assert not answer.abstained and not answer.sides
    assert band in answer.bottom_line[0].text, answer.bottom_line[0].text


def test_a_question_about_a_past_case_gets_no_emergency_line(assistant: Assistant) -> None:
    answer = assistant.ask("was the 14 year old who overdosed given dialysis?")
    assert not answer.emergency and EMERGENCY_LINE not in answer.markdown


@pytest.mark.parametrize(("question", "history", "expected"), BOTTOM_LINES)
def test_the_bottom_line_quotes_the_sentence_that_answers(
    assistant: Assistant, question: str, history: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    answer = assistant.ask(question, list(history))
    assert not answer.abstained and not answer.emergency
    assert not answer.sides, "the sources do not differ on this point"
    (bottom,) = answer.bottom_line
    assert any(e in bottom.text for e in expected), bottom.text
    assert answer.text.splitlines()[0].startswith(f"Bottom line: {bottom.text}")


@pytest.mark.parametrize(
    ("question", "history"),
    [
        (BACLOFEN, ()),
        ("is baclofen dialyzable?", ()),
        ("so is it dialyzable or not?", ("Does hemodialysis remove baclofen?",)),
        ("are you sure HD removes it?", ("is baclofen dialyzable?",)),
        ("can hemodialysis clear it?", ("baclofen toxicity in a patient on dialysis",)),
    ],
)
def test_the_dialysis_question_and_its_dialysis_followups_say_the_sources_differ(
    assistant: Assistant, question: str, history: tuple[str, ...]
) -> None:
    answer = assistant.ask(question, list(history))
    assert answer.disagreement and len(answer.sides) == 2 and not answer.bottom_line
    assert {s.claim.doc_id for s in answer.sides} == {QA_PAGE, TEACHING_NOTE}
    # Each side is shown with its own source's context.
    assert all(s.context for s in answer.sides)
    assert "the sources differ" in answer.markdown or "The sources differ" in answer.markdown


@pytest.mark.parametrize(
    ("question", "history"),
    [
        # Other points of the same two pages: asked for a value, a route or a mechanism, not whether.
        ("baclofen HD removal rate constant", ()),
        ("how is baclofen eliminated", ()),
        ("how much was removed by HD?", ("baclofen overdose case report with HD",)),
        ("and by the kidneys?", ("How much baclofen was removed by HD in the case?",)),
        # A yes-or-no question on another point of the pages.
        ("is baclofen hepatically metabolized", ()),
    ],
)
def test_another_point_of_the_disagreeing_pages_gets_its_direct_answer(
    assistant: Assistant, question: str, history: tuple[str, ...]
) -> None:
    answer = assistant.ask(question, list(history))
    assert not answer.abstained
    assert not answer.disagreement and not answer.sides and answer.bottom_line


def test_a_message_of_several_questions_is_searched_as_one_query(assistant: Assistant) -> None:
    # One embedding of the whole message keeps the story that says what each part asks; the parts still exist
    # for composition, which answers each in turn.
    message = "is baclofen cleared by dialisys? what is the dose in HD?"
    query = assistant.build_query(message)
    assert len(query.parts) == 2
    (searched,) = assistant.search_texts(query)
    assert searched.startswith(query.text) and "dialysis" in searched  # the typo fix is appended
    single = assistant.build_query(BACLOFEN)
    assert assistant.search_texts(single) == tuple(single.expanded)


@pytest.mark.slow
@pytest.mark.skipif(not onnx_installed(), reason="onnxruntime/onnx not installed: answering runs PyTorch only")
def test_the_readers_run_their_int8_export_and_answer_as_in_pytorch(
    seed_settings: Settings, assistant: Assistant
) -> None:
    # Ingest left the readers' int8 exports in the cache too, and answering reads them (qa.answer.onnx_reader).
    readers = assistant.reranker.members if isinstance(assistant.reranker, Readers) else (assistant.reranker,)
    assert readers and all(isinstance(r, OnnxReader) for r in readers)
    loaded = Assistant.load(Path(seed_settings.index_dir), replace(seed_settings, runtime="pytorch"))
    assert not isinstance(loaded.reranker, OnnxReader) and not any(
        isinstance(r, OnnxReader) for r in getattr(loaded.reranker, "members", ())
    )
    # int8 reads to rounding: on the seed pages' questions the bottom line is the one the float32 readers choose.
    turns = [
        (BACLOFEN, ()),
        ("what about an overdose with normal kidney function?", (BACLOFEN,)),
        ("How many dialysis sessions did the case patient need?", ()),
        ("how does baclofen work?", ()),
        ("what blood pressure did the girl have?", ()),
    ]
    for question, history in turns:
        mine, theirs = assistant.ask(question, history=history), loaded.ask(question, history=history)
        assert mine.bottom_line == theirs.bottom_line, question
    # A near tie can go either way: "in the end" is answered by the day-6 extubation (float32) or the day-14
    # discharge (int8), both of the case's outcome.
    history = ("Tell me about the baclofen overdose case in the teaching note",)
    for reader in (assistant, loaded):
        (line,) = reader.ask("What happened to the patient in the end?", history=history).bottom_line
        assert "extubated" in line.text or "discharged" in line.text


@pytest.mark.slow
@pytest.mark.skipif(not onnx_installed(), reason="onnxruntime/onnx not installed: answering runs PyTorch only")
def test_answers_are_the_same_whichever_runtime_encodes_the_questions(
    seed_settings: Settings, assistant: Assistant
) -> None:
    # Ingest left the float32 export in the cache, so answering runs ONNX Runtime; PyTorch gives the same answers.
    assert assistant.embedder.model.runtime == "onnxruntime"
    loaded = Assistant.load(Path(seed_settings.index_dir), replace(seed_settings, runtime="pytorch"))
    assert loaded.embedder.model.runtime == "pytorch"
    # The readers' int8 export is not float32 (the next test): here both read with the same readers.
    reference = Assistant(loaded.index, loaded.embedder, reranker=assistant.reranker)
    turns = [
        (BACLOFEN, ()),
        ("what about an overdose with normal kidney function?", (BACLOFEN,)),
        ("How many dialysis sessions did the case patient need?", ()),
        ("What is the capital of France?", ()),
    ]
    for question, history in turns:
        mine, theirs = assistant.ask(question, history=history), reference.ask(question, history=history)
        assert mine.markdown == theirs.markdown, question
        assert mine.confidence == pytest.approx(theirs.confidence, abs=1e-4)
