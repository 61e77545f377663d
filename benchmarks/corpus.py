"""Deterministic benchmark corpora: descriptors varied from examples/ plus ordinary YAML files.

A corpus of N descriptors holds N descriptor files in nested directories
(``agency-AA/team-TT/NAME.yaml``) and, next to them, N/10 ordinary YAML files (Compose files,
Kubernetes manifests, GitHub Actions and GitLab CI configurations) that policylint must
recognise as "not a descriptor" and leave alone. The same index always yields the same file.

The corpora live under ``benchmarks/.corpus/``, which the main repository git-ignores, and
policylint skips git-ignored files when it walks a directory. So the corpus root is made a
work tree of its own (``git init``): inside it nothing is ignored, and policylint still pays
for the ``git check-ignore`` call, as it would in a real repository.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

CORPUS_VERSION = 1
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CORPUS_ROOT = REPO / "benchmarks" / ".corpus"
ONE_DESCRIPTOR = "one-descriptor.yaml"
REFERENCE_EXAMPLE = "reference-system.yaml"

AGENCIES = (
    "臺中市政府資訊中心",
    "臺中市政府民政局",
    "臺中市政府地政局",
    "臺中市政府社會局",
    "臺中市政府衛生局",
    "臺中市政府教育局",
    "臺中市政府勞工局",
    "臺中市政府交通局",
)

_NAME = re.compile(r"^(  name: )(\S+)$", re.M)
_TITLE = re.compile(r"^(  title: )(.+)$", re.M)
_AGENCY = re.compile(r"^(  agency: )(.+)$", re.M)
_NUMBER = re.compile(
    r"^(\s+)(\w*(?:Days|Minutes|Hours|PerMinute|Length)|history|threshold|requiredHoursPerPerson|level[1-4]): (\d+)$",
    re.M,
)
_DATE = re.compile(r"^(\s+)(last\w+): (\d{4}-\d{2}-\d{2})$", re.M)
_FLAG = re.compile(r"^(\s+)(\w+): (true|false)$", re.M)


@dataclass(frozen=True)
class CorpusSpec:
    """A corpus directory name, how many descriptors and how many ordinary YAML files it holds."""

    name: str
    descriptors: int
    ordinary: int

    @property
    def files(self) -> int:
        return self.descriptors + self.ordinary


def spec_for(descriptors: int) -> CorpusSpec:
    """``corpus-N``: N descriptors and N/10 ordinary files (none next to a single descriptor)."""
    return CorpusSpec(f"corpus-{descriptors}", descriptors, descriptors // 10)


# --- descriptors ----------------------------------------------------------------------


def load_examples() -> list[tuple[str, str]]:
    """(file name, text) of every example descriptor, the reference system last."""
    paths = sorted(EXAMPLES.glob("*.yaml"), key=lambda p: (p.name == REFERENCE_EXAMPLE, p.name))
    return [(path.name, path.read_text(encoding="utf-8")) for path in paths]


def vary_descriptor(text: str, index: int) -> str:
    """The example ``text`` with its name, title, agency, numbers, dates and some flags varied."""
    rng = random.Random(index)
    text = _NAME.sub(lambda m: f"{m[1]}{m[2]}-{index:05d}", text, count=1)
    text = _TITLE.sub(lambda m: f"{m[1]}{m[2]}（第 {index} 號）", text, count=1)
    text = _AGENCY.sub(lambda m: f"{m[1]}{AGENCIES[index % len(AGENCIES)]}", text, count=1)
    text = _NUMBER.sub(lambda m: f"{m[1]}{m[2]}: {int(m[3]) * rng.choice((1, 1, 2, 3)) + rng.randint(0, 3)}", text)
    text = _DATE.sub(lambda m: f"{m[1]}{m[2]}: {_shift(m[3], rng.randint(-400, 400))}", text)
    return _FLAG.sub(lambda m: f"{m[1]}{m[2]}: {_maybe_flip(m[3], rng)}", text)


def _shift(iso: str, days: int) -> str:
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


def _maybe_flip(flag: str, rng: random.Random) -> str:
    if rng.random() >= 0.1:
        return flag
    return "false" if flag == "true" else "true"


def descriptor_path(index: int, example: str) -> str:
    """Nested: 20 agencies x 25 teams, so 10,000 descriptors spread over 500 directories."""
    stem = example.removesuffix(".yaml")
    return f"agency-{index % 20:02d}/team-{(index // 20) % 25:02d}/{stem}-{index:05d}.yaml"


# --- ordinary YAML files --------------------------------------------------------------

_COMPOSE = """\
services:
  web:
    image: registry.example.gov.tw/app-{i}/web:{v}
    ports: ["{port}:8080"]
    environment:
      DATABASE_URL: postgres://app:${{DB_PASSWORD}}@db:5432/app{i}
      LOG_LEVEL: info
    depends_on: [db, cache]
  db:
    image: postgres:16
    volumes: [db-data:/var/lib/postgresql/data]
    environment:
      POSTGRES_PASSWORD: ${{DB_PASSWORD}}
  cache:
    image: redis:7
volumes:
  db-data: {{}}
"""

_K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels: {{app: app-{i}, tier: backend}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      containers:
        - name: app
          image: registry.example.gov.tw/app-{i}:{v}
          ports: [{{containerPort: 8080}}]
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
          envFrom: [{{secretRef: {{name: app-{i}-secrets}}}}]
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector: {{app: app-{i}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""

_GITHUB = """\
name: ci
on:
  push: {{branches: [main]}}
  pull_request: {{}}
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python: ["3.10", "3.11", "3.12"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "${{{{ matrix.python }}}}"}}
      - run: pip install -e '.[test]'
      - run: pytest -q --maxfail={port}
"""

_GITLAB = """\
stages: [lint, test, deploy]
variables:
  APP: app-{i}
  VERSION: "{v}"
lint:
  stage: lint
  script: [make lint]
test:
  stage: test
  image: python:3.11
  script:
    - pip install -r requirements.txt
    - pytest
deploy:
  stage: deploy
  script: [kubectl apply -f deploy/]
  only: [main]
  environment: {{name: production, url: "https://app-{i}.example.gov.tw"}}
"""

_ORDINARY = (
    ("docker-compose.yml", _COMPOSE),
    ("deploy/k8s/deployment.yaml", _K8S),
    (".github/workflows/ci.yml", _GITHUB),
    (".gitlab-ci.yml", _GITLAB),
)


def ordinary_file(index: int) -> tuple[str, str]:
    """(relative path, text) of the ``index``-th ordinary YAML file: one of four kinds, in turn."""
    name, template = _ORDINARY[index % len(_ORDINARY)]
    values = {"i": index, "v": f"1.{index % 17}.{index % 5}", "port": 8000 + index % 1000, "replicas": 1 + index % 4}
    return f"apps/app-{index // len(_ORDINARY):04d}/{name}", template.format(**values)


# --- building -------------------------------------------------------------------------


def corpus_files(spec: CorpusSpec, examples: list[tuple[str, str]]) -> dict[str, str]:
    """Relative path to text, for every file of ``spec``."""
    if spec.descriptors == 1:
        name, text = examples[-1]
        return {ONE_DESCRIPTOR: vary_descriptor(text, 0)}
    files = {}
    for index in range(spec.descriptors):
        name, text = examples[index % len(examples)]
        files[descriptor_path(index, name)] = vary_descriptor(text, index)
    files.update(ordinary_file(index) for index in range(spec.ordinary))
    return files


def _stamp(spec: CorpusSpec, examples: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256(json.dumps(examples, ensure_ascii=False).encode("utf-8")).hexdigest()
    return json.dumps({"version": CORPUS_VERSION, "spec": spec.__dict__, "examples": digest}, sort_keys=True)


def ensure_work_tree(root: Path) -> None:
    """Make ``root`` its own git work tree so the outer repository's ignore rules do not apply."""
    root.mkdir(parents=True, exist_ok=True)
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", str(root)], check=True)


def build_corpus(spec: CorpusSpec, root: Path = CORPUS_ROOT) -> Path:
    """Write ``root/spec.name`` unless an identical corpus is already there; return its path."""
    ensure_work_tree(root)
    examples = load_examples()
    target = root / spec.name
    stamp_file = root / f"{spec.name}.stamp"
    stamp = _stamp(spec, examples)
    if target.is_dir() and stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp:
        return target
    shutil.rmtree(target, ignore_errors=True)
    for relative, text in corpus_files(spec, examples).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    stamp_file.write_text(stamp, encoding="utf-8")
    return target


def corpus_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())
