"""The policy catalog: policy files and guideline data, validated and compiled once per run.

Policies are data. Each file is checked against the published meta-schema, then every
reference is checked both ways against the guideline: a policy citing a reminder that does
not exist, a reminder naming a policy that does not exist, and a reminder with no policy
all refuse to load.
"""

# No ``from __future__ import annotations`` here: typing compiles every field annotation of a
# named tuple that is a string (a ForwardRef each), 3 M instructions for this module's at every
# start-up.

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import cache, cached_property, partial
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any, NamedTuple

from policylint.catalog.compile import Evaluator, Paths, evaluator
from policylint.catalog.conditions import (
    NOTHING_DECLARED,
    Condition,
    ConditionSyntaxError,
    Outcome,
    compile_condition,
    sections_read,
    show,
)
from policylint.load.documents import Document, load_yaml_file
from policylint.load.errors import LocatedError
from policylint.model.results import Finding, Localized, Reference

GUIDELINE_FILE = "guideline.yaml"
ENTRY_POINT_GROUP = "policylint.policies"
_TEXTS = ("title", "message", "remediation", "rationale")
PACKAGE = Path(__file__).parent.parent
SCHEMAS = PACKAGE / "schemas"


class CatalogError(LocatedError):
    """A policy or guideline file that cannot be loaded."""


class TwgcbItem(NamedTuple):
    """One item of Taiwan's government configuration baseline: ``TWGCB-01-012-0218``, of the
    document for ``product`` at ``version``."""

    item: str
    product: str
    version: str
    setting: str
    value: str
    parameter: str | None = None

    def __str__(self) -> str:
        """``TWGCB-01-012-0218 (RHEL 9, v1.2): faillock deny 1–5, parameter maxFailures``."""
        parameter = f", parameter {self.parameter}" if self.parameter else ""
        return f"{self.item} ({PRODUCT_NAMES[self.product]}, v{self.version}): {self.setting} {self.value}{parameter}"


PACK = "twgcb"  # selects, or ignores, the whole TWGCB pack
PRODUCT_NAMES = {"windows-11": "Windows 11", "rhel-8": "RHEL 8", "rhel-9": "RHEL 9", "ubuntu-22.04": "Ubuntu 22.04"}


class Policy(NamedTuple):
    id: str
    severity: str
    title: Localized
    message: Localized
    remediation: Localized
    references: tuple[Reference, ...]
    laws: tuple[str, ...]
    parameters: dict[str, Any]
    check: Condition | None
    applies: Condition | None = None
    detector: str | None = None
    rationale: Localized | None = None
    example: str | None = None
    source: str = ""
    # Where each parameter's value comes from: a cited item, "policylint default", or the
    # configuration that overrode it.
    parameter_sources: Mapping[str, Localized] = MappingProxyType({})
    # A descriptor that declares none of these sections of spec gets these outcomes of
    # ``applies`` and ``check`` without evaluating them (see conditions.sections_read).
    sections: tuple[str, ...] = ()
    undeclared: tuple[Outcome | None, Outcome | None] = (None, None)
    # ``applies`` and ``check`` compiled (compile.py): what the engine calls.
    evaluate_applies: Evaluator | None = None
    evaluate_check: Evaluator | None = None
    # ``Finding`` with this policy's part filled in: new_finding(status, file, line, column,
    # pointer, system, message[, identity]), every finding of a policy or a detector. The
    # identity, the parts of its fingerprint, tells a finding from the others without its
    # position, so that the fingerprint survives line moves; a policy's findings need none.
    new_finding: Callable[..., Finding] | None = None
    twgcb: tuple[TwgcbItem, ...] = ()  # the baseline items a policy of the TWGCB pack checks


class Reminder(NamedTuple):
    case: str
    number: int
    text: Localized
    policies: tuple[str, ...]


class Case(NamedTuple):
    id: str
    title: Localized
    summary: Localized
    laws: tuple[str, ...]
    reminders: tuple[Reminder, ...]


class Guideline(NamedTuple):
    id: str
    title: Localized
    laws: dict[str, Localized]
    cases: tuple[Case, ...]


class Catalog:
    """The policies of a run, and the guidelines they cite. A plain class: a dataclass costs
    a pre-commit run 1.8 M instructions to define, and a catalog is never compared."""

    def __init__(
        self,
        policies: dict[str, Policy],
        guidelines: tuple[Guideline, ...] = (),
        digest: str = "",
        law_names: dict[str, Localized] | None = None,
    ) -> None:
        self.policies = policies
        self.guidelines = guidelines
        self.digest = digest
        self.law_names = {} if law_names is None else law_names

    @cached_property
    def detector_policies(self) -> tuple[Policy, ...]:
        """The policies whose detector reads a file's text: asked for every file of a scan."""
        return tuple(policy for policy in self.policies.values() if policy.detector)

    def case(self, case_id: str) -> Case | None:
        return next((c for g in self.guidelines for c in g.cases if c.id == case_id), None)

    def reminder(self, reference: Reference) -> Reminder | None:
        case = self.case(reference.case)
        if case is None:
            return None
        return next((r for r in case.reminders if r.number == reference.reminder), None)

    def select(self, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> "Catalog":
        chosen, skipped = self.expand(select), self.expand(ignore)
        policies = {pid: p for pid, p in self.policies.items() if (not chosen or pid in chosen) and pid not in skipped}
        return Catalog(policies, self.guidelines, self.digest, self.law_names)

    def expand(self, names: Iterable[str]) -> set[str]:
        """Policy ids, with ``twgcb`` standing for every policy of the TWGCB pack."""
        named = set(names)
        if PACK in named:
            named = (named - {PACK}) | {pid for pid, policy in self.policies.items() if policy.twgcb}
        return named


def builtin_policy_dir() -> Path:
    """The catalog shipped in the wheel, or the repository's ``policies/`` in a checkout."""
    packaged = PACKAGE / "policies"
    return packaged if packaged.is_dir() else PACKAGE.parent / "policies"


@cache
def _validator(name: str) -> Any:
    import jsonschema

    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def plugin_directories() -> list[Path]:
    """Policy directories of installed packs, registered in the entry-point group."""
    return [directory for _, directory in plugin_packs()]


def plugin_packs() -> list[tuple[str, Path]]:
    """Installed packs, registered in the entry-point group: each one's name and directory."""
    from policylint.load.entrypoints import entry_points_of

    packs = []
    for entry in entry_points_of(ENTRY_POINT_GROUP):
        try:
            target = entry.load()
            location = target() if callable(target) else target
        except Exception as error:  # a broken pack is an error, never a silent gap
            raise CatalogError(f"entry point {entry.name}", f"cannot load policy pack: {error}") from None
        if isinstance(location, ModuleType):
            location = Path(str(location.__file__)).parent
        packs.append((entry.name, Path(location)))
    return packs


def load_catalog(
    directories: Sequence[Path] = (),
    overrides: dict[str, dict[str, Any]] | None = None,
    *,
    plugins: bool = True,
) -> Catalog:
    """Load, validate and compile every policy and guideline under ``directories``."""
    packs = plugin_directories() if plugins else []
    validated, digest = _validated(_catalog_files([*packs, *directories]))
    guidelines = [_guideline(data) for path, data in validated if path.name == GUIDELINE_FILE]
    policies = _compiled([_policy(p, data, overrides or {}) for p, data in validated if p.name != GUIDELINE_FILE])
    by_id = _unique(policies)
    _check_overrides(by_id, overrides or {})
    law_names = {law: name for g in guidelines for law, name in g.laws.items()}
    return Catalog(dict(sorted(by_id.items())), tuple(guidelines), digest, law_names)


Validated = list[tuple[Path, dict[str, Any]]]
# The built-in catalog, validated and cross-checked when the package is made (tests/
# test_catalog.py holds it to policies/): a run reads it as data, with no schema check.
BUILTIN_CATALOG = PACKAGE / "data" / "builtin-catalog.json"


def builtin_catalog() -> dict[str, Any]:
    """The built-in catalog's files (paths relative to its directory) and digest, as shipped."""
    directory = builtin_policy_dir()
    files = _catalog_files([directory])
    validated = _validated_files(files, [])
    return {
        "digest": _digest(files),
        "files": [[path.relative_to(directory).as_posix(), data] for path, data in validated],
    }


def write_builtin_catalog() -> None:
    """Ship the built-in catalog as it validates now (run after changing policies/)."""
    text = json.dumps(builtin_catalog(), ensure_ascii=False, indent=1)
    BUILTIN_CATALOG.write_text(text + "\n", encoding="utf-8")


def _shipped() -> tuple[Validated, str]:
    shipped = json.loads(BUILTIN_CATALOG.read_text(encoding="utf-8"))
    directory = builtin_policy_dir()
    return [(directory / name, data) for name, data in shipped["files"]], str(shipped["digest"])


def _validated(extra: list[Path]) -> tuple[Validated, str]:
    """The built-in catalog's data, and every extra file's, checked against its schema and
    cross-checked with the rest. With extra files, the digest is that of the built-in
    catalog's digest and the extra files."""
    builtin, digest = _shipped()
    if not extra:
        return builtin, digest
    return [*builtin, *_validated_files(extra, builtin)], _digest(extra, digest)


def _validated_files(files: list[Path], checked: Validated) -> Validated:
    """``files``' data, checked against their schemas and with ``checked`` (already so)."""
    documents = [(path, _load_one(path)) for path in files]
    validated = [(path, _schema_check(path, document)) for path, document in documents]
    everything = [*checked, *validated]
    guidelines = [_guideline(data) for path, data in everything if path.name == GUIDELINE_FILE]
    by_id = _unique([_policy(path, data, {}) for path, data in everything if path.name != GUIDELINE_FILE])
    _cross_check(by_id, guidelines, dict(documents))
    return validated


def _catalog_files(directories: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in directories:
        if not directory.is_dir():
            raise CatalogError(str(directory), "policy directory not found")
        files.extend(sorted(p for p in directory.rglob("*.yaml") if p.is_file()))
    return files


def _load_one(path: Path) -> Document:
    documents = load_yaml_file(path, CatalogError)
    if len(documents) != 1:
        raise CatalogError(str(path), "a catalog file holds exactly one YAML document")
    return documents[0]


def _schema_check(path: Path, document: Document) -> dict[str, Any]:
    from jsonschema.exceptions import best_match

    schema = "guideline.schema.json" if path.name == GUIDELINE_FILE else "policy.schema.json"
    error = best_match(_validator(schema).iter_errors(document.data))
    if error is not None:
        pointer = "".join(f"/{part}" for part in error.absolute_path)
        where = document.position(pointer)
        at = f" at {pointer}" if pointer else ""
        raise CatalogError(str(path), f"invalid {schema.split('.')[0]}{at}: {error.message}", where.line, where.column)
    data: dict[str, Any] = document.data
    return data


def _localized(data: dict[str, str]) -> Localized:
    """A text in both languages, as written."""
    return Localized(data["zh-TW"], data["en"])


def _texts(data: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Localized]:
    """The policy's texts in both languages, with ``{parameter}`` placeholders filled in.
    Most texts hold none: only those with a brace are formatted, and the parameters are
    shown once for all of them (showing masks identifiers, most of a catalog's load)."""
    texts, shown = {}, None
    for key in _TEXTS:
        if key in data:
            zh, en = data[key]["zh-TW"], data[key]["en"]
            if parameters and ("{" in zh or "}" in zh or "{" in en or "}" in en):
                shown = shown or _shown(parameters)
                zh, en = _formatted(zh, shown[0]), _formatted(en, shown[1])
            texts[key] = Localized(zh, en)
    return texts


def _shown(parameters: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The parameters as the zh-TW and the English texts show them."""
    shown = {name: show(value) for name, value in parameters.items()}
    # zh-TW enumerates with the enumeration comma 、, not ", ".
    listed = {
        name: "、".join(show(item) for item in value)
        for name, value in parameters.items()
        if value and isinstance(value, list)
    }
    return {**shown, **listed}, shown


def _formatted(text: str, shown: dict[str, str]) -> str:
    try:
        return text.format(**shown)
    except (KeyError, IndexError, ValueError) as error:
        raise ConditionSyntaxError(f"bad placeholder in text: {error}") from None


def _policy(path: Path, data: dict[str, Any], overrides: dict[str, dict[str, Any]]) -> Policy:
    parameters = _parameters(str(path), data, overrides.get(data["id"], {}))
    try:
        check = compile_condition(data["assert"], parameters) if "assert" in data else None
        applies = compile_condition(data["applies"], parameters) if "applies" in data else None
        texts = _texts(data, parameters)
    except ConditionSyntaxError as error:
        raise CatalogError(str(path), f"invalid policy: {error}") from None
    sections = sections_read(applies, check) if check is not None else ()
    return Policy(
        id=data["id"],
        severity=data["severity"],
        title=texts["title"],
        message=texts["message"],
        remediation=texts["remediation"],
        rationale=texts.get("rationale"),
        references=tuple(Reference(r["case"], r["reminder"]) for r in data["references"]),
        laws=tuple(data["laws"]),
        parameters=parameters,
        check=check,
        applies=applies,
        detector=data.get("detector"),
        example=data.get("example"),
        source=str(path),
        sections=sections,
        parameter_sources=_parameter_sources(str(path), data, overrides.get(data["id"], {})),
        twgcb=tuple(TwgcbItem(**item) for item in data.get("twgcb", ())),
    )


_PRODUCT_DEFAULT = Localized("policylint 預設值", "policylint default")
_OVERRIDDEN = Localized("設定檔覆寫", "set by the configuration")


def _parameter_sources(source: str, data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Localized]:
    sources: dict[str, Any] = data.get("parameterSources", {})
    unknown = sorted(set(sources) - set(data.get("parameters", {})))
    if unknown:
        raise CatalogError(source, f"parameterSources names unknown parameter '{unknown[0]}'")
    shown = {name: _PRODUCT_DEFAULT if s == "policylint default" else _localized(s) for name, s in sources.items()}
    return {**shown, **dict.fromkeys(overrides, _OVERRIDDEN)}


def _compiled(policies: list[Policy]) -> list[Policy]:
    """Every policy with its conditions compiled."""
    compiled, paths = [], Paths()  # one frame a descriptor serves every policy (compile.frame_steps)
    for policy in policies:
        try:
            applies, check = (None if c is None else evaluator(c, paths) for c in (policy.applies, policy.check))
        except ConditionSyntaxError as error:
            raise CatalogError(policy.source, f"invalid policy: {error}") from None
        compiled.append(
            policy._replace(
                evaluate_applies=applies,
                evaluate_check=check,
                new_finding=_finding_maker(policy),
                undeclared=_undeclared(policy, applies, check),
            )
        )
    return compiled


def _finding_maker(policy: Policy) -> Callable[..., Finding]:
    return partial(Finding, policy.id, policy.severity, policy.references, policy.laws, policy.remediation)


def _undeclared(
    policy: Policy, applies: Evaluator | None, check: Evaluator | None
) -> tuple[Outcome | None, Outcome | None]:
    """The outcomes a descriptor gets that declares none of the policy's sections."""
    if not policy.sections:
        return policy.undeclared
    on_nothing = (None if f is None else f(NOTHING_DECLARED, date.min) for f in (applies, check))
    return next(on_nothing), next(on_nothing)


def _guideline(data: dict[str, Any]) -> Guideline:
    cases = tuple(
        Case(
            id=case["id"],
            title=_localized(case["title"]),
            summary=_localized(case["summary"]),
            laws=tuple(case["laws"]),
            reminders=tuple(
                Reminder(case["id"], r["number"], _localized(r["text"]), tuple(r["policies"]))
                for r in case["reminders"]
            ),
        )
        for case in data["cases"]
    )
    laws = {law["id"]: _localized(law) for law in data["laws"]}
    return Guideline(data["id"], _localized(data["title"]), laws, cases)


def _unique(policies: list[Policy]) -> dict[str, Policy]:
    by_id: dict[str, Policy] = {}
    for policy in policies:
        if policy.id in by_id:
            raise CatalogError(policy.source, f"policy id '{policy.id}' is also defined in {by_id[policy.id].source}")
        by_id[policy.id] = policy
    return by_id


def _parameters(source: str, data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The policy's defaults with the configuration's overrides, which must match their types."""
    defaults: dict[str, Any] = data.get("parameters", {})
    for name, value in overrides.items():
        if name not in defaults or type(defaults[name]) is not type(value):
            kind = type(value).__name__
            raise CatalogError("configuration", f"policy '{data['id']}' has no {kind} parameter '{name}'")
    return {**defaults, **overrides}


def _check_overrides(by_id: dict[str, Policy], overrides: dict[str, dict[str, Any]]) -> None:
    for policy_id in overrides:
        if policy_id not in by_id:
            raise CatalogError("configuration", f"parameters given for unknown policy '{policy_id}'")


def _cross_check(by_id: dict[str, Policy], guidelines: list[Guideline], documents: dict[Path, Document]) -> None:
    reminders = {(r.case, r.number): r for g in guidelines for c in g.cases for r in c.reminders}
    cases = {c.id: c for g in guidelines for c in g.cases}
    for policy in by_id.values():
        if Path(policy.source) in documents:  # the others were checked with their own files
            _check_policy_references(policy, reminders, cases, documents[Path(policy.source)])
    for guideline_path, document in documents.items():
        if guideline_path.name == GUIDELINE_FILE:
            _check_reminders(guideline_path, document, by_id)


def _check_policy_references(
    policy: Policy, reminders: dict[tuple[str, int], Reminder], cases: dict[str, Case], document: Document
) -> None:
    for index, ref in enumerate(policy.references):
        reminder = reminders.get((ref.case, ref.reminder))
        where = document.position(f"/references/{index}")
        if reminder is None:
            raise CatalogError(
                policy.source,
                f"policy '{policy.id}' cites {ref}, which no guideline defines",
                where.line,
                where.column,
            )
        if policy.id not in reminder.policies:
            raise CatalogError(
                policy.source,
                f"policy '{policy.id}' cites {ref}, but that reminder does not list it",
                where.line,
                where.column,
            )
    allowed = {law for ref in policy.references for law in cases[ref.case].laws}
    for index, law in enumerate(policy.laws):
        if law not in allowed:
            where = document.position(f"/laws/{index}")
            raise CatalogError(
                policy.source,
                f"law '{law}' is not among the laws of the cases policy '{policy.id}' cites",
                where.line,
                where.column,
            )


def _check_reminders(path: Path, document: Document, by_id: dict[str, Policy]) -> None:
    for case_index, case in enumerate(document.data["cases"]):
        for index, reminder in enumerate(case["reminders"]):
            pointer = f"/cases/{case_index}/reminders/{index}"
            where = document.position(f"{pointer}/policies")
            label = f"{case['id']}-{reminder['number']}"
            if not reminder["policies"]:
                raise CatalogError(str(path), f"reminder {label} has no policy", where.line, where.column)
            for policy_id in reminder["policies"]:
                policy = by_id.get(policy_id)
                if policy is None:
                    raise CatalogError(
                        str(path),
                        f"reminder {label} names policy '{policy_id}', which does not exist",
                        where.line,
                        where.column,
                    )
                if Reference(case["id"], reminder["number"]) not in policy.references:
                    raise CatalogError(
                        str(path),
                        f"reminder {label} names policy '{policy_id}', which does not cite it",
                        where.line,
                        where.column,
                    )


def _digest(files: Sequence[Path], before: str = "") -> str:
    import hashlib  # only for policy directories besides the built-in catalog (see fingerprint_of)

    digest = hashlib.sha256(before.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
