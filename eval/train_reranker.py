"""`python -m eval.train_reranker`: fine-tune the answer reranker (qa/answer/reranker.npz), choose how much it counts.

    git show 855e0c6:qa/answer/reranker.npz > soup.npz      # the sixteenth session's soup, then the shipped one:
    .venv/bin/python -m eval.train_reranker --start soup.npz --labelled --sample 1500 --keywords 0.5
        --near-misses 3 --findings --medicationqa      # qa/answer/reranker.npz (one command, 35-51 min)
    .venv/bin/python -m eval.train_reranker --start soup.npz --labelled --sample 1500 --keywords 0.5
        --near-misses 3 --findings --medicationqa --whole-medicationqa --out qa/answer/reranker-whole.npz
                                                        # the second shipped reader: MedicationQA kept whole (67 min)
    .venv/bin/python -m eval.train_reranker --weights qa/answer/reranker.npz qa/answer/reranker-whole.npz --mean
                                                        # report for the two read as one (`Readers`), writing nothing
    .venv/bin/python -m eval.train_reranker --weights A.npz B.npz     # the soup of two trained files
    .venv/bin/python -m eval.train_reranker --keywords 0.5 --near-misses 3 --medicationqa --out A.npz  # (34 min)
    .venv/bin/python -m eval.train_reranker --keywords 0.5 --near-misses 3 --findings --medicationqa --out B.npz
    .venv/bin/python -m eval.train_reranker                 # MedQuAD's questions alone (16 min on 2 cores)
    .venv/bin/python -m eval.train_reranker --no-write      # the same, writing nothing
    .venv/bin/python -m eval.train_reranker --weights FILE  # no training: choose and report for a trained file

Training (`qa.answer.rerank`: LoRA adapters and a head on the bundled MiniLM read as a cross-encoder): MedQuAD's
tune questions of the question adapter's pages (`eval.splits.adapter_page`: the answer scorer trains on the other
half; the labelled sets in eval/sets/ only with `--labelled`), each against sentences of its own page: up to
`POSITIVES` of its own answer's (the positives) and `NEGATIVES` of the page's other answers (same topic, another
question), each read in context (`sentence_in_context`); with `--keywords K`, K times as many telegraphic
pseudo-queries of those pages' sentences too (`keyword_query`: "ICU monitoring" against the page's other sentences;
eval/EXPERIMENTS.md, "Eleventh session"); with `--near-misses N`, each MedQuAD question against N sentences of
other pages that medcite retrieves for it too, pages of the same focus left out (`same_focus`; eval/EXPERIMENTS.md,
"Twelfth session"); with `--medicationqa`, MedicationQA's tune questions against sentences of their judged passages
and of the passages retrieved for them that are not judged (`beir_pairs`); with `--findings`, PubMedQA's tune
questions against their abstract's results and its other sections (`pubmedqa_pairs`; eval/EXPERIMENTS.md,
"Thirteenth session" to "Sixteenth session"). With `--weights` given several trained files, no training: their
soup (`qa.answer.rerank.soup`, the mean of their weight changes) is chosen for and written; with `--distil`, one
reader is trained from their soup to give their mean score (`taught_by`). With `--start FILE`, training goes on
from a trained reader for `ONWARD_EPOCHS`; `--sample N` keeps a random N of the questions above; `--labelled` adds
the labelled sets' tune questions against the candidates the scorer gives them (`labelled_pairs`), the task
itself. The shipped reranker is, since the seventeenth session (2026-12-05), the sixteenth session's soup (of the
fourteenth session's, A above, and the fifteenth's, B above, 51 min) trained on so (the first command above):
eval/EXPERIMENTS.md. Listwise softmax per question, AdamW at `LEARNING_RATE`, `EPOCHS` passes in batches of
`BATCH` questions, seed 0. Every reader's report ends with its share of the aspect battery (`eval.aspects`: does it
tell which side of a medicine a question asks about?), which no training reads.

Choice of `AnswerSettings.rerank_top` and `rerank_weight` (printed, copied into the settings record by hand):
over `CHOICES`, the bottom line of the tune splits of the labelled sets (own, answers/*) and of MedicationQA (a
sentence of a judged-relevant document is right there: weighed so much that it overrides the scorer's choice of
document, a reranker took the bottom line from a relevant document less often than the first passage is relevant),
whose candidates are those `Assistant.ask` scores with the shipped scorer; the simplest (fewest sentences read,
then the least weight) within one standard error of the best macro (`eval.selection.simplest_within_error`).
With `--labelled`, the labelled sets' tune rows are read cross-fitted (`_cross_fitted`: each fold by a reader
trained without it), as the final reader has learnt their answers. Held-out rows are printed, never consulted.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval import EvalError, log
from eval.answers import matches
from eval.aspects import read_battery, read_with
from eval.datasets import (
    Query,
    every_medquad_page,
    medquad_queries,
    own_split_key,
    read_beir,
    read_own_set,
    read_pubmedqa,
    set_corpus,
)
from eval.harness import index_opener
from eval.plan import ANSWER_SETS, OWN_SET, answer_set_corpus, default_datasets_dir
from eval.selection import macro, macro_error, simplest_within_error
from eval.splits import HELD_OUT, TUNE, adapter_page, fold_of_key, medquad_page_key
from eval.train_adapter import fact_pages
from qa import answer as stages
from qa.answer.rerank import (
    MAX_TOKENS,
    RERANKER_FILE,
    Readers,
    Reranker,
    RerankerWeights,
    lora_model,
    sentence_in_context,
    settled,
    soup,
    trainable,
    weights_of,
)
from qa.answer.settings import AnswerSettings
from qa.bm25 import stems
from qa.records import Candidate, Chunk, Hit
from qa.settings import BUNDLED_MODEL, Settings
from qa.text import FUNCTION_WORDS, WORD

# Not tuned: fixed before the first run and kept (one run of 2026-12-03, 16 min; a throw-away run of 1.5 epochs at
# the same rate, which also trained on the labelled tune sets, gave the same held-out own figure within 2 questions).
POSITIVES = 2
NEGATIVES = 6
EPOCHS = 2
BATCH = 4
LEARNING_RATE = 5e-4
RANK = 8
SCALE = 2.0
# A reader trained on from trained weights (`--distil`: its teachers' soup; `--start`) starts near where it should
# end: one epoch (not tuned).
ONWARD_EPOCHS = 1
# `--labelled`: each labelled tune question against the scorer's best this many, seen this many times per epoch,
# and the folds its choice is cross-fitted over (not tuned: fixed before the first run, 2026-12-05).
LABELLED_TOP = 12
LABELLED_REPEAT = 3
LABELLED_FOLDS = 2
# (sentences read, weight of the cross-encoder's score); the scorer alone is printed beside them.
CHOICES = tuple((top, weight) for top in (4, 8, 12) for weight in (0.25, 0.5, 1.0, 2.0, 4.0))
# With --mean: the margins within which the first reader's best two send a question to the others (a cascade,
# `AnswerSettings.second_reading_margin`); 0 reads the first alone, inf every reader for every question.
MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, math.inf)
# MedicationQA's judged questions among the sources the choice weighs: right is a sentence of a relevant document.
DOCUMENT_SOURCE = "medicationqa (document)"
# Retrieved documents that near misses are drawn from, best first.
NEAR_DOCUMENTS = 3
# The PubMedQA section label whose sentences report what a study found (`pubmedqa_pairs`); a label naming results
# with another part ("METHODS AND RESULTS") is neither a finding nor a wrong answer.
FINDINGS = "RESULTS"


@dataclass(frozen=True)
class Pairs:
    """One question and the sentences it is read with, in context, and which of them answer it; with `teacher`,
    the scores trained readers gave them, which a distilled reader learns instead (`taught_by`)."""

    question: str
    texts: tuple[str, ...]
    positive: tuple[bool, ...]
    teacher: tuple[float, ...] = ()


@dataclass(frozen=True)
class Row:
    """A labelled question's best candidates by the scorer: its scores, the cross-encoder's, which answer."""

    source: str
    split: str
    scores: np.ndarray
    reads: np.ndarray
    positive: np.ndarray
    # With several readers (`Readers`): the first one's reading alone, for the cascade's figures; else None.
    first: np.ndarray | None = None


@dataclass(frozen=True)
class Labelled:
    """A labelled set's tune question as a training pair (`labelled_pairs`), with its set and its fold."""

    source: str
    fold: int
    pairs: Pairs


def _sentences_of(
    index: object, *, bare: bool = False, keep: Callable[[Chunk], bool] = lambda chunk: True
) -> Callable[[str], list]:
    """A document's sentences of two words or more in the chunks it `keep`s, each read in context
    (`sentence_in_context`), by document id; with `bare`, (sentence, sentence in context, title) triples."""
    rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(index.chunks):
        if keep(chunk):
            rows.setdefault(chunk.doc_id, []).append(row)

    def sentences(doc_id: str) -> list:
        out = []
        for r in rows.get(doc_id, ()):
            chunk = index.chunks[r]
            for start, end in chunk.sentences:
                text = chunk.text[start:end].strip()
                if len(text.split()) >= 2:
                    read = sentence_in_context(chunk, text)
                    out.append((text, read, chunk.title) if bare else read)
        return out

    return sentences


def _content_words(text: str) -> list[str]:
    """`text`'s words as typed, less function words and one-letter words: what a telegraphic query keeps."""
    return [m.group(0) for m in WORD.finditer(text) if m.group(0).lower() not in FUNCTION_WORDS and len(m.group(0)) > 1]


def keyword_pairs(assistant: object, folder: Path, count: int, seed: int = 0) -> list[Pairs]:
    """`count` telegraphic pseudo-queries (`keyword_query`) of sentences of random training pages (as
    `medquad_pairs`: the adapter's tune pages, less the labelled fact questions' pages), drawn with `seed`.

    MedQuAD's questions are generic ("What are the symptoms of X?"), so they teach the reranker which part of a
    page a kind of question wants, not which sentence holds one fact; a clinician's question asks for one fact
    in a few words ("does baclofen tox need ICU"), and the sentence that answers it often shares the rare ones.
    """
    sentences = _sentences_of(assistant.index, bare=True)
    rows = {chunk.doc_id for chunk in assistant.index.chunks}
    facts = fact_pages()
    pages: dict[str, list[str]] = {}
    for q in medquad_queries(every_medquad_page(folder)):
        page = medquad_page_key(q.qid)
        if q.qid in rows and q.split == TUNE and adapter_page(page) and page not in facts:
            pages.setdefault(page, []).append(q.qid)
    rng = random.Random(seed)
    keys = sorted(pages)
    out: list[Pairs] = []
    tries = 0
    while len(out) < count and tries < 20 * count:
        tries += 1
        pair = keyword_query([triple for doc_id in pages[rng.choice(keys)] for triple in sentences(doc_id)], rng)
        if pair is not None:
            out.append(pair)
    return out


def keyword_query(held: Sequence[tuple[str, str, str]], rng: random.Random) -> Pairs | None:
    """One page's pseudo-query, the sentence-side counterpart of the inverse cloze task (Lee et al., ACL 2019), or
    None when the page has too little to draw from.

    `held` is the page's sentences as (sentence, sentence in context, title). One sentence of three content words
    or more is drawn; the query is 1-4 of its content words in order, those the page's other sentences rarely hold
    drawn more often (they tell the sentence apart), after the page's title half the time when they hold none of
    its words. The sentence is the positive; up to `NEGATIVES` of the page's other sentences that do not hold all
    the query's words are the negatives.
    """
    if len(held) < 2:
        return None
    text, read, title = rng.choice(held)
    content = _content_words(text)
    if len(content) < 3:
        return None
    shared = Counter(w for t, _, _ in held for w in {w.lower() for w in _content_words(t)})
    k = rng.randint(1, min(4, len(content) - 1))
    chosen: set[int] = set()
    while len(chosen) < k:
        chosen.add(rng.choices(range(len(content)), [1 / shared[w.lower()] for w in content])[0])
    words = [content[i] for i in sorted(chosen)]
    needed = {w.lower() for w in words}
    if title and rng.random() < 0.5 and not needed & {w.lower() for w in _content_words(title)}:
        words.insert(0, title)
    negatives = [r for t, r, _ in held if r != read and not needed <= {w.lower() for w in _content_words(t)}]
    if not negatives:
        return None
    others = rng.sample(negatives, min(NEGATIVES, len(negatives)))
    return Pairs(" ".join(words), (read, *others), (True,) + (False,) * len(others))


def medquad_pairs(assistant: object, folder: Path, seed: int = 0, near: int = 0) -> list[Pairs]:
    """The training questions (see the module docstring), shuffled with `seed`; with `near`, each also against up
    to `near` sentences of the other pages medcite retrieves for it whose focus differs (`same_focus`), so the
    reading learns which document as well as which sentence."""
    sentences = _sentences_of(assistant.index)
    rows = {chunk.doc_id for chunk in assistant.index.chunks}
    titles = {chunk.doc_id: chunk.title for chunk in assistant.index.chunks}
    facts = fact_pages()
    asked = [
        q
        for q in medquad_queries(every_medquad_page(folder))
        if q.qid in rows
        and q.split == TUNE
        and adapter_page(medquad_page_key(q.qid))
        and medquad_page_key(q.qid) not in facts
    ]
    pages: dict[str, list[str]] = {}
    for q in asked:
        pages.setdefault(medquad_page_key(q.qid), []).append(q.qid)
    rng = random.Random(seed)
    out: list[Pairs] = []
    for q in sorted(asked, key=lambda q: q.qid):
        page = medquad_page_key(q.qid)
        positives = sentences(q.qid)
        negatives = [t for doc_id in pages[page] if doc_id != q.qid for t in sentences(doc_id)]
        drawn = _drawn(q.text, positives, negatives, rng)
        if near and drawn:
            misses = _near_misses(
                assistant,
                q.text,
                sentences,
                lambda h, page=page, title=titles[q.qid]: (
                    medquad_page_key(h.chunk.doc_id) != page and not same_focus(h.chunk.title, title)
                ),
            )
            extra = rng.sample(misses, min(near, len(misses)))
            drawn = [Pairs(p.question, (*p.texts, *extra), (*p.positive, *(False,) * len(extra))) for p in drawn]
        out += drawn
    rng.shuffle(out)
    return out


def pubmedqa_pairs(assistant: object, path: Path, seed: int = 0) -> list[Pairs]:
    """PubMedQA's tune questions whose abstracts no labelled set asks about, each against up to `POSITIVES`
    sentences of its abstract's results (`FINDINGS`) and `NEGATIVES` of its sections that name no result
    (background, objective, methods), shuffled with `seed`.

    On one abstract the sentence most about the question is often its aim ("This study examines whether ..."),
    which restates the question and answers nothing; negatives from other pages never show the reranker such a
    sentence as wrong. Any results sentence is a positive (the listwise loss asks only that one of them beat the
    rest), so no one sentence has to be the answer: the section labels are the authors', not a rule of ours.
    """
    asked = read_own_set(ANSWER_SETS["answers/pubmedqa"])
    labelled = {p.doc for q in asked for p in (*q.answers, *q.passages)}

    def label(chunk: Chunk) -> str:
        return chunk.heading_path[0].upper() if chunk.heading_path else ""

    findings = _sentences_of(assistant.index, keep=lambda chunk: label(chunk) == FINDINGS)
    others = _sentences_of(assistant.index, keep=lambda chunk: "RESULT" not in label(chunk))
    rng = random.Random(seed)
    out: list[Pairs] = []
    for q in sorted((q for q in read_pubmedqa(path) if q.split == TUNE), key=lambda q: q.qid):
        (doc_id,) = q.relevant
        if doc_id not in labelled:
            out += _drawn(q.text, findings(doc_id), others(doc_id), rng)
    rng.shuffle(out)
    return out


def same_focus(title: str, other: str) -> bool:
    """Whether two MedQuAD pages' titles name one focus: the stems of one's content words hold the other's (pages
    of several sources on one disease answer the same questions, so neither is a near miss of the other)."""
    a, b = (set(stems(_content_words(t.lower()))) for t in (title, other))
    return bool(a) and bool(b) and (a <= b or b <= a)


def beir_pairs(assistant: object, folder: Path, seed: int = 0) -> list[Pairs]:
    """Pairs of a BEIR folder's tune questions (MedicationQA: real consumer questions, typed as people type them,
    about every side of a medicine: what it is for, how it works, its dose, what it interacts with), each against
    up to `POSITIVES` sentences of its judged passages and `NEGATIVES` of the passages medcite retrieves for it
    that are not judged relevant (the near misses the reranker must tell apart), shuffled with `seed`."""
    sentences = _sentences_of(assistant.index)
    rng = random.Random(seed)
    out: list[Pairs] = []
    for q in sorted((q for q in read_beir(folder) if q.split == TUNE), key=lambda q: q.qid):
        positives = [t for doc_id in sorted(q.relevant) for t in sentences(doc_id)]
        negatives = _near_misses(assistant, q.text, sentences, lambda h, q=q: h.chunk.doc_id not in q.relevant)
        out += _drawn(q.text, positives, negatives, rng)
    rng.shuffle(out)
    return out


def _near_misses(
    assistant: object, question: str, sentences: Callable[[str], list], wrong: Callable[[Hit], bool]
) -> list[str]:
    """The sentences of the first `NEAR_DOCUMENTS` documents medcite retrieves for `question` whose hits are `wrong`
    (another page, a passage not judged relevant): the near misses a reranker must tell apart."""
    _, hits, _ = assistant.retrieve(question)
    near = dict.fromkeys(h.chunk.doc_id for h in hits if wrong(h))
    return [t for doc_id in list(near)[:NEAR_DOCUMENTS] for t in sentences(doc_id)]


def _drawn(question: str, positives: Sequence[str], negatives: Sequence[str], rng: random.Random) -> list[Pairs]:
    """One question's pairs: up to `POSITIVES` of `positives` and `NEGATIVES` of `negatives`, drawn with `rng`
    (none when either is empty)."""
    if not positives or not negatives:
        return []
    chosen = rng.sample(positives, min(POSITIVES, len(positives)))
    others = rng.sample(negatives, min(NEGATIVES, len(negatives)))
    return [Pairs(question, (*chosen, *others), (True,) * len(chosen) + (False,) * len(others))]


def taught_by(pairs: Sequence[Pairs], teachers: Sequence[object]) -> list[Pairs]:
    """`pairs`, each carrying the mean of `teachers`' scores of its sentences (each teacher has `Reranker.scores`).

    Two readers fine-tuned on different data err on different sentences, and their scores averaged chose better
    held-out bottom lines than their soup, at a pass of each (eval/EXPERIMENTS.md, "Sixteenth session"); a reader
    trained to give that average (knowledge distillation: Hinton et al., 2015) needs one pass.
    """
    mean = Readers(teachers)
    return [
        dataclasses.replace(p, teacher=tuple(float(x) for x in mean.scores(p.question, list(p.texts)))) for p in pairs
    ]


def train(
    pairs: Sequence[Pairs],
    *,
    epochs: int = EPOCHS,
    seed: int = 0,
    base: str = BUNDLED_MODEL,
    start: RerankerWeights | None = None,
) -> object:
    """A `lora_model` fitted to `pairs`: listwise softmax per question over which answer, or, for pairs with
    teacher scores, the divergence of its softmax from theirs (`taught_by`); from `start` when given (its base
    and rank), else from the base with fresh adapters."""
    import torch
    from transformers import AutoTokenizer

    from qa.embedding import resolve_model

    torch.manual_seed(seed)
    base = start.base if start is not None else base
    tokenizer = AutoTokenizer.from_pretrained(resolve_model(base))
    model = trainable(start) if start is not None else lora_model(base, RANK, SCALE)
    tuned = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(tuned, lr=LEARNING_RATE, weight_decay=0.0)
    model.train()
    order = list(range(len(pairs)))
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = [pairs[i] for i in order[start : start + BATCH]]
            encoded = tokenizer(
                [p.question for p in batch for _ in p.texts],
                [t for p in batch for t in p.texts],
                padding=True,
                truncation="longest_first",
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            scores = model(encoded).split([len(p.texts) for p in batch])
            loss = sum(_loss(s, p) for s, p in zip(scores, batch, strict=True)) / len(batch)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        log(f"epoch {epoch + 1}: mean loss {total / max(len(pairs), 1):.3f}")
    return model.eval()


def _loss(scores: object, pair: Pairs) -> object:
    """One question's loss: with teacher scores, KL(teacher's softmax || the reader's); else minus the log of the
    softmax share of its answers."""
    import torch

    if pair.teacher:
        target = torch.log_softmax(torch.tensor(pair.teacher, dtype=scores.dtype), 0)
        return torch.sum(target.exp() * (target - torch.log_softmax(scores, 0)))
    return torch.logsumexp(scores, 0) - torch.logsumexp(scores.masked_fill(~torch.tensor(pair.positive), -1e9), 0)


def _labelled_sets(settings: Settings, datasets_dir: Path) -> list[tuple[str, str, Path, Path]]:
    """(name, index name, corpus, file) of the own set and every answer set."""
    sets = [("own", "own", settings.corpus_dir, OWN_SET)]
    for name, file in ANSWER_SETS.items():
        index_name, corpus = answer_set_corpus(set_corpus(file), datasets_dir)
        sets.append((name, index_name, corpus or settings.corpus_dir, file))
    return sets


def fold_of(q: Query) -> int:
    """A labelled question's fold of `LABELLED_FOLDS`, keyed as its split is (a page's questions stay together)."""
    return fold_of_key(own_split_key(q.qid, q.answers), LABELLED_FOLDS)


def labelled_pairs(settings: Settings, datasets_dir: Path) -> list[Labelled]:
    """The labelled sets' tune questions, each against the shipped scorer's best `LABELLED_TOP` candidates read in
    context, its quoted sentences the positives (those with no quote or nothing else among them give nothing).

    The other sources teach the reader neighbours of the task: MedQuAD's generic questions, pseudo-queries,
    abstracts' results against their aims. These are the task itself, a clinician's question against the sentences
    medcite would choose from, and the tune halves already train the scorer; the held-out halves stay out.
    """
    opener = index_opener(settings, progress=False)
    out: list[Labelled] = []
    for name, index_name, corpus, file in _labelled_sets(settings, datasets_dir):
        assistant = opener(index_name, corpus)
        for q in read_own_set(file):
            if q.split != TUNE:
                continue
            question, best = _best_candidates(assistant, q, LABELLED_TOP)
            positive = tuple(bool(matches(c.text, c.chunk.doc_id, q.answers)) for c in best)
            if any(positive) and not all(positive):
                texts = tuple(sentence_in_context(c.chunk, c.text) for c in best)
                out.append(Labelled(name, fold_of(q), Pairs(question, texts, positive)))
    return out


def labelled_rows(
    settings: Settings,
    datasets_dir: Path,
    reranker: Reranker | Readers,
    top: int,
    *,
    keep: Callable[[Query], bool] = lambda q: True,
    medicationqa: bool = True,
) -> list[Row]:
    """Every labelled question's (that `keep` keeps) `top` best candidates by the shipped scorer, with the
    cross-encoder's reading; and, with `medicationqa`, MedicationQA's judged questions, where a candidate counts as
    right when its document is judged relevant (the issue's floor: the bottom line from a relevant document at least
    as often as the first passage's)."""
    opener = index_opener(settings, progress=False)
    rows: list[Row] = []
    for name, index_name, corpus, file in _labelled_sets(settings, datasets_dir):
        assistant = opener(index_name, corpus)
        for q in filter(keep, read_own_set(file)):
            rows += question_rows(
                assistant, reranker, top, name, q, lambda c, q=q: matches(c.text, c.chunk.doc_id, q.answers)
            )
    if not medicationqa:
        return rows
    consumer = datasets_dir / "medicationqa"
    assistant = opener("beir/medicationqa", consumer)
    for q in read_beir(consumer):
        rows += question_rows(
            assistant, reranker, top, DOCUMENT_SOURCE, q, lambda c, q=q: q.relevant.get(c.chunk.doc_id, 0) > 0
        )
    return rows


def question_rows(
    assistant: object, reranker: Reranker | Readers, top: int, source: str, q: Query, right: Callable[[Candidate], bool]
) -> list[Row]:
    """One question's row (none when it has no candidate): the `top` best candidates by the scorer, read."""
    question, best = _best_candidates(assistant, q, top)
    if not best:
        return []
    texts = [sentence_in_context(c.chunk, c.text) for c in best]
    positive = np.array([right(c) for c in best])
    scores = np.array([c.score for c in best])
    if isinstance(reranker, Readers) and len(reranker.members) > 1:
        each = [np.asarray(m.scores(question, texts), dtype=np.float64) for m in reranker.members]
        return [Row(source, q.split, scores, np.mean(each, axis=0), positive, first=each[0])]
    return [Row(source, q.split, scores, reranker.scores(question, texts), positive)]


def _best_candidates(assistant: object, q: Query, top: int) -> tuple[str, list[Candidate]]:
    """The question as the cross-encoder reads it (as understood and searched, `Asked.text`) and its `top` best
    candidates by the shipped scorer, as `Assistant.ask` scores them."""
    with assistant.embedder.sharing_queries():
        understood, hits, _ = assistant.retrieve(q.text, q.history)
        asked = assistant.asked(understood)
        scored = stages.score(
            assistant.candidates(hits),
            hits,
            asked,
            assistant.index.phrases.idf,
            model=assistant.index.manifest.model,
        )
    return asked.text, sorted(scored, key=lambda c: -c.score)[:top]


def figures(rows: Sequence[Row], top: int, weight: float) -> dict[str, dict[str, float]]:
    """Per source and split: questions and bottom line correct when the scorer's best `top` (rows are best first)
    are reordered by their score plus `weight` times the cross-encoder's (`qa.answer.rerank.rerank`); the shape of
    `eval.selection.figures`."""
    table: dict[str, dict[str, float]] = {}
    for source, split in sorted({(r.source, r.split) for r in rows}):
        chosen = [r for r in rows if r.source == source and r.split == split]
        right = 0
        for r in chosen:
            read = r.reads[:top]
            final = r.scores.copy()
            final[: len(read)] += weight * read
            right += bool(r.positive[int(np.argmax(final[: max(len(read), 1)]))])
        table[f"{source} {split}"] = {"questions": len(chosen), "bottom_line": right / len(chosen)}
    return table


def cascade_figures(
    rows: Sequence[Row], top: int, weight: float, margin: float
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """`figures` for readers read as a cascade (`Readers.scores` with the scorer's scores): a question takes the
    first reader's reading where it leads the best two apart by `margin` or more (`rerank.settled`), the mean of
    all readers' otherwise; and per split, the share of questions read by more than the first."""
    read: list[Row] = []
    paid: dict[str, list[bool]] = {}
    for r in rows:
        if r.first is None:
            raise ValueError("cascade_figures needs rows read by several readers (Row.first)")
        n = max(min(top, len(r.reads)), 1)
        again = not settled(r.scores[:n] + weight * r.first[:n], margin)
        read.append(r if again else dataclasses.replace(r, reads=r.first))
        paid.setdefault(r.split, []).append(again)
    return figures(read, top, weight), {split: float(np.mean(flags)) for split, flags in paid.items()}


def _summary(table: dict[str, dict[str, float]], split: str) -> str:
    cells = [f"{k.rsplit(' ', 1)[0]} {v['bottom_line']:.3f}" for k, v in table.items() if k.endswith(" " + split)]
    return ", ".join(cells)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    parser.add_argument(
        "--weights",
        type=Path,
        nargs="+",
        help="trained reranker file(s): skip training; several are averaged into one (a soup, `rerank.soup`)",
    )
    parser.add_argument(
        "--distil",
        type=Path,
        nargs="+",
        help="trained reranker files: train one that gives their mean score (`taught_by`), starting from their "
        f"soup, {ONWARD_EPOCHS} epoch(s) on the pairs the other options choose",
    )
    parser.add_argument(
        "--start",
        type=Path,
        help=f"a trained reranker file to train on from ({ONWARD_EPOCHS} epoch(s)), rather than fresh adapters",
    )
    parser.add_argument(
        "--labelled",
        action="store_true",
        help="the labelled sets' tune questions too, against the scorer's candidates (`labelled_pairs`); the choice "
        "then reads their tune rows cross-fitted (`_cross_fitted`)",
    )
    parser.add_argument(
        "--sample", type=int, help="train on a random this many of the other sources' questions (seed 0)"
    )
    parser.add_argument(
        "--mean",
        action="store_true",
        help="with --weights of several files: read them as one reader giving their mean score (`Readers`, as "
        "AnswerSettings.readers can name several) rather than their soup; writes nothing. The labelled sets' tune "
        "rows are read by the files as trained, not cross-fitted: a choice that follows them is biased",
    )
    parser.add_argument("--out", type=Path, default=RERANKER_FILE, help="where to write the reranker")
    parser.add_argument("--no-write", action="store_true", help="print the figures, write nothing")
    parser.add_argument(
        "--keywords",
        type=float,
        default=0.0,
        help="telegraphic pseudo-queries per MedQuAD training question too (`keyword_query`; the shipped reranker: "
        "0.5)",
    )
    parser.add_argument(
        "--near-misses",
        type=int,
        default=0,
        help="sentences of other retrieved MedQuAD pages per training question as negatives too (`medquad_pairs`; "
        "the shipped reranker: 3)",
    )
    parser.add_argument(
        "--findings",
        action="store_true",
        help="PubMedQA's tune questions too, each abstract's results against its aims and methods (`pubmedqa_pairs`; "
        "the second half of the shipped soup: eval/EXPERIMENTS.md, 'Sixteenth session')",
    )
    parser.add_argument(
        "--medicationqa",
        action="store_true",
        help="train on MedicationQA's tune questions too (`beir_pairs`; the shipped reranker does)",
    )
    parser.add_argument(
        "--whole-medicationqa",
        action="store_true",
        help="with --medicationqa and --sample: keep every MedicationQA tune question and sample the other sources "
        "(a sample of all of them keeps about one in four of the consumer questions)",
    )
    parser.add_argument(
        "--labelled-repeat",
        type=int,
        default=LABELLED_REPEAT,
        help=f"with --labelled: times each labelled tune question is seen per epoch (default {LABELLED_REPEAT})",
    )
    args = parser.parse_args(argv)
    if args.labelled_repeat < 1:
        parser.error(f"--labelled-repeat must be 1 or more, got {args.labelled_repeat}")
    if args.mean and len(args.weights or ()) < 2:
        parser.error("--mean reads several trained files as one: give them with --weights")
    if args.whole_medicationqa and not args.medicationqa:
        parser.error("--whole-medicationqa needs --medicationqa")
    if sum(bool(x) for x in (args.weights, args.distil, args.start)) > 1:
        parser.error("give one of --weights (choose for trained files), --distil and --start (train from them)")
    if args.sample is not None and args.sample < 1:
        parser.error(f"--sample must be 1 or more, got {args.sample}")
    if args.near_misses < 0 or not 0 <= args.keywords < math.inf:
        parser.error(f"--near-misses and --keywords must be 0 or more, got {args.near_misses}, {args.keywords}")
    settings = Settings.from_env()
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    pairs: list[Pairs] = []
    asked: list[Labelled] = []
    start: RerankerWeights | None = None
    try:
        if args.weights:
            members = [RerankerWeights.load(path) for path in args.weights]
            if not args.mean:
                weights = members[0] if len(members) == 1 else soup_of(members, args.weights)
        else:
            medquad = datasets_dir / "medquad"
            opener = index_opener(settings, progress=False)
            pairs = medquad_pairs(opener("medquad/all", medquad), medquad, near=args.near_misses)
            trained_on = (
                f"{len(pairs)} MedQuAD tune questions of the question adapter's pages, each with up to {POSITIVES} "
                f"sentences of its answer and {NEGATIVES} of its page's other answers"
                + (f" and {args.near_misses} of other pages it retrieves" if args.near_misses else "")
            )
            if args.keywords > 0:
                extra = keyword_pairs(opener("medquad/all", medquad), medquad, round(args.keywords * len(pairs)))
                trained_on += f", and {len(extra)} telegraphic pseudo-queries of those pages' sentences"
                pairs = random.Random(0).sample([*pairs, *extra], len(pairs) + len(extra))
            if args.findings:
                name, abstracts = answer_set_corpus("pubmedqa", datasets_dir)
                extra = pubmedqa_pairs(opener(name, abstracts), abstracts)
                trained_on += f", and {len(extra)} PubMedQA tune questions, results against aims and methods"
                pairs = random.Random(0).sample([*pairs, *extra], len(pairs) + len(extra))
            consumers: list[Pairs] = []
            if args.medicationqa:
                consumer = datasets_dir / "medicationqa"
                consumers = beir_pairs(opener("beir/medicationqa", consumer), consumer)
                trained_on += f", and {len(consumers)} MedicationQA tune questions against retrieved near misses"
                if not args.whole_medicationqa:
                    pairs = random.Random(0).sample([*pairs, *consumers], len(pairs) + len(consumers))
                    consumers = []
            if args.sample is not None and args.sample < len(pairs):
                pairs = random.Random(0).sample(pairs, args.sample)
                kept = ", MedicationQA's all kept" if consumers else ""
                trained_on += f" (a random {args.sample} of those{kept})"
            if consumers:
                pairs = random.Random(0).sample([*pairs, *consumers], len(pairs) + len(consumers))
            start = RerankerWeights.load(args.start) if args.start else None
            if args.distil:
                teachers = [RerankerWeights.load(path) for path in args.distil]
                start = soup_of(teachers, args.distil)
                log(f"scoring {len(pairs)} questions' pairs with {len(teachers)} teachers")
                pairs = taught_by(pairs, [Reranker(t) for t in teachers])
            asked = labelled_pairs(settings, datasets_dir) if args.labelled else []
            if asked:
                trained_on += (
                    f", and {len(asked)} tune questions of the labelled sets ({args.labelled_repeat} times each) "
                    f"against the scorer's best {LABELLED_TOP} candidates"
                )
            log(f"{trained_on}: {sum(len(p.texts) for p in pairs)} pairs; fine-tuning")
            fitted = _fit(pairs, asked, start, args.labelled_repeat)
            how = (
                f"{trained_on}; {ONWARD_EPOCHS if start else EPOCHS} epoch(s)"
                + (", KL to the teachers' mean softmax" if args.distil else "")
                + f", AdamW lr {LEARNING_RATE}, LoRA rank {fitted.rank} (scale {fitted.scale}), seed 0"
            )
            if start is not None:
                how = (
                    f"trained on from {'the soup of its teachers' if args.distil else args.start.name} "
                    f"({start.trained_on}) with {how[0].lower()}{how[1:]}"
                )
            weights = dataclasses.replace(
                fitted,
                trained_on=how,
                command="python -m eval.train_reranker"
                + (" --distil " + " ".join(p.name for p in args.distil) if args.distil else "")
                + (f" --start {args.start.name}" if args.start else "")
                + (" --labelled" if args.labelled else "")
                + (f" --labelled-repeat {args.labelled_repeat}" if args.labelled_repeat != LABELLED_REPEAT else "")
                + (f" --sample {args.sample}" if args.sample is not None else "")
                + (f" --keywords {args.keywords}" if args.keywords else "")
                + (f" --near-misses {args.near_misses}" if args.near_misses else "")
                + (" --findings" if args.findings else "")
                + (" --medicationqa" if args.medicationqa else "")
                + (" --whole-medicationqa" if args.whole_medicationqa else ""),
            )
            if not args.no_write:
                # Kept at once: choosing how much it counts takes minutes more, and may fail.
                weights.save(args.out)
                log(f"wrote {args.out} (the figures follow)")
        reader = Readers([Reranker(m) for m in members]) if args.mean else Reranker(weights)
        # With labelled questions trained on, their tune rows are read cross-fitted instead (`_cross_fitted`).
        rows = labelled_rows(
            settings,
            datasets_dir,
            reader,
            max(top for top, _ in CHOICES),
            keep=lambda q: not asked or q.split != TUNE,
        )
        if asked:
            rows = _cross_fitted(rows, settings, datasets_dir, pairs, asked, start, args.labelled_repeat)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    alone = figures(rows, 0, 0.0)
    print(f"scorer alone: tune macro {macro(_tune(alone)):.3f}; tune {_summary(alone, TUNE)}")
    print(f"              held-out {_summary(alone, HELD_OUT)}")
    tables = {choice: _tune(figures(rows, *choice)) for choice in CHOICES}
    for (top, weight), table in tables.items():
        print(f"top {top:2d} weight {weight:4.2f}: tune macro {macro(table):.3f} (error {macro_error(table):.3f})")
    top, weight = simplest_within_error(tables, lambda c: c)
    chosen = figures(rows, top, weight)
    print(f"\nchosen: rerank_top={top}, rerank_weight={weight} (the simplest within one standard error)")
    print(f"tune {_summary(chosen, TUNE)}\nheld-out {_summary(chosen, HELD_OUT)}")
    aspects = read_with(reader, read_battery())
    print(
        f"aspect battery (eval/aspects.py): {aspects.right} of {aspects.questions} ({aspects.share:.3f}); most "
        f"confused (asked, read): {aspects.confusions.most_common(3)}"
    )
    if args.mean:
        _choose_margin(rows)
    if not (args.no_write or args.mean):
        kept = {f"{k} bottom_line": round(v["bottom_line"], 4) for k, v in chosen.items()}
        kept["aspects battery"] = round(aspects.share, 4)
        weights = dataclasses.replace(weights, figures={**kept, "rerank_top": top, "rerank_weight": weight})
        weights.save(args.out)
        print(f"wrote {args.out}; set AnswerSettings.rerank_top={top}, rerank_weight={weight}")
    return 0


def _fit(
    pairs: Sequence[Pairs], asked: Sequence[Labelled], start: RerankerWeights | None, repeat: int = LABELLED_REPEAT
) -> RerankerWeights:
    """The weights of a reader trained on `pairs` and the labelled questions `asked` (each `repeat` times),
    shuffled together; from `start` for `ONWARD_EPOCHS` (its base, rank and scale), else from fresh adapters."""
    every = [*pairs, *(a.pairs for a in asked for _ in range(repeat))]
    model = train(random.Random(0).sample(every, len(every)), epochs=ONWARD_EPOCHS if start else EPOCHS, start=start)
    if start is not None:
        return weights_of(model, start.base, start.rank, start.scale)
    return weights_of(model, BUNDLED_MODEL, RANK, SCALE)


def _cross_fitted(
    rows: Sequence[Row],
    settings: Settings,
    datasets_dir: Path,
    pairs: Sequence[Pairs],
    asked: Sequence[Labelled],
    start: RerankerWeights | None,
    repeat: int = LABELLED_REPEAT,
) -> list[Row]:
    """`rows` with the labelled sets' tune rows read again, each fold's by a reader trained without that fold's
    questions: the reader trained on a question reads it too well, and the choice of how much it counts would
    follow. Held-out rows and MedicationQA's (never among `asked`) stay the final reader's."""
    out = [r for r in rows if r.split != TUNE or r.source == DOCUMENT_SOURCE]
    for fold in range(LABELLED_FOLDS):
        log(f"cross-fitting: fold {fold + 1} of {LABELLED_FOLDS}")
        out += labelled_rows(
            settings,
            datasets_dir,
            Reranker(_fit(pairs, [a for a in asked if a.fold != fold], start, repeat)),
            max(top for top, _ in CHOICES),
            keep=lambda q, fold=fold: q.split == TUNE and fold_of(q) == fold,
            medicationqa=False,
        )
    return out


def soup_of(members: Sequence[RerankerWeights], paths: Sequence[Path]) -> RerankerWeights:
    """The soup of trained files, its header naming each one's training and command."""
    parts = [
        f"({i}) {m.trained_on} [`{m.command}`, {p.name}]"
        for i, (m, p) in enumerate(zip(members, paths, strict=True), 1)
    ]
    return soup(
        members,
        trained_on=f"a soup (the mean of the weight changes) of {len(members)} fine-tunings: " + "; ".join(parts),
        command="python -m eval.train_reranker --weights " + " ".join(p.name for p in paths),
    )


def _choose_margin(rows: Sequence[Row]) -> None:
    """Print the cascade's figures at the shipped reading (`AnswerSettings` rerank_top, rerank_weight) for every
    margin of `MARGINS`, and the one kept: the smallest (the fewest second passes) whose tune macro is within one
    standard error of the best."""
    shipped = AnswerSettings()
    top, weight = shipped.rerank_top, shipped.rerank_weight
    print(f"\ncascade at the shipped reading ({top}, {weight}): the first reader alone, then all where its best two")
    print("lie within the margin (AnswerSettings.second_reading_margin); share of questions read again")
    tables: dict[float, dict[str, dict[str, float]]] = {}
    for margin in MARGINS:
        table, paid = cascade_figures(rows, top, weight, margin)
        tables[margin] = _tune(table)
        shares = ", ".join(f"{split} {share:.0%}" for split, share in sorted(paid.items()))
        print(
            f"margin {margin:4}: tune macro {macro(tables[margin]):.3f} (error {macro_error(tables[margin]):.3f}); "
            f"read again {shares}; held-out {_summary(table, HELD_OUT)}"
        )
    margin = simplest_within_error(tables, lambda m: m)
    print(f"chosen: second_reading_margin={margin} (the smallest within one standard error of the best tune macro)")


def _tune(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {k: v for k, v in table.items() if k.endswith(" " + TUNE)}


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
