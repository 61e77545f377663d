"""Evaluate descriptors against the catalog, then apply waivers. Pure: no printing, no exiting.

Every (descriptor, policy) pair gets one status: passed, failed, not declared or not
applicable. A failed or not-declared pair yields one finding per violation; once waivers are
applied, the not-declared ones of a system become one finding per missing fact, naming the
policies that need it (engine/missing.py). A policy that crashes on a descriptor is an
error for that file, never a pass.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from policylint.catalog.compile import Evaluator, Layout, frame_layout, frame_of
from policylint.catalog.conditions import FAIL, MISSING, PASS, SHORT_TEXT, Outcome, PolicyError
from policylint.catalog.conditions import PASSED as PASSED_OUTCOME
from policylint.catalog.policies import Catalog, Policy
from policylint.engine.detectors import DETECTORS, STRUCTURED_SUFFIXES, Hit, ScanInput
from policylint.engine.excerpts import excerpt
from policylint.engine.missing import one_finding_per_missing_fact
from policylint.engine.twgcb import cite, judges
from policylint.engine.waivers import WaiverSyntaxError, apply_waivers, inline_waivers
from policylint.load.documents import Document, LoadError, Position, load_text
from policylint.load.hostnames import FILE_NAMES as HOST_FILE_NAMES
from policylint.load.sources import SourceError, display_name, read_encoded, readable_name
from policylint.model.results import (
    FAILED,
    NOT_APPLICABLE,
    NOT_DECLARED,
    PASSED,
    WAIVED,
    Fact,
    FileError,
    FileReport,
    Finding,
    Localized,
    SystemResult,
)
from policylint.model.waiver import Waiver

if TYPE_CHECKING:
    from policylint.evidence import Observation

# Evidence that is no YAML or JSON, read as text. The evidence stage itself (engine/observed
# and its adapters) is imported only for a file that links or may be evidence: a pre-commit
# run on a descriptor never pays for it.
EVIDENCE_TEXT_SUFFIXES = (".conf", *HOST_FILE_NAMES)


class Messages:
    """A finding's message is its policy's headline and the violation's detail, joined. Most
    findings say that a section is not declared, and a failing leaf phrases each value once
    (conditions.failed_once): the same few messages recur in every file. They are kept by
    headline, then by detail (one lookup a finding), at most ``limit`` in all and no long
    detail, so that a scan's memory does not grow with its size. One is owned by a run."""

    __slots__ = ("by_headline", "kept", "limit")

    def __init__(self, limit: int = 1024) -> None:
        self.by_headline: dict[Localized, dict[Localized, Localized]] = {}
        self.kept, self.limit = 0, limit

    def of(self, headline: Localized) -> dict[Localized, Localized]:
        return self.by_headline.get(headline) or self.by_headline.setdefault(headline, {})

    def message(self, headline: Localized, detail: Localized) -> Localized:
        kept = self.of(headline)
        return kept.get(detail) or self.joined(kept, headline, detail)

    def joined(self, kept: dict[Localized, Localized], headline: Localized, detail: Localized) -> Localized:
        message = joined_message(headline, detail)
        if len(detail.en) <= SHORT_TEXT and len(detail.zh) <= SHORT_TEXT:  # a long value's: not kept
            if self.kept >= self.limit:
                self.by_headline.clear()
                self.kept = 0
            kept[detail] = message  # if ``kept`` was just dropped, this one goes with it
            self.kept += 1
        return message


def joined_message(headline: Localized, detail: Localized) -> Localized:
    return Localized(f"{headline.zh}：{detail.zh}", f"{headline.en}: {detail.en}")


# A policy's status and outcome on a descriptor, from the descriptor's frame (compile.frame_of).
_Judge = Callable[[list[Any], date], tuple[str, Outcome]]
_Node = Callable[[list[Any], date], Outcome]


# A violation of a policy settled by the declared sections alone: its policy's new_finding,
# status, pointer and message, the same on every descriptor of a plan but for its position.
_Settled = tuple[Callable[..., Finding], str, str, Localized]


class Plan(NamedTuple):
    """What a descriptor that declares a given set of sections leaves to evaluate. The TWGCB
    pack on a descriptor that is no host, and a policy none of whose sections is declared, have
    outcomes known without reading the descriptor (35 of 64 policies a descriptor, on the
    benchmark corpus): ``statuses`` holds theirs, and a place for every other policy, in catalog
    order; ``settled`` their violations, in that order, ready to be findings; ``evaluated`` the
    rest, each with its judge. ``layout`` builds the one frame they all read (compile.frame_layout)."""

    statuses: dict[str, str]
    settled: tuple[_Settled, ...]
    evaluated: tuple[tuple[Policy, _Judge], ...]
    layout: Layout


class Plans:
    """The plans of one catalog by declared sections, which few descriptors of a repository
    tell apart. One is owned by a run; at most ``limit`` are kept."""

    __slots__ = ("by_sections", "catalog", "limit")

    def __init__(self, limit: int = 256) -> None:
        self.catalog: Catalog | None = None
        self.by_sections: dict[frozenset[str] | None, Plan] = {}
        self.limit = limit

    def of(self, catalog: Catalog, declared: frozenset[str] | None) -> Plan:
        if catalog is not self.catalog:
            self.catalog, self.by_sections = catalog, {}
        plan = self.by_sections.get(declared)
        if plan is None:
            if len(self.by_sections) >= self.limit:
                self.by_sections.clear()
            plan = self.by_sections[declared] = _plan(catalog, declared)
        return plan


def _plan(catalog: Catalog, declared: frozenset[str] | None) -> Plan:
    statuses: dict[str, str] = {}
    settled: list[_Settled] = []
    evaluated = []
    for policy in catalog.policies.values():
        statuses[policy.id] = PASSED  # in catalog order; an evaluated policy's is set per descriptor
        judge = _judge(policy, declared)
        if not _settled(policy, declared):
            evaluated.append((policy, judge))
            continue
        statuses[policy.id], outcome = judge([], date.min)  # a settled policy reads nothing
        settled += _settled_violations(policy, outcome)
    layout = frame_layout((e for policy, _ in evaluated for e in _evaluators(policy)), declared)
    return Plan(statuses, tuple(settled), tuple(evaluated), layout)


def _settled_violations(policy: Policy, outcome: Outcome) -> list[_Settled]:
    assert policy.new_finding is not None  # the catalog made it
    return [
        (policy.new_finding, FAILED if declared else NOT_DECLARED, pointer, joined_message(policy.message, detail))
        for pointer, declared, detail in outcome.violations
    ]


def _settled(policy: Policy, declared: frozenset[str] | None) -> bool:
    """Whether evaluate_declared decides ``policy`` without reading the descriptor."""
    if declared is None:
        return False
    if policy.twgcb and not judges(policy, declared):
        return True
    return _undeclared(policy, declared) and (policy.evaluate_check is not None or policy.detector is not None)


def _undeclared(policy: Policy, declared: frozenset[str] | None) -> bool:
    """A descriptor that declares none of the policy's sections: it gets the outcomes computed
    with the catalog (policy.undeclared)."""
    return declared is not None and bool(policy.sections) and declared.isdisjoint(policy.sections)


class Options(NamedTuple):
    as_of: date
    max_bytes: int = 10 * 1024 * 1024
    waivers: tuple[Waiver, ...] = ()
    source_lines: bool = False  # capture the source lines around findings (the audit reports show them)
    messages: Messages | None = None  # the run's; without one, each file keeps its own
    plans: Plans | None = None  # the run's; likewise
    line_hashes: bool = False  # hash the findings' lines as GitHub does (SARIF primaryLocationLineHash)
    facts: bool = False  # keep each evidenced system's facts, declared and observed (the audit reports show them)


def check_path(path: str, catalog: Catalog, options: Options) -> FileReport:
    """Read, load and evaluate one file; every failure becomes an error record."""
    display = display_name(path)  # not UTF-8, or holding an ID: it must not break or leak
    try:
        text, utf8 = read_encoded(path, options.max_bytes)
    except SourceError as error:
        return FileReport(display, errors=(FileError(display, error.message),))
    return check_text(display, text, catalog, options, readable_name(path), utf8)


_LAST_LINE = 2**31


class _System:
    """A descriptor (or a system an evidence file sets facts of) being checked. Plain classes
    with slots, this and _FileCheck: made for every file, and a dataclass costs every start-up
    its definition."""

    __slots__ = ("facts", "first_line", "last_line", "name", "names", "statuses")

    def __init__(
        self, name: str, first_line: int, statuses: dict[str, str], names: tuple[str, ...], facts: tuple[Fact, ...] = ()
    ) -> None:
        self.name, self.first_line, self.statuses, self.names = name, first_line, statuses, names
        self.last_line = 0
        self.facts = facts  # a system with evidence, or a host: its facts, declared or observed


class _FileCheck:
    __slots__ = (
        "catalog",
        "display",
        "documents",
        "errors",
        "evidence",
        "findings",
        "messages",
        "metadata_documents",
        "options",
        "path",
        "plain_documents",
        "plans",
        "systems",
    )

    def __init__(self, display: str, catalog: Catalog, options: Options, path: str = "") -> None:
        self.display, self.catalog, self.options = display, catalog, options
        self.path = path  # the file's name unmasked, for the detectors only
        self.documents: list[Document] = []
        self.systems: list[_System] = []
        self.findings: list[Finding] = []
        self.errors: list[FileError] = []
        self.metadata_documents: list[tuple[Document, str]] = []
        self.plain_documents = False  # a document that is no descriptor: it may be evidence
        self.evidence = False  # read as a configuration file on its own (it set facts, or failed to read)
        self.messages = options.messages or Messages()  # the run's; without one, the file's own
        self.plans = options.plans or Plans()

    def error(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.errors.append(FileError(self.display, message, line, column))


def check_text(
    display: str, text: str, catalog: Catalog, options: Options, path: str = "", utf8: bytes | None = None
) -> FileReport:
    check = _FileCheck(display, catalog, options, path)
    lowered = display.lower()
    if lowered.endswith(STRUCTURED_SUFFIXES):
        try:
            for document in load_text(text, is_json=lowered.endswith(".json"), utf8=utf8):
                check.documents.append(document)
                _check_document(check, document)
        except LoadError as error:
            check.error(error.message, error.line, error.column)
    if check.plain_documents or lowered.endswith(EVIDENCE_TEXT_SUFFIXES):
        _check_evidence_file(check, text)
    if check.systems:
        _close_spans(check)
    _detect(check, text, utf8)
    return _waive(check, text)


def _close_spans(check: _FileCheck) -> None:
    """Each descriptor owns the lines up to the next document."""
    starts = sorted(document.start.line for document in check.documents)
    for system in check.systems:
        following = bisect.bisect_right(starts, system.first_line)
        system.last_line = starts[following] - 1 if following < len(starts) else _LAST_LINE


def _check_document(check: _FileCheck, document: Document) -> None:
    from policylint.model.validate import is_descriptor, validate_descriptor

    if not is_descriptor(document.data):
        check.plain_documents = True
        return
    data, problems = validate_descriptor(document)
    for problem in problems:
        check.error(problem.message, problem.position.line, problem.position.column)
    if data is None:
        return
    system = str(data["metadata"]["name"])
    check.metadata_documents.append((document, system))
    observed: dict[str, Observation] = {}
    facts: tuple[Fact, ...] = ()
    if type(data["spec"]) is dict and data["spec"].get("evidence"):
        data, observed, facts = _check_linked(check, document, data, system)
    elif check.options.facts and type(data["spec"]) is dict and data["spec"].get("host") is not None:
        from policylint.engine.observed import host_facts

        facts = host_facts(document, data)
    statuses = _check_policies(check, document, data, system, observed)
    names = tuple(str(data["metadata"][key]) for key in ("name", "title", "agency") if key in data["metadata"])
    check.systems.append(_System(system, document.start.line, statuses, names, facts=facts))


def _check_policies(
    check: _FileCheck, document: Document, data: dict[str, Any], system: str, observed: dict[str, Observation]
) -> dict[str, str]:
    """Every policy's status on one descriptor; its violations become findings."""
    declared, as_of, display = declared_sections(data), check.options.as_of, check.display
    plan = check.plans.of(check.catalog, declared)
    statuses, frame = plan.statuses.copy(), frame_of(data, plan.layout)
    found = [  # the settled policies' violations: one comprehension, no call a policy
        new_finding(status, display, *document.position(pointer), pointer, system, message)
        for new_finding, status, pointer, message in plan.settled
    ]
    for policy, judge in plan.evaluated:  # a loop, not calls: tens of policies, every descriptor
        try:
            status, outcome = judge(frame, as_of)
        except PolicyError as error:
            where = document.start
            check.error(f"policy {policy.id} failed on system {system}: {error}", where.line, where.column)
            status, outcome = "error", PASSED_OUTCOME
        statuses[policy.id] = status
        if outcome.violations:
            found += _findings(check, system, document, policy, outcome)
    if observed:
        from policylint.engine.observed import at_settings

        found = at_settings(found, observed)
    if declared is not None and "host" in declared:  # a host: the TWGCB pack names its items
        found = cite(found, check.catalog, data)
    check.findings += found
    return statuses


def _check_linked(
    check: _FileCheck, document: Document, data: dict[str, Any], system: str
) -> tuple[dict[str, Any], dict[str, Observation], tuple[Fact, ...]]:
    from policylint.engine.observed import check_linked

    linked = check_linked(check.display, document, data, system, check.catalog, check.options.max_bytes)
    check.findings += linked.findings
    check.errors += linked.errors
    return linked.data, linked.observed, linked.facts if check.options.facts else ()


def _check_evidence_file(check: _FileCheck, text: str) -> None:
    from policylint.engine.observed import check_evidence_file

    def evaluate_policy(policy: Policy, data: dict[str, Any]) -> tuple[str, Outcome]:
        try:
            return evaluate(policy, data, check.options.as_of)
        except PolicyError as error:
            check.error(f"policy {policy.id} failed: {error}")
            return "error", PASSED_OUTCOME

    def findings(display: str, system: str, document: Document, policy: Policy, outcome: Outcome) -> list[Finding]:
        return _findings(check, system, document, policy, outcome)

    documents = check.documents or None
    systems, errors = check_evidence_file(check.display, text, documents, check.catalog, evaluate_policy, findings)
    check.errors += errors
    check.evidence = bool(systems or errors)
    for system in systems:
        check.findings += system.findings
        facts = system.facts if check.options.facts else ()
        check.systems.append(_System(system.name, system.line, system.statuses, (system.name,), facts=facts))


def _metadata_span(document: Document) -> tuple[int, int]:
    """The lines of the ``metadata`` block, up to the next top-level key."""
    first = document.position("/metadata").line
    later = [p.line for pointer, p in document.positions.items() if pointer.count("/") == 1 and p.line > first]
    inner = [p.line for pointer, p in document.positions.items() if pointer.startswith("/metadata/")]
    return first, min(later) - 1 if later else max(inner, default=first)


def evaluate(policy: Policy, data: dict[str, Any], as_of: date) -> tuple[str, Outcome]:
    """The status of one policy on one descriptor, with the outcome behind it."""
    return evaluate_declared(policy, data, as_of, declared_sections(data))


def evaluate_declared(
    policy: Policy, data: dict[str, Any], as_of: date, declared: frozenset[str] | None
) -> tuple[str, Outcome]:
    """``evaluate``, given the descriptor's declared_sections (found once for all policies)."""
    frame = frame_of(data, frame_layout(_evaluators(policy), declared))
    return _judge(policy, declared)(frame, as_of)


def _evaluators(policy: Policy) -> list[Evaluator]:
    return [e for e in (policy.evaluate_applies, policy.evaluate_check) if e is not None]


def _judge(policy: Policy, declared: frozenset[str] | None) -> _Judge:
    """The status and outcome of ``policy`` on a descriptor that declares ``declared``: its
    ``applies``, then its ``check``, in one call (the engine's loop over every policy)."""
    if policy.twgcb and not judges(policy, declared):
        return lambda frame, as_of: _NOT_APPLICABLE  # the TWGCB pack judges hosts only
    applies, check = _nodes(policy, _undeclared(policy, declared))

    def judge(frame: list[Any], as_of: date) -> tuple[str, Outcome]:
        if applies is not None:
            applied = applies(frame, as_of)
            if applied is not PASSED_OUTCOME:  # every PASS outcome is that one
                return _NOT_APPLICABLE if applied.state is FAIL else (NOT_DECLARED, applied)
        outcome = check(frame, as_of)
        return _PASSED if outcome is PASSED_OUTCOME else (_STATUS_OF[outcome.state], outcome)

    return judge


def _nodes(policy: Policy, undeclared: bool) -> tuple[_Node | None, _Node]:
    """The nodes of ``applies`` and ``check``; when none of the policy's sections is declared,
    their outcomes computed with the catalog (policy.undeclared)."""
    if undeclared:
        applies, check = (None if o is None else _constant(o) for o in policy.undeclared)
    else:
        applies, check = (None if e is None else e.node for e in (policy.evaluate_applies, policy.evaluate_check))
    if check is not None:
        return applies, check
    if policy.detector is None:
        return applies, _no_condition(policy)
    return applies, _constant(PASSED_OUTCOME)  # its detector reads the file's text


def _constant(outcome: Outcome) -> _Node:
    return lambda frame, as_of: outcome


def _no_condition(policy: Policy) -> _Node:
    def check(frame: list[Any], as_of: date) -> Outcome:
        raise PolicyError(f"policy {policy.id} has no condition and no detector")

    return check


def declared_sections(data: dict[str, Any]) -> frozenset[str] | None:
    """The sections of ``spec`` that hold something; None when ``spec`` is not a mapping
    (then every policy is evaluated)."""
    spec = data.get("spec")
    if type(spec) is not dict:
        return None
    return frozenset([section for section, value in spec.items() if value is not None])


_STATUS_OF = {PASS: PASSED, FAIL: FAILED, MISSING: NOT_DECLARED}
_PASSED, _NOT_APPLICABLE = (PASSED, PASSED_OUTCOME), (NOT_APPLICABLE, PASSED_OUTCOME)


def _findings(check: _FileCheck, system: str, document: Document, policy: Policy, outcome: Outcome) -> list[Finding]:
    found, new_finding, headline, display = [], policy.new_finding, policy.message, check.display
    assert new_finding is not None  # the catalog made it
    messages = check.messages
    joined = messages.of(headline)
    for pointer, declared, detail in outcome.violations:  # tens a descriptor: locals, few calls
        status = FAILED if declared else NOT_DECLARED
        line, column = document.positions.get(pointer) or document.position(pointer)
        message = joined.get(detail) or messages.joined(joined, headline, detail)
        found.append(new_finding(status, display, line, column, pointer, system, message))
    return found


# --- detectors ------------------------------------------------------------------------


def _detect(check: _FileCheck, text: str, utf8: bytes | None) -> None:
    policies = check.catalog.detector_policies
    if not policies:
        return
    names = tuple(dict.fromkeys(name for system in check.systems for name in system.names))
    scan = ScanInput(check.display, text, tuple(check.documents), names, check.path, utf8)
    for policy in policies:
        try:
            hits = [*DETECTORS[str(policy.detector)](scan)]
        except Exception as error:  # a crashing detector is an error for this file, never a pass
            check.error(f"policy {policy.id} failed: {type(error).__name__}: {error}")
            continue
        if hits:  # nearly every file has none
            _record_hits(check, policy, hits)


def _record_hits(check: _FileCheck, policy: Policy, hits: list[Hit]) -> None:
    from policylint.load.masking import redact

    seen: dict[str, int] = {}
    for hit in hits:
        system = next((s for s in check.systems if s.first_line <= hit.position.line <= s.last_line), None)
        if system is not None:
            system.statuses[policy.id] = FAILED
        pointer = redact(hit.pointer or ("" if hit.anchor else _pointer_at(check.documents, hit.position)))
        # With the organisation's key, the value's keyed hash; else only where it sits.
        what = f"value:{hit.digest}" if hit.digest else f"at:{redact(hit.anchor) or pointer}"
        occurrence = seen[what] = seen.get(what, 0) + 1
        name = system.name if system else ""
        message = check.messages.message(policy.message, hit.detail)
        identity = (policy.id, check.display, what, str(occurrence))
        line, column = hit.position
        assert policy.new_finding is not None  # the catalog made it
        check.findings.append(policy.new_finding(FAILED, check.display, line, column, pointer, name, message, identity))


def _pointer_at(documents: list[Document], position: Position) -> str:
    owner = next((d for d in reversed(documents) if d.start.line <= position.line), None)
    return owner.pointer_at(position.line, position.column) if owner else ""


# --- waivers --------------------------------------------------------------------------


def _waive(check: _FileCheck, text: str) -> FileReport:
    # Nearly every file declares no waiver, and a run's configuration none: nothing to look for.
    waivers = _waivers(check, text) if check.options.waivers or "policylint:" in text else []
    display = check.display
    systems = tuple(
        [SystemResult(display, s.name, s.first_line, tuple(s.statuses.items()), s.facts) for s in check.systems]
    )
    if not waivers:  # nearly every file: nothing to attach, declare or mark
        return _report(check, text, systems, check.findings)
    outcome = apply_waivers(check.findings, waivers, check.options.as_of)
    declared = tuple(_with_system(w, check.systems, outcome.findings) for w in waivers if w.file == check.display)
    if any(finding.waiver is not None for finding in outcome.findings):
        by_pair = _by_pair(outcome.findings)
        systems = tuple(_waived_statuses(system, by_pair) for system in systems)
    inline = frozenset(w.source for w in declared)
    return _report(check, text, systems, outcome.findings, outcome.used, inline, declared)


def _waivers(check: _FileCheck, text: str) -> list[Waiver]:
    try:
        return [*_inline_waivers(check, text), *check.options.waivers]
    except WaiverSyntaxError as error:
        check.error(error.message, error.line, 1)
        return list(check.options.waivers)


def _report(
    check: _FileCheck,
    text: str,
    systems: tuple[SystemResult, ...],
    findings: Sequence[Finding],
    used: frozenset[str] = frozenset(),
    inline: frozenset[str] = frozenset(),
    declared: tuple[Waiver, ...] = (),
) -> FileReport:
    options = check.options
    return FileReport(
        check.display,
        len(check.documents),
        systems,
        one_finding_per_missing_fact(findings),
        tuple(check.errors),
        used,
        inline,
        declared,
        check.evidence and not check.metadata_documents,
        excerpt(check.display, text, findings) if options.source_lines else (),
        _line_hashes(check.display, text, findings) if options.line_hashes else (),
    )


def _with_system(waiver: Waiver, systems: list[_System], findings: Iterable[Finding]) -> Waiver:
    """An inline waiver as the register shows it: a line's waiver names the system of the
    findings it covers, else of the descriptor that holds its line."""
    if waiver.system is not None or waiver.line is None:
        return waiver
    covered = sorted({f.system for f in findings if f.waiver is not None and f.waiver.source == waiver.source})
    owner = next((s.name for s in systems if s.first_line <= waiver.line <= s.last_line), None)
    named = ", ".join(name for name in covered if name) or owner
    return waiver._replace(system=named) if named else waiver


def _line_hashes(display: str, text: str, findings: Iterable[Finding]) -> tuple[tuple[int, str], ...]:
    from policylint.engine.linehash import line_hashes  # for SARIF only

    return line_hashes(text, {max(1, finding.line) for finding in findings if finding.file == display})


def _inline_waivers(check: _FileCheck, text: str) -> list[Waiver]:
    if "policylint:" not in text:  # nearly every file: no need to find metadata blocks
        return []
    spans = [(*_metadata_span(document), system) for document, system in check.metadata_documents]
    return inline_waivers(check.display, text, spans)


def _by_pair(findings: tuple[Finding, ...]) -> dict[tuple[str, str, str], list[Finding]]:
    """Findings by file, system and policy, grouped once: searching them once a pair is
    quadratic, minutes for a small file that repeats one system a thousand times."""
    grouped: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.file, finding.system, finding.policy), []).append(finding)
    return grouped


def _waived_statuses(system: SystemResult, by_pair: dict[tuple[str, str, str], list[Finding]]) -> SystemResult:
    """A pair whose every finding is waived shows as waived."""
    statuses = tuple(
        (policy, WAIVED if _all_waived(by_pair.get((system.file, system.system, policy), [])) else status)
        for policy, status in system.statuses
    )
    return system._replace(statuses=statuses)


def _all_waived(findings: list[Finding]) -> bool:
    return bool(findings) and all(f.waiver is not None for f in findings)
