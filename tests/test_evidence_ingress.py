"""Kubernetes Ingress objects for ingress-nginx as evidence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from policylint.evidence import Observed, Source, observe
from tests.conftest import AS_OF, ROOT, Result, shown

MANIFEST = "tests/evidence/k8s/portal-ingress.yaml"


def observed(text: str | None = None) -> Observed:
    path = ROOT / MANIFEST
    return observe(Source(MANIFEST, str(path), text or path.read_text(encoding="utf-8"), str(ROOT)))


def test_each_ingress_is_a_system_named_by_its_metadata() -> None:
    found = observed()
    assert found.errors == ()
    assert [system.name for system in found.systems] == ["portal-login", "portal-api"]


def test_the_stricter_of_limit_rpm_and_limit_rps_decides() -> None:
    login = {o.pointer: o for o in observed().systems[0].observations}
    rate = login["/spec/loginProtection/rateLimit/perIpPerMinute"]
    assert (rate.value, rate.line, rate.setting) == (60, 19, "nginx.ingress.kubernetes.io/limit-rpm: 60")


def test_ssl_redirect_off_serves_plain_http_and_force_redirect_serves_https() -> None:
    login, api = ({o.pointer: o for o in system.observations} for system in observed().systems)
    assert (login["/spec/dataFlows/-/channel"].value, login["/spec/dataFlows/-/channel"].line) == ("http", 22)
    assert (api["/spec/dataFlows/-/channel"].value, api["/spec/dataFlows/-/channel"].line) == ("https", 47)


def test_a_limit_that_is_no_number_is_an_error_at_its_line() -> None:
    text = (ROOT / MANIFEST).read_text(encoding="utf-8").replace('limit-rpm: "60"', 'limit-rpm: "sixty"')
    [error] = observed(text).errors
    assert (error.line, error.message) == (
        19,
        "Ingress portal-login: nginx.ingress.kubernetes.io/limit-rpm must be a whole number",
    )


def test_an_ingress_checked_on_its_own(run: Callable[..., Result]) -> None:
    result = run("check", "--as-of", AS_OF, "--lang", "en", MANIFEST)
    assert f"{MANIFEST}:19:5: HIGH login-rate-limit" in result.out
    assert "perIpPerMinute is 60; expected at most 10" in result.out
    assert f"{MANIFEST}:22:5: HIGH secure-transfer-channels" in result.out
    assert "portal-api" not in result.out  # 6 a minute, HTTPS only: nothing to report
    assert result.code == 1


CONNECTIONS_ONLY = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: portal-login
  annotations:
    nginx.ingress.kubernetes.io/limit-connections: "{limit}"
spec:
  tls:
    - hosts: [portal.example.gov.tw]
"""


def test_limit_connections_is_the_rate_limit_method_at_its_line() -> None:
    [system] = observed(CONNECTIONS_ONLY.format(limit=20)).systems
    methods = {o.pointer: o for o in system.observations}["/spec/loginProtection/automationBlocking/methods"]
    assert (methods.value, methods.scope, methods.line, methods.column) == (["rateLimit"], ("rateLimit",), 6, 5)
    assert methods.setting == "nginx.ingress.kubernetes.io/limit-connections: 20"
    # connections at once are no rate a minute: perIpPerMinute stays unobserved
    assert "/spec/loginProtection/rateLimit/perIpPerMinute" not in {o.pointer for o in system.observations}


def test_limit_connections_zero_is_no_limit_and_a_word_is_an_error() -> None:
    [system] = observed(CONNECTIONS_ONLY.format(limit=0)).systems
    assert "/spec/loginProtection/automationBlocking/methods" not in {o.pointer for o in system.observations}
    [error] = observed(CONNECTIONS_ONLY.format(limit="ten")).errors
    assert (error.line, error.message) == (
        6,
        "Ingress portal-login: nginx.ingress.kubernetes.io/limit-connections must be a whole number",
    )


def test_the_first_limit_of_the_file_locates_the_method() -> None:
    login = {o.pointer: o for o in observed().systems[0].observations}
    methods = login["/spec/loginProtection/automationBlocking/methods"]
    assert (methods.line, methods.setting) == (
        19,
        "nginx.ingress.kubernetes.io/limit-connections: 10, nginx.ingress.kubernetes.io/limit-rpm: 60, "
        "nginx.ingress.kubernetes.io/limit-rps: 5",
    )


BLOCKING = """apiVersion: policylint/v1
kind: InformationSystem
metadata: {{name: portal, agency: 臺中市政府}}
spec:
  protectionGrade: 中
  loginProtection:
    automationBlocking: {{enabled: true, methods: [captcha]}}
  evidence:
    - {{kind: ingress-nginx, path: ingress.yaml}}
"""


def test_a_linked_connection_limit_answers_automated_login_blocking(run: Callable[..., Result], tmp_path: Path) -> None:
    descriptor = tmp_path / "portal.yaml"
    descriptor.write_text(BLOCKING.format(), encoding="utf-8")
    (tmp_path / "ingress.yaml").write_text(CONNECTIONS_ONLY.format(limit=20), encoding="utf-8")
    argv = ("check", "--as-of", AS_OF, "--lang", "en", "--select", "automated-login-blocking", str(descriptor))
    assert run(*argv).code == 0  # a CAPTCHA alone is broken by OCR; the per-address limit blocks
    (tmp_path / "ingress.yaml").write_text(CONNECTIONS_ONLY.format(limit=0), encoding="utf-8")
    failed = run(*argv)
    assert (failed.code, f"{shown(descriptor)}:7:41: HIGH automated-login-blocking" in failed.out) == (1, True)
