"""`load_paths`: walking folders, skipping bad files with a reason, and the rules for data-set folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import LoadError
from qa.loaders import load_file, load_paths

GOOD = "Hyperkalaemia\n\nGive calcium gluconate when the ECG changes.\n"
MEDQUAD = (
    '<?xml version="1.0" encoding="UTF-8"?><Document id="0000001" source="GHR" url="https://ghr.example/x">'
    '<Focus>X</Focus><QAPairs><QAPair pid="1"><Question qid="0000001-1">What is X ?</Question>'
    "<Answer>X is a rare condition.</Answer></QAPair></QAPairs></Document>"
)


def _reasons(result_skipped: tuple) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in result_skipped}


def test_bad_files_are_skipped_with_reasons_and_the_rest_loads(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (tmp_path / "latin1.txt").write_bytes(b"Caf\xe9 au lait\n")
    (tmp_path / "broken.xml").write_text('<?xml version="1.0"?><Document><QAPairs>', encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"a": 1,\n "b": }', encoding="utf-8")
    (tmp_path / "big.txt").write_text("Long text. " * 20, encoding="utf-8")
    missing = tmp_path / "missing.txt"

    result = load_paths([tmp_path, missing], max_bytes=200)

    assert [d.doc_id for d in result.documents] == ["good.txt"]
    reasons = _reasons(result.skipped)
    assert reasons["missing.txt"] == "does not exist; check the path"
    assert reasons["empty.txt"] == "empty file"
    assert reasons["image.png"] == "binary file (not text, HTML, PDF, JSON or XML)"
    assert reasons["latin1.txt"].startswith("not valid UTF-8 text")
    assert reasons["broken.xml"].startswith("malformed XML: ")
    assert reasons["broken.json"].startswith("malformed JSON at line 2: ")
    assert reasons["big.txt"].startswith("larger than 200 bytes (220 bytes)")
    assert len(result.skipped) == 7


def test_the_default_size_limit_reads_as_50_mb(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50_000_001)  # sparse: no 50 MB written to disk
    [skipped] = load_paths([path]).skipped
    assert skipped.reason.startswith("larger than 50 MB")


def test_an_unreadable_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(GOOD, encoding="utf-8")
    path.chmod(0)
    try:
        try:
            path.open("rb").close()
        except PermissionError:
            pass
        else:
            pytest.skip("running as root: a mode-000 file is still readable")
        result = load_paths([tmp_path])
        assert result.documents == ()
        assert _reasons(result.skipped) == {"locked.txt": "cannot read: permission denied"}
        with pytest.raises(LoadError, match=r"^cannot read: permission denied$"):
            load_file(path)
    finally:
        path.chmod(0o644)


def test_walk_is_sorted_and_ignores_hidden_entries(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", ".hidden.txt", "sub/c.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(GOOD if name != "sub/c.md" else "# C\n\nText of c.\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(GOOD, encoding="utf-8")
    result = load_paths([str(tmp_path)])
    assert [d.doc_id for d in result.documents] == ["a.txt", "b.txt", "sub/c.md"]
    assert result.skipped == ()
    assert result.documents[0].source == str(tmp_path / "a.txt")


def test_files_of_the_same_name_in_different_folders_are_all_loaded(tmp_path: Path) -> None:
    # Real collections are full of index.html, guideline.pdf and summary.txt: the id is the path under the root.
    for folder in ("cardiology", "nephrology", "nephrology/old"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "dosing.txt").write_text(GOOD, encoding="utf-8")
    result = load_paths([tmp_path])
    assert result.skipped == ()
    assert [d.doc_id for d in result.documents] == [
        "cardiology/dosing.txt", "nephrology/dosing.txt", "nephrology/old/dosing.txt"
    ]  # fmt: skip
    assert [d.source for d in result.documents] == [
        str(tmp_path / f / "dosing.txt") for f in ("cardiology", "nephrology", "nephrology/old")
    ]


def test_ids_are_relative_to_each_root_and_a_later_root_that_collides_is_named_by_its_folder(tmp_path: Path) -> None:
    for folder in ("corpus", "uploads", "elsewhere/uploads"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "notes.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "uploads" / "new.txt").write_text(GOOD, encoding="utf-8")
    result = load_paths([tmp_path / "corpus", tmp_path / "uploads", tmp_path / "elsewhere" / "uploads"])
    assert result.skipped == ()
    assert [d.doc_id for d in result.documents] == [
        "notes.txt", "new.txt", "uploads/notes.txt", "elsewhere/uploads/notes.txt"
    ]  # fmt: skip
    # The same roots give the same ids again (so an incremental ingest reuses what it has).
    again = load_paths([tmp_path / "corpus", tmp_path / "uploads", tmp_path / "elsewhere" / "uploads"])
    assert [d.doc_id for d in again.documents] == [d.doc_id for d in result.documents]


def test_files_given_one_by_one_with_the_same_name_keep_their_folder_in_the_id(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(GOOD, encoding="utf-8")
    result = load_paths([tmp_path / "a" / "notes.txt", tmp_path / "b" / "notes.txt"])
    assert [d.doc_id for d in result.documents] == ["notes.txt", "b/notes.txt"]


def test_data_set_ids_are_the_data_sets_own_whatever_the_folder(tmp_path: Path) -> None:
    # BEIR and PubMedQA qrels name their own ids; a folder above them must not change those.
    (tmp_path / "beir" / "scifact").mkdir(parents=True)
    (tmp_path / "beir" / "scifact" / "corpus.jsonl").write_text(
        json.dumps({"_id": "d1", "text": "One."}), encoding="utf-8"
    )
    assert [d.doc_id for d in load_paths([tmp_path]).documents] == ["d1"]


def test_duplicate_records_inside_one_data_set_file_are_one_skip_line(tmp_path: Path) -> None:
    records = [{"_id": "d1", "text": "One."}, {"_id": "d1", "text": "Again."}, {"_id": "d2", "text": "Two."}]
    records += [{"_id": "d2", "text": "Again."}]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    result = load_paths([tmp_path])
    assert [d.sections[0].text for d in result.documents] == ["One.", "Two."]
    assert [s.reason for s in result.skipped] == [
        "2 duplicate doc_ids, such as 'd1' (already loaded earlier in this file); the first is kept"
    ]


def test_a_single_path_may_be_given_bare(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    assert [d.doc_id for d in load_paths(str(tmp_path)).documents] == ["good.txt"]  # type: ignore[arg-type]


def test_a_file_named_twice_is_loaded_once(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    result = load_paths([tmp_path, tmp_path / "good.txt"])
    assert [d.doc_id for d in result.documents] == ["good.txt"]
    assert result.skipped == ()


def test_licence_and_readme_beside_a_data_set_are_ignored_but_not_elsewhere(tmp_path: Path) -> None:
    data = tmp_path / "medquad"
    (data / "3_GHR_QA").mkdir(parents=True)
    (data / "3_GHR_QA" / "0000001.xml").write_text(MEDQUAD, encoding="utf-8")
    (data / "LICENSE.txt").write_text("Creative Commons Attribution 4.0 International.\n", encoding="utf-8")
    (data / "3_GHR_QA" / "README.md").write_text("# About\n\nThe GHR pages.\n", encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "README.txt").write_text(GOOD, encoding="utf-8")

    result = load_paths([data, pages])

    assert [d.doc_id for d in result.documents] == ["medquad/3_GHR_QA/0000001-1", "README.txt"]
    assert result.skipped == ()


def test_a_json_data_set_beside_a_licence(tmp_path: Path) -> None:
    entry = {"QUESTION": "Q?", "CONTEXTS": ["Context."], "LABELS": ["RESULTS"], "YEAR": "2001"}
    (tmp_path / "ori_pqal.json").write_text(json.dumps({"1": entry}), encoding="utf-8")
    (tmp_path / "LICENSE").write_text("MIT License\n\nPermission is hereby granted.\n", encoding="utf-8")
    result = load_paths([tmp_path])
    assert [d.doc_id for d in result.documents] == ["pubmed/1"]
    assert result.skipped == ()


def test_max_bytes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_bytes must be positive"):
        load_paths([], max_bytes=0)


def test_permission_errors_become_a_reason_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(GOOD, encoding="utf-8")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    assert _reasons(load_paths([tmp_path]).skipped) == {"locked.txt": "cannot read: permission denied"}


def test_utf16_and_utf8_bom_files_load_as_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(GOOD.encode("utf-16"))
    (tmp_path / "b.txt").write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    result = load_paths([tmp_path])
    assert result.skipped == ()
    assert [(d.title, d.sections[0].text) for d in result.documents] == [
        ("Hyperkalaemia", "Give calcium gluconate when the ECG changes."),
    ] * 2


def test_a_parser_failure_on_a_strange_file_is_a_skip_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.loaders.text

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(qa.loaders.text, "load_text", broken)
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    [skipped] = load_paths([tmp_path]).skipped
    assert skipped.reason == (
        "could not be read (RecursionError: maximum recursion depth exceeded); please report this file"
    )
