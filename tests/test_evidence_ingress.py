"""Kubernetes Ingress objects for ingress-nginx as evidence."""

from __future__ import annotations

from collections.abc import Callable

from policylint.evidence import Observed, Source, observe
from tests.conftest import AS_OF, ROOT, Result

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
