"""What a run produces: findings, errors and per-system results. Reporters read only these."""

# No ``from __future__ import annotations`` here: typing compiles every field annotation of a
# named tuple that is a string (a ForwardRef each), at every start-up.

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import hashlib

    from policylint.model.waiver import Waiver

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}
LANGUAGES = ("zh-TW", "en")

# Statuses of one (descriptor, policy) pair.
PASSED = "passed"
FAILED = "failed"
NOT_DECLARED = "not_declared"
NOT_APPLICABLE = "not_applicable"
WAIVED = "waived"
STATUSES = (PASSED, FAILED, NOT_DECLARED, NOT_APPLICABLE, WAIVED)


def fingerprint_of(*parts: str) -> str:
    """Stable across runs and line moves: built from identities, never from positions."""
    return _digest("\0".join(parts))


def _digest(text: str) -> str:
    return _sha256()(text.encode()).hexdigest()[:_SHOWN]


_SHOWN = 32  # hexadecimal digits of a digest shown as a fingerprint


@lru_cache(maxsize=1)
def _sha256() -> "Callable[[bytes], hashlib._Hash]":
    """Imported at first use: hashlib's import sets OpenSSL up (11 M instructions, a fiftieth
    of a pre-commit run), and a text report shows no fingerprint. Kept (lru_cache): an import
    statement in _digest took a quarter of each fingerprint, for every finding of a JSON report."""
    import hashlib

    return hashlib.sha256


# Localized and Reference are named tuples: immutable values made for every finding, whose
# hash runs in C (a dataclass's is Python code), and cheap to define at start-up.
class Localized(NamedTuple):
    """A text in Traditional Chinese and English."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh-TW" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"zh-TW": self.zh, "en": self.en}


# How each severity is named, in both languages: the text summary and the audit reports.
SEVERITY_NAMES: dict[str, Localized] = {
    "critical": Localized("嚴重", "critical"),
    "high": Localized("高", "high"),
    "medium": Localized("中", "medium"),
    "low": Localized("低", "low"),
    "info": Localized("資訊", "info"),
}


class Reference(NamedTuple):
    case: str
    reminder: int

    def __str__(self) -> str:
        return f"{self.case}-{self.reminder}"


def references_text(references: Sequence[Reference], separator: str = ", ") -> str:
    """``20170101-1, 20170102-2``: case and reminder numbers."""
    return separator.join(str(reference) for reference in references)


# Not frozen, but never changed (``dataclasses.replace`` makes the waived or baselined
# copy): a frozen dataclass's __init__ took five times as long, for tens of findings a file.
@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """One violation. ``identity`` holds the parts its fingerprint is digested from, or the
    fingerprint itself (a finding read back from a JSON result), or None for a policy's
    finding, whose parts are its own fields: the digest is made only for the outputs that
    show it, not for the tens of findings of every file a text run writes."""

    # What the policy decides first, so that one ``partial`` a policy fills it in
    # (catalog.Policy.new_finding): findings are made positionally, tens for every file.
    policy: str
    severity: str
    references: tuple[Reference, ...]
    laws: tuple[str, ...]
    remediation: Localized
    status: str
    file: str
    line: int
    column: int
    pointer: str
    system: str
    message: Localized
    identity: str | tuple[str, ...] | None = None  # None: a policy's (see fingerprint)
    waiver: "Waiver | None" = None
    baselined: bool = False
    # Other places the finding names (file, line, column): the configuration file that
    # contradicts a declaration (SARIF relatedLocations).
    related: tuple[tuple[str, int, int], ...] = ()
    # A ``not-declared`` finding: the catalog policies that need the missing fact, each of
    # which keeps its own status in the per-system results (engine/missing.py).
    policies: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """See fingerprints: one way to make them, for one finding or a file's."""
        return fingerprints((self,))[0]

    @property
    def policy_ids(self) -> tuple[str, ...]:
        """The catalog policies this finding counts for: its own, or those that need the missing fact."""
        return self.policies or (self.policy,)

    @property
    def shown_status(self) -> str:
        return WAIVED if self.waiver is not None else self.status


# What a policy's finding (its identity None) is fingerprinted from: which policy, where, and
# whether declared.
_POLICY_IDENTITY = attrgetter("policy", "file", "system", "pointer", "status")
_IDENTITY = attrgetter("identity")


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """Each finding's ``fingerprint``, in order: ``fingerprint_of`` its identity's parts (a
    policy's finding: which policy, where, and whether declared), or the fingerprint a result
    read back gave. A file's at once, the digest (``_digest``'s, written out here) in one
    loop with no call of Python for each finding: the property's calls and the digest's
    lookup were a third of the time a JSON report spent on its fingerprints."""
    sha256 = _sha256()
    made: list[str] = []
    for finding, identity in zip(findings, map(_IDENTITY, findings), strict=True):
        if type(identity) is str:  # a result read back: its fingerprint given
            made.append(identity)
            continue
        parts = _POLICY_IDENTITY(finding) if identity is None else identity
        made.append(sha256("\0".join(parts).encode()).hexdigest()[:_SHOWN])
    return made


# Findings in report order; attrgetter runs in C, for the tens of findings of every file.
FINDING_ORDER = attrgetter("file", "line", "column", "policy", "pointer")
_SEVERITY_OF = attrgetter("severity")


class FileError:
    """A file that could not be read, loaded or validated: where, and why. A plain class, not
    a slotted dataclass, which is made twice at definition: 4.5 M instructions of every start-up."""

    __slots__ = ("column", "file", "line", "message")

    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None) -> None:
        # An error may quote the offending value (an invalid enum, a bad waiver): an
        # identifier in it is masked here, once, for every output.
        from policylint.load.masking import redact

        self.file, self.message, self.line, self.column = file, redact(message), line, column

    def _fields(self) -> tuple[str, str, int | None, int | None]:
        return (self.file, self.message, self.line, self.column)

    def __eq__(self, other: object) -> bool:
        return type(other) is FileError and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"FileError{self._fields()!r}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.message)

    def __str__(self) -> str:
        """One line, whatever the file name or the quoted value holds."""
        from policylint.load.masking import escape_and_mask

        where = "".join(f":{part}" for part in (self.line, self.column) if part is not None)
        return escape_and_mask(f"{self.file}{where}: error: {self.message}")


# How a fact that evidence can observe stands (the audit reports' evidence table).
DECLARED_ONLY = "declared"
OBSERVED_ONLY = "observed"
AGREE = "agree"
DISAGREE = "disagree"


class Fact(NamedTuple):
    """A fact of a system with evidence: its value where declared (a line of the system's own
    file) and where a configuration file sets it. Values and the setting are masked texts."""

    pointer: str
    status: str  # DECLARED_ONLY, OBSERVED_ONLY, AGREE or DISAGREE
    declared: str = ""
    declared_line: int = 0
    observed: str = ""
    observed_file: str = ""
    observed_line: int = 0
    setting: str = ""


class SystemResult(NamedTuple):
    """Every policy's status for one descriptor; for a system with evidence (or a host), its
    facts that evidence can observe."""

    file: str
    system: str
    line: int
    statuses: tuple[tuple[str, str], ...]
    facts: tuple[Fact, ...] = ()


class SourceLine(NamedTuple):
    """A line of a checked file as the audit reports show it: masked, and cut when long."""

    number: int
    text: str


class FileReport(NamedTuple):
    file: str
    documents: int = 0
    systems: tuple[SystemResult, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[FileError, ...] = ()
    used_waivers: frozenset[str] = frozenset()
    inline_waivers: frozenset[str] = frozenset()
    waivers: "tuple[Waiver, ...]" = ()  # those of inline_waivers, whole (the audit's waiver register)
    # Whether this file is a configuration file checked on its own (emptied if a scanned file
    # links or includes it: cli/commands._alone_or_covered).
    evidence: bool = False
    # The lines around the findings, captured when a report shows them (Options.source_lines),
    # so that no reporter opens a scanned file.
    source_lines: tuple[SourceLine, ...] = ()
    # GitHub's primaryLocationLineHash of the findings' lines, (line, hash), computed when a
    # SARIF report is written (Options.line_hashes): the hash needs the file's text.
    line_hashes: tuple[tuple[int, str], ...] = ()

    def sorted(self) -> "FileReport":
        """Findings in report order and systems by line, as every reporter is given them."""
        if len(self.findings) < 2 and len(self.systems) < 2:  # in order as it is (a file with no finding)
            return self
        findings = tuple(sorted(self.findings, key=FINDING_ORDER))
        return self._replace(findings=findings, systems=tuple(sorted(self.systems, key=_SYSTEM_ORDER)))


_SYSTEM_ORDER = attrgetter("file", "line")


class BaselineSummary(NamedTuple):
    """Findings already recorded in a baseline, and recorded ones that are gone."""

    path: str
    known: int
    fixed: tuple[dict[str, str], ...]


@dataclass
class RunReport:
    """What a run knows besides each file's results, which go to the reporters as each file is
    done: the settings, counts, errors and warnings. Its memory does not grow with the scan."""

    tool_version: str
    as_of: date
    lang: str
    fail_on: str
    scanned: list[str] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    errors: list[FileError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    no_waivers: bool = False
    used_waivers: set[str] = field(default_factory=set)
    declared_waivers: set[str] = field(default_factory=set)
    waivers: "dict[str, Waiver]" = field(default_factory=dict)  # every waiver declared, by where
    baseline: BaselineSummary | None = None  # set before the scan when a baseline applies
    # ``check --category``: what this run's results are called (SARIF automationDetails.id),
    # so that shards or matrix jobs uploading to one place do not replace each other's.
    category: str = ""
    descriptor_count: int = 0
    _severity_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    _any_failing: bool = False

    def add(self, report: FileReport) -> None:
        self.files += 1
        self.documents += report.documents
        self.errors += report.errors
        self.descriptor_count += len(report.systems)
        if report.findings:
            for severity, count in Counter(map(_SEVERITY_OF, report.findings)).items():  # counted in C
                self._severity_counts[severity] += count
            self._any_failing = self._any_failing or any(map(self._fails, report.findings))
        if report.used_waivers or report.inline_waivers or report.waivers:  # nearly every file has none
            self.used_waivers |= report.used_waivers
            self.declared_waivers |= report.inline_waivers
            self.waivers.update((waiver.source, waiver) for waiver in report.waivers)

    def finish(self) -> "RunReport":
        self.scanned = sorted(set(self.scanned))
        self.errors.sort(key=FileError.sort_key)
        unmatched = sorted(self.declared_waivers - self.used_waivers)
        self.warnings = sorted(
            {*self.warnings, *(f"{source}: warning: waiver matches no finding" for source in unmatched)}
        )
        return self

    @property
    def finding_count(self) -> int:
        return sum(self._severity_counts.values())

    def by_severity(self) -> dict[str, int]:
        return dict(self._severity_counts)

    def _fails(self, finding: Finding) -> bool:
        """At or above --fail-on, not waived (unless waivers are ignored), not in the baseline."""
        return (
            SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[self.fail_on]
            and (finding.waiver is None or self.no_waivers)
            and not finding.baselined
        )

    def fails(self) -> bool:
        """Whether findings fail the run."""
        return self._any_failing
