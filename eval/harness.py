"""`medcite eval`: score retrieval and answers on every data set, medcite side by side with its baselines.

For each data set the harness builds (or reuses) an index of that set's own corpus under
`cache_dir/eval/<name>-<hash of its path>`, asks every question through each retrieval system, and scores the
rankings with ranx. A sample of questions is also answered in full to check that every answer sentence is a
verbatim quote of the chunk it cites, and questions are asked against the wrong corpus to measure abstention.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tqdm import tqdm

from eval import EvalError
from eval.abstention import abstention_figures
from eval.answers import (
    answer_rank,
    bottom_line_correct,
    bottom_line_relevant,
    document_figures,
    labelled_figures,
)
from eval.datasets import (
    PARTS,
    MedquadPage,
    Query,
    every_medquad_page,
    held_out_sentences,
    medquad_queries,
    part_of,
    read_beir,
    read_judged_set,
    read_own_set,
    read_pubmedqa,
    read_question_set,
    sample,
)
from eval.followups import followup_pairs, subject_change_pairs
from eval.gate import check_floors, load_floors
from eval.metrics import BASELINE, DEPTH, latency, score_systems
from eval.passages import IndexLike, PassageJudge
from eval.plan import DEFAULT_SYSTEMS, Plan, Target, default_datasets_dir, parse_systems, resolve_plan
from eval.report import render_dataset, write_outputs
from eval.splits import HELD_OUT, SPLITS, TUNE, split_of
from qa.markup import escape_markdown
from qa.records import stable_hash
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.abstention import AbstentionModel
    from qa.records import Answer, Hit

# Questions per public data set that get the (slower) full answer check, and per out-of-scope group.
ANSWER_SAMPLE = 100
ABSTENTION_SAMPLE = 100
NO_HISTORY = "-no-history"
# Hybrid is compared with the better of these on every data set (`vs_best_single`).
SINGLE_SYSTEMS = ("bm25", "dense")
FUSED_SYSTEM = "hybrid"


class AssistantLike(Protocol):
    """What the harness needs of `qa.assistant.Assistant` (tests pass a fake with the same methods)."""

    index: IndexLike

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer: ...

    def search(self, query: str, *, mode: str = "hybrid", k: int = 10, history: Sequence[str] = ()) -> list[Hit]: ...

    def rank_documents(
        self, query: str, *, mode: str = "hybrid", k: int = 100, history: Sequence[str] = ()
    ) -> list[tuple[str, float]]: ...


# (data set name, corpus path) -> an assistant over an index of that corpus.
Opener = Callable[[str, Path], AssistantLike]


@dataclass(frozen=True)
class Asked:
    """One question answered in full, kept for the answer check and the abstention figures."""

    query: Query
    answer: Answer
    seconds: float


@dataclass(frozen=True)
class Group:
    """Answers to one kind of question for the abstention figures: in scope or not, and over which corpus."""

    name: str
    in_scope: bool
    # Asked of the bundled corpus's index: the figures over these alone are the ones the shipped threshold
    # meets in the product, where confidences of different indexes never mix.
    bundled: bool
    asked: tuple[Asked, ...]


@dataclass
class _Pool:
    """What the abstention figures are built from, gathered while the data sets run."""

    groups: list[Group] = field(default_factory=list)
    # Questions of public sets to ask against our own corpus, where they are out of scope.
    foreign: list[tuple[str, tuple[Query, ...]]] = field(default_factory=list)


# --- scoring -----------------------------------------------------------------------------------------------


def _bar(items: Sequence[Any], desc: str) -> Any:
    # disable=None: bars on a terminal only, so CI logs stay readable.
    return tqdm(items, desc=desc, unit="q", leave=False, file=sys.stderr, disable=None)


def rank_queries(
    assistant: AssistantLike,
    queries: Sequence[Query],
    system: str,
    *,
    judge: PassageJudge | None = None,
    use_history: bool = True,
    desc: str = "",
) -> tuple[dict[str, list[str]], list[float]]:
    """Each query's ranked ids under one system, and the seconds each retrieval call took.

    With a judge (our own set) chunks are searched and turned into passages; otherwise documents are ranked.
    """
    rankings: dict[str, list[str]] = {}
    seconds: list[float] = []
    for query in _bar(queries, desc or system):
        history = query.history if use_history else ()
        started = time.perf_counter()
        if judge is not None:
            hits = assistant.search(query.text, mode=system, k=DEPTH, history=history)
            seconds.append(time.perf_counter() - started)
            rankings[query.qid] = judge.ranking(query, [h.chunk.chunk_id for h in hits])
        else:
            ranked = assistant.rank_documents(query.text, mode=system, k=DEPTH, history=history)
            seconds.append(time.perf_counter() - started)
            rankings[query.qid] = [doc_id for doc_id, _ in ranked]
    return rankings, seconds


def _scored(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Mapping[str, list[str]]],
    seconds: Mapping[str, list[float]],
) -> dict[str, Any]:
    scores = score_systems(qrels, rankings, baseline=BASELINE)
    systems = {name: {**scores.means[name], **latency(seconds[name])} for name in rankings}
    entry: dict[str, Any] = {
        "systems": systems,
        "significance": {"baseline": scores.baseline, "p_values": scores.p_values},
    }
    parts: dict[str, Any] = {}
    for part in PARTS:
        chosen = {qid: rel for qid, rel in qrels.items() if part_of(qid) == part}
        if chosen:
            means = score_systems(chosen, rankings, baseline=BASELINE).means
            parts[part] = {"questions": len(chosen), "systems": means}
    entry["parts"] = parts
    margins = {"all": vs_best_single(systems)}
    margins.update({part: vs_best_single(figures["systems"]) for part, figures in parts.items()})
    if all(m is not None for m in margins.values()):
        entry["vs_best_single"] = {"ndcg@10": margins}
    return entry


def vs_best_single(systems: Mapping[str, Mapping[str, float]], metric: str = "ndcg@10") -> float | None:
    """Hybrid's `metric` minus the better of bm25's and dense's (None unless all three were run)."""
    if FUSED_SYSTEM not in systems or not all(s in systems for s in SINGLE_SYSTEMS):
        return None
    return float(systems[FUSED_SYSTEM][metric]) - max(float(systems[s][metric]) for s in SINGLE_SYSTEMS)


def fusion_info(assistant: AssistantLike) -> dict[str, Any] | None:
    """How the index's hybrid weights were chosen (the manifest's `fusion`), for the report."""
    manifest = getattr(assistant.index, "manifest", None)
    fusion = getattr(manifest, "fusion", None)
    return dict(fusion) if fusion else None


def evaluate_retrieval(
    assistant: AssistantLike, queries: Sequence[Query], systems: Sequence[str], *, name: str = ""
) -> dict[str, Any]:
    """Metrics, latency and significance of every system on `queries` (judged by passage if quoted)."""
    judge = PassageJudge(assistant.index, queries) if any(q.passages for q in queries) else None
    qrels = judge.qrels(queries) if judge else {q.qid: dict(q.relevant) for q in queries}
    rankings: dict[str, dict[str, list[str]]] = {}
    seconds: dict[str, list[float]] = {}
    for system in systems:
        rankings[system], seconds[system] = rank_queries(
            assistant, queries, system, judge=judge, desc=f"{name} {system}".strip()
        )
    judged = {doc for rel in qrels.values() for doc in rel}
    missing = sorted(judged - set(assistant.index.documents)) if judge is None else []
    entry = _scored(qrels, rankings, seconds)
    fusion = fusion_info(assistant)
    if fusion is not None:
        entry["fusion"] = fusion
    if judge is not None:
        # Our own set is small enough to list, and a miss there names a question worth reading.
        entry["per_question"] = [
            {
                "id": q.qid,
                "split": q.split,
                "question": q.text,
                "history": list(q.history),
                "first_relevant_rank": {s: _first_hit(rankings[s][q.qid], qrels[q.qid]) for s in systems},
            }
            for q in queries
        ]
    entry["info"] = {
        "questions": len(queries),
        "with_history": sum(1 for q in queries if q.history),
        "documents": len(assistant.index.documents),
        "chunks": len(assistant.index.chunks),
        "unit": "passage" if judge else "document",
        "judged_documents_not_indexed": len(missing),
    }
    return entry


def _first_hit(ranked: Sequence[str], relevant: Mapping[str, int]) -> int | None:
    return next((i for i, doc in enumerate(ranked, start=1) if relevant.get(doc, 0) > 0), None)


def evaluate_followups(
    assistant: AssistantLike, pairs: Sequence[Query], systems: Sequence[str], *, name: str = ""
) -> dict[str, Any]:
    """Each system with the first turn as history and, as `<system>-no-history`, without it."""
    qrels = {q.qid: dict(q.relevant) for q in pairs}
    rankings: dict[str, dict[str, list[str]]] = {}
    seconds: dict[str, list[float]] = {}
    for system in systems:
        for label, use in ((system, True), (system + NO_HISTORY, False)):
            rankings[label], seconds[label] = rank_queries(
                assistant, pairs, system, use_history=use, desc=f"{name} {label}".strip()
            )
    entry = _scored(qrels, rankings, seconds)
    entry["info"] = {"questions": len(pairs), "documents": len(assistant.index.documents)}
    return entry


def ask_all(assistant: AssistantLike, queries: Sequence[Query], desc: str = "ask") -> list[Asked]:
    """Answer each query in full (with its history), timing each call."""
    asked = []
    for query in _bar(queries, desc):
        started = time.perf_counter()
        answer = assistant.ask(query.text, history=query.history)
        asked.append(Asked(query, answer, time.perf_counter() - started))
    return asked


def answer_figures(
    asked: Sequence[Asked], chunk_text: Mapping[str, str], judge: PassageJudge | None = None
) -> dict[str, Any]:
    """The verbatim check: the share of answer sentences found in the index text of the chunk they cite.

    The cited chunk is looked up by id in the index, not read from `Citation.chunk_text`, so a composer that
    rewrote a quote or misnumbered a citation cannot pass. Also: the share of sentences present (escaped) in the
    rendered Markdown, of questions abstained on, of answers citing a relevant source, and of answers saying
    the sources differ (on data sets whose sources rarely do, a false-alarm rate).
    """
    sentences = verbatim = in_markdown = 0
    answered = cites = disagreements = 0
    for item in asked:
        answer = item.answer
        by_number = {c.number: c for c in answer.citations}
        for sentence, number in answer.quotes:
            sentences += 1
            cited = by_number.get(number)
            if cited is not None and sentence in chunk_text.get(cited.chunk_id, ""):
                verbatim += 1
            # The Markdown shows each quote escaped (document text is never live markup there).
            if escape_markdown(sentence) in answer.markdown:
                in_markdown += 1
        if not answer.abstained:
            answered += 1
            disagreements += answer.disagreement
            if judge is not None and item.query.passages:
                cites += judge.cites_relevant(item.query, answer)
            else:
                cites += any(c.doc_id in item.query.relevant for c in answer.citations)
    n = len(asked)
    return {
        "questions": n,
        "sentences": sentences,
        "verbatim": verbatim / sentences if sentences else None,
        "in_markdown": in_markdown / sentences if sentences else None,
        "abstained": sum(1 for a in asked if a.answer.abstained) / n if n else None,
        "cites_relevant": cites / answered if answered else None,
        "disagreement": disagreements / answered if answered else None,
        **{f"ask_{k}": v for k, v in latency([a.seconds for a in asked]).items()},
    }


def _figures(groups: Sequence[Group]) -> dict[str, Any]:
    asked = [(a, g.in_scope) for g in groups for a in g.asked]
    return abstention_figures(
        [float(a.answer.confidence) for a, _ in asked],
        [scope for _, scope in asked],
        [bool(a.answer.abstained) for a, _ in asked],
    ).to_dict()


def abstention_entry(groups: Sequence[Group]) -> dict[str, Any]:
    """Abstention figures over every group, again over the bundled corpus alone, and per group."""
    per_group = {
        g.name: {
            "in_scope": g.in_scope,
            "questions": len(g.asked),
            "mean_confidence": sum(a.answer.confidence for a in g.asked) / len(g.asked) if g.asked else None,
            "abstained": sum(1 for a in g.asked if a.answer.abstained) / len(g.asked) if g.asked else None,
        }
        for g in groups
    }
    return {
        "kind": "abstention",
        **_figures(groups),
        "bundled_corpus": _figures([g for g in groups if g.bundled]),
        "groups": per_group,
    }


def near_scope_figures(asked: Sequence[Asked]) -> dict[str, Any]:
    """Of questions about what the sources never mention, close to what they do ("is baclofen safe in pregnancy?"
    of the baclofen pages), per split and over all: the share abstained on, the share answered naming a word of the
    question no source holds (`Answer.unmatched`), and the share warned either way.

    Kept apart from the pooled abstention figures (AUROC, recall): the abstention model cannot tell these from
    in-scope questions (eval/EXPERIMENTS.md, "Thirty-fifth session"), and pooled they would hide what the other
    out-of-scope groups measure."""

    def figures(chosen: Sequence[Asked]) -> dict[str, Any]:
        count = len(chosen)
        abstained = sum(1 for a in chosen if a.answer.abstained)
        named = sum(1 for a in chosen if not a.answer.abstained and a.answer.unmatched)
        return {
            "questions": count,
            "abstained": abstained / count if count else None,
            "named": named / count if count else None,
            "warned": (abstained + named) / count if count else None,
        }

    return {
        "all": figures(asked),
        "splits": {split: figures([a for a in asked if a.query.split == split]) for split in (TUNE, HELD_OUT)},
    }


# --- running -----------------------------------------------------------------------------------------------


def target_questions(target: Target) -> tuple[tuple[Query, ...], tuple[MedquadPage, ...]]:
    if target.labelled:
        return read_own_set(target.path), ()
    if target.kind == "medquad":
        # One source folder, or (medquad/all) the parent of several, all scored in one index.
        pages = every_medquad_page(target.path)
        queries = medquad_queries(pages)
        if not queries:
            raise EvalError(f"no answered question in MedQuAD folder {target.path}")
        return queries, pages
    if target.kind == "pubmedqa":
        return read_pubmedqa(target.path), ()
    if target.kind == "pubmedqa-sentences":
        if target.corpus is None:
            raise EvalError(f"{target.name} is made at run time; call materialise() first")
        return held_out_sentences(target.path, target.corpus.parent)[1], ()
    if target.kind == "beir":
        return read_beir(target.path), ()
    if target.kind == "judged":
        return read_judged_set(target.path), ()
    raise EvalError(f"no reader for data set kind {target.kind!r}")


def materialise(target: Target, settings: Settings) -> Target:
    """A target whose corpus is derived from a shared data set at run time, with that corpus written (under
    the cache, never in the repository); other targets as they are."""
    if target.kind != "pubmedqa-sentences":
        return target
    into = (
        Path(settings.cache_dir) / "eval" / "derived" / f"pubmedqa-sentences-{stable_hash(str(target.path), length=10)}"
    )
    return replace(target, corpus=held_out_sentences(target.path, into)[0])


def corpus_of(target: Target, settings: Settings) -> Path:
    """What gets ingested for a target: the bundled corpus for our own set (and a labelled set without a corpus),
    the corpus a set is asked of (a labelled set's, our messages', a derived one), else the data set's own files."""
    if target.kind == "own" or (target.kind == "answers" and target.corpus is None):
        return settings.corpus_dir
    return target.corpus if target.corpus is not None else target.path


def index_name(target: Target) -> str:
    """The name a target's index is kept under: a labelled set shares its corpus's data-set index."""
    return target.index_name or target.name


def emergency_readers(settings: Settings) -> tuple[Callable[[str], bool] | None, Callable[[str], bool] | None]:
    """The emergency readers as the chat asks them (`qa.answer.emergency`): the event reader (`likely`) and the
    situation reader (`present`), on vectors of `settings.model`; None where one does not apply (another model):
    the lexicons alone."""
    from qa.answer.emergency import readings, shipped_readers
    from qa.embedding import Embedder

    # No model is loaded for readers of another model's vectors.
    if all(reader is None or reader.model != settings.model for reader in shipped_readers()):
        return None, None
    embedder = Embedder(settings.model, runtime=settings.runtime)
    return readings(settings.model, embedder.dim, embedder.encode_query)


def emergency_entry(
    path: Path,
    *,
    check: bool = False,
    likely: Callable[[str], bool] | None = None,
    present: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """True and false positives of the emergency line on its labelled messages, in all and per split; `check` marks
    a set written after the lexicons and the readers to measure them, never used for either; `likely` and
    `present`: the emergency readers (`emergency_readers`), None for the lexicons alone."""
    from eval.datasets import _jsonl
    from qa.answer import is_emergency

    rows = []
    for number, item in _jsonl(path):
        message, label = item.get("message"), item.get("emergency")
        if not isinstance(message, str) or not isinstance(label, bool):
            raise EvalError(f"{path}:{number} needs a 'message' string and an 'emergency' true/false")
        rows.append((split_of(str(item.get("id", number))), label, is_emergency(message, likely, present=present)))

    def block(chosen: Sequence[tuple[str, bool, bool]]) -> dict[str, Any]:
        positives = sum(1 for _, label, _ in chosen if label)
        true_positives = sum(1 for _, label, got in chosen if label and got)
        false_positives = sum(1 for _, label, got in chosen if got and not label)
        return {
            "messages": len(chosen),
            "emergencies": positives,
            "true_positives": true_positives,
            "false_positives": false_positives,
            "recall": true_positives / positives if positives else None,
        }

    return {
        "kind": "emergency",
        "set": path.name,
        "check": check,
        **block(rows),
        "splits": {s: block([r for r in rows if r[0] == s]) for s in SPLITS},
    }


def run_plan(
    plan: Plan,
    settings: Settings,
    open_assistant: Opener,
    *,
    emit: Callable[[str], None] = lambda _text: None,
    log: Callable[[str], None] = lambda _text: None,
) -> dict[str, Any]:
    """Run every target of `plan` and return the results (the content of results.json).

    `emit` receives each data set's Markdown section as soon as it is scored, and `log` a line as each stage
    starts, so a long run shows where it is even where progress bars are off (CI logs).
    """
    started = time.perf_counter()
    results: dict[str, Any] = {
        "run": {
            "systems": list(plan.systems),
            "limit": plan.limit,
            "model": settings.model,
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "notes": list(plan.notes),
        },
        "datasets": {},
    }
    pool = _Pool()
    own: AssistantLike | None = None
    # Every data set is read before any index is built, so a bad file fails in seconds, not after an hour.
    targets = [materialise(target, settings) for target in plan.targets]
    questions = {target.name: target_questions(target) for target in targets}
    for target in targets:
        queries, pages = questions[target.name]
        log(f"{target.name}: indexing {corpus_of(target, settings)} (reused when unchanged)")
        assistant = open_assistant(index_name(target), corpus_of(target, settings))
        chunk_text = {c.chunk_id: c.text for c in assistant.index.chunks}
        if target.kind == "own":
            own = assistant
        if target.retrieval:
            labelled = target.labelled
            # `--limit` samples the public sets; a labelled set is asked whole, since its held-out half carries the
            # targets and the gate's floors, and a sample of it would change whenever its tune half grows.
            chosen = tuple(queries) if labelled else sample(queries, plan.limit)
            log(f"{target.name}: {len(chosen)} of {len(queries)} questions x {', '.join(plan.systems)}")
            entry = {
                "kind": "retrieval",
                **evaluate_retrieval(assistant, chosen, plan.systems, name=target.name),
            }
            entry["info"]["corpus"] = str(corpus_of(target, settings))
            # Every labelled question is answered; of a document-judged set, a sample (all of a BEIR folder's, whose
            # bottom-line-from-a-relevant-document figure is the point).
            to_ask = chosen if labelled or target.kind == "beir" else sample(chosen, ANSWER_SAMPLE)
            asked = ask_all(assistant, to_ask, desc=f"{target.name} answers")
            judge = PassageJudge(assistant.index, to_ask) if labelled else None
            entry["answers"] = answer_figures(asked, chunk_text, judge)
            if labelled:
                entry["answers"]["labelled"] = labelled_figures([(a.query, a.answer) for a in asked])
            else:
                tops = [_top_relevant(assistant, a.query) for a in asked]
                entry["answers"]["documents"] = document_figures(
                    [(a.query, a.answer, top) for a, top in zip(asked, tops, strict=True)]
                )
                # Each question asked, so that two runs can be compared question by question (`eval.compare`).
                entry["per_question"] = [_document_row(a, top) for a, top in zip(asked, tops, strict=True)]
            # A labelled set lists every question with its retrieval; each is asked.
            by_id = {item.query.qid: item for item in asked}
            for row in entry.get("per_question", ()) if labelled else ():
                row.update(_answer_row(by_id[row["id"]]))
            results["datasets"][target.name] = entry
            emit(render_dataset(target.name, entry))
            own_corpus = target.kind == "own"
            pool.groups.append(Group(f"{target.name} on its own corpus", True, own_corpus, tuple(asked)))
            if target.kind != "own":
                pool.foreign.append(
                    (target.name, sample(queries, min(plan.limit or ABSTENTION_SAMPLE, ABSTENTION_SAMPLE)))
                )
        if target.followups:
            for name, pairs in (
                ("followups/" + target.path.name, sample(followup_pairs(pages), plan.limit)),
                ("followups/" + target.path.name + " subject change", sample(subject_change_pairs(pages), plan.limit)),
            ):
                if pairs:
                    log(f"{name}: {len(pairs)} two-turn pairs, with and without history")
                    entry = {"kind": "followups", **evaluate_followups(assistant, pairs, plan.systems, name=name)}
                    results["datasets"][name] = entry
                    emit(render_dataset(name, entry))
    if plan.abstention:
        log("abstention: asking in-scope and out-of-scope questions of the bundled corpus")
        if own is None:
            own = open_assistant("own", settings.corpus_dir)
        if not any(t.kind == "own" and t.retrieval for t in plan.targets):
            asked = ask_all(own, read_own_set(plan.own_set), desc="own answers")  # labelled: whole, as above
            pool.groups.append(Group("own on its own corpus", True, True, tuple(asked)))
        off = sample(read_question_set(plan.abstain_set), plan.limit)
        asked = ask_all(own, off, desc="out-of-scope")
        pool.groups.append(Group("out-of-scope set on own corpus", False, True, tuple(asked)))
        for name, queries in pool.foreign:
            asked = ask_all(own, queries, desc=f"{name} on own corpus")
            pool.groups.append(Group(f"{name} on own corpus", False, True, tuple(asked)))
        entry = abstention_entry(pool.groups)
        near = ask_all(own, sample(read_question_set(plan.near_scope_set), plan.limit), desc="near-scope")
        entry["near_scope"] = near_scope_figures(near)
        results["datasets"]["abstention"] = entry
        emit(render_dataset("abstention", entry))
    if plan.emergency:
        log("emergency: the emergency line on its labelled messages")
        likely, present = emergency_readers(settings)
        entry = emergency_entry(plan.emergency_set, likely=likely, present=present)
        results["datasets"]["emergency"] = entry
        emit(render_dataset("emergency", entry))
        if plan.emergency_fresh_set.exists():
            entry = emergency_entry(plan.emergency_fresh_set, check=True, likely=likely, present=present)
            results["datasets"]["emergency/fresh"] = entry
            emit(render_dataset("emergency/fresh", entry))
    results["run"]["seconds"] = round(time.perf_counter() - started, 1)
    return results


def _answer_row(item: Asked) -> dict[str, Any]:
    """What a per-question row of a labelled set's report says of its answer: confidence, abstained, the bottom
    line, whether it says the sources differ, whether it is correct and the rank of the first labelled sentence
    among the scorer's candidates, so a miss can be read from the report without rerunning anything."""
    answer = item.answer
    return {
        "confidence": answer.confidence,
        "abstained": answer.abstained,
        "bottom_line": " ".join(q.text for q in answer.bottom_line) or None,
        "sources_differ": bool(answer.sides),
        "bottom_line_correct": bottom_line_correct(item.query, answer),
        "answer_rank": answer_rank(item.query, answer),
    }


def _document_row(item: Asked, top_relevant: bool) -> dict[str, Any]:
    """What a per-question row of a document-judged set says: whether the bottom line, and the top-ranked document
    of retrieval, come from a judged-relevant document (the two `document_figures` counts, one question's)."""
    answer = item.answer
    return {
        "id": item.query.qid,
        "split": item.query.split,
        "question": item.query.text,
        "abstained": answer.abstained,
        "bottom_line": " ".join(q.text for q in answer.bottom_line) or None,
        "bottom_line_relevant": bottom_line_relevant(answer, item.query.relevant),
        "top_document_relevant": top_relevant,
    }


def _top_relevant(assistant: AssistantLike, query: Query) -> bool:
    """Whether the top-ranked document of medcite's own retrieval is judged relevant (what quoting the first
    passage would show)."""
    ranked = assistant.rank_documents(query.text, k=1, history=query.history)
    return bool(ranked) and query.relevant.get(ranked[0][0], 0) > 0


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "set"


def eval_index_dir(settings: Settings, name: str, corpus: Path) -> Path:
    """Where a data set's index lives: named for the set, keyed by its resolved path so folders never mix."""
    key = stable_hash(str(Path(corpus).expanduser().resolve()), length=10)
    # Each embedding backend keeps its own index, so comparing backends does not rebuild one over the other.
    backend = "" if settings.backend == "torch" else f"-{settings.backend}"
    return Path(settings.cache_dir) / "eval" / f"{_slug(name)}-{key}{backend}"


def index_opener(settings: Settings, *, progress: bool = True, abstention: AbstentionModel | None = None) -> Opener:
    """Build (or bring up to date, which costs little when nothing changed) and load each data set's index
    (answering with `abstention`, default the shipped abstention model)."""

    def open_assistant(name: str, corpus: Path) -> AssistantLike:
        from qa.assistant import Assistant
        from qa.ingest import ingest

        local = replace(settings, index_dir=eval_index_dir(settings, name, corpus))
        ingest([corpus], local, progress=progress)
        return Assistant.load(local.index_dir, local, abstention=abstention)

    return open_assistant


def run_eval_command(args: argparse.Namespace, settings: Settings) -> int:
    """`medcite eval`: print the tables, write `--out`; 1 when `--gate` finds a figure below its floor."""
    from qa.retrieve import MODES

    systems = parse_systems(args.systems or ",".join(DEFAULT_SYSTEMS), MODES)
    floors = load_floors(args.gate) if args.gate else None
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    plan = resolve_plan(args.dataset, args.path, datasets_dir, systems=systems, limit=args.limit)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)

    def emit(text: str) -> None:
        print(text, flush=True)

    def log(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    opener = index_opener(settings, progress=sys.stderr.isatty())
    results = run_plan(plan, settings, opener, emit=emit, log=log)
    print(f"Evaluated in {results['run']['seconds']:.0f} s.")
    if args.out:
        written = write_outputs(results, Path(args.out))
        print("Wrote " + ", ".join(str(p) for p in written))
    if floors is not None:
        failures = check_floors(results, floors)
        if failures:
            print(f"eval gate FAILED ({len(failures)} below floor):", file=sys.stderr)
            for failure in failures:
                print(f"  {failure}", file=sys.stderr)
            return 1
        print(f"eval gate passed: every figure named in {args.gate} is at or above its floor")
    return 0
