"""nginx configurations as evidence: login rate limits, TLS protocols, includes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.evidence import Observed, Source, observe
from tests.conftest import AS_OF, ROOT, SHARED, Result

EVIDENCE = ROOT / "tests" / "evidence"


def observed(relative: str, root: Path = ROOT) -> Observed:
    path = EVIDENCE / relative
    return observe(Source(f"tests/evidence/{relative}", str(path), path.read_text(encoding="utf-8"), str(root)))


def test_the_weakest_login_location_decides_the_rate_per_client() -> None:
    found = observed("nginx/nginx.conf")
    assert found.errors == ()
    [server] = found.systems
    assert server.name == "portal.example.gov.tw"
    facts = {o.pointer: o for o in server.observations}
    rate = facts["/spec/loginProtection/rateLimit/perIpPerMinute"]
    # /signin applies the api zone (20 r/s): 1200 a minute, looser than the login zone's 30
    assert (rate.value, rate.file, rate.line) == (1200, "tests/evidence/nginx/nginx.conf", 16)
    assert "limit_req at location /signin, tests/evidence/nginx/snippets/login-limits.conf:6" in rate.setting


def test_the_server_ssl_protocols_override_the_http_ones() -> None:
    facts = {o.pointer: o for o in observed("nginx/nginx.conf").systems[0].observations}
    encryption = facts["/spec/dataFlows/-/encryption"]
    assert (encryption.value, encryption.file, encryption.line) == (
        "tls1.1",
        "tests/evidence/nginx/conf.d/portal.conf",
        7,
    )


def test_an_include_loop_is_an_error_at_the_include() -> None:
    [error] = observed("nginx-loop/a.conf").errors
    assert (error.file, error.line) == ("tests/evidence/nginx-loop/b.conf", 4)
    assert error.message == "nginx: include a.conf includes itself (an include loop)"


def test_an_include_leaving_the_repository_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    config = tmp_path / "repo" / "nginx.conf"
    config.write_text("http {\n  include ../outside.conf;\n}\n", encoding="utf-8")
    (tmp_path / "outside.conf").write_text("server { listen 80; }\n", encoding="utf-8")
    found = observe(Source("nginx.conf", str(config), config.read_text(encoding="utf-8"), str(tmp_path / "repo")))
    assert [(e.message, e.line) for e in found.errors] == [("nginx: include ../outside.conf leaves the repository", 2)]


def test_a_syntax_error_names_file_and_line() -> None:
    [error] = observed("nginx-broken/broken.conf").errors
    assert (error.file, error.line) == ("tests/evidence/nginx-broken/broken.conf", 5)
    assert error.message == 'nginx: directive "limit_req" is not terminated by ";"'


def test_a_configuration_checked_on_its_own_fails_at_the_zone(run: Callable[..., Result]) -> None:
    result = run("check", "--as-of", AS_OF, "--lang", "en", "tests/evidence/nginx/nginx.conf")
    assert "tests/evidence/nginx/nginx.conf:16:1: HIGH login-rate-limit" in result.out
    assert "perIpPerMinute is 1200; expected at most 10" in result.out
    assert "tests/evidence/nginx/conf.d/portal.conf:7:1: HIGH secure-transfer-channels" in result.out
    assert result.code == 1


def test_a_syntax_error_exits_2_and_other_files_are_still_checked(run: Callable[..., Result]) -> None:
    result = run(
        "check",
        "--as-of",
        AS_OF,
        "--lang",
        "en",
        "tests/evidence/nginx-broken/broken.conf",
        "tests/evidence/nginx/nginx.conf",
    )
    assert result.code == 2
    assert (
        'tests/evidence/nginx-broken/broken.conf:5: error: nginx: directive "limit_req" is not terminated by ";"'
        in result.err
    )
    assert "nginx.conf:16:1: HIGH login-rate-limit" in result.out


def test_a_descriptor_links_nginx_to_one_of_its_data_flows(run: Callable[..., Result], tmp_path: Path) -> None:
    descriptor = EVIDENCE / "systems" / "portal-proxy.yaml"
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--select", "secure-transfer-channels", str(descriptor))
    text = result.out.replace(str(ROOT) + "/", "")
    assert "tests/evidence/nginx/conf.d/portal.conf:7:1: HIGH secure-transfer-channels" in text
    assert 'declared "tls1.3", but the setting ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3' in text


@pytest.mark.skipif(not (SHARED / "evidence" / "nginx").is_dir(), reason="../shared is not present")
def test_public_configuration_with_includes_missing_is_an_error_at_the_include() -> None:
    path = SHARED / "evidence" / "nginx" / "h5bp-nginx.conf"
    found = observe(Source(path.name, str(path), path.read_text(encoding="utf-8"), str(path.parent)))
    assert [(e.file, e.line) for e in found.errors] == [("h5bp-nginx.conf", 58)]
    assert "server_software_information.conf: no such file" in found.errors[0].message
