"""nginx configurations as evidence: login rate limits, TLS protocols, includes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.evidence import Observed, Source, observe
from tests.conftest import AS_OF, ROOT, SHARED, Result, shown

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


# --- access_log off where personal data is served ---------------------------------------

RECORDS = """http {
  access_log /var/log/nginx/access.log;
  server {
    server_name records.example.gov.tw;
    location ~* \\.(css|js|png)$ { access_log off; }
    location = /healthz { access_log off; }
    location /records/ {
      access_log off;
      proxy_pass http://127.0.0.1:8080;
    }
  }
}
"""


def web_access(tmp_path: Path, text: str) -> list[tuple[object, int, str]]:
    path = tmp_path / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    found = observe(Source("nginx.conf", str(path), text, str(tmp_path)))
    assert found.errors == ()
    return [
        (o.value, o.line, o.setting)
        for system in found.systems
        for o in system.observations
        if o.pointer == "/spec/auditLogging/webAccessLog"
    ]


def test_access_log_off_in_a_records_location_is_observed_at_its_line(tmp_path: Path) -> None:
    assert web_access(tmp_path, RECORDS) == [(False, 8, "access_log off (location /records/)")]


def test_static_files_and_health_checks_may_go_unlogged(tmp_path: Path) -> None:
    text = RECORDS.replace("      access_log off;\n", "")
    assert web_access(tmp_path, text) == [(True, 2, "access_log /var/log/nginx/access.log")]


def test_a_server_without_access_log_logs_by_nginx_default(tmp_path: Path) -> None:
    text = "server {\n  server_name a;\n  location / { proxy_pass http://b; }\n}\n"
    assert web_access(tmp_path, text) == [(True, 2, "access_log (nginx's default, logs/access.log)")]


def test_the_unlogged_server_decides_for_the_file(tmp_path: Path) -> None:
    text = "http {\n  server { server_name a; }\n  server {\n    server_name b;\n    access_log off;\n  }\n}\n"
    assert web_access(tmp_path, text) == [(False, 5, "access_log off (server)")]


PERSONAL = """apiVersion: policylint/v1
kind: InformationSystem
metadata: {name: records, agency: 臺中市政府}
spec:
  holdsPersonalData: true
  auditLogging:
    webAccessLog: true
  evidence:
    - {kind: nginx, path: nginx.conf}
"""


def test_a_linked_access_log_off_fails_web_access_logging_at_the_directive(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "nginx.conf").write_text(RECORDS, encoding="utf-8")
    descriptor = tmp_path / "records.yaml"
    descriptor.write_text(PERSONAL, encoding="utf-8")
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--select", "web-access-logging", str(descriptor))
    conf = shown(tmp_path / "nginx.conf")
    assert (
        f"{conf}:8:1: MEDIUM web-access-logging Web access to personal data is not logged: "
        "auditLogging.webAccessLog is false; expected true (setting access_log off (location /records/)) "
        "[20170101-5, 20170104-5; PDPA§12,18,28]"
    ) in result.out
    assert (
        f"{shown(descriptor)}:7:5: MEDIUM declaration-mismatch auditLogging.webAccessLog is declared true, "
        "but the setting access_log off "
        f"(location /records/) at {conf}:8 makes it false"
    ) in result.out
    assert result.code == 1


def test_a_configuration_on_its_own_cannot_tell_personal_data(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(RECORDS, encoding="utf-8")
    result = run("check", "--as-of", AS_OF, "--lang", "en", str(tmp_path / "nginx.conf"))
    assert "web-access-logging" not in result.out  # whether it serves personal data, the descriptor says


def _scan_with_fragment(run: Callable[..., Result], root: Path, server_line: str) -> list[tuple[str, int, str]]:
    """A scan of ``root``: nginx.conf including sites/portal.conf, a server with ``server_line``
    on its line 3; its findings as (file, line, policy)."""
    (root / "sites").mkdir()
    (root / "nginx.conf").write_text("events {}\nhttp {\n  include sites/*.conf;\n}\n", encoding="utf-8")
    (root / "sites" / "portal.conf").write_text(
        f"server {{\n  server_name portal;\n  {server_line}\n}}\n", encoding="utf-8"
    )
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--format", "json", str(root))
    return [(f["file"], f["line"], f["policy"]) for f in json.loads(result.out)["findings"]]


def test_a_fragment_included_by_a_scanned_configuration_is_reported_once(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    findings = _scan_with_fragment(run, tmp_path, "ssl_protocols TLSv1 TLSv1.2;")
    assert findings == [(shown(tmp_path / "sites" / "portal.conf"), 3, "secure-transfer-channels")]
    # checked on its own, the fragment is a system of its own again
    alone = run("check", "--as-of", AS_OF, "--lang", "en", "--format", "json", str(tmp_path / "sites"))
    assert [f["line"] for f in json.loads(alone.out)["findings"]] == [3]


def test_a_fragment_read_alone_loses_no_include_error_of_its_own(run: Callable[..., Result]) -> None:
    # conf.d/portal.conf includes snippets/ relative to nginx.conf's directory: alone, it cannot
    # resolve it; read through nginx.conf, it can, and no error remains
    result = run("check", "--as-of", AS_OF, "--lang", "en", "tests/evidence/nginx")
    assert (result.code, result.err) == (1, "")
    assert result.out.count("tests/evidence/nginx/conf.d/portal.conf:7:1: HIGH secure-transfer-channels") == 1


def test_what_the_detectors_find_in_an_included_fragment_is_still_reported(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    findings = _scan_with_fragment(run, tmp_path, "# owner A123456789")
    assert (shown(tmp_path / "sites" / "portal.conf"), 3, "national-id-in-config") in findings
