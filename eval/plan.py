"""What one `medcite eval` run evaluates, resolved from its command line before any model loads."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from eval import EvalError
from eval.datasets import medquad_sources, pubmedqa_file, set_corpus
from qa.settings import REPO_ROOT

SETS_DIR = Path(__file__).resolve().parent / "sets"
OWN_SET = SETS_DIR / "own.jsonl"
ABSTAIN_SET = SETS_DIR / "abstain.jsonl"
# Questions about an aspect of the bundled corpus's subject that it never mentions ("is baclofen safe in pregnancy?"):
# out of scope, but close to what it says. Reported apart from the other out-of-scope questions (`eval/README.md`).
NEAR_SCOPE_SET = SETS_DIR / "near_scope.jsonl"
# Long, messy consumer messages judged against the documents of a shared corpus: (name, set file, corpus folder
# under the shared data sets, the name of that corpus's own target, whose index they share).
MESSAGE_SETS = (
    ("messages/medquad", SETS_DIR / "messages-medquad.jsonl", "medquad", "medquad/all"),
    ("messages/medicationqa", SETS_DIR / "messages-medicationqa.jsonl", "medicationqa", "beir/medicationqa"),
)
EMERGENCY_SET = SETS_DIR / "emergency.jsonl"
# Messages written after the emergency line's lexicons and reader as their check, never used to write or train them:
# reported, no floor.
EMERGENCY_FRESH_SET = SETS_DIR / "emergency_fresh.jsonl"
# Our labelled answer sets besides `own` (the bundled corpus): each names the corpus it is asked of.
ANSWER_SETS = {
    "answers/medquad": SETS_DIR / "medquad_facts.jsonl",
    "answers/pubmedqa": SETS_DIR / "pubmedqa_facts.jsonl",
    "answers/other-field": SETS_DIR / "other_field.jsonl",
}
DEFAULT_SYSTEMS = ("bm25", "dense", "rrf", "hybrid")


@dataclass(frozen=True)
class Target:
    """One data set to evaluate: its name in the results, its format, where it is, and what to score on it."""

    name: str
    kind: str
    path: Path
    retrieval: bool = True
    followups: bool = False
    # What is indexed, when it is not `path` itself (a labelled answer set's corpus, our messages' corpus), and
    # the name its index is kept under (shared with the data set's own evaluation, so one corpus is indexed once):
    # ("medquad/all", .../medquad) for the MedQuAD facts and the messages about MedQuAD.
    corpus: Path | None = None
    index_name: str = ""

    @property
    def labelled(self) -> bool:
        """Each question carries the sentences that answer it (our own set, the answer sets): it is read with
        `read_own_set`, and asked whole whatever `--limit` says."""
        return self.kind in ("own", "answers")


@dataclass(frozen=True)
class Plan:
    """Everything one `medcite eval` run does, resolved from the command line before any model loads."""

    targets: tuple[Target, ...]
    systems: tuple[str, ...] = DEFAULT_SYSTEMS
    abstention: bool = False
    limit: int | None = None
    notes: tuple[str, ...] = ()
    emergency: bool = False
    # Our own questions (over the bundled corpus) and the questions medcite must abstain on.
    own_set: Path = OWN_SET
    abstain_set: Path = ABSTAIN_SET
    near_scope_set: Path = NEAR_SCOPE_SET
    emergency_set: Path = EMERGENCY_SET
    emergency_fresh_set: Path = EMERGENCY_FRESH_SET


def default_datasets_dir() -> Path:
    """`$MEDCITE_DATASETS`, else the shared folder beside the repository."""
    env = os.environ.get("MEDCITE_DATASETS")
    return Path(env).expanduser() if env else REPO_ROOT.parent / "shared" / "datasets"


def answer_set_corpus(name: str, datasets_dir: Path) -> tuple[str, Path | None]:
    """The index name and corpus of a labelled set's "corpus" field: "" is the bundled corpus (None: the
    settings say where), "medquad/all" every MedQuAD source in one index, "pubmedqa" its abstracts, anything else
    a folder relative to the repository (a test fixture).

    Raises:
        EvalError: the corpus is not there.
    """
    if not name:
        return "own", None
    if name == "medquad/all":
        folder = datasets_dir / "medquad"
        medquad_sources(folder)
        return name, folder
    if name == "pubmedqa":
        return name, pubmedqa_file(datasets_dir / "pubmedqa")
    folder = REPO_ROOT / name
    if not folder.exists():
        raise EvalError(f"the labelled set's corpus {name!r} is not a data set name or a folder of the repository")
    return name.rstrip("/").replace("/", "-"), folder


def parse_systems(text: str, valid: Sequence[str]) -> tuple[str, ...]:
    """The comma-separated retrieval systems of `--systems`, each one of `valid`.

    Raises:
        EvalError: an unknown or empty name, naming the valid ones.
    """
    names = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        bad = ", ".join(unknown) if unknown else "(none)"
        raise EvalError(f"unknown retrieval system {bad} in --systems; choose from: {', '.join(valid)}")
    return names


def resolve_plan(
    spec: str,
    path: Path | None,
    datasets_dir: Path,
    *,
    systems: tuple[str, ...] = DEFAULT_SYSTEMS,
    limit: int | None = None,
) -> Plan:
    """Turn `medcite eval DATASET [PATH]` into targets.

    DATASET is a comma-separated list of all | own | answers | answers/<set> | medquad | medquad/<source> |
    medquad/all | pubmedqa | pubmedqa/sentences | medicationqa | messages | messages/<corpus> | beir | followups |
    followups/<source> | abstention | emergency. `answers` is every labelled answer set (own, and those of
    `ANSWER_SETS`, each over its corpus); `emergency` checks the emergency line on its labelled messages; medquad
    scores each source in its own index; medquad/all scores them together in one index, where a question must
    also beat the other sources' pages. pubmedqa/sentences asks one results sentence of each abstract of the
    abstracts without it (a set where matching words wins); medicationqa is scored as beir/medicationqa; messages
    asks our long consumer messages (eval/sets) of MedQuAD and MedicationQA. PATH stands in for the shared
    location of the one data set that takes a path (medquad, medquad/all, pubmedqa, beir, followups). `all`
    skips, with a note, shared sets that are absent.

    Raises:
        EvalError: an unknown name, a missing or ambiguous PATH, or a data set that is not there.
    """
    if limit is not None and limit < 1:
        raise EvalError(f"--limit must be at least 1, got {limit}")
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise EvalError("name a data set: all, own, medquad, pubmedqa, beir, followups or abstention")
    takers = [n for n in names if n in ("medquad", "medquad/all", "pubmedqa", "beir", "followups")]
    if path is not None and len(takers) != 1:
        raise EvalError(
            f"PATH {path} must belong to exactly one of medquad, medquad/all, pubmedqa, beir or followups in "
            f"{spec!r}; "
            "run the data sets separately or use --datasets-dir"
        )
    targets: dict[str, Target] = {}
    notes: list[str] = []
    abstention = False

    def add(target: Target) -> None:
        old = targets.get(target.name)
        if old is not None:
            target = replace(
                old, retrieval=old.retrieval or target.retrieval, followups=old.followups or target.followups
            )
        targets[target.name] = target

    def medquad(where: Path | None, *, retrieval: bool, followups: bool, optional: bool) -> None:
        folder = where if where is not None else datasets_dir / "medquad"
        try:
            sources = medquad_sources(folder)
        except EvalError as exc:
            if not optional:
                raise
            notes.append(f"skipped MedQuAD: {exc}")
            return
        for source in sources:
            add(Target(f"medquad/{source.name}", "medquad", source, retrieval, followups))

    def medquad_all(where: Path | None, *, optional: bool) -> None:
        """One target over every source at `where`; under `all` (optional) only when there are several."""
        folder = where if where is not None else datasets_dir / "medquad"
        try:
            sources = medquad_sources(folder)
        except EvalError:
            if not optional:
                raise
            return  # `all` has noted the missing MedQuAD once already
        if len(sources) > 1 or not optional:
            add(Target("medquad/all", "medquad", Path(folder)))

    def pubmedqa(where: Path | None, *, optional: bool, questions: bool = True, sentences: bool = False) -> None:
        try:
            file = pubmedqa_file(where if where is not None else datasets_dir / "pubmedqa")
        except EvalError as exc:
            if not optional:
                raise
            notes.append(f"skipped PubMedQA: {exc}")
            return
        if questions:
            add(Target("pubmedqa", "pubmedqa", file))
        if sentences:
            add(Target("pubmedqa/sentences", "pubmedqa-sentences", file))

    def messages(which: str, *, optional: bool) -> None:
        chosen = [m for m in MESSAGE_SETS if which in ("", m[0].partition("/")[2])]
        if not chosen:
            known = ", ".join(m[0] for m in MESSAGE_SETS)
            raise EvalError(f"unknown message set 'messages/{which}'; use messages or one of {known}")
        for name, questions, corpus, index in chosen:
            folder = datasets_dir / corpus
            if not folder.is_dir():
                if not optional:
                    raise EvalError(f"{name} asks about {folder}, which is missing; set --datasets-dir")
                notes.append(f"skipped {name}: {folder} is missing")
                continue
            add(Target(name, "judged", questions, corpus=folder, index_name=index))

    def answer_sets(which: str | None, *, optional: bool) -> None:
        """Our labelled answer sets (or the one named), each with its corpus; absent corpora noted if optional."""
        for set_name, file in ANSWER_SETS.items():
            if which is not None and set_name != which:
                continue
            try:
                index_name, corpus = answer_set_corpus(set_corpus(file), datasets_dir)
            except EvalError as exc:
                if not optional:
                    raise
                notes.append(f"skipped {set_name}: {exc}")
                continue
            add(Target(set_name, "answers", file, corpus=corpus, index_name=index_name))

    def beir_shared(folder_name: str, *, optional: bool = True) -> None:
        folder = datasets_dir / folder_name
        if (folder / "corpus.jsonl").is_file():
            add(Target(f"beir/{folder_name}", "beir", folder))
        elif optional:
            notes.append(f"skipped {folder_name}: no BEIR folder at {folder}")
        else:
            raise EvalError(f"{folder_name} is not at {folder} (a BEIR folder); set --datasets-dir")

    emergency = False
    for name in names:
        base, _, sub = name.partition("/")
        given = path if name in takers else None
        if name == "all":
            add(Target("own", "own", OWN_SET))
            answer_sets(None, optional=True)
            medquad(None, retrieval=True, followups=True, optional=True)
            medquad_all(None, optional=True)
            pubmedqa(None, optional=True, sentences=True)
            beir_shared("medicationqa")
            messages("", optional=True)
            abstention = emergency = True
        elif name == "own":
            add(Target("own", "own", OWN_SET))
        elif name == "answers":
            add(Target("own", "own", OWN_SET))
            answer_sets(None, optional=False)
        elif base == "answers" and name in ANSWER_SETS:
            answer_sets(name, optional=False)
        elif name == "emergency":
            emergency = True
        elif name == "medquad/all":
            medquad_all(given, optional=False)
        elif base in ("medquad", "followups") and (sub or name in takers):
            where = datasets_dir / "medquad" / sub if sub else given
            medquad(where, retrieval=base == "medquad", followups=base == "followups", optional=False)
        elif name == "pubmedqa":
            pubmedqa(given, optional=False)
        elif name == "pubmedqa/sentences":
            pubmedqa(None, optional=False, questions=False, sentences=True)
        elif name == "medicationqa":
            beir_shared("medicationqa", optional=False)
        elif base == "messages":
            messages(sub, optional=False)
        elif name == "beir":
            if given is None:
                raise EvalError("beir needs the folder to score: medcite eval beir PATH")
            add(Target(f"beir/{Path(given).resolve().name}", "beir", Path(given)))
        elif name == "abstention":
            abstention = True
        else:
            raise EvalError(
                f"unknown data set {name!r}; use all, own, answers, answers/<set>, medquad, medquad/<source>, "
                "pubmedqa, pubmedqa/sentences, medicationqa, messages, beir PATH, followups, followups/<source>, "
                "medquad/all, abstention or emergency (comma-separated)"
            )
    if not targets and not abstention and not emergency:
        raise EvalError(f"nothing to evaluate in {spec!r}: {'; '.join(notes)}")
    return Plan(tuple(targets.values()), systems, abstention, limit, tuple(notes), emergency=emergency)
