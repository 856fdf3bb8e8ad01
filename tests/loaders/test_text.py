"""Plain text and Markdown files: headings, bullets, hard wraps, titles, metadata lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import LoadError
from qa.loaders import load_file


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_text_headings_become_sections_and_bullets_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "hyperkalaemia.txt",
        "What is the first treatment for hyperkalaemia with ECG changes?\n\n"
        "Emergency Treatment\n\n"
        "Give calcium gluconate to stabilise the myocardium:\n\n"
        "  • 10 mL of 10% calcium gluconate IV over 10 minutes\n"
        "  • Repeat if ECG changes persist\n\n"
        "Shifting Potassium\n\n"
        "Insulin with glucose lowers potassium within 30 minutes.\n",
    )
    [doc] = load_file(path)
    assert doc.doc_id == "hyperkalaemia.txt"
    assert doc.title == "What is the first treatment for hyperkalaemia with ECG changes?"
    assert doc.kind == "Q&A page"
    assert doc.source == str(path)
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        (
            ("Emergency Treatment",),
            "Give calcium gluconate to stabilise the myocardium:\n"
            "10 mL of 10% calcium gluconate IV over 10 minutes\n"
            "Repeat if ECG changes persist",
        ),
        (("Shifting Potassium",), "Insulin with glucose lowers potassium within 30 minutes."),
    ]


def test_short_lines_without_body_after_them_are_not_headings(tmp_path: Path) -> None:
    path = _write(tmp_path, "note.txt", "Ward round notes\n\nBed 4\n\nStable overnight\n")
    [doc] = load_file(path)
    # "Ward round notes" is the title; "Bed 4" is followed by another short line, not by body text.
    assert doc.title == "Ward round notes"
    assert [(s.heading_path, s.text) for s in doc.sections] == [((), "Bed 4\nStable overnight")]


def test_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    body = (
        "Baclofen is excreted unchanged by the kidneys, so it accumulates when\n"
        "renal function is impaired. Patients on dialysis have developed coma\n"
        "after doses as low as 10 mg, and emergency haemodialysis shortens the\n"
        "recovery compared with supportive care alone in published case series.\n"
    )
    [doc] = load_file(_write(tmp_path, "wrapped.txt", "Baclofen in Renal Failure\n\n" + body))
    assert doc.sections[0].text == " ".join(body.split())


def test_metadata_lines_fill_the_document(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "pearl.txt",
        "Title: Potassium pearls\nAuthor: Ann Lee\nLast updated: March 3, 2024\n\n"
        "Hyperkalaemia needs an ECG.\n",
    )
    [doc] = load_file(path)
    assert (doc.title, doc.author, doc.date) == ("Potassium pearls", "Ann Lee", "2024-03-03")
    assert [s.text for s in doc.sections] == ["Hyperkalaemia needs an ECG."]


def test_markdown_headings_give_heading_paths(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "asthma.md",
        "# Asthma\n\nA chronic airway disease.\n\n## Treatment\n\n### Acute attack\n\n"
        "**Give** salbutamol via a [spacer](https://example.org/spacer).\n\n"
        "| Drug | Dose |\n|---|---|\n| salbutamol | 100 mcg |\n\n"
        "## Prevention\n\n- Avoid triggers\n- Use inhaled steroids\n",
    )
    [doc] = load_file(path)
    assert doc.title == "Asthma"
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        ((), "A chronic airway disease."),
        (("Treatment", "Acute attack"), "Give salbutamol via a spacer."),
        (("Prevention",), "Avoid triggers\nUse inhaled steroids"),
    ]


def test_a_file_of_nothing_but_furniture_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "menu.txt", "Share this article\n\nSkip to content\n")
    with pytest.raises(LoadError, match=r"^no readable text \(empty, or only menus"):
        load_file(path)
