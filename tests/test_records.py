from qa.records import Document, Section


def doc(title: str, *headings: str, related: tuple[str, ...] = ()) -> Document:
    sections = tuple(Section(heading_path=(title, h), text=f"About {h}.") for h in headings)
    return Document(doc_id="d", title=title, sections=sections, related_questions=related)


def test_follow_ups_are_related_questions_then_headings_then_the_title() -> None:
    page = doc("Baclofen", "Dialysis clearance", "Dosing", related=("Is baclofen safe in pregnancy?",))
    assert page.follow_ups() == ("Is baclofen safe in pregnancy?", "Dialysis clearance", "Dosing", "Baclofen")


def test_follow_ups_leave_out_the_parts_of_a_paper_and_a_title_that_is_only_an_identifier() -> None:
    abstract = doc("PubMed 20064872", "Objectives", "Patients  and Methods", "Results", "Relapse predictors")
    assert abstract.follow_ups() == ("Relapse predictors",)
    # A short number is part of a topic, not an identifier.
    assert doc("Chromosome 22", "Conclusion").follow_ups() == ("Chromosome 22",)
