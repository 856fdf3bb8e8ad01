"""`python -m eval.train_abstention`: train the abstention model on the tune splits and write qa/abstention.json.

    .venv/bin/python -m eval.train_abstention               # extract (cached), fit, choose the threshold, write
    .venv/bin/python -m eval.train_abstention --no-write    # the figures only: before and after, tune and held-out

In scope: questions with judged answers asked of their own corpus (our labelled sets, MedicationQA, a sample of
MedQuAD with all six sources in one index, a sample of PubMedQA, our long consumer messages). Out of scope:
`eval/sets/abstain.jsonl` asked of the bundled corpus, and questions asked of a corpus that does not hold their
answer (`OUT_OF_SCOPE`): MedicationQA, PubMedQA and MedQuAD questions asked of the bundled two-page corpus, and
questions of the other MedQuAD sources asked of NIDDK's pages when NIDDK never names their subject, and
MedicationQA questions asked of NIDDK's pages when NIDDK names none of the drugs they name.
Checked by hand (eval/README.md, "Abstention"): a random 40 of these and the 12 the model was most confident about are
unanswered where they are asked.

The model is fitted on the tune split only (`eval.splits`); its L2 penalty is chosen by 5-fold cross-validation on
tune (the lowest mean error per group), and the threshold is the lowest that keeps every out-of-scope group's tune
questions at least `--out-of-scope` abstained on. Figures are printed per group and split, for the hand-made
formula at its shipped threshold (before) and the learned model (after). Signals are cached under
$MEDCITE_CACHE/abstention, keyed by the questions, the index and the code that computes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from eval import EvalError, log
from eval.datasets import (
    MedquadPage,
    Query,
    medquad_queries,
    medquad_sources,
    read_beir,
    read_judged_set,
    read_medquad_pages,
    read_own_set,
    read_pubmedqa,
    read_question_set,
    set_corpus,
)
from eval.datasets import sample as draw
from eval.fingerprint import code_fingerprint
from eval.harness import index_opener
from eval.logistic import fit_logistic, group_weights
from eval.plan import ABSTAIN_SET, ANSWER_SETS, MESSAGE_SETS, OWN_SET, answer_set_corpus, default_datasets_dir
from eval.splits import HELD_OUT, SPLITS, TUNE, split_of
from qa.abstention import FEATURES, MODEL_FILE, AbstentionModel, feature_values
from qa.confidence import Signals
from qa.drugs import drug_names, is_drug_name
from qa.settings import Settings

# The code the signals come from: a change to any of it re-extracts them.
SIGNAL_CODE = ("qa/confidence.py", "qa/query.py", "qa/drugs.py", "qa/retrieve.py", "qa/assistant.py")
# L2 penalties tried (on standardised features): the one with the lowest mean error per group in CV wins.
PENALTIES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
FOLDS = 5
# The bundled corpus's index name (as `medcite eval` keeps it).
BUNDLED = "own"
NIDDK = "5_NIDDK_QA"
# A focus word used by at least this share of MedQuAD's page focuses is generic ("syndrome", "disease").
GENERIC_FOCUS = 0.05
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Source:
    """Questions asked of one index: in scope (their answer is there) or not."""

    group: str
    in_scope: bool
    index_name: str
    corpus: Path
    queries: tuple[Query, ...]


@dataclass(frozen=True)
class Row:
    """One question's signals, with where it was asked and its split."""

    group: str
    qid: str
    split: str
    in_scope: bool
    signals: Signals


def _split(query: Query) -> str:
    return query.split or split_of(query.qid)


def _split_sample(queries: Sequence[Query], per_split: int) -> tuple[Query, ...]:
    """`per_split` questions of each split, drawn with the harness's fixed seed."""
    return tuple(q for s in SPLITS for q in draw([q for q in queries if _split(q) == s], per_split))


def _never_named(pages: Sequence[MedquadPage], corpus: str, every: Sequence[MedquadPage]) -> list[MedquadPage]:
    """The pages whose subject the corpus never names: no word of their focus (four letters or more) occurs in
    it, other than the words of at least `GENERIC_FOCUS` of all focuses ("syndrome", "disease"). A question
    about such a subject is not answered there, however close its wording ("What are the treatments for X ?").

    Stricter than "no page on X": "atypical hemolytic-uremic syndrome" is left out because the corpus names
    "hemolytic", so subjects the corpus treats under another name do not become false out-of-scope labels."""
    counts: dict[str, int] = {}
    for page in every:
        for word in set(_WORD.findall(page.focus.lower())):
            counts[word] = counts.get(word, 0) + 1
    generic = {w for w, n in counts.items() if n >= GENERIC_FOCUS * len(every)}
    named = set(_WORD.findall(corpus.lower()))
    return [
        p
        for p in pages
        if not any(w in named for w in _WORD.findall(p.focus.lower()) if len(w) >= 4 and w not in generic)
    ]


def sources(datasets_dir: Path, settings: Settings, args: argparse.Namespace) -> list[Source]:
    """Every group of questions, in scope and out of scope, with the index each is asked of."""
    bundled = settings.corpus_dir
    out = [Source("own", True, BUNDLED, bundled, read_own_set(OWN_SET))]
    for name, file in ANSWER_SETS.items():
        index_name, corpus = answer_set_corpus(set_corpus(file), datasets_dir)
        out.append(Source(name, True, index_name, corpus or bundled, read_own_set(file)))
    medicationqa = datasets_dir / "medicationqa"
    medication = read_beir(medicationqa)
    out.append(Source("medicationqa", True, "beir/medicationqa", medicationqa, medication))
    medquad = datasets_dir / "medquad"
    folders = medquad_sources(medquad)
    pages = {f.name: read_medquad_pages(f)[0] for f in folders}
    every = medquad_queries([p for found in pages.values() for p in found])
    out.append(Source("medquad", True, "medquad/all", medquad, _split_sample(every, args.medquad)))
    pubmedqa = datasets_dir / "pubmedqa" / "ori_pqal.json"
    papers = read_pubmedqa(pubmedqa)
    out.append(Source("pubmedqa", True, "pubmedqa", pubmedqa, _split_sample(papers, args.pubmedqa)))
    for name, file, corpus, index_name in MESSAGE_SETS:
        out.append(Source(name, True, index_name, datasets_dir / corpus, read_judged_set(file)))

    out.append(Source("abstain.jsonl", False, BUNDLED, bundled, read_question_set(ABSTAIN_SET)))
    out.append(Source("medicationqa on bundled", False, BUNDLED, bundled, medication))
    out.append(Source("pubmedqa on bundled", False, BUNDLED, bundled, _split_sample(papers, args.foreign)))
    out.append(Source("medquad on bundled", False, BUNDLED, bundled, _split_sample(every, args.foreign)))
    niddk = medquad / NIDDK
    niddk_text = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(niddk.glob("*.xml")))
    every_page = [p for found in pages.values() for p in found]
    others = [p for name, found in pages.items() if name != NIDDK for p in _never_named(found, niddk_text, every_page)]
    elsewhere = _split_sample(medquad_queries(others), args.foreign)
    out.append(Source("medquad others on NIDDK", False, f"medquad/{NIDDK}", niddk, elsewhere))
    strangers = _split_sample(_about_unnamed_drugs(medication, niddk_text), args.foreign)
    out.append(Source("medicationqa on NIDDK", False, f"medquad/{NIDDK}", niddk, strangers))
    return out


def _about_unnamed_drugs(queries: Sequence[Query], corpus: str) -> list[Query]:
    """The questions that name a drug (`qa.drugs.is_drug_name`) and no drug the corpus names: "can I take X with
    Y?" is not answered by pages that never mention X or Y, however much they say about what else it asks."""
    named = set(_WORD.findall(corpus.lower()))
    out = []
    for query in queries:
        drugs = {w for w in _WORD.findall(query.text.lower()) if len(w) >= 4 and is_drug_name(w)}
        # "cipro" is asked about wherever the corpus names ciprofloxacin.
        generic = {g for w in drugs for g in _WORD.findall(drug_names().get(w, ""))}
        if drugs and not (drugs | generic) & named:
            out.append(query)
    return out


def extract(settings: Settings, chosen: Sequence[Source]) -> list[Row]:
    """Every question's signals, asked as medcite asks it (`Assistant.retrieve`), cached per group.

    The assistants answer with the hand-made formula (`AbstentionModel.formula`), so the reading of a question that
    leans on its history is chosen as it was before any model was learned: what is learned never shapes its data.
    """
    opener = index_opener(settings, progress=sys.stderr.isatty(), abstention=AbstentionModel.formula())
    cache = Path(settings.cache_dir) / "abstention"
    cache.mkdir(parents=True, exist_ok=True)
    code = code_fingerprint(SIGNAL_CODE)
    rows: list[Row] = []
    opened: dict[str, object] = {}
    # Grouped by index, so each index is loaded once.
    for source in sorted(chosen, key=lambda s: s.index_name):
        ids = "\n".join(f"{q.qid}\t{q.text}\t{'|'.join(q.history)}" for q in source.queries)
        key = hashlib.sha256(f"{source.group}\n{source.index_name}\n{code}\n{ids}".encode()).hexdigest()[:16]
        path = cache / f"{source.group.replace('/', '-').replace(' ', '_')}-{key}.json"
        if path.is_file():
            found = [Row(r["group"], r["qid"], r["split"], r["in_scope"], Signals(**r["signals"])) for r in _read(path)]
        else:
            log(f"{source.group}: {len(source.queries)} questions asked of {source.index_name}")
            if source.index_name not in opened:
                opened.clear()  # one index in memory at a time
                opened[source.index_name] = opener(source.index_name, source.corpus)
            assistant = opened[source.index_name]
            found = []
            for query in source.queries:
                with assistant.embedder.sharing_queries():
                    understood, hits, _ = assistant.retrieve(query.text, query.history)
                    signals = assistant.signals(understood, hits) if hits else _nothing(understood.followup)
                found.append(Row(source.group, query.qid, _split(query), source.in_scope, signals))
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps([{**asdict(r), "signals": asdict(r.signals)} for r in found]), encoding="utf-8")
            tmp.replace(path)
        rows += found
    return rows


def _read(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def _nothing(followup: bool) -> Signals:
    """The signals of a question nothing was retrieved for (an empty index): no evidence, nothing covered."""
    return Signals(0.0, 0.0, 0.0, 0, 0, 0, 0, 0, followup)


# --- fitting -----------------------------------------------------------------------------------------------


def _matrix(rows: Sequence[Row], names: Sequence[str]) -> np.ndarray:
    return np.array([feature_values(r.signals, tuple(names)) for r in rows], dtype=np.float64)


def _weights(rows: Sequence[Row]) -> np.ndarray:
    """Each group weighs the same within its class, and the two classes the same: MedQuAD's many in-scope
    questions do not drown our small sets, nor the many foreign questions the few of abstain.jsonl."""
    return group_weights([r.in_scope for r in rows], [r.group for r in rows])


def fit(rows: Sequence[Row], *, l2: float, names: Sequence[str] = tuple(FEATURES)) -> AbstentionModel:
    """The logistic regression of in-scope on the features (standardised), group-weighted, with an L2 penalty."""
    x = _matrix(rows, names)
    y = np.array([r.in_scope for r in rows], dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    w = fit_logistic((x - mean) / scale, y, _weights(rows), l2)
    return AbstentionModel(
        features=tuple(names),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) for v in w[:-1]),
        bias=float(w[-1]),
        threshold=0.5,
    )


def threshold_for(probabilities: Sequence[float], rows: Sequence[Row], out_of_scope: float) -> float:
    """The lowest threshold (abstain below it) at which every out-of-scope group abstains on at least
    `out_of_scope` of its questions: the fewest in-scope abstentions that target allows."""
    needed = 0.0
    for group in sorted({r.group for r in rows if not r.in_scope}):
        values = sorted(p for p, r in zip(probabilities, rows, strict=True) if r.group == group)
        # Abstaining on the k lowest needs a threshold just above the k-th lowest.
        k = math.ceil(out_of_scope * len(values))
        if not k:
            continue
        # Halfway to the next value up, as `eval.abstention.best_threshold` places its candidates; just above
        # the highest when every question must be abstained on.
        if k < len(values) and values[k] > values[k - 1]:
            needed = max(needed, (values[k - 1] + values[k]) / 2)
        else:
            needed = max(needed, math.nextafter(values[k - 1], math.inf))
    return min(max(needed, 1e-6), 1 - 1e-6)


def cross_validate(rows: Sequence[Row], *, l2: float, out_of_scope: float) -> float:
    """The mean error over the groups: the share of an in-scope group abstained on, of an out-of-scope group
    answered, each fold scored by a model (and threshold) fitted on the other folds of the tune rows. Folds are
    drawn by a hash of the question id, so they never move."""
    folds = [int(hashlib.sha256(f"{r.group}/{r.qid}".encode()).hexdigest(), 16) % FOLDS for r in rows]
    wrong: dict[str, list[bool]] = {}
    for fold in range(FOLDS):
        train = [r for r, f in zip(rows, folds, strict=True) if f != fold]
        test = [r for r, f in zip(rows, folds, strict=True) if f == fold]
        model = fit(train, l2=l2)
        threshold = threshold_for([model.probability(r.signals) for r in train], train, out_of_scope)
        for r in test:
            wrong.setdefault(r.group, []).append((model.probability(r.signals) < threshold) == r.in_scope)
    return float(np.mean([np.mean(v) for v in wrong.values()]))


# --- figures -----------------------------------------------------------------------------------------------


def table(rows: Sequence[Row], models: dict[str, AbstentionModel]) -> tuple[str, dict[str, float]]:
    """Per group and split, the share abstained on under each model (Markdown), and the same as figures."""
    names = list(models)
    lines = [
        "| group | scope | split | questions | " + " | ".join(f"abstained, {n}" for n in names) + " |",
        "|---|---|---|---|" + "---|" * len(names),
    ]
    figures: dict[str, float] = {}
    groups = list(dict.fromkeys(r.group for r in rows))
    for group in groups:
        for split in (TUNE, HELD_OUT):
            chosen = [r for r in rows if r.group == group and r.split == split]
            if not chosen:
                continue
            scope = "in" if chosen[0].in_scope else "out"
            cells = []
            for n, model in models.items():
                count = sum(model.probability(r.signals) < model.threshold for r in chosen)
                figures[f"{group} {split} abstained {n}"] = round(count / len(chosen), 4)
                cells.append(f"{100 * count / len(chosen):.1f}% ({count})")
            lines.append(f"| {group} | {scope} | {split} | {len(chosen)} | " + " | ".join(cells) + " |")
    return "\n".join(lines), figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    parser.add_argument("--medquad", type=int, default=500, help="MedQuAD questions per split, in scope")
    parser.add_argument("--pubmedqa", type=int, default=300, help="PubMedQA questions per split, in scope")
    parser.add_argument("--foreign", type=int, default=150, help="questions per split of each foreign group")
    parser.add_argument("--out-of-scope", type=float, default=0.95, help="least share abstained per foreign group")
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="where to write the model")
    parser.add_argument("--no-write", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--show", type=int, default=0, help="print the N most confident out-of-scope questions")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    try:
        chosen = sources(datasets_dir, settings, args)
        rows = extract(settings, chosen)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    tune = [r for r in rows if r.split == TUNE]
    log(f"{len(rows)} questions ({len(tune)} tune); choosing L2 by {FOLDS}-fold cross-validation on tune")
    cv = {l2: cross_validate(tune, l2=l2, out_of_scope=args.out_of_scope) for l2 in PENALTIES}
    for l2, value in cv.items():
        print(
            f"CV on tune, l2={l2}: mean error per group (in scope abstained, out of scope answered) {100 * value:.2f}%"
        )
    l2 = min(cv, key=lambda k: (cv[k], -k))
    model = fit(tune, l2=l2)
    threshold = threshold_for([model.probability(r.signals) for r in tune], tune, args.out_of_scope)
    model = replace(model, threshold=threshold)
    text, figures = table(rows, {"formula": AbstentionModel.formula(), "learned": model})
    print(f"\nl2={l2}, threshold {threshold:.4f}\n\n{text}")
    weights = zip(model.features, model.weights, strict=True)
    print("\nweights (standardised features): " + ", ".join(f"{f} {w:+.2f}" for f, w in weights))
    if args.show:
        text_of = {(s.group, q.qid): q.text for s in chosen for q in s.queries}
        worst = sorted((r for r in rows if not r.in_scope), key=lambda r: -model.probability(r.signals))[: args.show]
        print("\nmost confident out-of-scope questions:")
        for r in worst:
            print(f"  {model.probability(r.signals):.3f} {r.group} {r.qid} {r.split}: {text_of[(r.group, r.qid)]!r}")
    groups = sorted({r.group for r in tune})
    trained_on = (
        f"tune splits (eval.splits) of {len(groups)} groups, {len(tune)} questions: in scope, asked of their own "
        f"corpus: {', '.join(g for g in groups if any(r.in_scope for r in tune if r.group == g))}; out of scope: "
        f"{', '.join(g for g in groups if not any(r.in_scope for r in tune if r.group == g))}; groups weigh the same "
        f"within a class; L2 {l2} chosen by {FOLDS}-fold CV on tune (lowest mean error per group); threshold "
        f"the lowest that abstains on at least {args.out_of_scope:.0%} of every out-of-scope group's tune questions"
    )
    model = replace(
        model,
        trained_on=trained_on,
        command="python -m eval.train_abstention" + (" " + " ".join(argv) if argv else ""),
        figures={k: v for k, v in figures.items() if k.endswith("learned")},
    )
    if not args.no_write:
        model.save(args.out)
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
