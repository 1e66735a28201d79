"""deploy/ as far as this machine can check it without Docker or a cluster: every YAML file
parses, and the files agree with the application: the probes and health checks ask routes it
serves, the secrets are the environment it reads, the image runs as no root from a runtime lock
(no test tools, the full lock's versions), two replicas come up after the migration. (The
schemas: the README's "Deployment" names the validators.)"""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import yaml

from bot.config.environment import Secrets
from bot.server import create_app
from tests.conftest import app_config, write_settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
IMAGE_LOCK = "requirements-runtime.lock"
PIN = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[\w,.-]+\])?==(?P<version>\S+)")
DEV_TOOLS = {"pytest", "ruff", "selenium", "playwright", "hypothesis", "mypy", "coverage",
             "black", "flake8", "pylint", "tox", "nox", "uv", "pip-tools"}
"""Test, lint and build tools the image never needs, whether or not the dev extra names them."""


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def kubernetes() -> dict[str, dict]:
    return {doc["kind"]: doc for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
            for doc in documents(path)}


def served_paths(tmp_path: Path) -> set[str]:
    app = create_app(write_settings(tmp_path, app_config(),
                                    {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                                     "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "x",
                                     "TOUCHPOINT_WEBHOOK_SECRET": "x"}),
                     scheduler=False, outbox_sender=False)
    return {route.resource.canonical for route in app.router.routes()
            if route.resource is not None}


def test_every_yaml_file_parses():
    files = sorted(DEPLOY.rglob("*.yaml")) + sorted(DEPLOY.rglob("*.yml"))
    assert len(files) >= 8
    assert all(documents(path) for path in files)


def test_the_probes_ask_what_the_app_serves(tmp_path):
    served = served_paths(tmp_path)
    container = kubernetes()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    [healthcheck] = re.findall(r"127\.0\.0\.1:%s(/\w+)", dockerfile)
    caddy = re.findall(r"health_uri (\S+)", (DEPLOY / "compose" / "Caddyfile").read_text())
    assert {"/healthz", "/livez", healthcheck, *caddy} <= served


def test_the_secrets_are_what_touchpoint_reads():
    read = set(re.findall(r'value\("([A-Z_]+)"\)', inspect.getsource(Secrets)))
    secret = kubernetes()["Secret"]["stringData"]
    assert set(secret) <= read and "DATABASE_URL" in secret
    compose = documents(DEPLOY / "compose" / "docker-compose.yml")[0]
    assert set(compose["x-touchpoint"]["environment"]) <= read


def test_the_image_runs_as_no_root_from_the_lock():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    assert f"pip install --requirement {IMAGE_LOCK}" in dockerfile
    [user] = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert not user.startswith(("0", "root"))
    pod = kubernetes()["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True


def pins(lock: str) -> dict[str, str]:
    """Package (normalised name) -> version of each requirement in a lock; every one must be
    pinned exactly."""
    found = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pinned = PIN.fullmatch(line)
        assert pinned, f"{lock}: {line!r} is not pinned to one version"
        found[normalised(pinned["name"])] = pinned["version"]
    return found


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {normalised(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0])
            for requirement in requirements}


def test_the_image_installs_the_runtime_lock_at_the_full_locks_versions():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    # The lock the image copies is the one it installs.
    assert re.findall(r"^COPY (\S+\.lock) \./$", dockerfile, re.MULTILINE) == [IMAGE_LOCK]
    assert re.findall(r"pip install --requirement (\S+)", dockerfile) == [IMAGE_LOCK]
    image, full = pins(IMAGE_LOCK), pins("requirements.lock")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # Everything touchpoint needs to run, and each at the version make test runs it with.
    assert requirement_names(project["dependencies"]) <= set(image)
    assert {name: full.get(name) for name in image} == image
    # And none of the tools that test or lint it, nor what only they bring (selenium's trio).
    tools = requirement_names(project["optional-dependencies"]["dev"]) | DEV_TOOLS
    assert tools & set(full), "the full lock should hold the dev tools this test looks for"
    assert not {name for name in image if name in tools or name.startswith("pytest")}
    assert {"trio", "outcome", "iniconfig", "pluggy"}.isdisjoint(image)
    # Compiled from pyproject.toml's runtime dependencies, constrained by the full lock.
    header = (ROOT / IMAGE_LOCK).read_text(encoding="utf-8").splitlines()[1]
    assert "-c requirements.lock" in header and "--extra" not in header


def test_compose_migrates_once_then_starts_two_replicas_behind_tls():
    services = documents(DEPLOY / "compose" / "docker-compose.yml")[0]["services"]
    replicas = [name for name, service in services.items()
                if isinstance(service.get("depends_on"), dict)
                and service["depends_on"].get("migrate", {}).get("condition")
                == "service_completed_successfully"]
    assert len(replicas) == 2
    assert services["migrate"]["command"] == ["migrate"]
    assert "443:443" in services["caddy"]["ports"]


def test_kubernetes_has_the_pieces_of_a_deployment():
    found = kubernetes()
    assert {"Deployment", "Job", "PodDisruptionBudget", "Service", "Secret",
            "ConfigMap"} <= set(found)
    assert found["Job"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    container = found["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"]["cpu"]
    assert container["envFrom"] == [{"secretRef": {"name": found["Secret"]["metadata"]["name"]}}]
    assert found["PodDisruptionBudget"]["spec"]["minAvailable"] == 1


def test_a_read_only_root_leaves_matplotlib_and_tempfile_somewhere_to_write():
    # The image's user has no home: matplotlib (the digest's chart) writes its cache where
    # MPLCONFIGDIR says, else in a temporary directory, and raises when neither is writable.
    # On Kubernetes the root is read-only, so both must be under a volume mounted writable.
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "--no-create-home" in dockerfile
    [cache] = re.findall(r"^ENV MPLCONFIGDIR=(\S+)", dockerfile, re.MULTILINE)
    pod = kubernetes()["Deployment"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    empty = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}
    writable = {mount["mountPath"] for mount in container["volumeMounts"]
                if mount["name"] in empty and not mount.get("readOnly")}
    assert "/tmp" in writable  # noqa: S108 - tempfile's first choice after TMPDIR
    assert any(Path(cache).is_relative_to(path) for path in writable)
