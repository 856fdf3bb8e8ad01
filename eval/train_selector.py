"""`python -m eval.train_selector`: train the answer scorer on the tune splits and write qa/answer/selector.json.

    .venv/bin/python -m eval.train_selector                       # extract (cached), choose L2 by 5-fold CV, fit, write
    .venv/bin/python -m eval.train_selector --no-write            # figures only

Questions (tune split only for fitting; both splits are reported): our labelled sets (sentence labels, over their
own corpora), a sample of MedQuAD (all six sources in one index) and PubMedQA, and MedicationQA (BEIR), with
document labels. Indexes are the ones `medcite eval` uses (under $MEDCITE_CACHE/eval), features are cached under
$MEDCITE_CACHE/selector, keyed by the questions, the index and the code that computes them
(`eval.selection.FEATURE_CODE`). Prints every figure; the chosen model's are stored in the selector file with this
command.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from eval import EvalError, log
from eval.datasets import (
    MedquadPage,
    Passage,
    Query,
    every_medquad_page,
    medquad_queries,
    read_beir,
    read_own_set,
    read_pubmedqa,
    set_corpus,
)
from eval.datasets import sample as draw
from eval.harness import index_opener
from eval.plan import ANSWER_SETS, OWN_SET, answer_set_corpus, default_datasets_dir
from eval.selection import (
    HELD_OUT,
    TUNE,
    Group,
    baselines,
    cache_key,
    cross_validate,
    extract,
    figures,
    fit,
    load_groups,
    macro,
    macro_error,
    save_groups,
    scorer_of,
    simplest_within_error,
)
from eval.splits import adapter_page, medquad_page_key
from qa.answer.scoring import SELECTOR_FILE
from qa.settings import Settings

# MedQuAD tune questions to train on (a fixed-seed sample of all six sources; a third as many held-out ones).
MEDQUAD_TUNE = 1500
# (L2 of the named features, L2 of the vector products or None for no product term): chosen by CV on tune, the
# simplest within one standard error of the best (`eval.selection.simplest_within_error`).
CHOICES = ((0.001, None), (0.003, None), (0.03, None), (0.3, None), (0.03, 0.03), (0.03, 0.3), (0.03, 3.0))


def _split_sample(queries: Sequence, tune: int, held_out: int) -> list:
    """`tune` tune-split and `held_out` held-out questions, drawn with the harness's fixed seed."""
    return [
        *draw([q for q in queries if q.split == TUNE], tune),
        *draw([q for q in queries if q.split == HELD_OUT], held_out),
    ]


def medquad_questions(pages: Sequence[MedquadPage], tune: int = MEDQUAD_TUNE) -> list[Query]:
    """The MedQuAD questions the scorer is trained and scored on: `tune` tune questions of the tune pages the
    question adapter was not fitted on (`eval.splits.adapter_page`), a third as many held-out ones."""
    asked = [q for q in medquad_queries(pages) if q.split == HELD_OUT or not adapter_page(medquad_page_key(q.qid))]
    return _split_sample(asked, tune, tune // 3)


def conclusion_labels(path: Path, queries: Sequence[Query]) -> list[Query]:
    """PubMedQA questions labelled with a silver answer sentence: the sentence of the abstract that shares the
    most term weight with the abstract's conclusion (LONG_ANSWER, which the index withholds), when it shares at
    least two terms. Results sentences that state the finding win over the objective that restates the question."""
    from qa.chunking import split_sentences
    from qa.loaders import load_paths
    from qa.text import term_sets

    conclusions = {f"pubmed/{k}": v.get("LONG_ANSWER", "") for k, v in json.loads(path.read_text("utf-8")).items()}
    sentences: dict[str, list[str]] = {}
    for doc in load_paths([path]).documents:
        sentences[doc.doc_id] = [s.text[a:b] for s in doc.sections for a, b in split_sentences(s.text)]
    frequency: dict[str, int] = {}
    for texts in sentences.values():
        for term in frozenset().union(*term_sets(texts)):
            frequency[term] = frequency.get(term, 0) + 1
    n = len(sentences)
    out: list[Query] = []
    for query in queries:
        doc_id = next(iter(query.relevant))
        texts = sentences.get(doc_id, [])
        conclusion = term_sets([conclusions.get(doc_id, "")])[0]
        best, best_score = None, 0.0
        for text, held in zip(texts, term_sets(texts), strict=True):
            shared = held & conclusion
            score = sum(math.log(n / frequency[t]) for t in shared) / math.sqrt(len(held) or 1)
            if len(shared) >= 2 and score > best_score:
                best, best_score = text, score
        if best is not None:
            out.append(replace(query, answers=(Passage(doc_id, best),)))
    return out


def sources(
    datasets_dir: Path, settings: Settings, args: argparse.Namespace
) -> list[tuple[str, str, Path, list, bool]]:
    """(source name, index name, corpus, questions, sentence-level labels) for every training source."""
    out: list[tuple[str, str, Path, list, bool]] = [
        ("own", "own", settings.corpus_dir, list(read_own_set(OWN_SET)), True)
    ]
    for name, file in ANSWER_SETS.items():
        index_name, corpus = answer_set_corpus(set_corpus(file), datasets_dir)
        out.append((name, index_name, corpus or settings.corpus_dir, list(read_own_set(file)), True))
    medquad = datasets_dir / "medquad"
    pages = every_medquad_page(medquad)
    out.append(
        (
            "medquad",
            "medquad/all",
            medquad,
            medquad_questions(pages, args.medquad),
            False,
        )
    )
    pubmedqa = datasets_dir / "pubmedqa" / "ori_pqal.json"
    chosen = _split_sample(read_pubmedqa(pubmedqa), args.pubmedqa, args.pubmedqa // 2)
    out.append(("pubmedqa-conclusions", "pubmedqa", pubmedqa, conclusion_labels(pubmedqa, chosen), True))
    beir = datasets_dir / "medicationqa"
    if (beir / "corpus.jsonl").is_file():
        out.append(("medicationqa", "beir/medicationqa", beir, list(read_beir(beir)), False))
    return out


def gather(settings: Settings, args: argparse.Namespace) -> list[Group]:
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    opener = index_opener(settings, progress=sys.stderr.isatty())
    groups: list[Group] = []
    cache = Path(settings.cache_dir) / "selector"
    for name, index_name, corpus, queries, sentence_level in sources(datasets_dir, settings, args):
        if args.only and name not in args.only.split(","):
            continue
        log(f"{name}: {len(queries)} questions over {corpus}")
        assistant = opener(index_name, corpus)
        fingerprint = json.dumps(assistant.index.manifest.to_dict(), sort_keys=True)
        path = cache / f"{name.replace('/', '-')}-{cache_key(name, queries, fingerprint)}.npz"
        if path.is_file():
            found = load_groups(path)
        else:
            found = extract(assistant, queries, name, sentence_level=sentence_level)
            save_groups(found, path)
        groups += found
        del assistant
    return groups


def _table(title: str, rows: dict[str, dict[str, float]]) -> str:
    lines = [f"{title}", "| source split | questions | bottom line | MRR | answer retrieved |", "|---|---|---|---|---|"]
    for key, row in rows.items():
        lines.append(
            f"| {key} | {row['questions']:.0f} | {row['bottom_line']:.3f} | {row['mrr']:.3f} | "
            f"{row['answer_retrieved']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    parser.add_argument(
        "--medquad", type=int, default=MEDQUAD_TUNE, help="MedQuAD tune questions (a third as many held out)"
    )
    parser.add_argument("--pubmedqa", type=int, default=300, help="PubMedQA tune questions (half as many held out)")
    parser.add_argument("--out", type=Path, default=SELECTOR_FILE, help="where to write the selector")
    parser.add_argument("--no-write", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--only", help="comma-separated sources to use (default: all), for a quick look")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        groups = gather(settings, args)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    tune = [g for g in groups if g.split == TUNE]
    log(f"{len(groups)} groups ({len(tune)} tune); choosing L2 by 5-fold cross-validation on tune")
    cv = {
        choice: cross_validate(groups, l2=choice[0], interaction=choice[1] is not None, l2_interaction=choice[1])
        for choice in CHOICES
    }
    for choice, table in cv.items():
        summary = f"macro bottom line {macro(table):.3f}, error {macro_error(table):.3f}"
        print(_table(f"\n5-fold CV on tune, l2={choice} ({summary})", table))
    # The simplest within one standard error of the best: no vector products before products, then the strongest L2.
    best = simplest_within_error(cv, lambda c: (c[1] is not None, -c[0], -(c[1] or 0.0)))
    best_l2 = best
    model = fit(tune, l2=best[0], interaction=best[1] is not None, l2_interaction=best[1])
    learned = figures(groups, scorer_of(model))
    for name, scorer in baselines(groups).items():
        print(_table(f"\nbaseline: {name}", figures(groups, scorer)))
    print(_table(f"\nlearned (l2={best_l2}), tune and held-out", learned))
    used = sorted({g.source for g in tune})
    trained_on = (
        f"tune splits of: {', '.join(used)} ({len(tune)} questions; eval/sets/*.jsonl give sentence labels, "
        "pubmedqa-conclusions silver sentence labels, medquad and medicationqa document labels); "
        f"L2 (features, vector products) {best_l2} chosen by 5-fold CV on tune (the simplest within one standard "
        "error of the best macro bottom line)"
    )
    model = type(model)(
        features=model.features,
        mean=model.mean,
        scale=model.scale,
        weights=model.weights,
        interaction=model.interaction,
        interaction_mean=model.interaction_mean,
        interaction_scale=model.interaction_scale,
        model=settings.model,
        trained_on=trained_on,
        command="python -m eval.train_selector" + (" " + " ".join(argv) if argv else ""),
        figures={
            f"{key} {metric}": round(row[metric], 4)
            for key, row in learned.items()
            for metric in ("bottom_line", "mrr")
        },
    )
    if not args.no_write:
        model.save(args.out)
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
