"""Generated documents are up to date, and the template and coverage tell the truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.catalog.docs import SWITCHES, descriptor_fields
from policylint.catalog.policies import Catalog
from tests.conftest import AS_OF, ROOT, Result

Run = Callable[..., Result]
REGENERATE = "regenerate with: policylint docs {what} > docs/{file}"


@pytest.mark.parametrize(("what", "file"), [("rules", "rules.md"), ("descriptor", "descriptor.md")])
def test_generated_docs_are_not_stale(run: Run, what: str, file: str) -> None:
    committed = (ROOT / "docs" / file).read_text(encoding="utf-8")
    assert run("docs", what).out == committed, REGENERATE.format(what=what, file=file)


def test_committed_schema_is_not_stale(run: Run) -> None:
    committed = (ROOT / "docs" / "descriptor.schema.json").read_text(encoding="utf-8")
    assert run("schema").out == committed, "regenerate with: policylint schema > docs/descriptor.schema.json"


def test_descriptor_doc_lists_every_field(run: Run) -> None:
    text = run("docs", "descriptor").out
    spec = next(f for f in descriptor_fields() if f.path == "spec")
    for section in spec.children:
        assert f"| `{section.path}` |" in text


def test_coverage_lists_all_37_reminders(run: Run, catalog: Catalog) -> None:
    result = run("rules", "--coverage", "--lang", "en")
    assert result.out.rstrip().splitlines()[-1] == "37 of 37 reminders covered"
    rows = json.loads(run("rules", "--coverage", "--format", "json").out)
    assert len(rows) == 37
    assert all(row["covered"] for row in rows)
    per_case = {case: sum(r["case"] == case for r in rows) for case in {r["case"] for r in rows}}
    assert per_case == {"20170101": 9, "20170102": 5, "20170103": 6, "20170104": 7, "20170105": 5, "20170106": 5}


def test_init_writes_a_template_that_checks(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "system.yaml"
    assert run("init", str(target)).code == 0
    text = target.read_text(encoding="utf-8")
    spec = next(f for f in descriptor_fields() if f.path == "spec")
    for section in spec.children:
        name = section.path.split(".")[-1]
        assert f"\n  # {name}:" in text or f"\n  {name}:" in text
    result = run("check", str(target))
    assert result.code == 1
    assert "error" not in result.err
    assert run("init", str(target)).code == 2  # never overwrites without --force


def test_init_template_uncommented_is_a_valid_descriptor_shape(run: Run) -> None:
    template = run("init").out
    assert template.startswith("# yaml-language-server: $schema=./descriptor.schema.json\n")
    assert "policylint schema > descriptor.schema.json" in template
    assert "apiVersion: policylint/v1" in template


def test_readme_and_init_tell_one_offline_schema_story(run: Run) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_line = run("init").out.splitlines()[0]
    assert first_line in readme
    assert "policylint schema > descriptor.schema.json" in readme
    assert "https://" not in first_line


def _statuses(run: Run, path: Path) -> dict[str, str]:
    result = run("check", str(path), "--format", "json", "--as-of", AS_OF)
    (system,) = json.loads(result.out)["systems"]
    return system["results"]  # type: ignore[no-any-return]


_ANSWERED_YES = {"false": "true", "[]": "[{name: one}]"}


@pytest.mark.parametrize("fact", sorted(SWITCHES))
def test_each_template_answer_turns_off_exactly_the_policies_it_names(
    run: Run, write: Callable[[str, str], Path], fact: str
) -> None:
    """The template's comments say which answer turns which policies off: checked here."""
    answer, policies = SWITCHES[fact]
    template = run("init").out.replace("\nspec:\n", "\nspec:\n  classification: public\n")
    key = fact.rsplit(".", 1)[-1]
    if answer is None:  # left to the team: answered here both ways
        off = template.replace("\nspec:\n", f"\nspec:\n  {key}: false\n")
        on = template.replace("\nspec:\n", f"\nspec:\n  {key}: true\n")
    else:
        (line,) = [line for line in template.splitlines() if line.endswith(f"turns on: {', '.join(policies)}")]
        assert line.lstrip().startswith(f"{key}: {answer}  # ")
        off, on = template, template.replace(line, line.replace(f": {answer}  #", f": {_ANSWERED_YES[answer]}  #"))
    before, after = _statuses(run, write("off.yaml", off)), _statuses(run, write("on.yaml", on))
    turned_on = {p for p, status in before.items() if status == "not_applicable" and after[p] != "not_applicable"}
    assert turned_on == set(policies)


def test_a_fresh_template_reports_only_what_the_team_must_decide(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "system.yaml"
    run("init", str(target))
    statuses = _statuses(run, target)
    switched_off = {p for fact, (answer, policies) in SWITCHES.items() if answer is not None for p in policies}
    assert {p for p in switched_off if statuses[p] != "not_applicable"} == set()


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_explain_works_for_every_policy(run: Run, catalog: Catalog, lang: str) -> None:
    """Each policy's text as ``explain`` renders it, from one catalog (a command a policy loaded
    the catalog 128 times), and the command printing exactly that text."""
    from policylint.catalog.explain import explain_text
    from policylint.evidence.describe import evidence_lines

    first = next(iter(catalog.policies.values()))
    result = run("explain", first.id, "--lang", lang)
    assert (result.code, result.out) == (0, explain_text(catalog, first, lang, evidence_lines(first)))
    for policy_id, policy in catalog.policies.items():
        text = explain_text(catalog, policy, lang, evidence_lines(policy))
        assert text.startswith(f"{policy_id}: {policy.title(lang)}\n")
        for reference in policy.references:
            assert reference.case in text
        assert "{" not in policy.remediation(lang), f"{policy_id}: unfilled placeholder"
