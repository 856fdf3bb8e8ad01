"""Ingest benchmark: pipeline against bare model throughput, re-ingest cost, a fresh process's load time.

    .venv/bin/python bench/ingest_bench.py [CORPUS] [--limit-files N] [--batch-size 64]
        [--backends torch,onnx-int8] [--ray-workers 1,2]

CORPUS defaults to the shared MedQuAD folder ($MEDCITE_DATASETS/medquad, else ../shared/datasets/medquad
from the repository). Everything is written to a temporary folder with an empty embedding cache, so the first
build really embeds every chunk. Prints a Markdown table; the goals are: the pipeline adds at most 10% to the
bare model's encoding time, re-ingesting an unchanged corpus costs at most 5% of the first build, a fresh
process reaches its first search in well under a few seconds, and choosing the fusion weights (calibration) adds
at most 10%, to the first build, to a rebuild from the warm caches and to a re-ingest after one file of the corpus
was deleted.

--backends times a first build with each embedding backend in turn, in this one run, each into its own empty
folder and cache, and prints each one's throughput as a multiple of the first's (goal for onnx-int8: >= 2x
torch). The ONNX export (once per model, cached) is done before timing and reported apart.

--ray-workers times the same first build embedded on a local Ray cluster (started here with as many CPUs as
workers, stopped after) with each number of workers, and prints chunks/s for each (actor start-up, which loads
the model once per worker, is not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.calibration import CalibrationSettings  # noqa: E402
from qa.embedding import Embedder, EmbeddingCache  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.ingest import ingest  # noqa: E402
from qa.settings import Settings  # noqa: E402

# Run in a fresh interpreter: what a chat or `medcite ask` pays before its first answer, minus the model.
_FIRST_SEARCH = """
import json, sys, time
t0 = time.perf_counter()
from qa.index import Index
t1 = time.perf_counter()
index = Index.load(sys.argv[1])
t2 = time.perf_counter()
rows, _ = index.bm25.search("What are the symptoms of diabetes?", k=10)
scores, dense_rows = index.dense_search(index.vectors[:1], k=10)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "search": t3 - t2, "chunks": len(index.chunks)}))
"""


def default_corpus() -> Path:
    shared = os.environ.get("MEDCITE_DATASETS")
    base = Path(shared) if shared else REPO / ".." / "shared" / "datasets"
    return (base / "medquad").resolve()


def limited_corpus(corpus: Path, limit: int, into: Path) -> Path:
    """Symlinks to `limit` files taken in turn from each sub-folder, so a quick run mixes the sources."""
    if corpus.is_file():
        return corpus
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    queues = [[f for f in files if f.parent == folder] for folder in sorted({f.parent for f in files})]
    picked: list[Path] = []
    while len(picked) < limit and any(queues):
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    into.mkdir(parents=True)
    for i, path in enumerate(picked):
        (into / f"{i:05d}_{path.name}").symlink_to(path)
    return into


def mirror(corpus: Path, into: Path) -> Path:
    """Symlinks to every file of `corpus`, in a folder of the same name (data-set loaders name documents by their
    folder) under the same relative paths: a copy of the corpus that the benchmark may delete a file from."""
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    if len(files) < 2:
        raise SystemExit(f"{corpus}: the re-ingest after a deletion needs a folder of at least two files")
    into = into / corpus.name
    for path in files:
        link = into / path.relative_to(corpus)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
    return into


def bare_encode(embedder: Embedder, texts: list[str], batch_size: int) -> float:
    """Seconds for sentence-transformers alone to encode `texts`: what the pipeline is measured against."""
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size)
    return time.perf_counter() - started


def backend_builds(corpus: Path, work: Path, args: argparse.Namespace) -> list[tuple[str, float, int, float]]:
    """(backend, seconds, chunks, seconds to load or export the model) of a first build with each backend."""
    rows = []
    for backend in args.backends.split(","):
        folder = work / f"backend-{backend}"
        settings = Settings(
            model=args.model,
            backend=backend,
            index_dir=folder / "index",
            cache_dir=folder / "cache",
            batch_size=args.batch_size,
        )
        embedder = Embedder(
            args.model,
            backend=backend,
            batch_size=args.batch_size,
            cache=EmbeddingCache(settings.cache_dir / "embeddings.sqlite"),
        )
        started = time.perf_counter()
        embedder.model  # noqa: B018 -- load (and for ONNX export) outside the timed build: a one-off cost
        loaded = time.perf_counter() - started
        report = ingest([corpus], settings, embedder=embedder)
        rows.append((backend, report.seconds, report.chunks, loaded))
    return rows


def ray_builds(corpus: Path, work: Path, args: argparse.Namespace) -> list[tuple[int, float, int]]:
    """(workers, seconds, chunks) of a first build embedded on a local Ray cluster of that many CPUs."""
    import ray

    from qa.distributed import RayEmbedder

    rows = []
    for workers in (int(w) for w in args.ray_workers.split(",")):
        folder = work / f"ray-{workers}"
        settings = Settings(
            model=args.model, index_dir=folder / "index", cache_dir=folder / "cache", batch_size=args.batch_size
        )
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
        try:
            embedder = RayEmbedder.connect("auto", settings, workers=workers)
            embedder.worker_pids()  # start the actors (each loads the model) before timing
            embedder.model  # noqa: B018 -- and the driver's own copy, which chunking counts tokens with
            report = ingest([corpus], settings, embedder=embedder)
            embedder.close()
        finally:
            ray.shutdown()
        rows.append((workers, report.seconds, report.chunks))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=None, help="file or folder to ingest")
    parser.add_argument("--limit-files", type=int, help="use only N files (in turn from each sub-folder)")
    parser.add_argument("--batch-size", type=int, default=Settings.batch_size)
    parser.add_argument("--model", default=Settings.model)
    parser.add_argument("--backends", help="comma-separated embedding backends to compare, e.g. torch,onnx-int8")
    parser.add_argument("--ray-workers", help="comma-separated worker counts for a Ray ingest, e.g. 1,2")
    args = parser.parse_args()
    corpus = (args.corpus or default_corpus()).resolve()
    if not corpus.exists():
        print(f"corpus {corpus} not found; pass a folder or set MEDCITE_DATASETS", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="medcite-bench-") as tmp:
        work = Path(tmp)
        source = corpus
        if args.limit_files:
            corpus = limited_corpus(corpus, args.limit_files, work / "corpus")
        settings = Settings(
            model=args.model, index_dir=work / "index", cache_dir=work / "cache", batch_size=args.batch_size
        )
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
        embedder = Embedder(args.model, batch_size=args.batch_size, cache=cache)
        started = time.perf_counter()
        embedder.model  # noqa: B018 -- load torch and the model outside the timed build: a one-off cost
        model_load = time.perf_counter() - started

        first = ingest([corpus], settings, embedder=embedder)
        texts = [c.context for c in Index.load(settings.index_dir).chunks]
        bare = bare_encode(embedder, texts, args.batch_size)
        again = ingest([corpus], settings, embedder=embedder)
        # Rebuilds from the warm embedding cache into new folders, without and with the calibration (its
        # pseudo-queries' vectors are cached too by now, as after any earlier build of the same corpus).
        uncalibrated = ingest(
            [corpus],
            replace(settings, index_dir=work / "index-plain"),
            embedder=embedder,
            calibration=CalibrationSettings(queries=0),
        )
        warm = ingest([corpus], replace(settings, index_dir=work / "index-warm"), embedder=embedder)
        # A copy of the corpus (links the benchmark may delete, never the corpus's own files) built from the warm
        # caches, then again after one of its files was deleted: a small change keeps the weights.
        copy = mirror(corpus, work / "mirror")
        copy_settings = replace(settings, index_dir=work / "index-copy")
        ingest([copy], copy_settings, embedder=embedder)
        left_out = sorted(p for p in copy.rglob("*") if p.is_symlink())[-1]
        left_out.unlink()
        edited = ingest([copy], copy_settings, embedder=embedder)

        child = subprocess.run(
            [sys.executable, "-c", _FIRST_SEARCH, str(settings.index_dir)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        wall_started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter = time.perf_counter() - wall_started
        fresh = json.loads(child.stdout)
        backends = backend_builds(corpus, work, args) if args.backends else []
        rays = ray_builds(corpus, work, args) if args.ray_workers else []

    pipeline_rate = first.chunks / first.seconds
    bare_rate = len(texts) / bare
    overhead = (first.seconds - bare) / bare * 100
    reingest_share = again.seconds / first.seconds * 100
    to_search = interpreter + fresh["import"] + fresh["load"] + fresh["search"]
    sample = f" (first {args.limit_files} files)" if args.limit_files else ""
    counts = f"{first.documents} documents, {first.chunks} chunks, {len(first.skipped)} files skipped"
    print(f"Corpus: {source}{sample}: {counts}")
    print(f"Model: {args.model}, batch size {args.batch_size}, loaded in {model_load:.1f} s (not timed)\n")
    print("| measure | value | goal |")
    print("| --- | --- | --- |")
    print(f"| first build, whole pipeline | {first.seconds:.1f} s, {pipeline_rate:.1f} chunks/s | |")
    print(f"| bare model encode, same texts | {bare:.1f} s, {bare_rate:.1f} chunks/s | |")
    print(f"| pipeline / bare throughput | {pipeline_rate / bare_rate:.2f} | >= 0.91 |")
    print(f"| pipeline overhead | {overhead:+.1f}% | <= 10% |")
    share = f"{again.seconds:.2f} s, {reingest_share:.1f}% of first build"
    print(f"| re-ingest, unchanged corpus | {share} | <= 5% |")
    calibration = float(first.fusion.get("spent", 0.0))
    asked = sum(first.fusion.get("pseudo_queries", {}).values())
    print(
        f"| calibration in the first build ({asked} pseudo-queries) | {calibration:.1f} s, "
        f"{100 * calibration / first.seconds:.1f}% of the build | <= 10% |"
    )
    extra = (warm.seconds - uncalibrated.seconds) / uncalibrated.seconds * 100
    print(
        f"| rebuild from the warm cache, without / with calibration | {uncalibrated.seconds:.1f} s / "
        f"{warm.seconds:.1f} s ({extra:+.1f}%; calibration {float(warm.fusion.get('spent', 0.0)):.1f} s, "
        f"{warm.fusion.get('origin', '?')}) | <= 10% |"
    )
    spent = float(edited.fusion.get("spent", 0.0))
    print(
        f"| re-ingest after deleting a file ({edited.removed} of {warm.documents} documents removed, "
        f"{edited.changed} changed) | "
        f"{edited.seconds:.1f} s, calibration {spent:.1f} s = {100 * spent / edited.seconds:.1f}% "
        f"({edited.fusion.get('origin', '?')}) | <= 10% |"
    )
    print(
        f"| fresh process to first search | {to_search:.2f} s (python {interpreter:.2f}, import "
        f"{fresh['import']:.2f}, load {fresh['load']:.2f}, search {fresh['search']:.3f}) | a few s at most |"
    )
    if backends:
        print("\n| backend | first build | chunks/s | x first backend | model load or export (not timed) |")
        print("| --- | --- | --- | --- | --- |")
        base = backends[0][2] / backends[0][1]
        for backend, seconds, chunks, loaded in backends:
            rate = chunks / seconds
            print(f"| {backend} | {seconds:.1f} s | {rate:.1f} | {rate / base:.2f} | {loaded:.1f} s |")
    if rays:
        print("\n| Ray workers (local cluster) | first build | chunks/s | x one worker |")
        print("| --- | --- | --- | --- |")
        base = rays[0][2] / rays[0][1]
        for workers, seconds, chunks in rays:
            rate = chunks / seconds
            print(f"| {workers} | {seconds:.1f} s | {rate:.1f} | {rate / base:.2f} |")
    if not again.up_to_date:
        print("\nwarning: the re-ingest rebuilt the index: did the corpus change meanwhile?", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
