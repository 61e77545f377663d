"""The one place where text bound for any output is stripped of personal identifiers."""

from __future__ import annotations

from policylint.detectors.identifiers import mask, redact

__all__ = ["mask", "redact"]
