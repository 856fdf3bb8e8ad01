"""PDF files: one section per page with its page number; metadata; PDFs without text are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fpdf import FPDF

from qa.errors import LoadError
from qa.loaders import load_file, load_paths
from qa.loaders.pdf import pdf_date


def _two_page_pdf(path: Path) -> None:
    pdf = FPDF()
    pdf.set_title("Renal dosing of baclofen")
    pdf.set_author("A. Writer")
    pdf.set_creation_date(dt.datetime(2021, 3, 15, tzinfo=dt.UTC))
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(
        0,
        6,
        "Baclofen is cleared by the kidneys. Reduce the dose when eGFR is below 60 mL/min and avoid it below "
        "30 mL/min, because toxicity develops even at 10 mg per day.",
    )
    pdf.add_page()
    pdf.multi_cell(0, 6, "Hemodialysis removes baclofen.")
    pdf.output(str(path))


def test_each_page_is_a_section_with_its_page_number(tmp_path: Path) -> None:
    path = tmp_path / "dosing.pdf"
    _two_page_pdf(path)
    [doc] = load_file(path)
    assert (doc.doc_id, doc.title) == ("dosing.pdf", "Renal dosing of baclofen")
    assert (doc.author, doc.date) == ("A. Writer", "2021-03-15")
    assert [(s.page, s.heading_path) for s in doc.sections] == [(1, ()), (2, ())]
    # The wrapped first page is one paragraph again.
    assert doc.sections[0].text == (
        "Baclofen is cleared by the kidneys. Reduce the dose when eGFR is below 60 mL/min and avoid it below "
        "30 mL/min, because toxicity develops even at 10 mg per day."
    )
    assert doc.sections[1].text == "Hemodialysis removes baclofen."


def test_a_pdf_without_text_is_skipped_with_a_reason(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(LoadError, match=r"^PDF has no extractable text \(scanned image\?\)"):
        load_file(path)
    result = load_paths([path])
    assert result.documents == ()
    assert [s.reason.split(";")[0] for s in result.skipped] == [
        "PDF has no extractable text (scanned image?)"
    ]


def test_a_damaged_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not a PDF body at all\n")
    with pytest.raises(LoadError, match=r"^malformed PDF: "):
        load_file(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("D:20200315120000+01'00'", "2020-03-15"), ("D:2019", "2019"), ("", ""), ("yesterday", "")],
)
def test_pdf_date(value: str, expected: str) -> None:
    assert pdf_date(value) == expected
