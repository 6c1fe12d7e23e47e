"""The Dask engine gives the local engine's results: the same store content after ``tag``, the
same report files after ``report``, on a real ``dask.distributed`` LocalCluster whose workers are
separate processes (so the tagger and the store reads really cross a process boundary)."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from test_report_html_only import assert_quotes_normalized_text, html_only_store

from analyzer import dask_engine, pipeline
from analyzer.cli import main
from analyzer.config import load_config
from analyzer.errors import ConfigError
from analyzer.extract.normalize import to_text
from analyzer.store import open_store

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

# HN "Who is hiring?" comments as the Algolia API returns them (HN's own markup), one per company.
HN_TEXTS = [
    "Acme Payments | Senior Backend Engineer | Remote (US) | Full-time<p>We move money for "
    "small businesses. Our stack is Go and Python on AWS.<p>Requirements:<p>- 5+ years building "
    "backend services<p>- Experience with Kubernetes and Docker<p>- Terraform is a plus<p>"
    "Apply: jobs@acme.example",
    "Globex | Backend Developer (Python/Django) | Berlin, ONSITE<p>You will build our REST APIs "
    "and own them in production. We deploy with GitHub Actions to GCP; monitoring with "
    "Prometheus and Grafana.<p>Must have: strong Python, PostgreSQL.<p>Nice to have: "
    "experience with Kubernetes.",
    "Initech | Full Stack Engineer | NYC | $150k-$180k<p>React frontend, Node.js backend. "
    "Responsibilities include maintaining our CI/CD pipelines (Jenkins) and our Docker images."
    "<p>Email careers@initech.example",
    "Hooli | Site Reliability Engineer | Remote (EU)<p>Duties: run our Kubernetes clusters on "
    "Azure, write Terraform and Ansible, keep Datadog alerts meaningful. Required: 3 years of "
    "SRE or DevOps experience.",
    "Umbrella Health | Frontend Engineer | Boston<p>Vue.js and TypeScript. You will work with "
    "designers on our patient portal. No backend work.",
    "Stark Data | Data Engineer | SF Bay Area | ONSITE<p>Spark, Airflow and Snowflake. Our "
    "pipelines run on AWS (EMR, S3). Experience with Docker preferred.",
    "Wayne Labs | Backend Engineer (Java) | Remote<p>Spring Boot microservices on OpenShift. "
    "You must know Java 17 and have worked with Kafka. CI on GitLab CI.",
    "I am a freelance Rails developer looking for work, ping me at me@example.com",
    "Cyberdyne | Platform Engineer | Austin, TX<p>We build the internal developer platform: "
    "Kubernetes, Helm, Argo CD and Terraform on AWS. Strong Linux skills required. Bonus: "
    "OpenTelemetry.",
    "Soylent | Senior Software Engineer, Backend | Remote (US/Canada)<p>Rust and Go services, "
    "PostgreSQL, Redis. We use CircleCI. Nice to have: experience with serverless (AWS Lambda).",
]
MONTHS = ["2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"]


def hn_postings(months: list[str] = MONTHS, per_month: int = 14) -> pd.DataFrame:
    """HN postings over several months (one store partition each), texts cycling HN_TEXTS."""
    rows = []
    for m, period in enumerate(months):
        for i in range(per_month):
            text = HN_TEXTS[(m + i) % len(HN_TEXTS)]
            rows.append(
                {
                    "source": "hn",
                    "source_id": f"{period.replace('-', '')}{i:03d}",
                    "period": period,
                    "company": text.split(" | ")[0] if " | " in text else None,
                    "text_html": text,
                    # as the HN source stores it; the first month's have only their HTML
                    "text": None if m == 0 else to_text(text),
                    "posted_at": pd.Timestamp(f"{period}-01T15:00:00Z"),
                }
            )
    return pd.DataFrame(rows)


def greenhouse_postings() -> pd.DataFrame:
    """A second source group (ATS), so the report's source comparison has two blocks."""
    return pd.DataFrame(
        {
            "source": "greenhouse",
            "source_id": [f"gh{i}" for i in range(8)],
            "period": ["2019-05"] * 4 + ["2019-06"] * 4,
            "company": "Anthropic",
            "title": ["Backend Engineer", "Infrastructure Engineer"] * 4,
            "text": [HN_TEXTS[i % 4].split("<p>", 1)[1].replace("<p>", "\n") for i in range(8)],
            "posted_at": pd.Timestamp("2019-05-20T10:00:00Z"),
        }
    )


def build_store(root: Path, postings: list[pd.DataFrame]) -> str:
    """A store holding ``postings`` (one upsert commit each); returns its root."""
    store = open_store(str(root))
    with store.writer(command="test") as writer:
        for frame in postings:
            writer.upsert_postings(frame)
    return str(root)


def config_for(root: str) -> Any:
    """The default settings pointed at ``root`` (small min_n so the tiny store gets verdicts)."""
    return load_config().with_overrides({"store": root, "report.min_n": 5})


def table(root: str, name: str) -> pd.DataFrame:
    """A store table, every column but ``load_id`` (which differs between any two runs), sorted."""
    store = open_store(root)
    frame = store.read_tags() if name == "tags" else store.read_annotations()
    frame = frame.drop(columns=["load_id"])
    frame["roles"] = frame["roles"].map(list) if "roles" in frame else None
    keys = ["posting_id", "start", "end", "family", "skill"] if name == "tags" else ["posting_id"]
    return frame.sort_values(keys).reset_index(drop=True)


def assert_same_tags(dask_root: str, local_root: str) -> None:
    """Annotations and tags of two stores are equal, all columns but load_id."""
    for name in ("annotations", "tags"):
        pd.testing.assert_frame_equal(table(dask_root, name), table(local_root, name))


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two single-threaded worker processes on this machine, closed after the module."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    dask_client = distributed.Client(cluster)
    try:
        yield dask_client
    finally:
        dask_client.close()
        cluster.close()


@pytest.fixture(scope="module")
def tagged_pair(
    client: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """One store tagged by the Dask engine and a copy tagged by the local engine."""
    base = tmp_path_factory.mktemp("dask")
    dask_root = build_store(base / "dask", [hn_postings(), greenhouse_postings()])
    local_root = str(base / "local")
    shutil.copytree(dask_root, local_root)
    dask_summary = dask_engine.tag(config_for(dask_root), client=client, batch_size=25)
    local_summary = pipeline.tag(config_for(local_root), batch_size=25)
    return dask_root, local_root, dask_summary, local_summary


def test_dask_tag_writes_what_the_local_engine_writes(
    tagged_pair: tuple[str, str, dict[str, Any], dict[str, Any]], client: Any
) -> None:
    """Tagging on two worker processes gives the local engine's annotations and tags (every
    column but load_id, row for row), the same summary counts, in commits of batch_size postings,
    with one Tagger built per worker process however many partitions it tagged."""
    dask_root, local_root, dask_summary, local_summary = tagged_pair
    assert_same_tags(dask_root, local_root)
    assert len(table(dask_root, "annotations")) == 6 * 14 + 8
    assert len(table(dask_root, "tags")) > 100
    for key in ("version", "seen", "tagged", "skipped", "mentions", "levels"):
        assert dask_summary[key] == local_summary[key], key
    assert dask_summary["tagged"] == 92
    assert dask_summary["batches"] == 4  # 92 postings, commits of 25
    assert open_store(dask_root).loads()[-1]["command"] == "tag --engine dask"
    builds = client.run(dask_engine._tagger_builds)
    assert sorted(builds.values()) == [1, 1]


def test_dask_tag_resumes_with_the_local_rule(client: Any, tmp_path: Path) -> None:
    """Postings already tagged by the current version are skipped (a second run tags nothing), a
    posting whose text changed since it was tagged is tagged again, and a run after a partial
    local run tags exactly the rest: the end state equals one full local run."""
    dask_root = build_store(tmp_path / "dask", [hn_postings(MONTHS[:3]), greenhouse_postings()])
    local_root = str(tmp_path / "local")
    shutil.copytree(dask_root, local_root)

    pipeline.tag(config_for(dask_root), sources=["greenhouse"])
    first = dask_engine.tag(config_for(dask_root), client=client)
    assert (first["seen"], first["tagged"], first["skipped"]) == (50, 42, 8)
    again = dask_engine.tag(config_for(dask_root), client=client)
    assert (again["tagged"], again["skipped"], again["batches"]) == (0, 50, 0)

    edited = (
        hn_postings(MONTHS[:1])
        .iloc[[0]]
        .assign(
            text_html="Acme Payments | SRE | Remote<p>Required: Kubernetes and Terraform on GCP."
        )
    )
    for root in (dask_root, local_root):
        with open_store(root).writer(command="test") as writer:
            writer.upsert_postings(edited)
    changed = dask_engine.tag(config_for(dask_root), client=client)
    assert changed["tagged"] == 1
    pipeline.tag(config_for(local_root))
    assert_same_tags(dask_root, local_root)

    retagged = dask_engine.tag(config_for(dask_root), client=client, retag=True)
    assert retagged["tagged"] == 50
    assert_same_tags(dask_root, local_root)


def _report_files(out: Path) -> dict[str, Any]:
    """What must not depend on the engine: the share and claim tables and summary.md."""
    summary = (out / "summary.md").read_text("utf-8")
    return {
        "shares": pd.read_parquet(out / "shares.parquet"),
        "shares.csv": (out / "shares.csv").read_text("utf-8"),
        "claims": pd.read_parquet(out / "claims.parquet"),
        # The generation time is the only line allowed to differ.
        "summary": [line for line in summary.splitlines() if "Generated" not in line],
    }


def test_dask_report_writes_the_local_report(
    tagged_pair: tuple[str, str, dict[str, Any], dict[str, Any]], client: Any, tmp_path: Path
) -> None:
    """With the per-posting work on Dask, shares.csv/.parquet, the claim table (verdicts
    included) and summary.md equal the local engine's, for a source and a source group, with
    the company-cluster bootstrap; the levels frame itself equals posting_levels of the store."""
    _, local_root, _, _ = tagged_pair
    config = config_for(local_root)
    store = open_store(local_root)
    levels, _ = dask_engine.posting_levels_on_dask(client, store)
    expected = pipeline.load_levels(store)
    pd.testing.assert_frame_equal(levels, expected)

    for source, bootstrap in (("hn", 50), ("ats", 0)):
        local = pipeline.report(
            config, tmp_path / f"local-{source}", source=source, bootstrap=bootstrap
        )
        dask = dask_engine.report(
            config, tmp_path / f"dask-{source}", client=client, source=source, bootstrap=bootstrap
        )
        assert dask.headline == local.headline
        got, want = _report_files(dask.out_dir), _report_files(local.out_dir)
        pd.testing.assert_frame_equal(got["shares"], want["shares"])
        assert got["shares.csv"] == want["shares.csv"]
        pd.testing.assert_frame_equal(got["claims"], want["claims"])
        assert list(got["claims"]["verdict"]) == list(want["claims"]["verdict"])
        assert got["summary"] == want["summary"]
        assert len(got["shares"]) > 100


def test_dask_counts_equal_the_local_cached_counts(
    tagged_pair: tuple[str, str, dict[str, Any], dict[str, Any]], client: Any
) -> None:
    """The per-partition counts and evidence candidates the workers compute equal those the
    local engine computes and caches (report_cache.collect)."""
    from analyzer import report_cache

    _, local_root, _, _ = tagged_pair
    store = open_store(local_root)
    counts, candidates, _ = dask_engine.counts_on_dask(client, store)
    local = report_cache.collect(store)
    pd.testing.assert_frame_equal(counts.n, local.counts.n)
    pd.testing.assert_frame_equal(counts.k, local.counts.k)
    assert counts.columns == local.counts.columns
    assert counts.tagger_version == local.tagger_version
    assert list(candidates["posting_id"]) == list(local.candidates["posting_id"])
    assert len(candidates) > 0


def test_dask_report_quotes_html_only_postings(client: Any, tmp_path: Path) -> None:
    """The Dask engine quotes postings stored as HTML only from their normalized text, as the
    local engine does (the mention offsets index that text)."""
    config = html_only_store(tmp_path / "store")
    dask_engine.report(config, tmp_path / "out", client=client, source="hn")
    assert_quotes_normalized_text((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))


def test_cli_tag_and_report_on_a_scheduler_address(client: Any, tmp_path: Path) -> None:
    """`analyzer tag --engine dask --scheduler ADDRESS` and `analyzer report --engine dask
    --scheduler ADDRESS` run on that cluster and match the local engine."""
    dask_root = build_store(tmp_path / "dask", [hn_postings(MONTHS[:2])])
    local_root = str(tmp_path / "local")
    shutil.copytree(dask_root, local_root)
    address = client.scheduler.address
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["--store", dask_root, "tag", "--engine", "dask", "--scheduler", address],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "tagged 28 of 28 postings" in result.stdout
    pipeline.tag(config_for(local_root))
    assert_same_tags(dask_root, local_root)

    result = runner.invoke(
        main,
        [
            *("--store", dask_root, "report", "--out", str(tmp_path / "r")),
            *("--engine", "dask", "--scheduler", address),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "shares.csv").is_file()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_scheduler_fails_cleanly_and_leaves_the_store_alone(
    tmp_path: Path,
) -> None:
    """A scheduler nobody listens on, or an address that is not one, exits 2 with a one-line
    error naming the address, before the store is locked or written."""
    root = build_store(tmp_path / "store", [hn_postings(MONTHS[:1], per_month=3)])
    manifest = (Path(root) / "_analyzer" / "manifest.json").read_bytes()
    for address in (f"tcp://127.0.0.1:{_closed_port()}", "not a scheduler"):
        with (
            pytest.raises(ConfigError, match="cannot connect to the Dask scheduler"),
            dask_engine.connect(address, timeout=2),
        ):
            pass
    result = CliRunner().invoke(
        main,
        ["--store", root, "tag", "--engine", "dask", "--scheduler", "not a scheduler"],
    )
    assert result.exit_code == 2
    assert "cannot connect to the Dask scheduler 'not a scheduler'" in result.stderr
    assert (Path(root) / "_analyzer" / "manifest.json").read_bytes() == manifest
    assert open_store(root).read_annotations().empty


def test_scheduler_without_the_dask_engine_is_refused(tmp_path: Path) -> None:
    """--scheduler with the local engine is a usage error (exit 2), not silently ignored."""
    result = CliRunner().invoke(
        main, ["--store", str(tmp_path / "s"), "tag", "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert result.exit_code == 2
    assert "--scheduler needs --engine dask" in result.stderr


def test_the_dask_engine_without_dask_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without dask installed, --engine dask exits 2 with the pip command of the extra."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ConfigError, match=r"pip install 'analyzer\[dask\]'"):
        dask_engine.tag(config_for(str(tmp_path / "s")))
    for command in (["tag"], ["report"]):
        result = CliRunner().invoke(
            main, ["--store", str(tmp_path / "s"), *command, "--engine", "dask"]
        )
        assert result.exit_code == 2
        assert "pip install 'analyzer[dask]'" in result.stderr


@pytest.mark.corpus
@pytest.mark.slow
def test_dask_matches_local_on_real_hn_threads(
    client: Any, shared_data: Path, tmp_path: Path
) -> None:
    """On real HN threads (2016-01..2016-06 of the corpus, 3,848 comments), the Dask engine's
    annotations, tags, shares and claims equal the local engine's."""
    from analyzer.sources import hn

    stories = json.loads((shared_data / "hn" / "stories.json").read_text("utf-8"))
    threads = []
    for hit in stories["hits"]:
        period = hn.thread_period(hit["title"])
        path = shared_data / "hn" / "items" / f"{hit['objectID']}.json.gz"
        if period and "2016-01" <= period <= "2016-06" and path.exists():
            threads.append((hn.HnThread(str(hit["objectID"]), hit["title"], period), path))
    assert len(threads) == 6
    frames = []
    for thread, path in threads:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            frames.append(pd.DataFrame(hn.parse_thread(json.load(fh), thread)))
    dask_root = build_store(tmp_path / "dask", frames)
    local_root = str(tmp_path / "local")
    shutil.copytree(dask_root, local_root)
    summary = dask_engine.tag(config_for(dask_root), client=client)
    assert summary["tagged"] == 3848
    pipeline.tag(config_for(local_root))
    assert_same_tags(dask_root, local_root)
    config = config_for(local_root)
    local = pipeline.report(config, tmp_path / "local-report")
    dask = dask_engine.report(config, tmp_path / "dask-report", client=client)
    got, want = _report_files(dask.out_dir), _report_files(local.out_dir)
    pd.testing.assert_frame_equal(got["shares"], want["shares"])
    pd.testing.assert_frame_equal(got["claims"], want["claims"])
    assert got["summary"] == want["summary"]
