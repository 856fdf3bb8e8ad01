"""Questions and relevance judgements (qrels) of every data set the harness scores.

Each reader turns one on-disk format into `Query` records whose relevant ids are the `doc_id`s the loaders
give the same files, so a data set's questions can be scored against an index built from its own corpus.
Readers are strict about what they need (a question's text, its judgements) and tolerant of everything else
(extra fields, numeric ids, missing titles), because held-out BEIR folders arrive unseen.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval import EvalError
from eval.splits import medquad_page_key, split_of
from qa.records import stable_hash

PUBMEDQA_FILE = "ori_pqal.json"
BEIR_QRELS = ("qrels/test.tsv", "qrels.tsv")
# The fixed seed behind every `--limit` sample, so two runs with the same limit score the same questions.
SAMPLE_SEED = 13
# The two parts of every data set: "tune" is what choices of the code may be made on, "held-out" is only reported.
PARTS = ("tune", "held-out")


@dataclass(frozen=True)
class Passage:
    """A relevant stretch of a document, named by a verbatim quote so that it survives re-chunking."""

    doc: str
    quote: str

    @property
    def key(self) -> str:
        return f"{self.doc}::{self.quote}"


@dataclass(frozen=True)
class Query:
    """One question to score: its text, earlier user turns, and what would answer it.

    Document-level sets fill `relevant` (doc_id -> graded relevance, all > 0); our own set fills `passages`
    instead, resolved against the index's chunks at scoring time.
    """

    qid: str
    text: str
    relevant: Mapping[str, int] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    passages: tuple[Passage, ...] = ()
    # Our labelled sets: the sentence(s) that answer the question (verbatim quotes), and whether the sources
    # differ on the point asked (then the bottom line must say so).
    answers: tuple[Passage, ...] = ()
    differ: bool = False
    # "tune" or "heldout" (`eval.splits`): what anything tuned may be tuned on.
    split: str = ""


@dataclass(frozen=True)
class MedquadPage:
    """One MedQuAD XML file: its focus and its answered questions as (question, answer doc_id)."""

    path: Path
    focus: str
    questions: tuple[tuple[str, str], ...]
    # The question type of each question (MedQuAD's qtype: "symptoms", "treatment", ...), in the same order.
    qtypes: tuple[str, ...] = ()


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line, failing on the first line that is not a JSON object."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{path}:{number} is not valid JSON ({exc.msg}); fix or remove it") from exc
            if not isinstance(item, dict):
                raise EvalError(f"{path}:{number} must be a JSON object, got {type(item).__name__}")
            yield number, item


def _identified(path: Path) -> Iterator[tuple[str, str, dict]]:
    """("file:line", id, object) for every line of a JSONL set, failing on a missing or repeated id."""
    seen: set[str] = set()
    for number, item in _jsonl(path):
        where = f"{path}:{number}"
        qid = _text(item, "id", where)
        if qid in seen:
            raise EvalError(f"{where}: id {qid!r} is used twice; ids must be unique")
        seen.add(qid)
        yield where, qid, item


def _text(item: Mapping, key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EvalError(f"{where}: {key!r} must be a non-empty string")
    return value


def _history(item: Mapping, where: str) -> tuple[str, ...]:
    history = item.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) and h.strip() for h in history):
        raise EvalError(f"{where}: 'history' must be a list of the earlier user turns (non-empty strings)")
    return tuple(history)


def _passages(item: Mapping, key: str, where: str) -> tuple[Passage, ...]:
    raw = item.get(key)
    if not isinstance(raw, list) or not raw:
        raise EvalError(f"{where}: {key!r} must list at least one {{'doc', 'quote'}} that answers it")
    passages = []
    for p in raw:
        if not isinstance(p, dict):
            raise EvalError(f"{where}: each of {key!r} must be an object {{'doc': file, 'quote': verbatim}}")
        passages.append(Passage(_text(p, "doc", where), _text(p, "quote", where)))
    return tuple(passages)


def own_split_key(qid: str, answers: Sequence[Passage]) -> str:
    """What decides a labelled question's split: the page it is asked of, for a public corpus (so a page's
    questions never straddle the split), else the question itself."""
    doc = answers[0].doc if answers else ""
    if doc.startswith(("medquad/", "pubmed/")):
        return medquad_page_key(doc)
    return qid


def read_own_set(path: Path) -> tuple[Query, ...]:
    """A labelled question set: `{"id", "question", "history"?, "answers": [{"doc", "quote"}, ...],
    "passages"?: [...], "differ"?: bool, "corpus"?: name}`.

    `answers` quote the sentence(s) that answer the question; `passages` (the retrieval judgements) default to
    them; `differ` says the sources disagree on the point asked. A set without `answers` on a line (the older
    form) must give `passages`, which then serve as answers too.

    Raises:
        EvalError: a line is not JSON, lacks a field, has no passages or answers, or repeats an id.
    """
    queries: list[Query] = []
    for where, qid, item in _identified(path):
        if "answers" not in item and "passages" not in item:
            raise EvalError(f"{where}: 'answers' must list at least one {{'doc', 'quote'}} that answers it")
        answers = _passages(item, "answers" if "answers" in item else "passages", where)
        passages = _passages(item, "passages", where) if "passages" in item else answers
        differ = item.get("differ", False)
        if not isinstance(differ, bool):
            raise EvalError(f"{where}: 'differ' must be true or false")
        question = _text(item, "question", where)
        queries.append(
            Query(
                qid,
                question,
                history=_history(item, where),
                passages=passages,
                answers=answers,
                differ=differ,
                split=split_of(own_split_key(qid, answers)),
            )
        )
    if not queries:
        raise EvalError(f"{path} holds no questions")
    return tuple(queries)


def set_corpus(path: Path) -> str:
    """The corpus a labelled set is asked of: its lines' "corpus" (one for all), or "" for the bundled corpus.

    Raises:
        EvalError: two lines name different corpora.
    """
    names = {item.get("corpus", "") for _, item in _jsonl(path)}
    if len(names) > 1:
        raise EvalError(f"{path} names several corpora ({', '.join(sorted(map(str, names)))}); use one per file")
    name = names.pop() if names else ""
    if not isinstance(name, str):
        raise EvalError(f"{path}: 'corpus' must be a string")
    return name


def read_question_set(path: Path) -> tuple[Query, ...]:
    """Questions without judgements (the ones medcite must abstain on): `{"id", "question", "history"?}`."""
    queries: list[Query] = []
    for number, item in _jsonl(path):
        where = f"{path}:{number}"
        qid, question = _text(item, "id", where), _text(item, "question", where)
        queries.append(Query(qid, question, history=_history(item, where), split=split_of(qid)))
    if not queries:
        raise EvalError(f"{path} holds no questions")
    return tuple(queries)


def medquad_sources(path: Path) -> list[Path]:
    """The MedQuAD source folders at `path`: itself if it holds XML files, else its subfolders that do.

    Raises:
        EvalError: no XML files at `path` or one level below.
    """
    path = Path(path)
    if not path.is_dir():
        raise EvalError(f"MedQuAD folder {path} does not exist; pass a source folder (e.g. 5_NIDDK_QA) or their parent")
    if any(path.glob("*.xml")):
        return [path]
    sources = sorted(p for p in path.iterdir() if p.is_dir() and any(p.glob("*.xml")))
    if not sources:
        raise EvalError(f"no MedQuAD XML files in {path} or its subfolders")
    return sources


def read_medquad_pages(folder: Path) -> tuple[tuple[MedquadPage, ...], int]:
    """Every page of one MedQuAD source folder with its answered questions, and the count of unreadable files.

    Each file is read by the loaders' own code (`qa.loaders.sniff` then `qa.loaders.medquad.medquad_answers`),
    so the same bytes give the same doc ids and the same notion of an empty answer, and every question kept
    here has its answer in the index. Unreadable files are counted, not fatal, because the loaders skip them too.
    """
    from qa.errors import LoadError
    from qa.loaders.medquad import medquad_answers, medquad_focus
    from qa.loaders.sniff import sniff

    pages: list[MedquadPage] = []
    unreadable = 0
    for path in sorted(Path(folder).glob("*.xml")):
        try:
            sniffed = sniff(path.read_bytes())
            if sniffed.format != "medquad":
                raise LoadError(f"not a MedQuAD page ({sniffed.format})")
            root = sniffed.parsed
            answers = medquad_answers(root, path)  # type: ignore[arg-type]
        except (LoadError, OSError):
            unreadable += 1
            continue
        questions = tuple((question, doc.doc_id) for question, doc in answers if question)
        if questions:
            qtype_of = {
                " ".join("".join(q.itertext()).split()): (q.get("qtype") or "").strip().lower()
                for q in root.iter("question" if root.tag == "doc" else "Question")  # type: ignore[union-attr]
            }
            qtypes = tuple(qtype_of.get(" ".join(q.split()), "") for q, _ in questions)
            pages.append(MedquadPage(path, medquad_focus(root), questions, qtypes))  # type: ignore[arg-type]
    return tuple(pages), unreadable


def every_medquad_page(path: Path) -> tuple[MedquadPage, ...]:
    """The pages of every MedQuAD source at `path` (one source folder, or the parent of several: `medquad/all`).

    Raises:
        EvalError: no MedQuAD XML files there (`medquad_sources`).
    """
    return tuple(page for source in medquad_sources(path) for page in read_medquad_pages(source)[0])


def read_medquad(folder: Path) -> tuple[Query, ...]:
    """MedQuAD as retrieval: each question's one relevant passage is its own answer.

    Identical question texts on different pages are kept, each judged by its own answer only.
    """
    return medquad_queries(read_medquad_pages(folder)[0])


def medquad_queries(pages: Sequence[MedquadPage]) -> tuple[Query, ...]:
    """One query per answered question of `pages`, judged by its own answer (qid = that answer's doc_id)."""
    return tuple(
        Query(doc_id, text, {doc_id: 1}, split=split_of(medquad_page_key(doc_id)))
        for page in pages
        for text, doc_id in page.questions
    )


def pubmedqa_file(path: Path) -> Path:
    """`ori_pqal.json` given either itself or the folder that holds it."""
    path = Path(path)
    if path.is_dir():
        path = path / PUBMEDQA_FILE
    if not path.is_file():
        raise EvalError(f"PubMedQA file {path} does not exist; pass ori_pqal.json or the folder holding it")
    return path


def read_pubmedqa(path: Path) -> tuple[Query, ...]:
    """PubMedQA (PQA-L) as retrieval: each question's relevant passage is its own abstract."""
    from qa.loaders.pubmedqa import pubmed_doc_id

    path = pubmedqa_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"cannot read PubMedQA file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise EvalError(f"{path} must map each PMID to its record, as ori_pqal.json does")
    queries = []
    for pmid, record in data.items():
        question = record.get("QUESTION") if isinstance(record, dict) else None
        if isinstance(question, str) and question.strip():
            try:
                doc_id = pubmed_doc_id(str(pmid))
            except ValueError as exc:
                raise EvalError(f"{path}: key {pmid!r} is not a PMID (a number), as PubMedQA keys are") from exc
            queries.append(Query(str(pmid), question.strip(), {doc_id: 1}, split=split_of(doc_id)))
    if not queries:
        raise EvalError(f"{path} holds no questions (each record needs a 'QUESTION')")
    return tuple(queries)


def beir_qrels_file(folder: Path) -> Path:
    """The test judgements of a BEIR folder: `qrels/test.tsv`, else `qrels.tsv`."""
    for name in BEIR_QRELS:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise EvalError(f"no judgements in BEIR folder {folder}: expected one of {', '.join(BEIR_QRELS)}")


def held_out_sentences(path: Path, into: Path) -> tuple[Path, tuple[Query, ...]]:
    """PubMedQA with one sentence of each abstract's results taken out: the sentence is the question, the rest
    of its abstract the answer. Writes the changed data set as `into/ori_pqal.json` (once; it is derived from
    `path` alone) and returns it with the questions.

    The sentence chosen is fixed by a hash of the PMID, among the results sentences of 8 to 60 words (any
    section's, for an abstract without a results section). A results sentence names the measures and groups the
    methods named before it, in the same technical words, so this is a set where matching words does well.
    """
    from qa.chunking import split_sentences
    from qa.loaders.pubmedqa import pubmed_doc_id

    path = pubmedqa_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"cannot read PubMedQA file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise EvalError(f"{path} must map each PMID to its record, as ori_pqal.json does")
    changed: dict[str, dict] = {}
    queries: list[Query] = []
    for pmid, record in data.items():
        if not isinstance(record, dict) or not str(pmid).strip().isdigit():
            continue
        contexts = record.get("CONTEXTS")
        labels = record.get("LABELS") or []
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            continue
        order = [i for i, label in enumerate(labels) if isinstance(label, str) and label.upper() == "RESULTS"]
        order += [i for i in range(len(contexts)) if i not in order]
        picked = None
        for i in order:
            text = " ".join(contexts[i].split())
            spans = [(a, b) for a, b in split_sentences(text) if 8 <= len(text[a:b].split()) <= 60]
            if (spans and len(split_sentences(text)) > 1) or (spans and len(contexts) > 1):
                a, b = spans[int(stable_hash("sentence", str(pmid), length=8), 16) % len(spans)]
                picked = (i, text, a, b)
                break
        if picked is None:
            continue
        i, text, a, b = picked
        rest = " ".join((text[:a] + " " + text[b:]).split())
        new_contexts = [*contexts[:i], rest, *contexts[i + 1 :]] if rest else [*contexts[:i], *contexts[i + 1 :]]
        changed[str(pmid)] = {
            **record,
            "CONTEXTS": new_contexts,
            "LABELS": labels if rest else [*labels[:i], *labels[i + 1 :]],
        }
        queries.append(Query(f"{pmid}-sentence", text[a:b], {pubmed_doc_id(str(pmid)): 1}))
    if not queries:
        raise EvalError(f"{path} holds no abstract with a sentence to take out")
    into.mkdir(parents=True, exist_ok=True)
    target = into / PUBMEDQA_FILE
    body = json.dumps(changed, ensure_ascii=False, sort_keys=True)
    if not target.is_file() or target.read_text(encoding="utf-8") != body:
        tmp = target.with_suffix(".tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(target)
    return target, tuple(queries)


def read_judged_set(path: Path) -> tuple[Query, ...]:
    """Questions judged by document id: `{"id", "question", "relevant": {doc_id: grade > 0}, "history"?}`, each in
    the split its id hashes to (a message is its own key, as a BEIR query is).

    Raises:
        EvalError: a line is not JSON, lacks a field, judges nothing, or repeats an id.
    """
    queries: list[Query] = []
    for where, qid, item in _identified(path):
        relevant = item.get("relevant")
        if (
            not isinstance(relevant, dict)
            or not relevant
            or not all(isinstance(g, int) and not isinstance(g, bool) and g > 0 for g in relevant.values())
        ):
            raise EvalError(f"{where}: 'relevant' must map each answering document id to a grade (a whole number > 0)")
        question = _text(item, "question", where)
        queries.append(Query(qid, question, dict(relevant), history=_history(item, where), split=split_of(qid)))
    if not queries:
        raise EvalError(f"{path} holds no questions")
    return tuple(queries)


def read_beir_qrels(path: Path) -> dict[str, dict[str, int]]:
    """`query-id corpus-id score` rows (tab or space separated, header optional) as {qid: {doc_id: grade}}.

    A score of 0 or less means "judged not relevant" and is dropped; TREC's four-column form
    (`qid iteration doc score`) is read too.
    """
    qrels: dict[str, dict[str, int]] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"cannot read judgements {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t") if "\t" in line else line.split()
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if len(cells) == 4:
            cells = [cells[0], cells[2], cells[3]]
        if len(cells) != 3:
            raise EvalError(f"{path}:{number} must be 'query-id<TAB>corpus-id<TAB>score', got {line!r}")
        qid, doc_id, raw = cells
        try:
            score = int(float(raw))
        except ValueError:
            if number == 1:
                continue  # the header row
            raise EvalError(f"{path}:{number}: score {raw!r} is not a number") from None
        if score > 0 and qid and doc_id:
            qrels.setdefault(qid, {})[doc_id] = score
    return qrels


def read_beir(folder: Path) -> tuple[Query, ...]:
    """A BEIR folder's test queries with graded judgements; queries without a positive judgement are skipped.

    Raises:
        EvalError: no `corpus.jsonl`, no `queries.jsonl`, no qrels file, or no query with a judgement.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EvalError(f"BEIR folder {folder} does not exist; pass the folder holding corpus.jsonl")
    for name in ("corpus.jsonl", "queries.jsonl"):
        if not (folder / name).is_file():
            raise EvalError(f"{folder} is not a BEIR folder: {name} is missing")
    qrels = read_beir_qrels(beir_qrels_file(folder))
    queries = []
    for number, item in _jsonl(folder / "queries.jsonl"):
        if "_id" not in item:
            raise EvalError(f"{folder / 'queries.jsonl'}:{number} has no '_id'")
        qid = str(item["_id"])
        text = item.get("text")
        if qid in qrels and isinstance(text, str) and text.strip():
            queries.append(Query(qid, text.strip(), dict(qrels[qid]), split=split_of(qid)))
    if not queries:
        raise EvalError(f"no query of {folder / 'queries.jsonl'} has a positive judgement in {beir_qrels_file(folder)}")
    return tuple(queries)


def part_of(qid: str) -> str:
    """The part of its data set a question belongs to, "tune" or "held-out": half each, fixed by a hash of its id,
    so the split does not depend on which sample a run draws or on the order of the file."""
    return PARTS[int(stable_hash("part", qid, length=8), 16) % 2]


def sample(queries: Sequence[Query], limit: int | None, seed: int = SAMPLE_SEED) -> tuple[Query, ...]:
    """`limit` queries drawn with a fixed seed, in their original order; all of them when `limit` is None."""
    if limit is None or limit >= len(queries):
        return tuple(queries)
    if limit < 1:
        raise EvalError(f"--limit must be at least 1, got {limit}")
    keep = sorted(random.Random(seed).sample(range(len(queries)), limit))
    return tuple(queries[i] for i in keep)
