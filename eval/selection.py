"""Training the answer scorer (`qa.answer.scoring.Selector`) on labelled questions, through the shipped pipeline.

Each question becomes a group: its candidate sentences exactly as `Assistant.ask` builds them (retrieval, then
`Assistant.candidates`, `Assistant.asked` and `qa.answer.features.feature_matrix`), each marked positive when it
answers. Labels come in two grains:

- sentence: our labelled sets (eval/sets/*.jsonl) quote the answering sentence;
- document: MedQuAD (a question's answer passage), PubMedQA (its abstract) and BEIR sets such as MedicationQA (the
  judged passages) name the relevant document; every sentence of it is positive. These teach the scorer to take
  the bottom line from the right document; the sentence-labelled groups teach it which sentence.

The model is a conditional logit: per group, softmax over the candidates' linear scores; the loss is minus the log
of the probability mass on the positives (so with document labels, any sentence of the right document will do),
plus an L2 penalty. Only "tune" questions train it (`eval.splits`); the held-out half is reported, never fitted.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from eval.answers import matches
from eval.datasets import Query
from eval.fingerprint import code_fingerprint
from eval.splits import HELD_OUT, TUNE, fold_of_key, medquad_page_key
from qa.answer.features import FEATURES, feature_matrix, interactions
from qa.answer.scoring import Selector

FEATURE_COUNT = len(FEATURES)
# The code a question's candidates and features come from (query understanding, retrieval, candidates, features,
# and the question adapter the adapted cosine reads): a change to any of it extracts them again.
FEATURE_CODE = (
    "qa/query.py",
    "qa/drugs.py",
    "qa/retrieve.py",
    "qa/fusion.py",
    "qa/assistant.py",
    "qa/answer/candidates.py",
    "qa/answer/features.py",
    "qa/text.py",
    "qa/answer/adapter.py",
    "qa/answer/adapter.npz",
)
# Scores a group's candidates.
Scorer = Callable[["Group"], np.ndarray]
# A setting cross-validation chooses between (an L2 pair, for the scorer).
Choice = TypeVar("Choice")


@dataclass(frozen=True)
class Group:
    """One question's candidates: their features, which answer, and where the question comes from."""

    source: str
    qid: str
    split: str
    features: np.ndarray
    positive: np.ndarray
    sentence_level: bool
    # The question-sentence vector products (`qa.answer.features.interactions`), float16 to keep caches small.
    products: np.ndarray | None = None

    @property
    def answerable(self) -> bool:
        """Whether any candidate answers (retrieval found the answer): only these can teach the scorer."""
        return bool(self.positive.any())


def extract(assistant: Any, queries: Sequence[Query], source: str, *, sentence_level: bool) -> list[Group]:
    """A group per query, built by the same calls `Assistant.ask` makes (hybrid retrieval, 20 chunks)."""
    groups: list[Group] = []
    weigh = assistant.index.phrases.idf
    for query in queries:
        with assistant.embedder.sharing_queries():
            understood, hits, _ = assistant.retrieve(query.text, query.history)
            candidates = assistant.candidates(hits)
            asked = assistant.asked(understood)
            matrix = feature_matrix(candidates, hits, asked, weigh)
            products = interactions(candidates, asked).astype(np.float16)
        if sentence_level:
            positive = [matches(c.text, c.chunk.doc_id, query.answers) for c in candidates]
        else:
            positive = [query.relevant.get(c.chunk.doc_id, 0) > 0 for c in candidates]
        groups.append(
            Group(source, query.qid, query.split, matrix, np.array(positive, dtype=bool), sentence_level, products)
        )
    return groups


def cache_key(source: str, queries: Sequence[Query], index_fingerprint: str) -> str:
    """What a cached extraction depends on: the questions, the index, the features computed and the code that
    computes them (`FEATURE_CODE`)."""
    digest = hashlib.sha256()
    code = code_fingerprint(FEATURE_CODE)
    for part in (source, index_fingerprint, ",".join(FEATURES), code, *(f"{q.qid}\x1f{q.text}" for q in queries)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def save_groups(groups: Sequence[Group], path: Path) -> None:
    """Write groups as one .npz (no pickle): concatenated features and labels, plus per-group metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sizes = np.array([len(g.positive) for g in groups], dtype=np.int64)
    features = np.concatenate([g.features for g in groups]) if groups else np.zeros((0, FEATURE_COUNT), np.float32)
    positive = np.concatenate([g.positive for g in groups]) if groups else np.zeros(0, bool)
    products = np.concatenate([g.products for g in groups]) if groups else np.zeros((0, 1), np.float16)
    meta = json.dumps([[g.source, g.qid, g.split, g.sentence_level] for g in groups])
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, sizes=sizes, features=features, positive=positive, products=products, meta=np.array(meta))
    tmp.replace(path)


def load_groups(path: Path) -> list[Group]:
    with np.load(path, allow_pickle=False) as data:
        sizes, features, positive = data["sizes"], data["features"], data["positive"]
        products = data["products"]
        meta = json.loads(str(data["meta"]))
    out: list[Group] = []
    at = 0
    for size, (source, qid, split, sentence_level) in zip(sizes, meta, strict=True):
        end = at + int(size)
        out.append(
            Group(source, qid, split, features[at:end], positive[at:end], bool(sentence_level), products[at:end])
        )
        at = end
    return out


# --- the model ---------------------------------------------------------------------------------------------------


def _stack(groups: Sequence[Group], interaction: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    blocks = [g.features if not interaction else np.hstack([g.features, g.products]) for g in groups]
    x = np.concatenate(blocks).astype(np.float64)
    y = np.concatenate([g.positive for g in groups])
    owner = np.repeat(np.arange(len(groups)), [len(g.positive) for g in groups])
    return x, y, owner


def fit(
    groups: Sequence[Group],
    *,
    features: Sequence[str] = FEATURES,
    l2: float = 1.0,
    interaction: bool = False,
    l2_interaction: float | None = None,
    weights: Mapping[str, float] | None = None,
) -> Selector:
    """The selector that best separates each group's positives from its other candidates (see module docstring).

    With `interaction`, the question-sentence vector products get a weight each too (penalised by
    `l2_interaction`, default `l2`). `weights` gives each source's total weight (default 1 each): a source's groups
    share it equally, so a large document-labelled set does not drown the small sentence-labelled ones.
    """
    from scipy.optimize import minimize

    usable = [g for g in groups if g.answerable and len(g.positive) > 1]
    if not usable:
        raise ValueError("no group has both a positive and another candidate to learn from")
    named = [FEATURES.index(f) for f in features]
    x, y, owner = _stack(usable, interaction)
    dim = x.shape[1] - len(FEATURES)
    columns = named + [len(FEATURES) + j for j in range(dim)]
    x = x[:, columns]
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    penalty = np.full(len(columns), l2)
    penalty[len(named) :] = l2 if l2_interaction is None else l2_interaction
    per_source: dict[str, int] = {}
    for g in usable:
        per_source[g.source] = per_source.get(g.source, 0) + 1
    group_weight = np.array([(weights or {}).get(g.source, 1.0) / per_source[g.source] for g in usable])
    group_weight *= len(usable) / group_weight.sum()
    n_groups = len(usable)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        # log-sum-exp per group, over all candidates and over the positives.
        top = np.full(n_groups, -np.inf)
        np.maximum.at(top, owner, s)
        e = np.exp(s - top[owner])
        total = np.zeros(n_groups)
        np.add.at(total, owner, e)
        pos = np.zeros(n_groups)
        np.add.at(pos, owner, np.where(y, e, 0.0))
        value = float(np.sum(group_weight * (np.log(total) - np.log(pos)))) / n_groups + float(penalty @ (w * w))
        # d/ds: softmax over all minus softmax over positives, per group.
        p_all = e / total[owner]
        p_pos = np.where(y, e / pos[owner], 0.0)
        grad_s = group_weight[owner] * (p_all - p_pos) / n_groups
        return value, z.T @ grad_s + 2 * penalty * w

    result = minimize(loss, np.zeros(len(columns)), jac=True, method="L-BFGS-B")
    k = len(named)
    return Selector(
        features=tuple(features),
        mean=tuple(float(v) for v in mean[:k]),
        scale=tuple(float(v) for v in scale[:k]),
        weights=tuple(float(v) for v in result.x[:k]),
        interaction=tuple(float(v) for v in result.x[k:]),
        interaction_mean=tuple(float(v) for v in mean[k:]),
        interaction_scale=tuple(float(v) for v in scale[k:]),
    )


def scorer_of(model: Selector) -> Scorer:
    """Score a group's candidates with `model`."""
    return lambda g: model.scores(g.features, g.products if model.interaction else None)


# --- figures -----------------------------------------------------------------------------------------------------


def ranks(groups: Iterable[Group], scorer: Scorer) -> list[int | None]:
    """Per group, the rank (1 = best) of its best-ranked positive under `scorer` (None: no positive candidate)."""
    out: list[int | None] = []
    for g in groups:
        if not g.answerable:
            out.append(None)
            continue
        s = scorer(g)
        order = np.argsort(-s, kind="stable")
        out.append(int(np.flatnonzero(g.positive[order])[0]) + 1)
    return out


def figures(groups: Sequence[Group], scorer: Scorer) -> dict[str, dict[str, float]]:
    """Per source and split: questions, bottom line correct (P@1; a question whose answer was not retrieved
    counts as wrong) and MRR of the answer sentences."""
    table: dict[str, dict[str, float]] = {}
    keys = sorted({(g.source, g.split) for g in groups})
    for source, split in keys:
        chosen = [g for g in groups if g.source == source and g.split == split]
        found = ranks(chosen, scorer)
        n = len(chosen)
        table[f"{source} {split}"] = {
            "questions": n,
            "bottom_line": sum(1 for r in found if r == 1) / n if n else math.nan,
            "mrr": sum(1.0 / r for r in found if r) / n if n else math.nan,
            "answer_retrieved": sum(1 for r in found if r) / n if n else math.nan,
        }
    return table


def baselines(groups: Sequence[Group]) -> dict[str, Scorer]:
    """Rankings to beat: the first sentence of the top chunk (what quoting the first passage shows), and the
    sentence closest to the question by cosine alone."""
    top_chunk, first, cos = (FEATURES.index(f) for f in ("top_chunk", "first_in_chunk", "cos_question"))
    return {
        "first passage's first sentence": lambda g: (
            2 * g.features[:, top_chunk] + g.features[:, first] - 1e-3 * np.arange(len(g.features))
        ),
        "cosine to the question": lambda g: g.features[:, cos],
    }


def splits_of(groups: Sequence[Group], split: str) -> list[Group]:
    return [g for g in groups if g.split == split]


def fold_of(group: Group, folds: int, seed: int = 0) -> int:
    """The cross-validation fold of a group: by its page for MedQuAD, whose questions about one page share their
    answers' page and wording (folds drawn per question scored a model on pages it was fitted on: a low-rank
    question-sentence term gained 3 points of macro bottom line in such folds and lost 2.5 on the held-out split),
    else by its question."""
    return fold_of_key(f"{seed}\x1f{group.source}\x1f{medquad_page_key(group.qid)}", folds)


def cross_validate(
    groups: Sequence[Group], *, folds: int = 5, seed: int = 0, **fit_options: Any
) -> dict[str, dict[str, float]]:
    """`figures` of the tune groups, each fold scored by a model fitted on the other folds (`fold_of`)."""
    tune = splits_of(groups, TUNE)
    fold = [fold_of(g, folds, seed) for g in tune]
    scored: list[Group] = []
    for k in range(folds):
        held = [g for g, f in zip(tune, fold, strict=True) if f == k]
        train = [g for g, f in zip(tune, fold, strict=True) if f != k]
        model = fit(train, **fit_options)
        # Each held-out group is scored by its fold's model: keep its scores as a one-feature group.
        for g in held:
            values = scorer_of(model)(g)[:, None]
            scored.append(Group(g.source, g.qid, g.split, values, g.positive, g.sentence_level))
    return figures(scored, lambda g: g.features[:, 0])


def macro(table: Mapping[str, Mapping[str, float]], key: str = "bottom_line") -> float:
    """The mean of a figure over the rows of a `figures` table (each source counts once)."""
    values = [row[key] for row in table.values() if not math.isnan(row[key])]
    return sum(values) / len(values) if values else math.nan


def macro_error(table: Mapping[str, Mapping[str, float]], key: str = "bottom_line") -> float:
    """The standard error of `macro`: each row's figure a binomial share of its questions, the rows independent."""
    rows = [r for r in table.values() if r["questions"] and not math.isnan(r[key])]
    if not rows:
        return math.nan
    return math.sqrt(sum(r[key] * (1.0 - r[key]) / r["questions"] for r in rows)) / len(rows)


def simplest_within_error(
    tables: Mapping[Choice, Mapping[str, Mapping[str, float]]], simpler: Callable[[Choice], Any]
) -> Choice:
    """The choice to keep by the one-standard-error rule (Hastie, Tibshirani and Friedman, "The Elements of
    Statistical Learning", 7.10): of the choices whose cross-validated `macro` is within one `macro_error` of the
    best, the simplest (smallest `simpler` key). A sharper fit that wins by less than the noise of a few dozen
    labelled questions per source is not evidence enough to give up regularisation."""
    best = max(tables, key=lambda c: macro(tables[c]))
    bar = macro(tables[best]) - macro_error(tables[best])
    return min((c for c in tables if macro(tables[c]) >= bar), key=simpler)


__all__ = [
    "HELD_OUT",
    "TUNE",
    "Group",
    "baselines",
    "cache_key",
    "cross_validate",
    "extract",
    "figures",
    "fit",
    "fold_of",
    "load_groups",
    "macro",
    "macro_error",
    "save_groups",
    "scorer_of",
    "simplest_within_error",
]
