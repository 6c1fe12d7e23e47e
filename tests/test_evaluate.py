"""Metrics against gold labels, `analyzer tag-file`, `analyzer tag` on a store, and the dev-set
targets of issue 4 on the real corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer import pipeline
from analyzer.cli import main
from analyzer.config import load_config
from analyzer.extract.evaluate import GUIDE_FAMILIES, evaluate_labels, format_report, prf
from analyzer.store import open_store

SHARED_DATA = Path(__file__).parents[1].parent / "shared" / "data"


def record(i: int, **levels: str) -> dict[str, object]:
    base: dict[str, object] = {"id": i, "is_job_posting": True, "roles": ["backend"]}
    base.update(dict.fromkeys(GUIDE_FAMILIES, "absent"))
    base.update(levels)
    return base


def test_prf_counts_and_edge_cases() -> None:
    """Precision/recall/F1 from counts; nothing predicted and nothing to find score 1.0."""
    m = prf([True, True, False, False], [True, False, True, False])
    assert (m.tp, m.fp, m.fn) == (1, 1, 1)
    assert m.precision == m.recall == m.f1 == 0.5
    empty = prf([False], [False])
    assert empty.precision == empty.recall == 1.0


def test_evaluate_labels_involved_requires_and_confusion() -> None:
    """Involved is level != absent, requires is required or duty; confusion is gold x predicted."""
    gold = [
        record(1, cloud="required"),
        record(2, cloud="stack"),
        record(3),
        record(4, cloud="duty"),
    ]
    pred = {1: record(1, cloud="duty"), 2: record(2, cloud="required"), 3: record(3, cloud="stack")}
    report = evaluate_labels(gold, pred)
    assert report.n == 3 and report.missing == [4]
    assert (report.involved["cloud"].tp, report.involved["cloud"].fp) == (2, 1)
    assert (report.requires["cloud"].tp, report.requires["cloud"].fp) == (1, 1)
    assert report.confusion["cloud"]["required"]["duty"] == 1
    assert report.confusion["cloud"]["absent"]["stack"] == 1
    assert report.job_posting_accuracy == 1.0
    text = format_report(report)
    assert "cloud" in text and "is_job_posting accuracy: 1.000" in text


def test_tag_file_writes_labels_and_error_lines(tmp_path: Path) -> None:
    """Each input line gives a label record; malformed lines give an error line, never a crash."""
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": 1, "text": "<p>Requirements:<p>- 3+ years of AWS experience"}),
                "{not json",
                json.dumps({"id": 3, "text": 42}),
                json.dumps({"text": "no id"}),
                json.dumps({"id": "x", "text": "We run on Kubernetes", "title": "SRE"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["tag-file", str(src), str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5
    assert lines[0]["id"] == 1 and lines[0]["cloud"] == "required"
    assert lines[0]["skills"][0]["skill"] == "AWS"
    assert set(lines[0]) >= {"is_job_posting", "roles", *GUIDE_FAMILIES, "skills"}
    assert lines[1] == {"id": None, "error": lines[1]["error"]} and "JSON" in lines[1]["error"]
    assert lines[2]["id"] == 3 and "text" in lines[2]["error"]
    assert lines[3]["id"] is None and "error" in lines[3]
    assert lines[4]["id"] == "x" and lines[4]["containers"] == "stack"


def test_tag_file_missing_input_is_a_clean_error(tmp_path: Path) -> None:
    """A missing input file is one error line on stderr and exit code 2."""
    result = CliRunner().invoke(main, ["tag-file", str(tmp_path / "nope"), str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "analyzer: error:" in result.output


def test_tag_command_tags_only_untagged_postings(tmp_path: Path) -> None:
    """`tag` tags new postings once per version, one commit per batch, and skips them next time."""
    root = tmp_path / "store"
    store = open_store(root)
    postings = pd.DataFrame(
        {
            "source": ["hn", "hn", "github"],
            "source_id": ["1", "2", "o/r#3"],
            "period": ["2024-01", "2024-02", "2024-02"],
            "title": [None, None, "Desenvolvedor Backend"],
            "text": [
                "Acme | Backend Engineer | Remote\nRequirements:\n- Experience with AWS and Docker",
                "Acme | Designer | NYC\nWe make beautiful apps.",
                "## Requisitos\n- Experiência com Kubernetes\n## Diferenciais\n- Terraform",
            ],
        }
    )
    with store.writer(command="test") as writer:
        writer.upsert_postings(postings)
    config = load_config(env={}).with_overrides({"store": str(root)})
    seen: list[dict[str, object]] = []
    summary = pipeline.tag(config, batch_size=2, progress=seen.append)
    assert summary["tagged"] == 3 and summary["skipped"] == 0 and seen
    assert summary["batches"] == 2  # commits span partitions: 2 postings, then the last one
    tags = open_store(root).read_tags()
    annotations = open_store(root).read_annotations()
    assert set(annotations["tagger_version"]) == {summary["version"]}
    by_posting = tags.groupby("posting_id")["family"].apply(set).to_dict()
    assert by_posting["hn:1"] >= {"cloud", "containers"}
    assert "hn:2" not in by_posting
    lang = annotations.set_index("posting_id")["language"].to_dict()
    assert lang["github:o/r#3"] == "pt"
    again = pipeline.tag(config)
    assert again["tagged"] == 0 and again["skipped"] == 3
    assert "tagged 0 of 3" in pipeline.format_tag_summary(again)


@pytest.fixture(scope="module")
def dev_report() -> object:
    """The evaluation of the tagger on dev.jsonl (computed once; skipped without the corpus)."""
    if not (SHARED_DATA / "labels" / "dev.jsonl").exists():
        pytest.skip(f"real corpus not found at {SHARED_DATA}")
    return pipeline.evaluate(SHARED_DATA / "labels" / "dev.jsonl", hn_dir=SHARED_DATA / "hn")


#: Targets of issue 4 not met yet on dev.jsonl; strict, so a fix that meets one turns this red.
#: (every target passes on dev with levels.v4 + taxonomy.3, cloud requires at exactly 0.900; the
#: halves of dev by md5(id) % 2 are in README "Skills and levels".)
_NOT_MET: dict[tuple[str, str], str] = {}


def _target_params(kind: str) -> list[object]:
    return [
        pytest.param(kind, f, marks=pytest.mark.xfail(strict=True, reason=_NOT_MET[(kind, f)]))
        if (kind, f) in _NOT_MET
        else pytest.param(kind, f)
        for f in GUIDE_FAMILIES
    ]


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("kind", "family"), _target_params("involved") + _target_params("requires")
)
def test_dev_set_family_targets(dev_report: object, kind: str, family: str) -> None:
    """On dev.jsonl: involved F1 >= 0.95 and requires F1 >= 0.90 for each guide family."""
    target = 0.95 if kind == "involved" else 0.90
    metric = getattr(dev_report, kind)[family]
    assert dev_report.n == 300
    assert metric.f1 >= target, (family, kind, round(metric.f1, 3))


@pytest.mark.corpus
def test_dev_set_job_posting_accuracy(dev_report: object) -> None:
    """On dev.jsonl, is_job_posting accuracy >= 0.97."""
    assert dev_report.job_posting_accuracy >= 0.97


def test_evaluate_refuses_labels_without_ids_or_texts(tmp_path: Path) -> None:
    """Label lines without an id, or labels whose postings have no text, are clear input errors."""
    from analyzer.errors import InputError

    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"is_job_posting": true}\n')
    with pytest.raises(InputError, match="'id'"):
        pipeline.evaluate(labels, hn_dir=tmp_path)
    labels.write_text('{"id": 1, "is_job_posting": true, "roles": []}\n')
    with pytest.raises(InputError, match="none of the 1 labelled postings"):
        pipeline.evaluate(labels, hn_dir=tmp_path)
