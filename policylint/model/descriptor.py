"""The system descriptor: one information system, declared by the team that runs it.

Every field is optional below the envelope: a fact a policy needs and the descriptor does
not declare makes that policy fail as "not declared", pointing at the section where the
fact belongs. Keys are camelCase in YAML, as in Kubernetes and Backstage.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator
from pydantic.alias_generators import to_camel

from policylint.model.checker import ISO_DATE

API_VERSION = "policylint/v1"
KIND = "InformationSystem"


def _iso_date(value: Any) -> Any:
    """A date is a YAML date or a text of exactly YYYY-MM-DD (JSON has no dates), nothing else."""
    if type(value) is str and ISO_DATE.fullmatch(value):
        return date.fromisoformat(value)
    return value


# Strict types: a security declaration must say what it means. "3" is not a number of hours,
# 0 is not a date, and 2024-01-01T10:00 is a time, not a date.
Date = Annotated[date, Strict(), BeforeValidator(_iso_date)]
Count = Annotated[int, Strict(), Field(ge=0)]
Days = Annotated[int, Strict(), Field(ge=0)]
Hours = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), Field(min_length=1)]


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=False,
        frozen=True,
        defer_build=True,
    )


# --- authentication -------------------------------------------------------------------

AccountSource = Literal["nationalId", "birthday", "phone", "email", "employeeId", "assigned", "chosenByUser", "random"]
PasswordSource = Literal["nationalId", "birthday", "phone", "rule", "fixed", "random", "chosenByUser"]


class SampleCredential(Section):
    account: Text
    password: str | None = Field(
        default=None, description="A sample issued password (checked for weakness, never printed whole)."
    )


class DefaultCredentials(Section):
    issued: Flag | None = Field(
        default=None, description="Whether the system issues default accounts or passwords to users."
    )
    account_source: AccountSource | None = Field(default=None, description="What a default account name is made from.")
    password_source: PasswordSource | None = Field(default=None, description="What a default password is made from.")
    password_length: Count | None = Field(default=None, description="Length of a random default password.")
    change_at_first_login: Flag | None = Field(
        default=None, description="Whether users must change the default password at first login."
    )
    samples: list[SampleCredential] | None = None


class Mfa(Section):
    enabled: Flag | None = None
    methods: list[Literal["totp", "sms", "citizenCertificate", "mobileId", "fido2", "email"]] | None = None


class PasswordStorage(Section):
    algorithm: (
        Literal[
            "argon2",
            "bcrypt",
            "scrypt",
            "pbkdf2",
            "sha512",
            "sha256",
            "sha1",
            "md5",
            "yescrypt",
            "des",
            "reversible",
            "plaintext",
        ]
        | None
    ) = None


class ResetTokens(Section):
    one_time: Flag | None = None
    expires_minutes: Count | None = None


class Authentication(Section):
    default_credentials: DefaultCredentials | None = None
    password_generation: Literal["random", "chosenByUser", "rule", "fixed"] | None = Field(
        default=None,
        description="How passwords the agency issues (staff mailboxes, service accounts) are generated.",
    )
    shared_accounts: Flag | None = None
    mfa: Mfa | None = None
    password_storage: PasswordStorage | None = None
    reset_tokens: ResetTokens | None = None


class PasswordPolicy(Section):
    min_length: Count | None = None
    character_classes: Annotated[int, Strict(), Field(ge=1, le=4)] | None = None
    max_age_days: Days | None = None
    min_age_days: Days | None = None
    history: Count | None = Field(default=None, description="How many previous passwords may not be reused.")
    blocklist: Flag | None = Field(
        default=None, description="New passwords are checked against common and breached passwords."
    )


# --- login protection and monitoring --------------------------------------------------


class RateLimit(Section):
    per_ip_per_minute: Count | None = Field(
        default=None, description="Login and password-change attempts allowed per source IP per minute."
    )
    per_account_per_minute: Count | None = Field(
        default=None, description="Login attempts allowed per account per minute."
    )


class Lockout(Section):
    enabled: Flag | None = None
    threshold: Count | None = Field(default=None, description="Failed logins that lock the account.")
    duration_minutes: Count | None = Field(default=None, description="How long a locked account stays locked.")


AntiAutomation = Literal[
    "captcha",
    "rateLimit",
    "quota",
    "authentication",
    "deviceFingerprint",
    "behaviourAnalysis",
    "proofOfWork",
    "waf",
]


class AutomationBlocking(Section):
    enabled: Flag | None = None
    methods: list[AntiAutomation] | None = None


class LoginProtection(Section):
    rate_limit: RateLimit | None = None
    lockout: Lockout | None = None
    automation_blocking: AutomationBlocking | None = None


class IpTraffic(Section):
    monitored: Flag | None = None
    interval_minutes: Count | None = None


class Alerts(Section):
    many_accounts_from_one_ip: Flag | None = None
    foreign_ip_login: Flag | None = None
    mass_password_change: Flag | None = None


class LogReview(Section):
    interval_days: Days | None = None
    soc: Flag | None = Field(
        default=None, description="Logs are monitored continuously by a security operations centre."
    )


class OnCall(Section):
    contact: Text | None = None


class Monitoring(Section):
    ip_traffic: IpTraffic | None = None
    alerts: Alerts | None = None
    log_review: LogReview | None = None
    alert_channels: list[Text] | None = None
    on_call: OnCall | None = None
    input_filtering: Literal["waf", "application", "none"] | None = Field(
        default=None, description="Web application firewall or input filtering in front of the system."
    )


AuditEvent = Literal[
    "login",
    "logout",
    "failedLogin",
    "passwordChange",
    "dataAccess",
    "dataChange",
    "export",
    "print",
    "admin",
    "query",
]
AuditField = Literal["eventType", "time", "source", "user", "target", "result", "purpose"]


class AuditLogging(Section):
    enabled: Flag | None = None
    retention_days: Days | None = Field(
        default=None, description="Days logs are kept; six months is 184 days, the longest six calendar months."
    )
    events: list[AuditEvent] | None = None
    fields: list[AuditField] | None = None
    access_restricted: Flag | None = None
    integrity: Literal["none", "hash", "signature", "worm"] | None = None
    separate_system: Flag | None = Field(default=None, description="Logs are also kept on another system.")
    clock_sync: Flag | None = Field(default=None, description="Clocks are synchronised with a reference time source.")
    web_access_log: Flag | None = Field(
        default=None,
        description="The web server logs every request for the pages and APIs that serve personal data "
        "(its access log is not switched off there).",
    )


class SecurityAudit(Section):
    interval_days: Days | None = None
    last_audit: Date | None = None


# --- personal data and incidents ------------------------------------------------------


class DataCategory(Section):
    name: Text
    purpose: Text | None = None
    fields: list[Text] | None = None


class RiskAssessment(Section):
    last_assessed: Date | None = None
    interval_days: Days | None = None


class BreachNotification(Section):
    procedure: Flag | None = None
    notify_subjects: Flag | None = None
    notify_within_days: Days | None = None


class PersonalData(Section):
    categories: list[DataCategory] | None = None
    risk_assessment: RiskAssessment | None = None
    breach_notification: BreachNotification | None = None


class ContainmentDeadlines(Section):
    """Hours the plan allows to control damage or recover, for each incident level."""

    level1: Hours | None = None
    level2: Hours | None = None
    level3: Hours | None = None
    level4: Hours | None = None


class IncidentResponse(Section):
    plan: Flag | None = None
    contacts: list[Text] | None = None
    report_within_hours: Hours | None = None
    contain_within_hours: ContainmentDeadlines | None = Field(
        default=None, description="Damage control or recovery deadline by incident level (1 to 4)."
    )


class Training(Section):
    required_hours_per_person: Hours | None = Field(
        default=None, description="Security training hours each staff member must take a year."
    )
    staff_completed_percent: Percent | None = Field(
        default=None, description="Share of staff who took the required hours in the last 12 months."
    )
    last_awareness_campaign: Date | None = Field(
        default=None, description="Date of the last security awareness campaign (認知宣導)."
    )


class Drills(Section):
    last_reporting_drill: Date | None = None
    last_social_engineering_drill: Date | None = None


# --- data flows and access ------------------------------------------------------------

Channel = Literal[
    "https", "sftp", "ftps", "api", "vpn", "encryptedEmail", "email", "ftp", "http", "fax", "removableMedia"
]
Encryption = Literal["none", "tls1.0", "tls1.1", "tls1.2", "tls1.3", "endToEnd"]
TransferField = Literal["receiver", "sender", "time", "content", "remoteIp"]


class TransferLogging(Section):
    enabled: Flag | None = None
    fields: list[TransferField] | None = None


class DataFlow(Section):
    name: Text
    personal_data: Flag | None = None
    sensitive: Flag | None = None
    channel: Channel | None = None
    encryption: Encryption | None = None
    remote: Flag | None = None
    logging: TransferLogging | None = None


class PrivilegeReview(Section):
    interval_days: Days | None = None
    last_review: Date | None = None


class Role(Section):
    name: Text
    access: Literal["scoped", "unrestricted"] | None = None
    purposes: list[Text] | None = None


class AccessControl(Section):
    privilege_review: PrivilegeReview | None = None
    roles: list[Role] | None = None
    record_access: Literal["ownerOnly", "roleScoped", "anyAuthenticated", "public"] | None = Field(
        default=None,
        description="Who may read an applicant's record: only its owner (no IDOR), a scoped role, or anyone.",
    )
    idle_account_disable_days: Days | None = Field(
        default=None, description="Idle days after which an account is disabled."
    )
    expired_accounts_disabled: Flag | None = Field(
        default=None, description="Expired temporary or emergency accounts are deleted or disabled."
    )
    idle_logout_minutes: Count | None = Field(
        default=None, description="Idle minutes after which a session is logged out automatically."
    )


class VulnerabilityManagement(Section):
    scan_interval_days: Days | None = None
    last_scan: Date | None = None
    patch_within_days: Days | None = None
    last_penetration_test: Date | None = None
    last_source_code_scan: Date | None = None


class Reconciliation(Section):
    enabled: Flag | None = None
    period_days: Days | None = None


class DataIoAudit(Section):
    events: list[Literal["input", "output"]] | None = Field(
        default=None, description="Which of the input and output of applicant data is logged for audit."
    )
    reviewer: Text | None = Field(default=None, description="Who reviews the input and output logs.")
    review_interval_days: Days | None = None


class DataIo(Section):
    audit: DataIoAudit | None = Field(
        default=None, description="Internal supervision and audit of the input and output of applicant data."
    )
    reconciliation: Reconciliation | None = None
    removable_media: Literal["blocked", "controlled", "unrestricted"] | None = None
    removable_media_logged: Flag | None = None


class Notifications(Section):
    encrypted: Flag | None = None
    logged: Flag | None = None


class RemoteAccess(Section):
    monitored: Flag | None = None
    audited: Flag | None = None


class OnlineService(Section):
    enabled: Flag | None = None
    identification: Literal["none", "password", "citizenCertificate", "mobileId", "mfa"] | None = None
    notifications: Notifications | None = None
    remote_access: RemoteAccess | None = None


# --- disclosure, downloads, backups, vendors, counters --------------------------------


class DisclosedField(Section):
    name: Text
    kind: Literal["name", "address", "nationalId", "phone", "email", "birthday", "other"] | None = None
    treatment: Literal["full", "masked", "deidentified", "omitted"] | None = None


class UsageReview(Section):
    interval_days: Days | None = None
    last_review: Date | None = None


class PublicDisclosure(Section):
    enabled: Flag | None = None
    fields: list[DisclosedField] | None = None
    usage_review: UsageReview | None = None


class Downloads(Section):
    enabled: Flag | None = Field(
        default=None, description="Records can be downloaded by the public or private businesses."
    )
    bulk_download: Flag | None = Field(default=None, description="A batch or bulk download function is offered.")
    max_records_per_request: Count | None = None
    max_records_per_day: Count | None = None
    anti_automation: list[AntiAutomation] | None = None


class Backups(Section):
    enabled: Flag | None = None
    frequency_days: Days | None = None
    last_tested: Date | None = None
    offsite: Flag | None = Field(default=None, description="Backups are kept in a separate facility.")
    fireproof_cabinet: Flag | None = Field(default=None, description="Backups are kept in a fireproof cabinet.")
    encrypted: Flag | None = None
    disposal_procedure: Flag | None = None
    access_restricted: Flag | None = None


ContractClause = Literal[
    "confidentiality",
    "securityRequirements",
    "auditRight",
    "incidentReporting",
    "subcontracting",
    "dataReturn",
]


class Vendor(Section):
    name: Text
    role: Literal["build", "operate", "maintain", "hosting"] | None = None
    security_agreement: Flag | None = None
    contract_clauses: list[ContractClause] | None = None
    last_review: Date | None = None


class LookupSop(Section):
    reference: Text | None = Field(default=None, description="Document number or title of the procedure.")
    last_reviewed: Date | None = None
    records: list[Literal["time", "staff", "purpose"]] | None = Field(
        default=None, description="What the procedure has recorded for each lookup."
    )


class CounterService(Section):
    enabled: Flag | None = None
    identity_verification: Flag | None = None
    reason_verification: Flag | None = None
    third_party_disclosure: Literal["writtenAuthorization", "prohibited", "unrestricted"] | None = None
    printouts: Literal["filedWithCase", "destroyed", "filedOrDestroyed", "handedOut", "retained"] | None = None
    sop: LookupSop | None = Field(default=None, description="The standard operating procedure for lookups.")


class QueryLogging(Section):
    enabled: Flag | None = None
    fields: list[Literal["user", "purpose", "subject", "time", "matter"]] | None = None


class Endpoints(Section):
    wireless_input_devices: Literal["prohibited", "discouraged", "allowed"] | None = None
    wireless_awareness_campaign: Date | None = Field(
        default=None, description="Date of the last notice telling staff to avoid wireless keyboards and mice."
    )


class KeyManagement(Section):
    rotation_interval_days: Days | None = Field(
        default=None, description="How often transfer encryption keys and certificates are replaced."
    )
    last_rotated: Date | None = None


class Database(Section):
    encryption_at_rest: Flag | None = None
    access_audited: Flag | None = None
    last_internal_audit: Date | None = None


# --- evidence -------------------------------------------------------------------------


class EvidenceLink(Section):
    kind: Text = Field(
        description="The kind of configuration file: keycloak-realm, nginx, ingress-nginx, "
        "windows-security-template, linux-pam, pam-conf, login-defs, sshd, or an agency's."
    )
    path: Text = Field(description="The file, relative to this descriptor.")
    realm: Text | None = Field(default=None, description="The realm to read, where a Keycloak export holds several.")
    data_flow: Text | None = Field(
        default=None, description="The entry of dataFlows whose transport the file configures (nginx, Ingress)."
    )
    os: Text | None = Field(
        default=None,
        description="The product of a host file that does not show it (rhel-8, rhel-9, ubuntu-22.04, windows-11): "
        "which TWGCB document applies.",
    )


# --- hosts ----------------------------------------------------------------------------

Product = Literal["windows", "windows-11", "linux", "rhel-8", "rhel-9", "ubuntu-22.04"]


class SshServer(Section):
    log_level: Text | None = None
    max_auth_tries: Count | None = None
    permit_root_login: Literal["yes", "no", "prohibit-password", "without-password", "forced-commands-only"] | None = (
        None
    )
    permit_empty_passwords: Literal["yes", "no"] | None = None
    password_authentication: Literal["yes", "no"] | None = None
    client_alive_interval_seconds: Count | None = None
    client_alive_count_max: Count | None = None
    login_grace_time_seconds: Count | None = None
    ciphers: list[Text] | None = None
    macs: list[Text] | None = None


class HostLockout(Section):
    fail_interval_seconds: Count | None = Field(default=None, description="The window in which failures are counted.")


class Host(Section):
    os: Product | None = Field(
        default=None,
        description="The product the hosts run (windows or linux when only the platform is known): "
        "which TWGCB document's items apply.",
    )
    ssh: SshServer | None = None
    fail_delay_seconds: Count | None = Field(default=None, description="login.defs FAIL_DELAY.")
    lockout: HostLockout | None = None


# --- the envelope ---------------------------------------------------------------------


class Spec(Section):
    classification: Literal["public", "general", "sensitive", "classified"] | None = None
    protection_grade: Literal["普", "中", "高"] | None = Field(
        default=None,
        description="Grade under the system protection baseline (資通系統防護基準): 普, 中 or 高.",
    )
    holds_personal_data: Flag | None = None
    internet_facing: Flag | None = None
    authentication: Authentication | None = None
    password_policy: PasswordPolicy | None = None
    login_protection: LoginProtection | None = None
    monitoring: Monitoring | None = None
    audit_logging: AuditLogging | None = None
    security_audit: SecurityAudit | None = None
    personal_data: PersonalData | None = None
    incident_response: IncidentResponse | None = None
    training: Training | None = None
    drills: Drills | None = None
    data_flows: list[DataFlow] | None = None
    access_control: AccessControl | None = None
    vulnerability_management: VulnerabilityManagement | None = None
    data_io: DataIo | None = None
    online_service: OnlineService | None = None
    public_disclosure: PublicDisclosure | None = None
    downloads: Downloads | None = None
    backups: Backups | None = None
    vendors: list[Vendor] | None = None
    counter_service: CounterService | None = None
    query_logging: QueryLogging | None = None
    endpoints: Endpoints | None = None
    database: Database | None = None
    key_management: KeyManagement | None = None
    host: Host | None = Field(
        default=None, description="The operating system settings of the hosts: what the TWGCB baseline fixes."
    )
    evidence: list[EvidenceLink] | None = Field(
        default=None,
        description="Configuration files that show what the system really runs; their settings are checked too.",
    )


class Metadata(Section):
    name: Annotated[str, Strict(), Field(pattern=r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", max_length=253)]
    title: Text | None = None
    agency: Text
    owner: Text | None = None
    labels: dict[str, str] | None = None


class Descriptor(Section):
    """An information system descriptor (apiVersion policylint/v1, kind InformationSystem)."""

    api_version: Literal["policylint/v1"]
    kind: Literal["InformationSystem"]
    metadata: Metadata
    spec: Spec

    @field_validator("spec", mode="before")
    @classmethod
    def _empty_spec(cls, value: Any) -> Any:
        """``spec:`` with every key commented out (the init template) is an empty spec."""
        return {} if value is None else value
