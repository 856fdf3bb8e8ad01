"""The aspect battery: does a reader tell which side of a medicine a question asks about?

`eval/sets/aspects.jsonl` holds 16 common medicines, each with one sentence on each of eight aspects (how it works,
what it is for, dose, adverse effects, an interaction, elimination, pregnancy, overdose), every sentence naming
the medicine, and 96 questions, each asking one aspect ("how does my blood thinner warfarin work", "apixaban
renal dosing?"), written for this check (nineteenth-session plan, twentieth session): by no data set and by no
reader's training. A reader reads each question against its medicine's eight sentences, as `Assistant.ask` has it
read candidates (`sentence_in_context`, the medicine's name the page title); it is right when the sentence of the
aspect asked comes first. The drug name is in every sentence, so only what the question asks separates them.

Why: retrained on labelled sets that mostly ask about kidneys and dialysis, a reader came to put the clearance
sentence first for "how does baclofen work?" and "how does warfarin work?" (eval/EXPERIMENTS.md, "Nineteenth
session"), which the labelled sets' figures did not show. The battery is that check, done before a reader ships.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from eval import EvalError
from eval.plan import SETS_DIR
from qa.answer.rerank import sentence_in_context
from qa.records import Chunk

BATTERY = SETS_DIR / "aspects.jsonl"
ASPECTS = ("mechanism", "use", "dose", "adverse", "interaction", "elimination", "pregnancy", "overdose")


class Reader(Protocol):
    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Medicine:
    """One medicine of the battery: its name, its sentence per aspect (in `ASPECTS` order), its questions."""

    name: str
    sentences: tuple[str, ...]
    questions: tuple[tuple[str, str], ...]  # (aspect, question)


@dataclass(frozen=True)
class BatteryResult:
    """How many questions a reader got right, and of the wrong ones, (asked, chosen) aspect pairs."""

    right: int
    questions: int
    confusions: Counter[tuple[str, str]]

    @property
    def share(self) -> float:
        return self.right / self.questions if self.questions else 0.0


def read_battery(path: Path = BATTERY) -> list[Medicine]:
    """The battery's medicines; a malformed line is refused with its line number."""
    medicines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            sentences = tuple(record["sentences"][aspect] for aspect in ASPECTS)
            questions = tuple((q["aspect"], q["text"]) for q in record["questions"])
            name = record["title"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvalError(f"{path}:{number}: not a battery line ({exc!r}); see eval/aspects.py") from exc
        unknown = {aspect for aspect, _ in questions} - set(ASPECTS)
        if unknown:
            raise EvalError(f"{path}:{number}: questions ask unknown aspects {sorted(unknown)}")
        medicines.append(Medicine(name, sentences, questions))
    return medicines


def read_with(reader: Reader, medicines: Sequence[Medicine]) -> BatteryResult:
    """Each question read against its medicine's sentences in context; right when its aspect's comes first."""
    right = total = 0
    confusions: Counter[tuple[str, str]] = Counter()
    for medicine in medicines:
        chunk = Chunk("battery", medicine.name, medicine.name, (medicine.name,), 0, 0, 0, "", ())
        texts = [sentence_in_context(chunk, sentence) for sentence in medicine.sentences]
        for aspect, question in medicine.questions:
            chosen = ASPECTS[int(np.argmax(reader.scores(question, texts)))]
            total += 1
            if chosen == aspect:
                right += 1
            else:
                confusions[(aspect, chosen)] += 1
    return BatteryResult(right, total, confusions)
