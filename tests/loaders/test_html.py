"""HTML pages: clutter dropped, headings nest, list items one line each, <meta> and <sup> understood."""

from __future__ import annotations

from pathlib import Path

from qa.loaders import load_file

PAGE = """<!DOCTYPE html>
<html><head><title>Hyperkalaemia | Example Health</title>
<meta name="author" content="Jane Roe">
<meta name="citation_date" content="2023/05/07">
<meta name="citation_doi" content="10.1000/xyz123">
<meta property="og:site_name" content="Example Health">
<link rel="canonical" href="https://example.org/hyperkalaemia">
<style>p { color: red }</style><script>var tracking = "do not index";</script>
</head><body>
<nav><a href="/">Home</a> Menu</nav>
<div class="cookie">We use cookies to improve your experience.</div>
<h1>Hyperkalaemia</h1>
<p>Hyperkalaemia is a serum potassium above 5.5 mmol/L.</p>
<h2>Treatment</h2>
<h3>Emergency</h3>
<ul><li>Give calcium gluconate 10 mL of 10%.</li>
<li>Give insulin
    with glucose.</li></ul>
<table><tr><td>K+ level</td><td>6.5</td></tr></table>
<h3>Follow-up</h3>
<p><strong>Monitoring</strong></p>
<p>Recheck potassium after 1 hour.</p>
<h2>Prevention</h2>
<ol><li>Stop potassium supplements.</li><li>Review ACE inhibitors.</li></ol>
<footer>&copy; 2024 Example Health. All rights reserved.</footer>
</body></html>
"""


def test_html_page_structure_metadata_and_clutter(tmp_path: Path) -> None:
    path = tmp_path / "hyperkalaemia.html"
    path.write_text(PAGE, encoding="utf-8")
    [doc] = load_file(path)
    assert doc.doc_id == "hyperkalaemia.html"
    assert (doc.title, doc.author, doc.date, doc.doi) == (
        "Hyperkalaemia",
        "Jane Roe",
        "2023-05-07",
        "10.1000/xyz123",
    )
    assert (doc.publisher, doc.url, doc.kind) == (
        "Example Health",
        "https://example.org/hyperkalaemia",
        "web page",
    )
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        ((), "Hyperkalaemia is a serum potassium above 5.5 mmol/L."),
        (("Treatment", "Emergency"), "Give calcium gluconate 10 mL of 10%.\nGive insulin with glucose."),
        (("Treatment", "Follow-up", "Monitoring"), "Recheck potassium after 1 hour."),
        (("Prevention",), "1. Stop potassium supplements.\n2. Review ACE inhibitors."),
    ]
    everything = "\n".join(s.text for s in doc.sections)
    for clutter in ("Menu", "tracking", "color", "cookies", "6.5", "K+ level", "All rights reserved"):
        assert clutter not in everything


def test_superscript_markers_leave_the_text_and_exponents_stay(tmp_path: Path) -> None:
    path = tmp_path / "cited.html"
    path.write_text(
        "<html><body><h1>Potassium</h1>"
        "<p>Potassium rises in kidney failure<sup>1</sup>. Dialysis lowers it<sup>2,3</sup>.</p>"
        "<p>Keep eGFR above 60 mL/min/1.73 m<sup>2</sup>.</p>"
        "<h2>References</h2><ol><li>Smith J. Kidney. 2020.</li><li>Doe A. Dialysis. 2019.</li>"
        "<li>Roe B. Potassium. 2018.</li></ol></body></html>",
        encoding="utf-8",
    )
    [doc] = load_file(path)
    [section] = doc.sections
    assert (
        section.text
        == "Potassium rises in kidney failure. Dialysis lowers it.\nKeep eGFR above 60 mL/min/1.73 m²."
    )
    # "Potassium rises in kidney failure" is 33 characters; ". Dialysis lowers it" adds 20.
    assert section.markers == ((33, (1,)), (53, (2, 3)))
    assert [(r.number, r.text) for r in doc.references] == [
        (1, "Smith J. Kidney. 2020."),
        (2, "Doe A. Dialysis. 2019."),
        (3, "Roe B. Potassium. 2018."),
    ]


def test_html_inside_a_txt_file_is_read_as_html(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text(
        "Title: Digoxin toxicity<br/>Author: Sam Poe<br/><hr/>"
        "<p>Check the potassium.</p><p>Conclusion:</p>"
        "<ul><li>Give digoxin-specific antibody fragments.</li></ul>"
        "<fieldset><legend>References</legend><p>Poe S. Digoxin. 2021</p>"
        '<p><a href="https://doi.org/10.1000/dig">https://doi.org/10.1000/dig</a></p></fieldset>',
        encoding="utf-8",
    )
    [doc] = load_file(path)
    assert (doc.title, doc.author, doc.doi) == ("Digoxin toxicity", "Sam Poe", "")
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        ((), "Check the potassium."),
        (("Conclusion",), "Give digoxin-specific antibody fragments."),
    ]
    assert [(r.text, r.url) for r in doc.references] == [
        ("Poe S. Digoxin. 2021", "https://doi.org/10.1000/dig")
    ]
