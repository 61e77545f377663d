"""Kubernetes Ingress objects for ingress-nginx, read through the YAML loader that keeps positions.

ingress-nginx limits each client address by the annotations ``limit-rpm`` and ``limit-rps``
(both apply: the stricter decides), and the connections one address may hold open at once by
``limit-connections``: any of them is the anti-automation method ``rateLimit``. It redirects
HTTP to HTTPS when the Ingress has a ``tls`` section (``ssl-redirect``, on by default) or when
``force-ssl-redirect`` is true; otherwise the Ingress serves plain HTTP as well.
"""

from __future__ import annotations

from typing import Any

from policylint.evidence import Adapter, EvidenceError, Observation, Observed, ObservedSystem, Source
from policylint.load.documents import Document, LoadError, escape_pointer_token, load_yaml

PER_IP = "/spec/loginProtection/rateLimit/perIpPerMinute"
CHANNEL = "/spec/dataFlows/-/channel"
METHODS = "/spec/loginProtection/automationBlocking/methods"
PREFIX = "nginx.ingress.kubernetes.io/"
_API_VERSIONS = ("networking.k8s.io/", "extensions/")


def _is_ingress(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "Ingress"
        and str(data.get("apiVersion", "")).startswith(_API_VERSIONS)
    )


def _documents(source: Source) -> list[Document]:
    return source.documents if source.documents is not None else list(load_yaml(source.text))


def _recognises(source: Source) -> bool:
    try:
        return any(_is_ingress(document.data) for document in _documents(source))
    except LoadError:
        return False


def _observe(source: Source) -> Observed:
    try:
        documents = _documents(source)
    except LoadError as error:
        return Observed(errors=(EvidenceError(source.display, f"Ingress: {error.message}", error.line, error.column),))
    systems, errors = [], []
    for document in documents:
        if _is_ingress(document.data):
            try:
                systems.append(_ingress(source.display, document))
            except EvidenceError as error:
                errors.append(error)
    return Observed(tuple(systems), tuple(errors))


class _Annotations:
    def __init__(self, display: str, document: Document) -> None:
        metadata = document.data.get("metadata") or {}
        found = metadata.get("annotations") if isinstance(metadata, dict) else None
        self.values: dict[str, Any] = found if isinstance(found, dict) else {}
        self.display, self.document = display, document
        self.name = str(metadata.get("name", "ingress")) if isinstance(metadata, dict) else "ingress"

    def get(self, key: str) -> str | None:
        value = self.values.get(PREFIX + key)
        return None if value is None else str(value).strip()

    def where(self, pointer: str) -> tuple[int, int]:
        line, column = self.document.positions.get(pointer) or self.document.position(pointer)
        return line, column

    def observation(self, pointer: str, value: Any, where: str, setting: str) -> Observation:
        line, column = self.where(where)
        return Observation(pointer, value, self.display, line, column, setting)

    def at(self, key: str) -> str:
        return "/metadata/annotations/" + escape_pointer_token(PREFIX + key)

    def number(self, key: str) -> int | None:
        text = self.get(key)
        if text is None:
            return None
        if not text.isdigit():
            line, column = self.where(self.at(key))
            raise EvidenceError(
                self.display, f"Ingress {self.name}: {PREFIX}{key} must be a whole number", line, column
            )
        return int(text)


def _ingress(display: str, document: Document) -> ObservedSystem:
    annotations = _Annotations(display, document)
    found = [*_rate(annotations), *_throttled(annotations), _channel(annotations, document.data.get("spec"))]
    start = document.start.line
    return ObservedSystem(annotations.name, display, start, tuple(found))


def _rate(annotations: _Annotations) -> list[Observation]:
    limits = []
    for key, factor in (("limit-rpm", 1), ("limit-rps", 60)):
        value = annotations.number(key)
        if value is not None and value > 0:  # 0: no limit
            limits.append((value * factor, key, value))
    if not limits:
        return []
    per_minute, key, value = min(limits)
    return [annotations.observation(PER_IP, per_minute, annotations.at(key), f"{PREFIX}{key}: {value}")]


def _throttled(annotations: _Annotations) -> list[Observation]:
    """Any per-address limit (``limit-connections``: connections open at once; ``limit-rpm``,
    ``limit-rps``: requests) is the anti-automation method ``rateLimit``: it decides that item
    of the methods only, and only that it is used. Located at the first limit of the file."""
    limits = [key for key in _LIMITS if (annotations.number(key) or 0) > 0]  # 0: no limit
    if not limits:
        return []
    first = min(limits, key=lambda key: annotations.where(annotations.at(key)))
    setting = ", ".join(f"{PREFIX}{key}: {annotations.get(key)}" for key in limits)
    found = annotations.observation(METHODS, ["rateLimit"], annotations.at(first), setting)
    return [found._replace(scope=("rateLimit",))]


_LIMITS = ("limit-connections", "limit-rpm", "limit-rps")


def _channel(annotations: _Annotations, spec: Any) -> Observation:
    has_tls = isinstance(spec, dict) and bool(spec.get("tls"))
    force = annotations.get("force-ssl-redirect") == "true"
    redirect = annotations.get("ssl-redirect") != "false"
    channel = "https" if force or (has_tls and redirect) else "http"
    for key in ("force-ssl-redirect", "ssl-redirect"):
        if annotations.get(key) is not None:
            return annotations.observation(
                CHANNEL, channel, annotations.at(key), f"{PREFIX}{key}: {annotations.get(key)}"
            )
    where = "/spec/tls" if has_tls else "/spec"
    return annotations.observation(CHANNEL, channel, where, "spec.tls" if has_tls else "no spec.tls")


SETTINGS: dict[str, tuple[str, ...]] = {
    PER_IP: (f"{PREFIX}limit-rpm", f"{PREFIX}limit-rps (times 60)"),
    METHODS: (f"{PREFIX}limit-connections, limit-rpm or limit-rps above 0 (rateLimit)",),
    "/spec/dataFlows/*/channel": (f"{PREFIX}ssl-redirect", f"{PREFIX}force-ssl-redirect", "spec.tls"),
}

ADAPTER = Adapter(
    "ingress-nginx", "Kubernetes Ingress for ingress-nginx", (".yaml", ".yml"), _recognises, _observe, SETTINGS
)
