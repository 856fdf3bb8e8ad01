"""`python -m eval.train_emergency`: train the emergency reader on the tune splits; write qa/answer/emergency.json.

    .venv/bin/python -m eval.train_emergency              # embed (cached), choose L2 and threshold, fit, write
    .venv/bin/python -m eval.train_emergency --no-write   # the figures only, tune and held-out

Emergencies: the messages of `eval/sets/emergency.jsonl` labelled so. Calm: its messages labelled calm, and the
questions of real consumers and clinicians that were asked to be answered (our labelled sets, the long consumer
messages, MedicationQA, MedQuAD and PubMedQA), less those the lexicons already read as an emergency now
(`qa.answer.safety`): such a question is not known to be calm. `eval/sets/emergency_fresh.jsonl` is never read:
it is the check (`medcite eval emergency`).

The reader is a logistic regression over the message's normalised vector (`qa.answer.emergency`), fitted on the
tune split only (`eval.splits`). Each group of messages weighs the same within its class, and the two classes the
same, so MedQuAD's thousands of questions do not drown the few labelled calm messages. What the reader adds is read
behind the checks of person and tense (`safety.is_emergency`), so the threshold is chosen on what those let
through: one at which the reader raises no false alarm among the tune messages labelled calm and at most `--alarms`
of the calm tune questions (halfway to the next emergency up), scored out of fold (5-fold cross-validation on tune),
and none of them as the reader fitted on all of tune (the one shipped) reads them. The L2 penalty is the one whose
threshold so chosen flags the most tune emergencies out of fold.

The same run trains the situation reader (`qa.answer.emergency.NOW_FILE`): a logistic regression of the same kind,
on the tune split of the labelled messages alone (emergencies against calm messages that name the same events: a
question asked to be answered rarely names one), the two classes weighing the same. It takes away an event found
below its threshold, so the threshold must lie below the emergencies: halfway from the lowest tune emergency about
someone now (one the line can flag; read out of fold) down to the highest calm message below it, and below every one
as the reader fitted on all of tune reads them. Its L2 penalty is the one that so takes away the most tune calm
messages out of fold.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval import EvalError, log
from eval.datasets import (
    _jsonl,
    medquad_queries,
    medquad_sources,
    read_beir,
    read_judged_set,
    read_medquad_pages,
    read_own_set,
    read_pubmedqa,
    read_question_set,
)
from eval.logistic import fit_logistic, group_weights
from eval.plan import ABSTAIN_SET, ANSWER_SETS, EMERGENCY_SET, MESSAGE_SETS, OWN_SET, default_datasets_dir
from eval.splits import SPLITS, TUNE, fold_of_key, split_of
from qa.answer.emergency import MODEL_FILE, NOW_FILE, EmergencyModel
from qa.answer.safety import is_emergency, reported
from qa.embedding import BUNDLED_MODEL, Embedder, EmbeddingCache
from qa.settings import Settings

# L2 penalties tried on the raw vector's weights: the one whose out-of-fold recall is highest wins. Ties go to the
# weaker: a stronger penalty squeezes every probability toward 0.5 and leaves the threshold within a hair of calm
# messages (at 0.03: threshold 0.520, calm questions up to 0.532).
PENALTIES = (0.0003, 0.001, 0.003, 0.01, 0.03)
FOLDS = 5
LABELLED = "emergency.jsonl"


@dataclass(frozen=True)
class Message:
    """One message: the group it comes from, its key (what its fold is drawn by), its label and its split."""

    group: str
    key: str
    text: str
    emergency: bool
    split: str


def labelled(path: Path = EMERGENCY_SET) -> list[Message]:
    """The labelled messages, keyed by id as `medcite eval emergency` splits them."""
    out = []
    for number, item in _jsonl(path):
        message, label = item.get("message"), item.get("emergency")
        if not isinstance(message, str) or not isinstance(label, bool):
            raise EvalError(f"{path}:{number} needs a 'message' string and an 'emergency' true/false")
        key = str(item.get("id", number))
        out.append(Message(LABELLED, key, message, label, split_of(key)))
    return out


def calm_questions(datasets_dir: Path) -> list[Message]:
    """Questions asked to be answered, by group, as calm messages: each question once (a follow-up's own words;
    the emergency check reads only them), less those the lexicons read as an emergency now."""
    groups: list[tuple[str, Sequence]] = [("own", read_own_set(OWN_SET))]
    groups += [(name, read_own_set(file)) for name, file in ANSWER_SETS.items()]
    groups.append(("abstain.jsonl", read_question_set(ABSTAIN_SET)))
    groups += [(name, read_judged_set(file)) for name, file, _, _ in MESSAGE_SETS]
    groups.append(("medicationqa", read_beir(datasets_dir / "medicationqa")))
    folders = medquad_sources(datasets_dir / "medquad")
    groups.append(("medquad", medquad_queries([p for f in folders for p in read_medquad_pages(f)[0]])))
    groups.append(("pubmedqa", read_pubmedqa(datasets_dir / "pubmedqa" / "ori_pqal.json")))
    out, seen = [], set()
    for group, queries in groups:
        for q in queries:
            if q.text not in seen and not is_emergency(q.text):
                seen.add(q.text)
                # Its split is its set's (a MedQuAD page's questions fall on one side).
                out.append(Message(group, f"{group}/{q.qid}", q.text, False, q.split or split_of(q.qid)))
    return out


def _weights(messages: Sequence[Message]) -> np.ndarray:
    """Each group weighs the same within its class, and the two classes the same (`group_weights`)."""
    return group_weights([m.emergency for m in messages], [m.group for m in messages])


def fit(messages: Sequence[Message], vectors: np.ndarray, *, l2: float, model: str) -> EmergencyModel:
    """The logistic regression of emergency on the vectors, group-weighted, with an L2 penalty (threshold 0.5)."""
    y = np.array([m.emergency for m in messages], dtype=np.float64)
    w = fit_logistic(vectors, y, _weights(messages), l2)
    return EmergencyModel(model=model, weights=tuple(float(v) for v in w[:-1]), bias=float(w[-1]), threshold=0.5)


def flags(
    messages: Sequence[Message], probabilities: np.ndarray, threshold: float, keeps: Sequence[bool] | None = None
) -> list[bool]:
    """Whether each message gets the emergency line with the reader at `threshold`, and the situation reader
    keeping the events of the messages `keeps` marks (None: of every message)."""
    kept = [True] * len(messages) if keeps is None else list(keeps)
    return [
        is_emergency(m.text, lambda _, p=p: p >= threshold, present=lambda _, k=k: bool(k))
        for m, p, k in zip(messages, probabilities, kept, strict=True)
    ]


def threshold_for(
    messages: Sequence[Message], probabilities: np.ndarray, alarms: float, keeps: Sequence[bool] | None = None
) -> float:
    """A threshold at which the reader raises no false alarm among the messages labelled calm and at most `alarms`
    of the calm questions (see the module docstring): halfway from the highest calm message it must not raise to
    the next emergency up, so that a vector a hair away (another batch, another runtime) reads the same. Only
    messages the checks of person and tense let through, in which the lexicons find no event, and whose events the
    situation reader keeps (`keeps`; None: every one) are read."""
    kept = [True] * len(messages) if keeps is None else list(keeps)
    reached = [
        (p, m)
        for m, p, k in zip(messages, probabilities, kept, strict=True)
        if k and is_emergency(m.text, lambda _: True) and not is_emergency(m.text)
    ]
    questions = sum(1 for m in messages if not m.emergency and m.group != LABELLED)
    allowed = int(alarms * questions)
    labelled_calm = max((p for p, m in reached if m.group == LABELLED and not m.emergency), default=0.0)
    others = sorted((p for p, m in reached if m.group != LABELLED), reverse=True)
    # Raising the `allowed` highest is allowed; the next one must stay below.
    bound = max(labelled_calm, others[allowed] if allowed < len(others) else 0.0, 0.5)
    above = [p for p, m in reached if m.emergency and p > bound]
    return float(min((bound + min(above)) / 2 if above else np.nextafter(bound, 1.0), 1 - 1e-6))


def out_of_fold(messages: Sequence[Message], vectors: np.ndarray, *, l2: float, model: str) -> np.ndarray:
    """Each message's probability from a reader fitted on the other folds (folds by a hash of the key)."""
    folds = np.array([fold_of_key(m.key, FOLDS) for m in messages])
    out = np.zeros(len(messages))
    for fold in range(FOLDS):
        held = folds == fold
        reader = fit([m for m, h in zip(messages, held, strict=True) if not h], vectors[~held], l2=l2, model=model)
        out[held] = reader.probabilities(vectors[held])
    return out


def table(
    messages: Sequence[Message], probabilities: Callable[[str], np.ndarray], threshold: float, keeps: Sequence[bool]
) -> dict:
    """Per split: emergencies flagged and false alarms on the labelled set, and calm questions raised, with the
    lexicons alone, with the reader (`probabilities` of a split's messages, in order), and with both readers
    (`keeps`: whether the situation reader keeps each message's events)."""
    figures: dict[str, float] = {}
    for split in SPLITS:
        at = [i for i, m in enumerate(messages) if m.split == split]
        chosen = [messages[i] for i in at]
        with_reader = flags(chosen, probabilities(split), threshold)
        with_both = flags(chosen, probabilities(split), threshold, [keeps[i] for i in at])
        alone = [is_emergency(m.text) for m in chosen]
        for name, got in (("lexicons", alone), ("reader", with_reader), ("both readers", with_both)):
            rows = list(zip(chosen, got, strict=True))
            emergencies = [g for m, g in rows if m.group == LABELLED and m.emergency]
            figures[f"{split} {name} emergencies flagged"] = sum(emergencies) / max(1, len(emergencies))
            figures[f"{split} {name} labelled calm flagged"] = sum(
                g for m, g in rows if m.group == LABELLED and not m.emergency
            )
            figures[f"{split} {name} questions flagged"] = sum(g for m, g in rows if m.group != LABELLED)
        figures[f"{split} emergencies"] = sum(1 for m in chosen if m.group == LABELLED and m.emergency)
        figures[f"{split} questions"] = sum(1 for m in chosen if m.group != LABELLED)
    return figures


def veto_threshold(messages: Sequence[Message], probabilities: np.ndarray, flagged: Sequence[bool]) -> float:
    """The situation reader's threshold (see the module docstring): halfway from the lowest emergency `flagged` marks
    down to the highest calm message below it (to 0 when none is), so that no such emergency is taken away."""
    rows = list(zip(messages, probabilities, flagged, strict=True))
    lowest = min((p for m, p, f in rows if m.emergency and f), default=1.0)
    below = max((p for m, p, _ in rows if not m.emergency and p < lowest), default=0.0)
    return float(max((lowest + below) / 2, 1e-6))


def situation_reader(messages: Sequence[Message], vectors: np.ndarray) -> tuple[float, np.ndarray, EmergencyModel]:
    """The situation reader fitted on the labelled tune messages, its L2 penalty and threshold chosen out of fold
    (see the module docstring): (L2, whether it keeps each message's events, the reader with its threshold). The
    labelled tune messages are read out of fold, the rest by the reader fitted on all of them."""
    tune = [i for i, m in enumerate(messages) if m.split == TUNE and m.group == LABELLED]
    chosen = [messages[i] for i in tune]
    # The emergencies the line can flag: about someone now, in the present (whatever the readers say).
    reachable = [is_emergency(m.text, lambda _: True) for m in chosen]
    best: tuple[int, float, np.ndarray, EmergencyModel] | None = None
    for l2 in PENALTIES:
        oof = out_of_fold(chosen, vectors[tune], l2=l2, model=BUNDLED_MODEL)
        reader = fit(chosen, vectors[tune], l2=l2, model=BUNDLED_MODEL)
        threshold = min(
            veto_threshold(chosen, oof, reachable),
            veto_threshold(chosen, reader.probabilities(vectors[tune]), reachable),
        )
        taken = sum(1 for m, p in zip(chosen, oof, strict=True) if not m.emergency and p < threshold)
        print(f"situation reader, CV on tune, l2={l2}: threshold {threshold:.3f}, calm messages taken away {taken}")
        if best is None or taken > best[0]:
            best = (taken, l2, oof, replace(reader, threshold=threshold))
    assert best is not None
    _, l2, oof, reader = best
    keeps = reader.probabilities(vectors) >= reader.threshold
    keeps[tune] = oof >= reader.threshold
    return l2, keeps, reader


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    parser.add_argument("--alarms", type=float, default=0.0005, help="most share of calm tune questions raised")
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="where to write the model")
    parser.add_argument("--now-out", type=Path, default=NOW_FILE, help="where to write the situation reader")
    parser.add_argument("--no-write", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--show", type=int, default=0, help="print the N calm questions the reader reads highest")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    datasets_dir = Path(args.datasets_dir).expanduser() if args.datasets_dir else default_datasets_dir()
    try:
        messages = labelled() + calm_questions(datasets_dir)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    embedder = Embedder(BUNDLED_MODEL, cache=EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite"))
    log(f"embedding {len(messages)} messages with {BUNDLED_MODEL}")
    # What the message reports, as `is_emergency` gives the reader to read (supposed situations left out).
    vectors = embedder.encode([reported(m.text) for m in messages], progress=sys.stderr.isatty())
    tune_at = [i for i, m in enumerate(messages) if m.split == TUNE]
    tune = [messages[i] for i in tune_at]
    command = "python -m eval.train_emergency" + (" " + " ".join(argv) if argv else "")
    # The situation reader first: the event reader's alarms are those the line raises after it.
    log(f"the situation reader: {sum(1 for m in tune if m.group == LABELLED)} labelled tune messages")
    now_l2, keeps, now = situation_reader(messages, vectors)
    now = replace(
        now,
        trained_on=(
            f"tune split (eval.splits) of the {sum(1 for m in tune if m.group == LABELLED)} messages of "
            f"eval/sets/{LABELLED}, emergencies against calm messages, the two classes weighing the same; L2 "
            f"{now_l2} and the threshold chosen by {FOLDS}-fold CV on tune: halfway from the lowest tune emergency "
            "about someone now down to the next calm message, with the L2 that so takes away the most calm messages"
        ),
        command=command,
    )
    tune_keeps = keeps[tune_at]
    log(f"{len(tune)} tune messages; choosing L2 and the threshold by {FOLDS}-fold cross-validation on tune")
    chosen: dict[float, tuple[float, float, np.ndarray, EmergencyModel]] = {}
    for l2 in PENALTIES:
        oof = out_of_fold(tune, vectors[tune_at], l2=l2, model=BUNDLED_MODEL)
        reader = fit(tune, vectors[tune_at], l2=l2, model=BUNDLED_MODEL)
        # Out of fold, as it would read new messages; and none of its own calm messages as the reader fitted on
        # all of tune reads them.
        threshold = max(
            threshold_for(tune, oof, args.alarms, tune_keeps),
            threshold_for(tune, reader.probabilities(vectors[tune_at]), 0.0, tune_keeps),
        )
        got = flags(tune, oof, threshold, tune_keeps)
        recall = sum(g for m, g in zip(tune, got, strict=True) if m.emergency) / sum(m.emergency for m in tune)
        chosen[l2] = (recall, threshold, oof, replace(reader, threshold=threshold))
        print(f"CV on tune, l2={l2}: threshold {threshold:.3f}, emergencies flagged {100 * recall:.1f}%")
    l2 = max(chosen, key=lambda k: (chosen[k][0], -k))
    recall, threshold, oof, reader = chosen[l2]

    def probabilities(split: str) -> np.ndarray:
        # Tune: out of fold, as the threshold was chosen; held out: the reader fitted on all of tune.
        if split == TUNE:
            return oof
        return reader.probabilities(vectors[[i for i, m in enumerate(messages) if m.split == split]])

    figures = table(messages, probabilities, threshold, keeps)
    print(
        f"\nsituation reader: l2={now_l2}, threshold {now.threshold:.3f}; event reader: l2={l2}, threshold "
        f"{threshold:.3f}"
    )
    for key, value in figures.items():
        print(f"  {key}: {value:.3f}" if isinstance(value, float) and value < 1.0 + 1e-9 else f"  {key}: {value:g}")
    if args.show:
        calm = [i for i, m in enumerate(messages) if not m.emergency and is_emergency(m.text, lambda _: True)]
        read = reader.probabilities(vectors[calm]) if calm else np.zeros(0)
        print("\ncalm messages about someone now, read highest by the reader:")
        for p, i in sorted(zip(read, calm, strict=True), reverse=True)[: args.show]:
            print(f"  {p:.3f} {messages[i].group} {messages[i].split}: {messages[i].text[:100]!r}")
    groups = sorted({m.group for m in tune})
    reader = replace(
        reader,
        trained_on=(
            f"tune splits (eval.splits) of {len(tune)} messages in {len(groups)} groups: emergencies and calm "
            f"messages of eval/sets/{LABELLED}, and as calm the questions of "
            f"{', '.join(g for g in groups if g != LABELLED)} that the lexicons do not flag; groups weigh the same "
            f"within a class; L2 {l2} and the threshold chosen "
            f"by {FOLDS}-fold CV on tune: the lowest threshold with no labelled calm message and at most "
            f"{args.alarms:.2%} of the calm questions raised, after the situation reader"
        ),
        command=command,
        figures={k: float(v) for k, v in figures.items()},
    )
    now = replace(now, figures=reader.figures)
    if not args.no_write:
        reader.save(args.out)
        now.save(args.now_out)
        print(f"\nwrote {args.out} and {args.now_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
