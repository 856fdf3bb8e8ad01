"""Ask-latency benchmark: warm `Assistant.ask` per retrieval mode, p50/p95 and where the time goes.

    .venv/bin/python bench/ask_bench.py --index DIR [--questions 200] [--datasets PATH] [--modes hybrid,dense]

PATH is a MedQuAD folder (all source folders, or one), a JSONL file of questions (`{"question"|"text": ...,
"history"?: [...]}` per line: our own sets or a BEIR queries.jsonl), or a BEIR folder (its queries.jsonl).
It defaults to $MEDCITE_DATASETS/medquad, else ../shared/datasets/medquad beside the repository. The questions
are a fixed-seed sample, so two runs time the same ones.

The model and index are loaded once. Each mode is timed on a fresh `Assistant` over that same index and model,
so sentence vectors cached while timing one mode do not flatter the next; each starts with five warm-up
questions that are not timed and not among the timed ones. Prints one Markdown table. The goal is warm
ask() p50 <= 50 ms and p95 <= 150 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from eval import EvalError  # noqa: E402
from eval.datasets import SAMPLE_SEED, medquad_sources, read_medquad  # noqa: E402
from eval.datasets import Query as EvalQuery  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.errors import MedciteError  # noqa: E402
from qa.retrieve import MODES, check_mode  # noqa: E402
from qa.settings import Settings  # noqa: E402

STAGES = ("query", "retrieve", "compose", "suggest")
WARM_UP = 5
GOAL_P50_MS = 50.0
GOAL_P95_MS = 150.0


@dataclass(frozen=True)
class Question:
    """One timed question and the earlier turns it is asked after."""

    text: str
    history: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModeResult:
    """Latencies of one mode over all timed questions, and the summed seconds of each stage."""

    mode: str
    seconds: tuple[float, ...]
    stage_seconds: dict[str, float]
    abstained: int

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(np.asarray(self.seconds) * 1000.0, q))

    def share(self, stage: str) -> float:
        """The stage's share of the total time of all asks, in percent."""
        total = sum(self.seconds)
        return 100.0 * self.stage_seconds.get(stage, 0.0) / total if total > 0 else 0.0


def default_datasets() -> Path:
    shared = os.environ.get("MEDCITE_DATASETS")
    base = Path(shared) if shared else REPO / ".." / "shared" / "datasets"
    return (base / "medquad").resolve()


def read_jsonl_questions(path: Path) -> list[Question]:
    """Questions of a JSONL file: each line an object with "question" or "text", optionally "history".

    Raises:
        EvalError: the file cannot be read, a line is not a JSON object, or a line has no question.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"cannot read questions from {path}: {exc}") from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{number} is not valid JSON ({exc.msg}); fix or remove the line") from exc
        text = item.get("question", item.get("text")) if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise EvalError(f'{path}:{number} needs a non-empty "question" (or BEIR "text") string')
        history = item.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise EvalError(f'{path}:{number}: "history" must be a list of the earlier turns (strings)')
        questions.append(Question(text.strip(), tuple(history)))
    if not questions:
        raise EvalError(f"{path} holds no questions")
    return questions


def read_questions(path: Path) -> list[Question]:
    """Every question at `path`: a JSONL file, a BEIR folder, or a MedQuAD root or source folder.

    Raises:
        EvalError: nothing there holds questions.
    """
    if path.is_file():
        return read_jsonl_questions(path)
    if (path / "queries.jsonl").is_file():
        return read_jsonl_questions(path / "queries.jsonl")
    found: list[EvalQuery] = []
    for source in medquad_sources(path):
        found.extend(read_medquad(source))
    if not found:
        raise EvalError(f"no answered MedQuAD questions in {path}")
    return [Question(q.text, q.history) for q in found]


def pick(questions: Sequence[Question], timed: int) -> tuple[list[Question], list[Question]]:
    """(warm-up, timed): a fixed-seed sample of `timed + WARM_UP` questions (all, if there are fewer).

    Raises:
        EvalError: there are not more than `WARM_UP` questions.
    """
    if len(questions) <= WARM_UP:
        raise EvalError(f"need more than {WARM_UP} questions (warm-up plus at least one timed), got {len(questions)}")
    # random.sample draws in random order, so the warm-up questions are spread over the sources too.
    drawn = random.Random(SAMPLE_SEED).sample(range(len(questions)), min(len(questions), timed + WARM_UP))
    chosen = [questions[i] for i in drawn]
    return chosen[:WARM_UP], chosen[WARM_UP:]


def time_mode(loaded: Assistant, mode: str, warm_up: Sequence[Question], timed: Sequence[Question]) -> ModeResult:
    """Time `ask` in one mode on a fresh Assistant sharing `loaded`'s index and model."""
    assistant = Assistant(loaded.index, loaded.embedder, answer_settings=loaded.answer_settings)
    for question in warm_up:
        assistant.ask(question.text, question.history, mode=mode)
    seconds: list[float] = []
    stages = dict.fromkeys(STAGES, 0.0)
    abstained = 0
    for question in timed:
        started = time.perf_counter()
        answer = assistant.ask(question.text, question.history, mode=mode)
        seconds.append(time.perf_counter() - started)
        abstained += answer.abstained
        # An abstention stops before composing and suggesting: its missing stages cost nothing.
        for stage in STAGES:
            stages[stage] += answer.timings.get(stage, 0.0)
    return ModeResult(mode, tuple(seconds), stages, abstained)


def table(results: Sequence[ModeResult]) -> str:
    head = "| mode | asked | abstained | p50 ms | p95 ms | mean ms | " + " | ".join(f"{s} %" for s in STAGES)
    lines = [head + " | other % |", "|" + " --- |" * (7 + len(STAGES))]
    for r in results:
        shares = [r.share(s) for s in STAGES]
        cells = [
            r.mode,
            str(len(r.seconds)),
            str(r.abstained),
            f"{r.percentile_ms(50):.1f}",
            f"{r.percentile_ms(95):.1f}",
            f"{1000.0 * float(np.mean(r.seconds)):.1f}",
            *(f"{s:.1f}" for s in shares),
            f"{max(0.0, 100.0 - sum(shares)):.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(result: ModeResult) -> str:
    p50, p95 = result.percentile_ms(50), result.percentile_ms(95)
    met = p50 <= GOAL_P50_MS and p95 <= GOAL_P95_MS
    return f"{result.mode}: p50 {p50:.1f} ms, p95 {p95:.1f} ms: {'meets' if met else 'misses'} the goal"


def parse_modes(text: str) -> list[str]:
    """Comma-separated modes, each checked (ValueError names the valid ones)."""
    return [check_mode(m.strip()) for m in text.split(",") if m.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an existing index directory")
    parser.add_argument("--questions", type=int, default=200, help="how many questions to time per mode")
    parser.add_argument("--datasets", type=Path, default=None, help="MedQuAD folder, JSONL file or BEIR folder")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's own choice)")
    args = parser.parse_args(argv)
    if args.questions < 1:
        parser.error(f"--questions must be at least 1, got {args.questions}")
    try:
        modes = parse_modes(args.modes)
    except ValueError as exc:
        parser.error(str(exc))
    if not modes:
        parser.error("--modes names no mode")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    source = (args.datasets or default_datasets()).resolve()
    if not source.exists():
        parser.error(f"{source} does not exist; pass --datasets or set MEDCITE_DATASETS")

    import torch

    if args.threads is not None:
        # On a busy machine, torch's one-thread-per-core default contends with other processes for every core.
        torch.set_num_threads(args.threads)
    try:
        warm_up, timed = pick(read_questions(source), args.questions)
        settings = Settings.from_env(index_dir=args.index)
        started = time.perf_counter()
        loaded = Assistant.load(args.index, settings)
        loaded.embedder.model  # noqa: B018 -- load torch and the model before any timing
        load_seconds = time.perf_counter() - started
        results = [time_mode(loaded, mode, warm_up, timed) for mode in modes]
    except MedciteError as exc:
        print(f"ask_bench: {exc}", file=sys.stderr)
        return 2

    manifest = loaded.index.manifest
    print(f"Index: {args.index} ({manifest.documents} documents, {manifest.chunks} chunks, {manifest.dense_kind})")
    print(f"Questions: {len(timed)} timed + {WARM_UP} warm-up per mode, from {source}")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads; assistant loaded in {load_seconds:.1f} s (not timed); load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end\n"
    )
    print(table(results))
    print(
        "\nretrieve % includes the confidence (and, for a question read again as a follow-up, a second search); "
        "other %: time outside the four stages; an abstention times its text as compose."
    )
    print(f"\nGoal: warm ask() p50 <= {GOAL_P50_MS:.0f} ms, p95 <= {GOAL_P95_MS:.0f} ms.")
    for result in results:
        print(f"- {verdict(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
