"""`python -m eval.train_adapter`: fit the question adapter (qa/answer/adapter.npz) and report what it changes.

    .venv/bin/python -m eval.train_adapter              # train on MedQuAD's tune questions, report, write the adapter
    .venv/bin/python -m eval.train_adapter --no-write   # figures only

The answer scorer's strongest signals are cosines between the question's vector and each sentence's stored
vector; the bundled MiniLM was trained for "these two texts are about the same thing", not "this sentence answers
that question", so on one page it cannot tell the sentence about symptoms from the one about treatment. A linear
map of the question vector, W = I + A (Karpukhin-style asymmetric encoders, reduced to one matrix over frozen
vectors), learned so that Wq is closest to the answering sentences, keeps every stored sentence vector and costs
one 384 x 384 product per question. It ships as `qa/answer/adapter.npz` (300 KB, `qa.answer.adapter`).

Training questions: MedQuAD's, tune split only (`eval.splits`, by page), and of the tune pages only the half
the answer scorer does not train on (`eval.splits.adapter_page`), each asked against the sentences of its own
page (its own answer's sentences are the positives, the page's other answers the negatives: same topic, another
question). Listwise softmax over a page's sentences at `temperature`, L2 on A. The report, for both
splits: within-page P@1 of held-out MedQuAD questions, and, over the candidates the answer stage gathers for the
labelled answer sets (`eval/sets/`), the bottom line that the cosine alone would pick, plain against adapted.
The report measures the adapted cosine alone, not the product: the learned scorer (`eval.train_selector`, to be
rerun after this command, since the adapted cosine is two of its features) weighs it beside its other features.

L2 and temperature are chosen on tune questions only (`choose`): for each pair of `CHOICES`, the within-page pick
of the training questions by 5-fold cross-validation (folds by page), and the pick on the tune split of each
labelled set by the adapter fitted on all the training questions (none of them trains it); the simplest pair (the
strongest L2, then the softest temperature) within one standard error of the best macro
(`eval.selection.simplest_within_error`). Held-out rows are reported, never consulted.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval import EvalError, log
from eval.answers import matches
from eval.datasets import Query, every_medquad_page, medquad_queries, read_own_set
from eval.harness import index_opener
from eval.plan import ANSWER_SETS, default_datasets_dir
from eval.selection import macro, macro_error, simplest_within_error
from eval.splits import HELD_OUT, TUNE, adapter_page, fold_of_key, medquad_page_key
from eval.tune_disagreement import questions
from qa.answer.adapter import ADAPTER_FILE, RETRAIN, Adapter
from qa.settings import Settings

Choice = tuple[float, float]

# The labelled answer sets whose candidates the report scores (each over its own corpus).
LABELLED = ("own", "answers/other-field", "answers/pubmedqa", "answers/medquad")
# (L2 on A, softmax temperature) pairs that `choose` compares, by cross-validation on tune questions only.
CHOICES = tuple((l2, temperature) for l2 in (0.003, 0.01, 0.03, 0.1) for temperature in (0.05, 0.1))
FOLDS = 5
# Not tuned: fixed before L2 and temperature were compared (three passes of Adam at lr 1e-3). For the kept pair,
# 1, 3, 6 and 10 epochs gave a CV macro of 0.568, 0.572, 0.567 and 0.570 (error 0.042; 2026-12-02, a throw-away run).
EPOCHS = 3
CV_ROW = "MedQuAD, within the page (5-fold CV, folds by page)"


@dataclass(frozen=True)
class Example:
    """One question and the sentences it is asked against: unit vectors, and which of them answer it."""

    question: np.ndarray
    sentences: np.ndarray
    positive: np.ndarray
    # What the example's cross-validation fold is drawn by (its MedQuAD page: questions about one page share it).
    group: str = ""

    def __post_init__(self) -> None:
        if len(self.sentences) != len(self.positive):
            raise ValueError("an Example needs one positive flag per sentence")


def picks(examples: Sequence[Example], adapter: np.ndarray | None = None) -> list[bool]:
    """Per example, whether the sentence closest to the (adapted) question answers it."""
    out = []
    for e in examples:
        q = e.question if adapter is None else e.question @ adapter.T
        out.append(bool(e.positive[int(np.argmax(e.sentences @ q))]))
    return out


def fit_adapter(
    examples: Sequence[Example],
    *,
    temperature: float,
    l2: float,
    epochs: int = EPOCHS,
    seed: int = 0,
) -> np.ndarray:
    """W = I + A, A learned so that the softmax over each example's sentences of (Wq . s) / temperature puts its
    mass on the positives; examples without a positive, or without a negative, teach nothing and are skipped."""
    import torch

    usable = [e for e in examples if e.positive.any() and not e.positive.all()]
    if not usable:
        raise ValueError("no example has both an answering and another sentence to learn from")
    torch.manual_seed(seed)
    dim = usable[0].question.shape[0]
    width = max(len(e.positive) for e in usable)
    sentences = torch.zeros(len(usable), width, dim)
    positive = torch.zeros(len(usable), width, dtype=torch.bool)
    present = torch.zeros(len(usable), width, dtype=torch.bool)
    for i, e in enumerate(usable):
        n = len(e.positive)
        sentences[i, :n] = torch.as_tensor(e.sentences, dtype=torch.float32)
        positive[i, :n] = torch.as_tensor(e.positive)
        present[i, :n] = True
    q = torch.as_tensor(np.stack([e.question for e in usable]), dtype=torch.float32)
    a = torch.zeros(dim, dim, requires_grad=True)
    optimiser = torch.optim.Adam([a], lr=1e-3)
    for _ in range(epochs):
        for batch in torch.randperm(len(usable)).split(128):
            adapted = q[batch] + q[batch] @ a.T
            scores = torch.einsum("bmd,bd->bm", sentences[batch], adapted) / temperature
            scores = scores.masked_fill(~present[batch], -1e9)
            answering = scores.masked_fill(~positive[batch], -1e9)
            loss = (torch.logsumexp(scores, 1) - torch.logsumexp(answering, 1)).mean() + l2 * (a * a).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return np.eye(dim, dtype=np.float32) + a.detach().numpy().astype(np.float32)


def fact_pages() -> frozenset[str]:
    """The MedQuAD pages of the labelled fact questions (`eval/sets/medquad_facts.jsonl`), which the report scores
    the adapter on."""
    return frozenset(medquad_page_key(p.doc) for q in read_own_set(ANSWER_SETS["answers/medquad"]) for p in q.answers)


def medquad_examples(assistant: object, folder: Path) -> dict[str, list[Example]]:
    """Per split, MedQuAD questions against the sentences of their own page, shuffled with a fixed seed. Pages
    with one answer are left out (nothing to tell apart); of the tune pages, only the adapter's half
    (`eval.splits.adapter_page`; the answer scorer trains on the other) less the fact questions' pages."""
    index = assistant.index
    rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(index.chunks):
        rows.setdefault(chunk.doc_id, []).append(row)
    facts = fact_pages()

    def usable(q: Query) -> bool:
        page = medquad_page_key(q.qid)
        return q.split == HELD_OUT or (adapter_page(page) and page not in facts)

    asked = [q for q in medquad_queries(every_medquad_page(folder)) if q.qid in rows and usable(q)]
    pages: dict[str, list[str]] = {}
    for q in asked:
        pages.setdefault(medquad_page_key(q.qid), []).append(q.qid)
    asked = [q for q in asked if len(pages[medquad_page_key(q.qid)]) > 1]
    random.Random(0).shuffle(asked)
    # Per page, its sentences' vectors and the document (answer) each comes from: shared by the page's questions.
    sentences: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for page, doc_ids in pages.items():
        if len(doc_ids) > 1:
            blocks = [index.sentence_vectors_of(rows[doc_id]) for doc_id in doc_ids]
            owner = np.repeat(np.array(doc_ids, dtype=object), [len(b) for b in blocks])
            sentences[page] = (np.vstack(blocks).astype(np.float32), owner)
    out: dict[str, list[Example]] = {TUNE: [], HELD_OUT: []}
    for q in asked:
        page = medquad_page_key(q.qid)
        vectors, owner = sentences[page]
        question = np.asarray(assistant.embedder.encode_query(q.text), dtype=np.float32)
        out[q.split].append(Example(question, vectors, owner == q.qid, page))
    return out


def labelled_examples(name: str, settings: Settings, datasets_dir: Path) -> dict[str, list[Example]]:
    """Per split, a labelled set's questions against the candidates the answer stage gathers for them, as
    `Assistant.ask` retrieves them (the question's closest searched part stands for it)."""
    opener = index_opener(settings, progress=False)
    index_name, corpus, asked = questions(name, settings, datasets_dir)
    assistant = opener(index_name, corpus)
    out: dict[str, list[Example]] = {TUNE: [], HELD_OUT: []}
    for q in asked:
        with assistant.embedder.sharing_queries():
            understood, hits, _ = assistant.retrieve(q.text, q.history)
            candidates = assistant.candidates(hits)
            parts = np.atleast_2d(assistant.asked(understood).vectors).astype(np.float32)
        if not candidates:
            continue
        vectors = np.vstack([c.vector for c in candidates]).astype(np.float32)
        closest = parts[int(np.argmax((vectors @ parts.T).max(axis=0)))]
        flags = np.array([matches(c.text, c.chunk.doc_id, q.answers) for c in candidates])
        out[q.split].append(Example(closest, vectors, flags))
    return out


def fold_of(example: Example, folds: int = FOLDS) -> int:
    """The cross-validation fold of an example, drawn by its group (a hash, so stable across runs)."""
    return fold_of_key(example.group, folds)


def cross_validated_picks(examples: Sequence[Example], folds: int = FOLDS, **fit_options: Any) -> list[bool]:
    """`picks` of every example by an adapter fitted on the other folds (`fold_of`) only."""
    fold = [fold_of(e, folds) for e in examples]
    out: dict[int, bool] = {}
    for k in range(folds):
        held = [i for i, f in enumerate(fold) if f == k]
        if held:
            matrix = fit_adapter([e for e, f in zip(examples, fold, strict=True) if f != k], **fit_options)
            out.update(zip(held, picks([examples[i] for i in held], matrix), strict=True))
    return [out[i] for i in range(len(examples))]


def _share(hits: Sequence[bool]) -> dict[str, float]:
    """A `figures`-shaped row (`eval.selection.macro` reads it): the share of picks that answer."""
    return {"bottom_line": sum(hits) / len(hits) if hits else math.nan, "questions": float(len(hits))}


def choose(
    train: Sequence[Example],
    validation: Mapping[str, Sequence[Example]],
    choices: Sequence[Choice] = CHOICES,
    *,
    epochs: int = EPOCHS,
) -> tuple[Choice, dict[Choice, dict[str, dict[str, float]]], dict[Choice, np.ndarray]]:
    """The (L2, temperature) to keep, every choice's table, and every choice's adapter fitted on all of `train`.

    A choice's table holds the cross-validated within-page pick over `train` and, per named `validation` set (tune
    questions that train nothing here), the pick of its adapter fitted on all of `train`. The simplest choice within
    one standard error of the best macro is kept: the strongest L2, then the softest temperature.
    """
    tables: dict[Choice, dict[str, dict[str, float]]] = {}
    matrices: dict[Choice, np.ndarray] = {}
    for l2, temperature in choices:
        log(f"l2 {l2}, temperature {temperature}: {FOLDS}-fold CV and a fit on all")
        table = {CV_ROW: _share(cross_validated_picks(train, l2=l2, temperature=temperature, epochs=epochs))}
        matrices[l2, temperature] = fit_adapter(train, l2=l2, temperature=temperature, epochs=epochs)
        for name, examples in validation.items():
            table[name] = _share(picks(examples, matrices[l2, temperature]))
        tables[l2, temperature] = table
    best = simplest_within_error(tables, lambda c: (-c[0], -c[1]))
    return best, tables, matrices


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, help="MedQuAD tune questions to train on (default: all)")
    parser.add_argument("--held-out", type=int, default=1000, help="MedQuAD held-out questions to report")
    parser.add_argument(
        "--choice", type=float, nargs=2, metavar=("L2", "TEMPERATURE"), help="fit this pair, skip the choice by CV"
    )
    parser.add_argument("--no-write", action="store_true", help=f"print figures only, leave {ADAPTER_FILE.name}")
    parser.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    try:
        log("MedQuAD, all six sources in one index")
        assistant = index_opener(settings, progress=sys.stderr.isatty())("medquad/all", datasets_dir / "medquad")
        medquad = medquad_examples(assistant, datasets_dir / "medquad")
        labelled: dict[str, dict[str, list[Example]]] = {}
        for name in LABELLED:
            log(f"{name}: candidates of the answer stage")
            labelled[name] = labelled_examples(name, settings, datasets_dir)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    train = medquad[TUNE][: args.train]
    log(f"{len(train)} tune questions to fit on")
    if args.choice:
        best: Choice = (args.choice[0], args.choice[1])
        matrix = fit_adapter(train, l2=best[0], temperature=best[1])
        how = "given on the command line"
    else:
        best, tables, matrices = choose(train, {f"{name} (tune)": found[TUNE] for name, found in labelled.items()})
        matrix = matrices[best]
        print("| l2 | temperature | " + " | ".join(tables[best]) + " | macro | error |")
        print("|---|---|" + "---|" * (len(tables[best]) + 2))
        for (l2, temperature), table in tables.items():
            cells = " | ".join(f"{row['bottom_line']:.1%}" for row in table.values())
            print(f"| {l2} | {temperature} | {cells} | {macro(table):.3f} | {macro_error(table):.3f} |")
        how = (
            f"chosen of {len(CHOICES)} pairs by {FOLDS}-fold CV on these questions and the labelled sets' tune "
            "splits (the simplest within one standard error of the best macro)"
        )
        print(f"\nkept: l2 {best[0]}, temperature {best[1]}\n")
    rows = [
        ("MedQuAD, within the page (trained on)", TUNE, train[: args.held_out]),
        ("MedQuAD, within the page", HELD_OUT, medquad[HELD_OUT][: args.held_out]),
    ]
    rows.extend((name, split, found[split]) for name, found in labelled.items() for split in (TUNE, HELD_OUT))
    print("| questions | split | n | cosine alone picks an answer | adapted cosine |")
    print("|---|---|---|---|---|")
    figures: dict[str, float] = {}
    for name, split, examples in rows:
        if examples:
            n = len(examples)
            plain, adapted = sum(picks(examples)) / n, sum(picks(examples, matrix)) / n
            figures[f"{name} {split} plain"], figures[f"{name} {split} adapted"] = round(plain, 4), round(adapted, 4)
            print(f"| {name} | {split} | {n} | {plain:.1%} | {adapted:.1%} |")
    trained_on = (
        f"{len(train)} MedQuAD tune questions (all six sources, tune pages of eval.splits.adapter_page), each "
        f"against its own page's sentences; l2 {best[0]}, temperature {best[1]} ({how}), {EPOCHS} epochs"
    )
    print(f"\n{trained_on}")
    if not args.no_write:
        adapter = Adapter(matrix, model=settings.model, trained_on=trained_on, command=RETRAIN, figures=figures)
        adapter.save(ADAPTER_FILE)
        log(f"wrote {ADAPTER_FILE}; retrain the scorer next: python -m eval.train_selector")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
