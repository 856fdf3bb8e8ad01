"""Scale benchmark: indexes of 30k, 300k and 1M chunks made from a real index, measured per dense index kind.

    nice -n 10 .venv/bin/python bench/scale_bench.py --source INDEX_DIR --work DIR \\
        [--sizes 30000,300000,1000000] [--kinds flat-ip,ivf-sq8,ivf-pq,hnsw] [--questions 200] [--noise 0.3]
        [--ndcg-questions 1000]

INDEX_DIR is a built index (MedQuAD's six sources: `medcite ingest ../shared/datasets/medquad --index DIR`).
Embedding a million chunks takes days on two cores, so the embedding step is replaced: the source index's chunks,
documents, chunk vectors and sentence vectors are replicated until a size is reached. Copy 0 is the real index;
copy r > 0 gets document ids `<id>~r`, titles `<title> #r` (so pages keep their size) and every vector moved by
Gaussian noise of relative norm `--noise` (0.3: cosine about 0.96 to its original), then normalised. Texts repeat,
so BM25 posting lists and the phrase index grow as a real corpus's would, but the vocabulary stays the source's.

Per size, one child process writes the index with `qa.index.write_index` (the real build: sentence quantisation,
dense index, BM25, phrases, lexicon, title groups, SQLite store, atomic publish); each other dense kind gets its
own build folder with only `dense.faiss` rebuilt and the other files hard-linked. The replicas keep the fusion
weights chosen for the source at its ingest (its manifest's `fusion`). Per size and kind:
- build: seconds of the whole build and of its dense index; peak memory of the building process; size on disk;
- a fresh process (the index's files evicted from the page cache first; Python, torch and the model in it):
  seconds to its first answer, of which the model load; resident memory after load and after the timed asks;
- warm hybrid `ask()` p50/p95 over `--questions` MedQuAD questions (after 5 warm-up questions), with one thread
  (OMP_NUM_THREADS=1, as `ask_bench.py`), twice, on distinct questions: first as the fresh process left the page
  cache (the index's files mostly on disk), then, the figure the goal is about, with the files read into the page
  cache as a long-running server's are; and the median cost of dense search, BM25 scoring and the phrase signal;
- seconds to read every document title once, as the first follow-up naming a page's subject does (`Index.titles`);
- recall@10 and recall@100 of `Index.dense_search` against exact search of the same vectors (brute force).

First, on the source index itself (real vectors), MedQuAD retrieval nDCG@10 (hybrid and dense) with each kind
forced, on the same fixed-seed sample of questions (`--ndcg-questions`; -1 skips it).

Prints a Markdown table as each size finishes, then how each figure grows with size; writes results.json in DIR.
Builds of a size are deleted once measured unless `--keep`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SIZES = (30_000, 300_000, 1_000_000)
KINDS = ("flat-ip", "ivf-sq8", "ivf-pq", "hnsw")
WARM_UP = 5
SEED = 13


# --- the synthetic corpus --------------------------------------------------------------------------------


class ReplicatedRows:
    """Rows of `source` repeated to `total`, copy r > 0 moved by seeded noise and normalised; read by slices.

    Stands in for a float array of sentence vectors too large to hold (9 per chunk: 13 GB of float32 at 1M
    chunks): `write_index` reads it a block at a time.
    """

    def __init__(self, source: object, source_rows: int, total: int, dim: int, noise: float, seed: int):
        self._source = source
        self._n = source_rows
        self.shape = (total, dim)
        self._noise = noise
        self._seed = seed

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, step = rows.indices(self.shape[0])
        if step != 1:
            raise IndexError("ReplicatedRows reads contiguous slices only")
        index = np.arange(start, stop)
        out = np.asarray(self._source[index % self._n], dtype=np.float32)
        return noisy(out, index // self._n, self._noise, np.random.default_rng([self._seed, start]))


def noisy(vectors: np.ndarray, copy: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Rows of copy 0 unchanged; other rows plus Gaussian noise of relative norm `noise`, normalised."""
    moved = copy > 0
    if moved.any():
        dim = vectors.shape[1]
        shift = rng.standard_normal((int(moved.sum()), dim), dtype=np.float32) * np.float32(noise / np.sqrt(dim))
        rows = vectors[moved] + shift
        vectors[moved] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return vectors


def synthesize(source: Path, size: int, noise: float):
    """(documents, chunks, vectors, sentence_vectors, follow_up_scores, manifest) of a `size`-chunk corpus."""
    from qa.index import Index
    from qa.records import stable_hash

    index = Index.load(source)
    chunks0 = list(index.chunks)
    docs0 = {doc_id: index.documents[doc_id] for doc_id in dict.fromkeys(c.doc_id for c in chunks0)}
    scores0 = dict(index.follow_up_scores.items())
    n0 = len(chunks0)
    copies = -(-size // n0)
    documents, chunks, follow_ups = [], [], dict(scores0)
    renamed: dict[tuple[str, int], tuple[str, str]] = {}
    for r in range(copies):
        for chunk in chunks0[: min(n0, size - r * n0)]:
            key = (chunk.doc_id, r)
            if key not in renamed:
                doc = docs0[chunk.doc_id]
                copy = doc if r == 0 else _copy_document(doc, r)
                renamed[key] = (copy.doc_id, copy.title)
                documents.append(copy)
                if r:
                    for old, new in zip(doc.follow_ups(), copy.follow_ups(), strict=False):
                        if old in scores0:
                            follow_ups[new] = scores0[old]
            doc_id, title = renamed[key]
            if r:
                heading = tuple(title if h == chunk.title else h for h in chunk.heading_path)
                chunk = replace(
                    chunk,
                    chunk_id=stable_hash(chunk.chunk_id, str(r)),
                    doc_id=doc_id,
                    title=title,
                    heading_path=heading,
                )
            chunks.append(chunk)
    rng = np.random.default_rng(SEED)
    rows = np.arange(size)
    vectors = noisy(np.asarray(index.vectors, dtype=np.float32)[rows % n0], rows // n0, noise, rng)
    sentences0 = int(np.asarray(index._sentence_start)[-1])
    total = sum(len(c.sentences) for c in chunks)
    sentence_vectors = ReplicatedRows(index.sentence_vectors, sentences0, total, vectors.shape[1], noise, SEED)
    return documents, chunks, vectors, sentence_vectors, follow_ups, index.manifest


def _copy_document(doc, r: int):
    title = f"{doc.title} #{r}" if doc.title else ""
    sections = tuple(
        replace(s, heading_path=tuple(title if h == doc.title else h for h in s.heading_path)) for s in doc.sections
    )
    return replace(doc, doc_id=f"{doc.doc_id}~{r}", title=title, sections=sections)


# --- child: build ----------------------------------------------------------------------------------------


def child_build(args: argparse.Namespace) -> int:
    """Write the base build of one size and print its step times and peak memory as JSON."""
    from qa.index import write_index

    started = time.perf_counter()
    documents, chunks, vectors, sentences, follow_ups, manifest = synthesize(args.source, args.size, args.noise)
    made = time.perf_counter() - started
    marks: dict[str, float] = {}
    last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        marks[name] = now - last
        last = now

    write_index(
        args.index,
        documents,
        chunks,
        vectors,
        sentence_vectors=sentences,
        model=manifest.model,
        chunker_version=manifest.chunker_version,
        backend=manifest.backend,
        dense_kind=args.kind,
        follow_up_scores=follow_ups,
        # The replicas are searched with the weights chosen for the source corpus at its ingest (its manifest's
        # `fusion`), as a real index of that corpus would be, rather than calibrated again on copies of itself.
        calibrate=(lambda _index: manifest.fusion) if manifest.fusion else None,
        on_step=step,
    )
    print(
        json.dumps(
            {
                "synthesize_s": made,
                "steps_s": marks,
                "build_s": sum(marks.values()),
                "documents": len(documents),
                "chunks": len(chunks),
                "sentences": len(sentences),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )
    return 0


# --- child: a fresh process answering ----------------------------------------------------------------------


def memory_mb() -> dict[str, float]:
    """Resident memory of this process: all, anonymous (heap) and file-backed (mapped files), in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def child_serve(args: argparse.Namespace) -> int:
    """Load the index and model as `medcite ask` does, answer, then time warm asks; print JSON."""
    entered = time.time()
    from qa.assistant import Assistant
    from qa.embedding import Embedder, EmbeddingCache
    from qa.index import Index, live_build
    from qa.settings import Settings

    imported = time.time()
    settings = Settings.from_env(index_dir=args.index, cache_dir=args.cache)
    index = Index.load(args.index, model=settings.model)
    indexed = time.time()
    embedder = Embedder(
        index.manifest.model,
        backend=index.manifest.backend,
        batch_size=settings.batch_size,
        cache=EmbeddingCache(args.cache / "e.db"),
        runtime=settings.runtime,  # as `Assistant.load` does: ONNX Runtime when the float32 export is cached
    )
    embedder.model  # noqa: B018 -- the model load, timed on its own
    modelled = time.time()
    assistant = Assistant(index, embedder)
    ready = time.time()
    after_load = memory_mb()
    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    first = assistant.ask(questions[0])
    answered = time.time()
    after_first = memory_mb()
    for question in questions[1 : 1 + WARM_UP]:
        assistant.ask(question)
    # Two halves of distinct questions, so that no cache of the first pass serves the second: the first right
    # after the fresh start (the index's files mostly still on disk), the second once they were read into the
    # page cache, as a long-running server's would be (a 1M-chunk index is 6 GB, read in full by its first few
    # thousand questions).
    rest = questions[1 + WARM_UP :]
    cold_questions, timed = rest[: len(rest) // 2], rest[len(rest) // 2 :]
    cold = time_asks(assistant, cold_questions)
    read_files(live_build(args.index))
    seconds = time_asks(assistant, timed)
    after_asks = memory_mb()
    parts: dict[str, list[float]] = {"dense": [], "bm25": [], "phrases": []}
    for question in timed:
        vector = embedder.encode_query(question)
        t = time.perf_counter()
        _, rows = index.dense_search(vector[None, :], 100)
        parts["dense"].append(time.perf_counter() - t)
        t = time.perf_counter()
        index.bm25.scores(question)
        parts["bm25"].append(time.perf_counter() - t)
        t = time.perf_counter()
        index.phrases.coverage(question, rows[0][rows[0] >= 0])
        parts["phrases"].append(time.perf_counter() - t)
    # The first follow-up that names a subject reads every title once (`qa.query.PageSubjects`): a one-off cost.
    started_titles = time.perf_counter()
    titles = len(index.titles())
    titles_s = time.perf_counter() - started_titles
    ms = np.asarray(seconds) * 1000
    cold_ms = np.asarray(cold) * 1000
    print(
        json.dumps(
            {
                "python_s": entered - args.started,
                "import_s": imported - entered,
                "index_load_s": indexed - imported,
                "model_load_s": modelled - indexed,
                "assistant_s": ready - modelled,
                "first_ask_s": answered - ready,
                "to_first_answer_s": answered - args.started,
                "first_abstained": first.abstained,
                "memory_after_load": after_load,
                "memory_after_first": after_first,
                "memory_after_asks": after_asks,
                "asks": len(seconds),
                "p50_ms": float(np.percentile(ms, 50)),
                "p95_ms": float(np.percentile(ms, 95)),
                "cold_p50_ms": float(np.percentile(cold_ms, 50)),
                "cold_p95_ms": float(np.percentile(cold_ms, 95)),
                "mean_ms": float(ms.mean()),
                "titles": titles,
                "titles_s": titles_s,
                **{f"{name}_p50_ms": float(np.median(v) * 1000) for name, v in parts.items()},
            }
        )
    )
    return 0


def time_asks(assistant, questions: Sequence[str]) -> list[float]:
    """Seconds of each `assistant.ask`, one question at a time."""
    seconds = []
    for question in questions:
        t = time.perf_counter()
        assistant.ask(question)
        seconds.append(time.perf_counter() - t)
    return seconds


def answering_runtime(backend: str, export: Path | None) -> str:
    """What encodes the served children's questions, as `qa.embedding.load_encoder` will choose it."""
    runtime = os.environ.get("MEDCITE_RUNTIME", "auto")
    if backend != "torch":
        return f"{backend} (ONNX Runtime)"
    if runtime == "pytorch" or (runtime == "auto" and export is None):
        return "PyTorch (float32)"
    return "ONNX Runtime running the float32 export (the torch backend's vectors)"


def read_files(folder: Path, block: int = 1 << 24) -> None:
    """Read every file of `folder` once, so the page cache holds them (the opposite of `evict`)."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                while f.read(block):
                    pass


# --- parent ----------------------------------------------------------------------------------------------


def run_child(command: Sequence[str], *, env: dict[str, str] | None = None) -> dict:
    started = time.time()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *command, "--started", repr(started)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def evict(folder: Path) -> None:
    """Drop the folder's files from the page cache, so the next process reads them from disk."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def disk_gb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e9


def link_kind(base: Path, target: Path, kind: str) -> float:
    """An index at `target` equal to `base` but with a dense index of `kind`; returns the seconds to build it."""
    from qa import dense
    from qa.index import DENSE, MANIFEST, VECTORS, live_build

    source = live_build(base)
    build = target / "builds" / source.name
    build.mkdir(parents=True)
    for path in source.rglob("*"):
        if path.name in (DENSE, MANIFEST) and path.parent == source:
            continue
        out = build / path.relative_to(source)
        if path.is_dir():
            out.mkdir(parents=True, exist_ok=True)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, out)
    vectors = np.load(source / VECTORS, allow_pickle=False)
    started = time.perf_counter()
    dense.write(dense.build(vectors, kind), build / DENSE)
    seconds = time.perf_counter() - started
    del vectors
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    (build / MANIFEST).write_text(json.dumps({**manifest, "dense_kind": kind}, indent=2) + "\n", encoding="utf-8")
    (target / "CURRENT").write_text(source.name + "\n", encoding="utf-8")
    return seconds


def exact_top(vectors_path: Path, queries: np.ndarray, k: int, block: int = 65536) -> np.ndarray:
    """Rows of the `k` best inner products for each query, by brute force over the memory-mapped vectors."""
    vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, vectors.shape[0], block):
        scores = queries @ np.asarray(vectors[start : start + block]).T
        rows = np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_rows = np.concatenate([best_rows, rows], axis=1)
        keep = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(all_scores, keep, axis=1)
        best_rows = np.take_along_axis(all_rows, keep, axis=1)
    return best_rows


def recall(found: np.ndarray, exact: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(e[:k])) / k for f, e in zip(found, exact, strict=True)]))


def pick_questions(datasets: Path, count: int) -> list[str]:
    """1 + WARM_UP + 2 x `count` MedQuAD questions, a fixed-seed sample across the sources."""
    import random

    from eval.datasets import medquad_sources, read_medquad

    found = [q.text for source in medquad_sources(datasets) for q in read_medquad(source)]
    return random.Random(SEED).sample(found, min(len(found), 1 + WARM_UP + 2 * count))


def sweep(index, kind: str, queries: np.ndarray, exact: np.ndarray, size: int) -> list[dict]:
    """Recall and single-query time of the approximate kinds at other search settings (what chose DenseSettings)."""
    from dataclasses import replace as changed

    from qa import dense

    if kind in ("ivf-sq8", "ivf-pq"):
        trials = [("nprobe", v, changed(dense.DENSE, nprobe=v)) for v in (16, 32, 64, 96, 128, 192, 256)]
        trials += [("refine", v, changed(dense.DENSE, refine=v)) for v in (1, 2, 5)]
    elif kind == "hnsw":
        trials = [("efSearch", v, changed(dense.DENSE, hnsw_ef_search=v)) for v in (64, 128, 256, 512)]
    else:
        return []
    out = []
    for name, value, settings in trials:
        started = time.perf_counter()
        found = np.vstack(
            [dense.search(index._dense, kind, q[None, :], 100, index.vectors, settings)[1] for q in queries]
        )
        ms = (time.perf_counter() - started) / len(queries) * 1000
        out.append(
            {"chunks": size, "kind": kind, "setting": name, "value": value, "ms": ms}
            | {"recall10": recall(found, exact, 10), "recall100": recall(found, exact, 100)}
        )
    return out


def sweep_table(sweeps: Sequence[dict]) -> str:
    lines = ["| chunks | dense index | setting | recall@10 | recall@100 | ms per search (k=100) |", "|" + " --- |" * 6]
    for s in sweeps:
        cells = [f"{s['chunks']:,}", s["kind"], f"{s['setting']}={s['value']}"]
        cells += [f"{s['recall10']:.3f}", f"{s['recall100']:.3f}", f"{s['ms']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def measure_size(
    args: argparse.Namespace, size: int, questions_file: Path, queries: np.ndarray
) -> tuple[list[dict], list[dict]]:
    from qa.index import VECTORS, Index, live_build

    folder = args.work / f"{size}"
    if folder.exists():
        shutil.rmtree(folder)
    base_kind = args.kinds[0]
    base = folder / base_kind
    built = run_child(
        [
            "_build",
            "--source",
            str(args.source),
            "--index",
            str(base),
            "--size",
            str(size),
            "--kind",
            base_kind,
            "--noise",
            str(args.noise),
        ]
    )
    steps = built["steps_s"]
    shared = built["build_s"] - steps["dense"]
    print(
        f"[{time.strftime('%H:%M:%S')}] {size:,} chunks built in {built['build_s']:.0f} s "
        f"({', '.join(f'{k} {v:.1f}' for k, v in steps.items())}), peak {built['peak_rss_mb']:.0f} MB",
        file=sys.stderr,
        flush=True,
    )
    exact = exact_top(live_build(base) / VECTORS, queries, 100)
    rows, sweeps = [], []
    for kind in args.kinds:
        target = base if kind == base_kind else folder / kind
        dense_s = steps["dense"] if kind == base_kind else link_kind(base, target, kind)
        index = Index.load(target)
        _, found = index.dense_search(queries, 100)
        sweeps.extend(sweep(index, kind, queries, exact, size))
        del index
        evict(live_build(target))
        served = run_child(
            ["_serve", "--index", str(target), "--questions", str(questions_file), "--cache", str(args.work / "cache")],
            env={"OMP_NUM_THREADS": "1"},
        )
        row = {
            "chunks": size,
            "kind": kind,
            "documents": built["documents"],
            "sentences": built["sentences"],
            "build_s": shared + dense_s,
            "dense_build_s": dense_s,
            "build_steps_s": steps,
            "build_peak_mb": built["peak_rss_mb"],
            "disk_gb": disk_gb(live_build(target)),
            "recall10": recall(found, exact, 10),
            "recall100": recall(found, exact, 100),
            **served,
        }
        rows.append(row)
        print(f"[{time.strftime('%H:%M:%S')}] {size:,} {kind}: {json.dumps(row)}", file=sys.stderr, flush=True)
    if not args.keep:
        shutil.rmtree(folder)
    return rows, sweeps


def quality(args: argparse.Namespace, datasets: Path) -> list[dict]:
    """MedQuAD retrieval nDCG@10 of the real source index, exact and with each approximate kind forced on it.

    One run, the same questions (a fixed-seed sample of `--ndcg-questions` of all six sources' questions, judged
    as `medcite eval medquad/all` judges them), one model: only the dense index differs between rows.
    """
    from eval.datasets import medquad_queries, medquad_sources, read_medquad_pages, sample
    from eval.harness import evaluate_retrieval
    from qa.assistant import Assistant
    from qa.embedding import Embedder, EmbeddingCache
    from qa.index import Index, read_manifest

    pages = tuple(p for source in medquad_sources(datasets) for p in read_medquad_pages(source)[0])
    queries = sample(medquad_queries(pages), args.ndcg_questions or None)
    manifest = read_manifest(args.source)
    embedder = Embedder(manifest.model, backend=manifest.backend, cache=EmbeddingCache(args.work / "cache" / "e.db"))
    folder = args.work / "quality"
    if folder.exists():
        shutil.rmtree(folder)
    out = []
    for kind in args.kinds:
        target = args.source if kind == manifest.dense_kind else folder / kind
        if target != args.source:
            link_kind(args.source, target, kind)
        assistant = Assistant(Index.load(target), embedder)
        entry = evaluate_retrieval(assistant, queries, ("hybrid", "dense"), name=kind)
        systems = entry["systems"]
        row = {"kind": kind, "questions": len(queries), "chunks": manifest.chunks}
        row |= {f"{system}_ndcg10": systems[system]["ndcg@10"] for system in ("hybrid", "dense")}
        out.append(row)
        print(f"[{time.strftime('%H:%M:%S')}] MedQuAD {kind}: {json.dumps(row)}", file=sys.stderr, flush=True)
        del assistant
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def quality_table(rows: Sequence[dict]) -> str:
    exact = next((r for r in rows if r["kind"] == "flat-ip"), None)
    head = ["dense index", "questions", "hybrid nDCG@10", "dense nDCG@10"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [r["kind"], f"{r['questions']:,}"]
        for system in ("hybrid", "dense"):
            value = 100 * r[f"{system}_ndcg10"]
            delta = f" ({value - 100 * exact[f'{system}_ndcg10']:+.2f})" if exact and r is not exact else ""
            cells.append(f"{value:.2f}{delta}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(rows: Sequence[dict]) -> str:
    head = [
        "chunks",
        "dense index",
        "build s (dense s)",
        "build peak GB",
        "disk GB",
        "fresh: first answer s (model load s)",
        "RSS after load GB (heap)",
        "RSS after asks GB (heap)",
        "hybrid p50 ms",
        "hybrid p95 ms",
        "p50 / p95 ms, files just evicted",
        "dense / BM25 / phrase p50 ms",
        "titles read once s (titles)",
        "recall@10",
        "recall@100",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        load, asks = r["memory_after_load"], r["memory_after_asks"]
        cells = [
            f"{r['chunks']:,}",
            r["kind"],
            f"{r['build_s']:.0f} ({r['dense_build_s']:.1f})",
            f"{r['build_peak_mb'] / 1024:.1f}",
            f"{r['disk_gb']:.1f}",
            f"{r['to_first_answer_s']:.1f} ({r['model_load_s']:.1f})",
            f"{load['VmRSS'] / 1024:.2f} ({load['RssAnon'] / 1024:.2f})",
            f"{asks['VmRSS'] / 1024:.2f} ({asks['RssAnon'] / 1024:.2f})",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['cold_p50_ms']:.1f} / {r['cold_p95_ms']:.1f}" if "cold_p50_ms" in r else "-",
            f"{r['dense_p50_ms']:.2f} / {r['bm25_p50_ms']:.2f} / {r['phrases_p50_ms']:.2f}",
            f"{r['titles_s']:.2f} ({r['titles']:,})" if "titles_s" in r else "-",
            f"{r['recall10']:.3f}",
            f"{r['recall100']:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def growth(rows: Sequence[dict]) -> str:
    """Each figure's ratio between consecutive sizes, per kind: how it grows with the corpus."""
    figures = {
        "build s": lambda r: r["build_s"],
        "disk": lambda r: r["disk_gb"],
        "RSS after asks": lambda r: r["memory_after_asks"]["VmRSS"],
        "first answer s": lambda r: r["to_first_answer_s"],
        "hybrid p95": lambda r: r["p95_ms"],
        "dense search": lambda r: r["dense_p50_ms"],
        "BM25": lambda r: r["bm25_p50_ms"],
        "phrase": lambda r: r["phrases_p50_ms"],
    }
    by_kind: dict[str, list[dict]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    lines = ["| dense index | sizes | " + " | ".join(figures) + " |", "|" + " --- |" * (len(figures) + 2)]
    for kind, found in by_kind.items():
        found = sorted(found, key=lambda r: r["chunks"])
        for small, big in itertools.pairwise(found):
            ratios = [f"x{f(big) / f(small):.1f}" if f(small) > 0 else "-" for f in figures.values()]
            sizes = f"{small['chunks']:,} -> {big['chunks']:,} (x{big['chunks'] / small['chunks']:.0f})"
            lines.append(f"| {kind} | {sizes} | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    build = sub.add_parser("_build")
    build.add_argument("--source", type=Path, required=True)
    build.add_argument("--index", type=Path, required=True)
    build.add_argument("--size", type=int, required=True)
    build.add_argument("--kind", required=True)
    build.add_argument("--noise", type=float, required=True)
    build.add_argument("--started", type=float)
    serve = sub.add_parser("_serve")
    serve.add_argument("--index", type=Path, required=True)
    serve.add_argument("--questions", type=Path, required=True)
    serve.add_argument("--cache", type=Path, required=True)
    serve.add_argument("--started", type=float, required=True)
    parser.add_argument("--source", type=Path, help="a built index to replicate (MedQuAD's six sources)")
    parser.add_argument("--work", type=Path, help="folder for the builds (tens of GB at 1M chunks)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--kinds", default=",".join(KINDS), help="the first is built with the rest of the index")
    parser.add_argument("--questions", type=int, default=200, help="timed asks per pass (two passes) per size and kind")
    parser.add_argument("--noise", type=float, default=0.3, help="relative norm of the noise on copied vectors")
    parser.add_argument(
        "--datasets",
        type=Path,
        help="MedQuAD folder (default: $MEDCITE_DATASETS/medquad or ../shared/datasets/medquad)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the builds (default: deleted once measured)")
    parser.add_argument(
        "--ndcg-questions",
        type=int,
        default=1000,
        help="MedQuAD questions for nDCG@10 of each kind on the source index (0: all; -1: skip)",
    )
    args = parser.parse_args(argv)
    if args.command == "_build":
        return child_build(args)
    if args.command == "_serve":
        return child_serve(args)
    if args.source is None or args.work is None:
        parser.error("--source and --work are required")
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    from qa.settings import DENSE_KINDS

    unknown = [k for k in args.kinds if k not in DENSE_KINDS]
    if unknown or not args.kinds:
        parser.error(f"--kinds must name some of {', '.join(DENSE_KINDS)}, got {args.kinds}")
    shared = os.environ.get("MEDCITE_DATASETS")
    datasets = (
        args.datasets or (Path(shared) if shared else REPO / ".." / "shared" / "datasets") / "medquad"
    ).resolve()
    args.work.mkdir(parents=True, exist_ok=True)

    from qa.embedding import Embedder, EmbeddingCache
    from qa.index import read_manifest

    source_manifest = read_manifest(args.source)
    questions = pick_questions(datasets, args.questions)
    questions_file = args.work / "questions.json"
    questions_file.write_text(json.dumps(questions), encoding="utf-8")
    embedder = Embedder(
        source_manifest.model, backend=source_manifest.backend, cache=EmbeddingCache(args.work / "cache" / "e.db")
    )
    queries = np.ascontiguousarray(np.vstack([embedder.encode_query(q) for q in questions]), dtype=np.float32)
    # What `medcite ingest` leaves in the cache for answering: the served children then encode questions as a
    # user's `medcite ask` or chat would (ONNX Runtime running the float32 export, unless MEDCITE_RUNTIME says).
    answering_export = embedder.export_for_answering()
    del embedder

    print(
        f"Source: {args.source} ({source_manifest.documents:,} documents, {source_manifest.chunks:,} chunks, "
        f"model {source_manifest.model}). Embedding replaced: its chunks and vectors replicated, copies moved by "
        f"noise of relative norm {args.noise} and renamed (see the script's docstring).\n"
        f"Questions: 2 x {(len(questions) - 1 - WARM_UP) // 2} timed MedQuAD questions + {WARM_UP} warm-up per "
        f"index, one thread; recall against brute force on the same {len(questions)} questions. "
        f"Machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at start.\n"
        f"Questions encoded by: {answering_runtime(source_manifest.backend, answering_export)}.\n",
        flush=True,
    )
    rows: list[dict] = []
    sweeps: list[dict] = []
    qualities: list[dict] = []
    if args.ndcg_questions >= 0:
        qualities = quality(args, datasets)
        (args.work / "results.json").write_text(json.dumps({"quality": qualities}, indent=2), encoding="utf-8")
        print("MedQuAD nDCG@10 on the source index, each kind forced (points; change against flat-ip):\n")
        print(quality_table(qualities) + "\n", flush=True)
    for size in args.sizes:
        size_rows, size_sweeps = measure_size(args, size, questions_file, queries)
        rows.extend(size_rows)
        sweeps.extend(size_sweeps)
        results = {"quality": qualities, "rows": rows, "sweeps": sweeps}
        (args.work / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(table(size_rows) + "\n", flush=True)
        print(sweep_table(size_sweeps) + "\n", flush=True)
    print(table(rows))
    print("\nGrowth between sizes (ratio of each figure):\n")
    print(growth(rows))
    print(f"\nLoad average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
