"""The CI integration files are well-formed and say what they do."""

from __future__ import annotations

import re

import yaml

from policylint.report import REPORTERS
from tests.conftest import ROOT


def test_action_is_a_composite_action_using_only_declared_inputs() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    steps = action["runs"]["steps"]
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in steps)
    assert all("shell" in step for step in steps if "run" in step)


def test_gitlab_template_reports_code_quality_and_junit() -> None:
    template = yaml.safe_load((ROOT / "ci" / "gitlab-ci-template.yml").read_text(encoding="utf-8"))
    reports = template["policylint"]["artifacts"]["reports"]
    assert reports == {"codequality": "gl-code-quality-report.json", "junit": "policylint-junit.xml"}
    script = " ".join(template["policylint"]["script"])
    assert "--report gitlab:gl-code-quality-report.json" in script
    assert "--report junit:policylint-junit.xml" in script


def test_ci_doc_covers_every_format_and_both_hooks() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for name in REPORTERS:
        assert f"`{name}`" in text, name
    assert "id: policylint-pii" in text and "id: policylint\n" in text


def _run_scripts(steps: list[dict[str, object]]) -> list[str]:
    return [str(step["run"]) for step in steps if "run" in step]


def test_action_passes_every_input_through_env_never_inside_run() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    assert all("${{" not in script for script in _run_scripts(steps))
    check = next(step for step in steps if step.get("id") == "check")
    assert check["env"]["CATEGORY"] == "${{ inputs.category }}"
    assert '--category "$CATEGORY"' in check["run"]
    (upload,) = [step for step in steps if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif")]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert upload["with"]["category"] == "${{ inputs.category }}"


def test_ci_doc_workflows_use_upload_sarif_v4_and_no_expression_inside_run() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "upload-sarif@v3" not in text and "upload-sarif@v4" in text
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    for block in blocks:
        for step in re.findall(r"- run: (?:>-\n)?(.*?)(?=\n\s+- |\Z)", block, re.DOTALL):
            assert "${{" not in step
    assert "--category" in text
