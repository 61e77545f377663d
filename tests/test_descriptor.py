"""Bad descriptors give clear, located errors; good ones validate; plain YAML is ignored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema

from tests.conftest import DESCRIPTOR_HEAD, EXAMPLES, Result, shown

Run = Callable[..., Result]
Write = Callable[[str, str], Path]


def test_unknown_key_is_an_error_with_a_hint(run: Run, write: Write) -> None:
    path = write("d.yaml", DESCRIPTOR_HEAD + "  loginProtection:\n    lockot:\n      enabled: true\n")
    result = run("check", str(path))
    assert result.code == 2
    assert f"{shown(path)}:8:5: error: unknown key 'spec.loginProtection.lockot'; did you mean 'lockout'?" in result.err
    assert "Traceback" not in result.err


def test_wrong_type_is_an_error_with_its_line(run: Run, write: Write) -> None:
    path = write("d.yaml", DESCRIPTOR_HEAD + '  auditLogging:\n    retentionDays: "180"\n')
    result = run("check", str(path))
    assert result.code == 2
    assert f"{shown(path)}:8:5: error: 'spec.auditLogging.retentionDays': Input should be a valid integer" in result.err


def test_duplicate_key_is_an_error_with_its_line(run: Run, write: Write) -> None:
    text = DESCRIPTOR_HEAD + "  holdsPersonalData: true\n  holdsPersonalData: false\n"
    path = write("d.yaml", text)
    result = run("check", str(path))
    assert result.code == 2
    assert f"{shown(path)}:8:3: error: duplicate key 'holdsPersonalData'" in result.err


def test_missing_metadata_name_is_reported(run: Run, write: Write) -> None:
    path = write("d.yaml", "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata:\n  agency: x\nspec: {}\n")
    result = run("check", str(path))
    assert result.code == 2
    assert f"{shown(path)}:3:1: error: 'metadata.name' is required" in result.err


def test_unsupported_api_version_is_an_error(run: Run, write: Write) -> None:
    path = write("d.yaml", DESCRIPTOR_HEAD.replace("policylint/v1", "policylint/v9") + "  internetFacing: true\n")
    result = run("check", str(path))
    assert result.code == 2
    assert f"{shown(path)}:1:1: error: 'apiVersion'" in result.err


def test_yaml_without_the_envelope_is_not_a_descriptor(run: Run, write: Write) -> None:
    compose = write("compose.yaml", "services:\n  web:\n    image: nginx\n")
    k8s = write("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n")
    result = run("check", "--format", "json", str(compose), str(k8s))
    assert result.code == 0
    report = json.loads(result.out)
    assert report["summary"]["descriptors"] == 0
    assert report["errors"] == []


def test_several_descriptors_per_file_and_json(run: Run, write: Write) -> None:
    yaml_text = (
        DESCRIPTOR_HEAD
        + "  internetFacing: true\n---\n"
        + DESCRIPTOR_HEAD.replace("test-system", "second")
        + "  internetFacing: false\n"
    )
    multi = write("multi.yaml", yaml_text)
    json_text = json.dumps(
        {
            "apiVersion": "policylint/v1",
            "kind": "InformationSystem",
            "metadata": {"name": "js", "agency": "a"},
            "spec": {},
        }
    )
    as_json = write("system.json", json_text)
    result = run("check", "--format", "json", "--select", "audit-logging", str(multi), str(as_json))
    report = json.loads(result.out)
    assert sorted(s["system"] for s in report["systems"]) == ["js", "second", "test-system"]
    second = next(f for f in report["findings"] if f["system"] == "second")
    assert (second["line"], second["column"]) == (14, 1)  # the spec mapping of the second document


def test_schema_is_draft_2020_12_and_accepts_every_example(run: Run) -> None:
    result = run("schema")
    schema = json.loads(result.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    import yaml

    for path in sorted(EXAMPLES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(document, default=str)))]
            assert errors == [], path


def test_schema_rejects_unknown_keys(run: Run) -> None:
    schema = json.loads(run("schema").out)
    validator = jsonschema.Draft202012Validator(schema)
    bad = {
        "apiVersion": "policylint/v1",
        "kind": "InformationSystem",
        "metadata": {"name": "x", "agency": "y"},
        "spec": {"lockot": 1},
    }
    assert not validator.is_valid(bad)
