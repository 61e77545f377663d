"""The built-in catalog, verified through its drop-in examples (the same code as `policylint verify`).

tests/policies/<policy-id>/pass/*.yaml pass, not-applicable/*.yaml are not applicable, and
fail/*.yaml list every finding they must produce as `# expect:` lines (policy, status,
line:column, JSON pointer, references).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policylint.catalog.policies import Catalog
from policylint.engine.evaluate import declared_sections, evaluate
from policylint.engine.verify import example_files, verify_example
from policylint.load.documents import Document, load_yaml
from policylint.model.validate import is_descriptor, validate_descriptor
from tests.conftest import AS_OF_DATE
from tests.conftest import EXAMPLES as ROOT_EXAMPLES

EXAMPLES_DIR = Path(__file__).parent / "policies"
EXAMPLES = example_files(EXAMPLES_DIR)


@pytest.mark.parametrize(("policy", "kind", "path"), EXAMPLES, ids=[f"{p}/{k}/{f.name}" for p, k, f in EXAMPLES])
def test_policy_example_behaves_as_declared(policy: str, kind: str, path: Path, catalog: Catalog) -> None:
    result = verify_example(policy, kind, path, catalog, AS_OF_DATE)
    assert result.problems == ()


def test_every_policy_has_passing_and_failing_examples(catalog: Catalog) -> None:
    kinds = {(policy, kind) for policy, kind, _ in EXAMPLES}
    for policy_id, policy in catalog.policies.items():
        assert (policy_id, "pass") in kinds, f"{policy_id} has no passing example"
        assert (policy_id, "fail") in kinds, f"{policy_id} has no failing example"
        if policy.applies is not None:
            assert (policy_id, "not-applicable") in kinds, f"{policy_id} has no not-applicable example"


def test_verify_reports_a_wrong_expectation(tmp_path: Path, catalog: Catalog) -> None:
    source = EXAMPLES_DIR / "bulk-download-cap" / "fail" / "large-pages.yaml"
    wrong = tmp_path / "bulk-download-cap" / "fail" / "large-pages.yaml"
    wrong.parent.mkdir(parents=True)
    wrong.write_text(source.read_text(encoding="utf-8").replace(" 12:5 ", " 13:5 "), encoding="utf-8")
    result = verify_example("bulk-download-cap", "fail", wrong, catalog, AS_OF_DATE)
    assert not result.ok
    assert any(problem.startswith("missing finding: bulk-download-cap failed 13:5") for problem in result.problems)
    assert any(problem.startswith("unexpected finding: bulk-download-cap failed 12:5") for problem in result.problems)


def _descriptors() -> list[dict[str, Any]]:
    """Every bundled descriptor, and the reference system without each section of its spec."""
    paths = sorted([*ROOT_EXAMPLES.glob("*.yaml"), *EXAMPLES_DIR.glob("*/*/*.yaml")])
    documents = [document for path in paths for document in load_yaml(path.read_text(encoding="utf-8"))]
    reference = yaml.safe_load((ROOT_EXAMPLES / "reference-system.yaml").read_text(encoding="utf-8"))
    for section in reference["spec"]:
        spec = {key: value for key, value in reference["spec"].items() if key != section}
        documents.append(Document({**reference, "spec": spec}, {}))
    validated = [validate_descriptor(document)[0] for document in documents if is_descriptor(document.data)]
    return [data for data in validated if data is not None]


def test_policies_with_nothing_declared_skip_evaluation_with_the_same_outcome(catalog: Catalog) -> None:
    """A descriptor that declares none of a policy's sections gets its precomputed outcome;
    evaluating the conditions must give the very same status and violations."""
    descriptors = _descriptors()
    shortcuts = 0
    for policy in catalog.policies.values():
        evaluated = policy._replace(sections=())
        for data in descriptors:
            assert evaluate(policy, data, AS_OF_DATE) == evaluate(evaluated, data, AS_OF_DATE), policy.id
            declared = declared_sections(data)
            shortcuts += bool(policy.sections) and declared is not None and declared.isdisjoint(policy.sections)
    assert shortcuts > 100  # the shortcut is taken, not only declined
