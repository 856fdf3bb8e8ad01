"""Embedding on a Ray cluster: ingest loads, chunks and indexes on this machine; Ray actors run the model.

`RayEmbedder` is an `Embedder` whose chunk forward passes run on a pool of Ray actors, each holding the model
once. Everything else stays here: the embedding cache (only chunks it lacks are sent), the tokenizer that
chunking counts with, follow-up scoring (a few short texts) and the atomic index build. So `ingest` does not
know where its vectors came from, and steps added after embedding (calibration, say) compose with it.

The texts are grouped into batches exactly as a local ingest groups them (`Embedder.batches`), and each batch
is one task, so the vectors are the ones a local ingest computes (to float rounding; identical for the int8
backend, whose activation scales depend on the batch). Results are kept by batch number: a batch is stored
once however many times it ran, and a batch still missing at the end is an error, so no chunk is lost or
duplicated. A task whose actor died (a node lost, a process killed) is sent again, to a new actor started in
the dead one's place or to another one, up to `RETRIES` times.

Ray is an optional extra (`pip install 'medcite[ray]'`); this module imports it only when connecting.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.embedding import Embedder, EmbeddingCache, Span, _progress_bar
from qa.errors import MedciteError
from qa.settings import Settings

# Times a batch is sent again after its actor died, before the ingest gives up (nothing is published then).
RETRIES = 3
# Batches queued on each actor at once, so an actor never waits for the driver between two batches.
IN_FLIGHT = 2


class RayUnavailableError(MedciteError):
    """Ray is not installed, or no cluster answers at the address given."""


@dataclass(frozen=True)
class RayStats:
    """What the last distributed embedding did, for the CLI summary, the benchmark and the tests."""

    workers: int
    batches: int
    retried: int  # batches sent again after their actor died
    seconds: float


class EmbedWorker:
    """A Ray actor: one model on one backend, embedding the batches it is sent."""

    def __init__(self, model: str, backend: str, batch_size: int, export: list | None, threads: int):
        """`export`: None, or a list holding the object reference of the driver's ONNX export files (nested, so
        Ray does not resolve it into the task's arguments, which a restarted actor could not read again)."""
        export_cache = None
        if export is not None:
            import ray

            files: dict[str, bytes] = ray.get(export[0])
            # The driver's ONNX export, written to this node: every worker runs the very same int8 model, and
            # no node needs the export tools or a shared file system.
            from qa.onnx_encoder import export_dir

            folder = Path(tempfile.mkdtemp(prefix="medcite-onnx-"))
            target = export_dir(files["__model_path__"].decode(), folder)
            target.mkdir(parents=True)
            for name, data in files.items():
                if name != "__model_path__":
                    (target / name).write_bytes(data)
            export_cache = folder
        self.embedder = Embedder(model, backend=backend, batch_size=batch_size, export_cache=export_cache)
        self.embedder.set_threads(threads)
        self.embedder.model  # noqa: B018 -- load now: a worker that cannot load its model fails at start

    def pid(self) -> int:
        return os.getpid()

    def encode_batch(
        self, number: int, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[int, np.ndarray, list[np.ndarray]]:
        vectors, sentences = self.embedder.encode_batch(texts, spans)
        return number, vectors, sentences


class RayEmbedder(Embedder):
    """An `Embedder` whose chunk embedding runs on Ray actors; use `RayEmbedder.connect`, then `close`."""

    def __init__(
        self,
        model: str,
        *,
        backend: str,
        batch_size: int,
        cache: EmbeddingCache | None,
        export_cache: Path | None,
        workers: int,
        owns_ray: bool = False,
        on_result: Callable[[int], None] | None = None,
    ):
        super().__init__(model, backend=backend, batch_size=batch_size, cache=cache, export_cache=export_cache)
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.on_result = on_result  # called on the driver with each batch number as its result arrives
        self.stats: RayStats | None = None
        self._owns_ray = owns_ray
        self._actors: list = []
        self._export_ref = None

    @classmethod
    def connect(
        cls,
        address: str,
        settings: Settings,
        *,
        workers: int | None = None,
        on_result: Callable[[int], None] | None = None,
    ) -> RayEmbedder:
        """Join the Ray cluster at `address` ("auto": the one on this machine), or use the one this process
        already joined, and plan `workers` actors (default: one per CPU of the cluster).

        Raises:
            RayUnavailableError: Ray is not installed, or no cluster answers at `address`.
        """
        ray = _import_ray()
        owns = False
        if not ray.is_initialized():
            try:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayUnavailableError(
                    f"no Ray cluster at {address!r} ({exc}); start one with `ray start --head` (then use --ray "
                    "auto) or give the head's address, e.g. --ray ray://HEAD:10001"
                ) from exc
            owns = True
        count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        return cls(
            settings.model,
            backend=settings.backend,
            batch_size=settings.batch_size,
            cache=EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite"),
            export_cache=Path(settings.cache_dir),
            workers=count,
            owns_ray=owns,
            on_result=on_result,
        )

    def _start(self) -> list:
        ray = _import_ray()
        if self._actors:
            return self._actors
        export = None
        if self.backend == "onnx-int8":
            from qa.embedding import resolve_model
            from qa.onnx_encoder import ensure_export

            path = resolve_model(self.name)
            folder = ensure_export(path, self.export_cache)
            export = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
            export["__model_path__"] = path.encode()
        # Held for the actors' lifetime: an actor started to replace a dead one reads the export again.
        self._export_ref = ray.put(export) if export is not None else None
        self._actors = [self._new_actor() for _ in range(self.workers)]
        return self._actors

    def _new_actor(self):  # type: ignore[no-untyped-def]
        # No max_restarts: Ray cannot restart an actor whose constructor arguments live in the object store
        # (ray-project/ray#53727); `_encode_chunks` starts a new actor in a dead one's place instead.
        ray = _import_ray()
        actor = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(EmbedWorker)
        nested = [self._export_ref] if self._export_ref is not None else None
        return actor.remote(self.name, self.backend, self.batch_size, nested, 1)

    def worker_pids(self) -> list[int]:
        """The process id of each actor (starting them if needed): the tests kill one mid-run."""
        ray = _import_ray()
        return [int(p) for p in ray.get([a.pid.remote() for a in self._start()])]

    def _encode_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], progress: bool
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The chunks' vectors and sentence vectors, each batch embedded by one of the actors."""
        ray = _import_ray()
        from ray import exceptions

        # An actor that died mid-task (or, on a cluster that restarts actors, is still restarting).
        lost = tuple(
            getattr(exceptions, n) for n in ("RayActorError", "ActorUnavailableError") if hasattr(exceptions, n)
        )

        started = time.perf_counter()
        actors = self._start()
        batches = self.batches(texts)
        pending = list(range(len(batches)))[::-1]  # popped from the end: batch 0 first
        tries = dict.fromkeys(range(len(batches)), 0)
        results: dict[int, tuple[np.ndarray, list[np.ndarray]]] = {}
        running: dict = {}  # future -> (batch number, actor slot, the slot's generation when sent)
        load = [0] * len(actors)
        generation = [0] * len(actors)
        retried = 0

        def submit(number: int) -> None:
            slot = min(range(len(actors)), key=lambda a: load[a])
            batch = batches[number]
            future = actors[slot].encode_batch.remote(number, [texts[i] for i in batch], [spans[i] for i in batch])
            running[future] = (number, slot, generation[slot])
            load[slot] += 1

        bar = _progress_bar(progress, len(texts))
        while pending or running:
            while pending and len(running) < IN_FLIGHT * len(actors):
                submit(pending.pop())
            done, _ = ray.wait(list(running), num_returns=1)
            number, slot, sent_to = running.pop(done[0])
            load[slot] -= 1
            try:
                got, vectors, sentences = ray.get(done[0])
            except lost as exc:  # a failure of the batch itself (a bug, bad input) is raised as it is
                if sent_to == generation[slot]:  # the first of the dead actor's tasks to report: replace it
                    ray.kill(actors[slot], no_restart=True)
                    actors[slot] = self._new_actor()
                    generation[slot] += 1
                tries[number] += 1
                if tries[number] > RETRIES:
                    raise MedciteError(
                        f"embedding batch {number} on the Ray cluster failed {tries[number]} times ({exc}); "
                        "nothing was published"
                    ) from exc
                retried += 1
                pending.append(number)
                continue
            if got != number or got in results:
                continue  # a duplicate (or stray) result: each batch is kept once
            results[number] = (vectors, sentences)
            bar.update(len(batches[number]))
            if self.on_result is not None:
                self.on_result(number)
        bar.close()
        missing = [n for n in range(len(batches)) if n not in results]
        if missing:
            raise MedciteError(f"the Ray cluster returned no vectors for batches {missing}; nothing was published")
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        sentences: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(texts)
        for number, batch in enumerate(batches):
            batch_vectors, batch_sentences = results[number]
            if len(batch_vectors) != len(batch) or len(batch_sentences) != len(batch):
                raise MedciteError(f"batch {number} came back with {len(batch_vectors)} vectors for {len(batch)}")
            for j, i in enumerate(batch):
                vectors[i] = batch_vectors[j]
                sentences[i] = np.asarray(batch_sentences[j], dtype=np.float32)
        self.stats = RayStats(len(actors), len(batches), retried, time.perf_counter() - started)
        return vectors, sentences

    def close(self) -> None:
        """Stop the actors, and leave the cluster if `connect` joined it."""
        if not self._actors and not self._owns_ray:
            return
        ray = _import_ray()
        for actor in self._actors:
            ray.kill(actor, no_restart=True)
        self._actors = []
        self._export_ref = None
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()
            self._owns_ray = False


def _import_ray():  # type: ignore[no-untyped-def]
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailableError(
            f"--ray needs Ray on this machine and on the cluster ({exc}); install it with: pip install 'medcite[ray]'"
        ) from exc
    return ray
