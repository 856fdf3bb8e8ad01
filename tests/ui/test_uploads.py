"""Uploads: safe names, where files go, and a real upload re-ingested and answered from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from qa.assistant import Assistant
from qa.errors import MedciteError
from qa.ingest import ingest
from qa.settings import REPO_ROOT, Settings
from ui.app import build_app
from ui.uploads import ingest_sources, safe_name, store_uploads, uploads_dir

STONES = (
    "Potassium citrate prevents recurrent calcium oxalate kidney stones by raising urinary citrate. "
    "Patients with hypocitraturia benefit most from potassium citrate therapy."
)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("notes.TXT", "notes.txt"),
        ("../../etc/cron.d/job.md", "job.md"),
        ("C:\\Users\\me\\Guide v2.pdf", "Guide v2.pdf"),
        ("$(rm -rf)*?.html", "rm -rf.html"),
        (".hidden.txt", "hidden.txt"),
    ],
)
def test_safe_name_keeps_files_inside_the_folder_and_visible(name: str, safe: str) -> None:
    assert safe_name(name) == safe


@pytest.mark.parametrize(("name", "message"), [("tool.exe", "not an accepted"), ("...txt", "no usable file name")])
def test_safe_name_refuses_other_types_and_empty_names(name: str, message: str) -> None:
    with pytest.raises(MedciteError, match=message):
        safe_name(name)


def test_store_uploads_copies_under_safe_names_and_refuses_before_copying(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.exe"
    first.write_text("one")
    second.write_text("two")
    folder = tmp_path / "uploads"
    assert store_uploads([first], folder) == [folder / "a.txt"]
    assert (folder / "a.txt").read_text() == "one"
    with pytest.raises(MedciteError, match=r"b\.exe"):
        store_uploads([first, second], tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_uploads_live_beside_the_index_and_join_its_sources(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    assert uploads_dir(settings) == tmp_path.resolve() / "uploads"
    # No index yet: the default corpus plus the uploads folder, which is not listed twice.
    folder = uploads_dir(settings)
    assert ingest_sources(settings, folder) == [tmp_path / "corpus", folder]


@pytest.mark.slow
def test_upload_is_ingested_answered_from_and_bad_files_are_reported(
    tmp_path: Path, real_settings: Settings, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    # A separate index, so the shared one stays as the other tests expect; the embedding cache is shared.
    settings = Settings(
        index_dir=tmp_path / "index", cache_dir=real_settings.cache_dir, corpus_dir=REPO_ROOT / "corpus"
    )
    ingest([settings.corpus_dir], settings)
    demo = build_app(Assistant.load(settings.index_dir, settings), allow_upload=True, settings=settings)
    client = client_for(serve(demo, uploads=True))
    before = client.predict("Does potassium citrate prevent kidney stones?", api_name="/chat")
    assert "kidney_stones.txt" not in str(before)

    stones, broken = tmp_path / "kidney_stones.txt", tmp_path / "broken.pdf"
    stones.write_text(STONES, encoding="utf-8")
    broken.write_bytes(b"%PDF-1.4\nthis is not really a PDF")
    report, footer, _ = client.predict([handle_file(stones), handle_file(broken)], api_name="/add_documents")
    assert "**Added:** kidney\\_stones\\.txt" in report
    assert "Index now holds 3 documents" in report
    assert "broken\\.pdf:" in report  # the loader's reason follows
    assert "Removed from the uploads folder" in report
    assert "3 documents" in footer
    assert sorted(p.name for p in uploads_dir(settings).iterdir()) == ["kidney_stones.txt"]

    after = client.predict("Does potassium citrate prevent kidney stones?", api_name="/chat")
    assert any("kidney\\_stones\\.txt" in m["content"] for m in after if m["metadata"].get("title"))
    assert "Potassium citrate prevents recurrent calcium oxalate kidney stones" in after[0]["content"]


@pytest.mark.slow
def test_an_upload_named_like_a_corpus_file_is_kept_beside_it(
    tmp_path: Path, real_settings: Settings, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    # Once, an upload with a corpus file's name was skipped as a duplicate id and then deleted as unreadable.
    settings = Settings(
        index_dir=tmp_path / "index", cache_dir=real_settings.cache_dir, corpus_dir=REPO_ROOT / "corpus"
    )
    ingest([settings.corpus_dir], settings)
    demo = build_app(Assistant.load(settings.index_dir, settings), allow_upload=True, settings=settings)
    client = client_for(serve(demo, uploads=True))
    same_name = tmp_path / "000_0cc897c33312779f.txt"
    same_name.write_text("Kidney stones and citrate\n\n" + STONES, encoding="utf-8")

    report, _, _ = client.predict([handle_file(same_name)], api_name="/add_documents")
    assert "Skipped" not in report and "Removed from the uploads folder" not in report
    assert "Index now holds 3 documents" in report
    assert [p.name for p in uploads_dir(settings).iterdir()] == [same_name.name]
    index_ids = set(Assistant.load(settings.index_dir, settings).index.documents)
    assert index_ids == {"000_0cc897c33312779f.txt", "002_749b50180efa7039.txt", "uploads/000_0cc897c33312779f.txt"}

    after = client.predict("Does potassium citrate prevent kidney stones?", api_name="/chat")
    assert "Potassium citrate prevents recurrent calcium oxalate kidney stones" in after[0]["content"]
