"""Suite-wide fixtures.

`medcite ingest` leaves a float32 ONNX export of the model and the readers' int8 exports in its cache for
answering (`qa.ingest`), a one-off 7-30 s per cache folder. Most tests ingest into a cache folder of their own, so
each would pay it: instead, the first exports of the run are made for real, in a folder shared by the run, and
every later cache folder links to them. Answering then runs as it does for a user (ONNX Runtime on those exports)
in every test that loads an index. The exports themselves are tested in tests/test_embedding.py and
tests/answer/test_onnx_reader.py, with folders of their own. MEDCITE_HOME and MEDCITE_CACHE point into the run's
temporary folder, so no default folder (and no link to the run's exports) is the developer's own.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest

import qa.ingest
from qa.answer.onnx_reader import export_readers
from qa.assistant import Assistant
from qa.embedding import Embedder, onnx_installed, resolve_model
from qa.settings import Settings

_REAL_EXPORT = Embedder.export_for_answering


@pytest.fixture(scope="session")
def load_bench() -> Callable[[str], ModuleType]:
    """`bench/<name>.py` (scripts, not a package) as the module `name`, for the tests of their pure parts;
    registered in `sys.modules`, so their dataclasses resolve their own module."""

    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "bench" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def assistant_over(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, int], Assistant]:
    """An assistant over a fixture folder of `documents` documents, ingested whole into a home of its own (the
    other field's corpus, the kidney-dosing page)."""

    def build(folder: Path, documents: int) -> Assistant:
        home = tmp_path_factory.mktemp(folder.name)
        settings = Settings(index_dir=home / "index", cache_dir=home / "cache", corpus_dir=folder)
        report = qa.ingest.ingest([folder], settings)
        assert report.skipped == () and report.documents == documents
        return Assistant.load(settings.index_dir, settings)

    return build


@pytest.fixture(scope="session")
def real_export_for_answering() -> Callable[[Embedder], Path | None]:
    """`Embedder.export_for_answering` as shipped, for the tests of the export itself."""
    return _REAL_EXPORT


@pytest.fixture(scope="session", autouse=True)
def _no_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # First of the session fixtures: nothing a test writes by default (an index, the cache, the links to the run's
    # exports below) lands in the developer's own MEDCITE_HOME or MEDCITE_CACHE, which outlive the run.
    home = tmp_path_factory.mktemp("medcite-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDCITE_HOME", str(home))
        patch.setenv("MEDCITE_CACHE", str(home / "cache"))
        yield


@pytest.fixture(scope="session", autouse=True)
def _one_float32_export_per_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Session-scoped, so it is in place before the session fixtures that ingest.
    if not onnx_installed():
        yield
        return
    from qa.onnx_encoder import ensure_export, export_dir, has_export

    shared = tmp_path_factory.mktemp("float32-export")

    def link_the_run_export(self: Embedder) -> Path | None:
        if self.backend != "torch":
            return None
        path = resolve_model(self.name)
        if not Path(path).is_dir():  # a test's stand-in model, which no exporter could load
            return None
        target = export_dir(path, self.export_cache, "float32")
        if not has_export(path, self.export_cache, "float32"):
            source = ensure_export(path, shared, "float32")
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.symlink(source, target, target_is_directory=True)
        return target

    def link_the_run_reader_exports(names: Sequence[str], cache_dir: Path) -> list[Path]:
        targets = []
        for source in export_readers(names, shared):
            target = Path(cache_dir) / "onnx" / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.symlink(source, target, target_is_directory=True)
            targets.append(target)
        return targets

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Embedder, "export_for_answering", link_the_run_export)
        patch.setattr(qa.ingest, "export_readers", link_the_run_reader_exports)
        yield
