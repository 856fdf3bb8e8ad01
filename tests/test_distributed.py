"""`medcite ingest --ray`: the same index as a local ingest, embedded by Ray actors on a local cluster.

The cluster is started by the tests (`ray.init` with two CPUs, so two embedding actors in their own worker
processes) and stopped at the end. Without Ray installed these tests are skipped, saying how to install it;
`make test` installs it (the test extra pulls in medcite[ray]).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.distributed import RayEmbedder, RayUnavailableError
from qa.embedding import Embedder, EmbeddingCache
from qa.index import Index
from qa.ingest import ingest
from qa.settings import REPO_ROOT, Settings

HAVE_RAY = importlib.util.find_spec("ray") is not None
requires_ray = pytest.mark.skipif(
    not HAVE_RAY, reason="ray is not installed: pip install 'medcite[ray]' (make test installs it)"
)
# Small batches: the seed corpus (14 chunks) then makes 7 tasks, so a worker killed at the first result still
# has, or is sent, some of them.
BATCH = 2


def settings_for(root: Path) -> Settings:
    return Settings(
        index_dir=root / "index", cache_dir=root / "cache", corpus_dir=REPO_ROOT / "corpus", batch_size=BATCH
    )


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    """A local Ray cluster for this module: two CPUs, so two single-threaded embedding actors."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The seed corpus ingested on this machine, with the same batch size as the Ray runs."""
    root = tmp_path_factory.mktemp("local")
    settings = settings_for(root)
    embedder = Embedder(batch_size=BATCH, cache=EmbeddingCache(root / "cache" / "embeddings.sqlite"))
    ingest(None, settings, embedder=embedder)
    return Index.load(settings.index_dir)


def assert_same_index(ray_index: Index, local: Index) -> None:
    assert [c.chunk_id for c in ray_index.chunks] == [c.chunk_id for c in local.chunks]
    assert [c.text for c in ray_index.chunks] == [c.text for c in local.chunks]
    assert len({c.chunk_id for c in ray_index.chunks}) == len(ray_index.chunks)  # no chunk twice
    np.testing.assert_allclose(ray_index.vectors, local.vectors, atol=1e-5)
    # Sentence vectors are stored as float16: equal to its rounding.
    np.testing.assert_allclose(
        np.asarray(ray_index.sentence_vectors, np.float32), np.asarray(local.sentence_vectors, np.float32), atol=2e-3
    )
    assert ray_index.manifest.corpus_fingerprint == local.manifest.corpus_fingerprint
    assert ray_index.manifest.backend == local.manifest.backend == "torch"


@requires_ray
@pytest.mark.slow
def test_ray_ingest_builds_the_local_index(cluster, local_index: Index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(tmp_path)
    embedder = RayEmbedder.connect("auto", settings, workers=2)
    try:
        report = ingest(None, settings, embedder=embedder)
    finally:
        embedder.close()
    assert report.chunks_embedded == report.chunks == len(local_index.chunks)
    stats = embedder.stats
    assert stats is not None and stats.workers == 2 and stats.retried == 0
    assert stats.batches == -(-report.chunks // BATCH)
    assert_same_index(Index.load(settings.index_dir), local_index)


@requires_ray
@pytest.mark.slow
def test_a_worker_killed_mid_run_is_retried(cluster, local_index: Index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(tmp_path)
    killed: list[int] = []

    def kill_first_worker(_batch: int) -> None:
        # At the first result, batches are still queued on both actors: kill one's process outright.
        if not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    embedder = RayEmbedder.connect("auto", settings, workers=2, on_result=kill_first_worker)
    try:
        pids = embedder.worker_pids()
        report = ingest(None, settings, embedder=embedder)
        after = embedder.worker_pids()
    finally:
        embedder.close()
    assert killed == [pids[0]]
    assert after[0] != pids[0]  # the actor was started again in a new process
    stats = embedder.stats
    assert stats is not None and stats.retried >= 1
    assert report.chunks == len(local_index.chunks)
    assert_same_index(Index.load(settings.index_dir), local_index)


@requires_ray
@pytest.mark.slow
def test_cli_ingest_with_ray(cluster, local_index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from medcite.cli import main

    monkeypatch.setenv("MEDCITE_CACHE", str(tmp_path / "cache"))
    index_dir = tmp_path / "index"
    corpus = str(REPO_ROOT / "corpus")
    code = main(["ingest", corpus, "--index", str(index_dir), "--quiet", "--ray", "auto", "--ray-workers", "2"])
    assert code == 0
    # The process's own Ray session (the test's cluster) is reused, and left running for the other tests.
    assert cluster.is_initialized()
    index = Index.load(index_dir)
    assert [c.chunk_id for c in index.chunks] == [c.chunk_id for c in local_index.chunks]


def test_without_ray_the_error_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed: `import ray` raises ImportError
    with pytest.raises(RayUnavailableError, match=r"pip install 'medcite\[ray\]'"):
        RayEmbedder.connect("auto", settings_for(tmp_path))


def test_ray_workers_needs_ray(capsys: pytest.CaptureFixture[str]) -> None:
    from medcite.cli import main

    assert main(["ingest", "--ray-workers", "2"]) == 2
    assert "--ray-workers needs --ray" in capsys.readouterr().err
