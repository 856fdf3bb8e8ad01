"""Planning a run: data set names and PATH to targets, systems, and the errors for bad requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import EvalError
from eval.plan import default_datasets_dir, parse_systems, resolve_plan

MEDQUAD_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000001" source="NIDDK"><Focus>Gout</Focus><QAPairs>
<QAPair pid="1"><Question qid="0000001-1">What is (are) Gout ?</Question>
<Answer>Gout is arthritis.</Answer></QAPair>
</QAPairs></Document>
"""


def _shared(tmp_path: Path) -> Path:
    root = tmp_path / "datasets"
    (root / "medquad" / "9_Test_QA").mkdir(parents=True)
    (root / "medquad" / "9_Test_QA" / "0000001.xml").write_text(MEDQUAD_PAGE, encoding="utf-8")
    (root / "pubmedqa").mkdir()
    (root / "pubmedqa" / "ori_pqal.json").write_text(json.dumps({"1": {"QUESTION": "q?"}}), encoding="utf-8")
    return root


def test_parse_systems_lists_the_valid_names_on_error() -> None:
    assert parse_systems(" bm25, hybrid ,bm25", ("bm25", "dense", "hybrid")) == ("bm25", "hybrid")
    with pytest.raises(EvalError, match=r"unknown retrieval system splade.*choose from: bm25, dense, hybrid"):
        parse_systems("bm25,splade", ("bm25", "dense", "hybrid"))


def test_all_runs_own_every_medquad_source_pubmedqa_followups_and_abstention(tmp_path: Path) -> None:
    shared = _shared(tmp_path)
    plan = resolve_plan("all", None, shared)
    assert [(t.name, t.kind, t.retrieval, t.followups) for t in plan.targets] == [
        ("own", "own", True, False),
        ("answers/medquad", "answers", True, False),
        ("answers/pubmedqa", "answers", True, False),
        ("answers/other-field", "answers", True, False),
        ("medquad/9_Test_QA", "medquad", True, True),
        ("pubmedqa", "pubmedqa", True, False),
    ]
    # A labelled set is asked of its corpus, under the index name of that corpus's own data set.
    by_name = {t.name: t for t in plan.targets}
    assert (by_name["answers/medquad"].index_name, by_name["answers/medquad"].corpus) == (
        "medquad/all",
        shared / "medquad",
    )
    assert plan.abstention and plan.emergency
    assert plan.notes == (f"skipped medicationqa: no BEIR folder at {shared / 'medicationqa'}",)


def test_medquad_all_is_every_source_in_one_target(tmp_path: Path) -> None:
    shared = _shared(tmp_path)
    (shared / "medquad" / "8_Other_QA").mkdir()
    (shared / "medquad" / "8_Other_QA" / "0000002.xml").write_text(MEDQUAD_PAGE, encoding="utf-8")
    names = [t.name for t in resolve_plan("all", None, shared).targets if t.kind != "answers"]
    assert names == ["own", "medquad/8_Other_QA", "medquad/9_Test_QA", "medquad/all", "pubmedqa"]
    (target,) = resolve_plan("medquad/all", None, shared).targets
    assert (target.name, target.kind, target.path, target.followups) == (
        "medquad/all",
        "medquad",
        shared / "medquad",
        False,
    )
    (target,) = resolve_plan("medquad/all", shared / "medquad", tmp_path / "elsewhere").targets
    assert target.path == shared / "medquad"


def test_all_skips_absent_shared_sets_with_a_note(tmp_path: Path) -> None:
    plan = resolve_plan("all", None, tmp_path / "absent")
    # The other-field set's corpus ships with the repository; the others' do not exist here.
    assert [t.name for t in plan.targets] == ["own", "answers/other-field"]
    assert len(plan.notes) == 5
    assert [n.split(":")[0] for n in plan.notes] == [
        "skipped answers/medquad",
        "skipped answers/pubmedqa",
        "skipped MedQuAD",
        "skipped PubMedQA",
        "skipped medicationqa",
    ]


def test_a_list_of_named_sets_with_one_medquad_source(tmp_path: Path) -> None:
    plan = resolve_plan("own,medquad/9_Test_QA,followups/9_Test_QA,abstention", None, _shared(tmp_path), limit=5)
    assert [(t.name, t.retrieval, t.followups) for t in plan.targets] == [
        ("own", True, False),
        ("medquad/9_Test_QA", True, True),
    ]
    assert plan.abstention and plan.limit == 5


def test_path_goes_to_the_one_set_that_takes_it(tmp_path: Path) -> None:
    shared = _shared(tmp_path)
    plan = resolve_plan("beir", shared / "medquad", tmp_path / "elsewhere")
    assert [(t.name, t.kind, t.path) for t in plan.targets] == [("beir/medquad", "beir", shared / "medquad")]
    plan = resolve_plan("own,medquad", shared / "medquad" / "9_Test_QA", tmp_path / "elsewhere")
    assert [t.name for t in plan.targets] == ["own", "medquad/9_Test_QA"]


@pytest.mark.parametrize(
    ("spec", "path", "message"),
    [
        ("beir", None, "beir needs the folder"),
        ("medquad,pubmedqa", Path("x"), "exactly one of"),
        ("own,ms-marco", None, "unknown data set 'ms-marco'"),
        ("medquad/0_Missing_QA", None, "does not exist"),
        ("own", None, "--limit must be at least 1"),
    ],
)
def test_resolve_plan_explains_bad_requests(tmp_path: Path, spec: str, path: Path | None, message: str) -> None:
    limit = 0 if spec == "own" else None
    with pytest.raises(EvalError, match=message):
        resolve_plan(spec, path, _shared(tmp_path), limit=limit)


def test_datasets_dir_comes_from_the_environment_or_sits_beside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDCITE_DATASETS", str(tmp_path))
    assert default_datasets_dir() == tmp_path
    monkeypatch.delenv("MEDCITE_DATASETS")
    assert default_datasets_dir() == Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
