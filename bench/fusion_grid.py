"""Grid search of the hybrid fusion weights on MedQuAD (prints nDCG@10 and P@1 per weight setting).

The signals of every candidate chunk (dense, topic, BM25, aspect, best sentence, phrase) are computed once per question
with the shipped retriever's own parts; the weights are then varied offline. This is how `FusionWeights` was chosen:

    .venv/bin/medcite ingest ../shared/datasets/medquad --index /tmp/mq/index
    .venv/bin/python bench/fusion_grid.py --index /tmp/mq/index --questions 2500
"""

from __future__ import annotations

import argparse
import itertools
import random
from pathlib import Path

import numpy as np

from eval.datasets import medquad_sources, read_medquad
from qa.assistant import Assistant
from qa.retrieve import _top, strip_title


def features(assistant: Assistant, questions: list) -> list[tuple]:
    index, retriever, w = assistant.index, assistant.retriever, assistant.retriever.weights
    doc_of_row = np.array([c.doc_id for c in index.chunks])
    out = []
    for question in questions:
        text = assistant.build_query(question.text).expanded[0]
        vector = assistant.embedder.encode_query(text)
        _, dense_rows = index.dense_search(vector[None, :], w.candidates)
        dense_rows = dense_rows[0][dense_rows[0] >= 0]
        bm25_all = index.bm25.scores(text)
        bm25_rows, _ = _top(bm25_all, w.candidates)
        seeds = list(dict.fromkeys(retriever._group_of_row[dense_rows].tolist()))[: w.groups]
        expand = [retriever._group_rows[g] for g in seeds if len(retriever._group_rows[g]) <= w.max_group]
        rows = np.unique(np.concatenate([dense_rows, bm25_rows, *expand]))
        vectors = index.vectors[rows]
        dense = vectors @ vector
        groups = retriever._group_of_row[rows]
        topic = np.zeros_like(dense)
        for g in np.unique(groups):
            topic[groups == g] = dense[groups == g].max()
        top = bm25_all.max()
        bm25 = bm25_all[rows] / top if top > 0 else np.zeros_like(dense)
        stripped = strip_title(text, index.chunks[int(rows[np.argmax(dense)])].title)
        aspect_vector = vector if stripped is None else assistant.embedder.encode_query(stripped)
        aspect = dense if stripped is None else vectors @ aspect_vector
        sentence = retriever._best_sentence(rows, vector)
        phrase = index.phrases.coverage(text, rows)
        out.append((question.qid, doc_of_row[rows], dense, (topic, bm25, aspect, sentence, phrase)))
    return out


def score(feats: list[tuple], weights: tuple[float, ...]) -> tuple[float, float]:
    ndcg, p1 = [], []
    for qid, docs, dense, signals in feats:
        ranked: list[str] = []
        fused = dense + sum(w * s for w, s in zip(weights, signals, strict=True))
        for i in np.argsort(-fused, kind="stable"):
            if docs[i] not in ranked:
                ranked.append(docs[i])
            if len(ranked) == 10:
                break
        rank = ranked.index(qid) if qid in ranked else 99
        ndcg.append(1 / np.log2(rank + 2) if rank < 10 else 0.0)
        p1.append(rank == 0)
    return float(np.mean(ndcg)), float(np.mean(p1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets/medquad"))
    parser.add_argument("--questions", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=0, help="of the question sample; another seed checks a choice")
    args = parser.parse_args()
    assistant = Assistant.load(args.index)
    questions = [q for source in medquad_sources(args.datasets) for q in read_medquad(source)]
    questions = random.Random(args.seed).sample(questions, min(args.questions, len(questions)))
    feats = features(assistant, questions)
    print("| topic | bm25 | aspect | sentence | phrase | nDCG@10 | P@1 |\n|---|---|---|---|---|---|---|")
    grid = itertools.product([0, 2, 3, 4], [0, 0.1, 0.2, 0.3], [0, 0.25, 0.5], [0, 0.25, 0.5], [0, 0.15, 0.3, 0.5])
    for weights in grid:
        ndcg, p1 = score(feats, weights)
        print("| " + " | ".join(str(w) for w in weights) + f" | {ndcg:.4f} | {p1:.4f} |")


if __name__ == "__main__":
    main()
