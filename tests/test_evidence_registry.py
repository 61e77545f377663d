"""The adapter table: kinds, an agency's adapter by entry point, a missing library, and where
each fact's evidence is documented."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator

import pytest

import policylint.evidence as evidence
from policylint.evidence import Adapter, Observation, Observed, ObservedSystem, Source, observe
from tests.conftest import Result


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    evidence.adapter.cache_clear()
    evidence._entry_points.cache_clear()
    yield
    evidence.adapter.cache_clear()  # no test leaves its adapters behind


def _agency_adapter() -> Adapter:
    def observe_file(source: Source) -> Observed:
        fact = Observation("/spec/loginProtection/lockout/threshold", 3, source.display, 1, 1, "maxRetry")
        return Observed((ObservedSystem("fail2ban", source.display, 1, (fact,)),))

    return Adapter("fail2ban", "fail2ban jail", (".local",), lambda s: "[sshd]" in s.text, observe_file, {})


def test_an_agency_adds_an_adapter_by_entry_point(monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> None:
    module = types.ModuleType("agency_fail2ban")
    module.ADAPTER = _agency_adapter()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agency_fail2ban", module)
    monkeypatch.setattr(evidence, "_entry_points", lambda: {"fail2ban": "agency_fail2ban"})
    found = observe(Source("jail.local", "jail.local", "[sshd]\nmaxretry = 3\n", "."), "fail2ban")
    assert found.systems[0].observations[0].value == 3
    assert "fail2ban" in evidence.kinds()


def test_an_adapter_whose_library_is_missing_is_switched_off(
    monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    real = evidence.importlib.util.find_spec
    monkeypatch.setattr(evidence.importlib.util, "find_spec", lambda name: None if name == "crossplane" else real(name))
    found = observe(Source("nginx.conf", "nginx.conf", "http {\n}\n", "."), "nginx")
    assert [e.message for e in found.errors] == [
        "nginx evidence is switched off: the Python library 'crossplane' is not installed"
    ]
    # a file no descriptor names is then simply not read as nginx evidence
    assert observe(Source("nginx.conf", "nginx.conf", "http {\n}\n", ".")) == Observed()


def test_an_adapter_module_that_cannot_be_imported_is_switched_off(
    monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    monkeypatch.setattr(evidence, "_entry_points", lambda: {"broken": "agency_not_installed"})
    found = observe(Source("x.conf", "x.conf", "", "."), "broken")
    assert (
        found.errors[0].message
        == "broken evidence is switched off: the Python library 'agency_not_installed' is not installed"
    )


def test_explain_names_the_settings_that_evidence_each_fact(run: Callable[..., Result]) -> None:
    out = run("explain", "login-rate-limit", "--lang", "en").out
    assert "/spec/loginProtection/lockout/threshold: Keycloak realm export (keycloak-realm): failureFactor" in out
    assert "/spec/loginProtection/rateLimit/perIpPerMinute: nginx configuration (nginx): limit_req_zone" in out


def test_coverage_shows_per_reminder_which_facts_can_be_evidenced(run: Callable[..., Result]) -> None:
    rows = json.loads(run("rules", "--coverage", "--format", "json").out)
    row = next(r for r in rows if (r["case"], r["reminder"]) == ("20170101", 3))
    assert any(line.startswith("/spec/loginProtection/lockout/threshold: Keycloak") for line in row["evidence"])
    transfer = next(r for r in rows if (r["case"], r["reminder"]) == ("20170102", 1))
    assert any(line.startswith("/spec/dataFlows/*/encryption: nginx") for line in transfer["evidence"])


def test_the_new_evidence_is_named_by_explain_coverage_and_the_descriptor_doc(run: Callable[..., Result]) -> None:
    audit = run("explain", "audit-logging", "--lang", "en").out
    assert "/spec/auditLogging/events: Keycloak realm export (keycloak-realm): enabledEventTypes LOGIN" in audit
    web = run("explain", "web-access-logging", "--lang", "en").out
    assert "/spec/auditLogging/webAccessLog: nginx configuration (nginx): access_log off" in web
    rows = json.loads(run("rules", "--coverage", "--format", "json").out)
    row = next(r for r in rows if (r["case"], r["reminder"]) == ("20170101", 3))
    assert any(
        line.startswith("/spec/loginProtection/automationBlocking/methods: Kubernetes") for line in row["evidence"]
    )
    descriptor = run("docs", "descriptor").out
    assert "`spec.auditLogging.webAccessLog` | boolean | The web server logs" in descriptor
    assert "*Evidence*: nginx configuration: `access_log off at a server" in descriptor
    assert "`spec.auditLogging.events` | list of one of:" in descriptor
    assert "*Evidence*: Keycloak realm export: `enabledEventTypes LOGIN, LOGOUT, LOGIN_ERROR" in descriptor
