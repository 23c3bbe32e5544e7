"""What a detector reports: a finding about two or more records, with the reasons behind it.

Reasons are stored as a code and parameters, never as finished sentences, so an alert reads in
the language the coordinator has chosen today, not the one in use when the scan ran.
Detectors register the sentence for each of their codes with :func:`register_reasons`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cvcdesk.domain.enums import AlertKind
from cvcdesk.i18n import _

_REASON_TEXTS: dict[str, str] = {}


def register_reasons(texts: Mapping[str, str]) -> None:
    """Register reason code -> English template (wrapped in N_ at the call site)."""
    for code, template in texts.items():
        known = _REASON_TEXTS.get(code)
        if known is not None and known != template:
            raise ValueError(f"reason code {code!r} registered twice with different text")
        _REASON_TEXTS[code] = template


@dataclass(frozen=True)
class Reason:
    """One piece of evidence: a stable code, the values it is about, and its weight."""

    code: str
    params: Mapping[str, str] = field(default_factory=dict)
    weight: float = 0.0

    def text(self) -> str:
        """The reason as a sentence in the current language."""
        template = _REASON_TEXTS.get(self.code)
        if template is None:
            return self.code
        try:
            return _(template).format(**self.params)
        except (KeyError, IndexError, ValueError):
            return template.format(**self.params)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "weight": round(self.weight, 3)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Reason:
        return cls(
            code=str(value["code"]),
            params={str(k): str(v) for k, v in dict(value.get("params", {})).items()},
            weight=float(value.get("weight", 0.0)),
        )


@dataclass(frozen=True)
class RecordRef:
    """A record an alert is about."""

    record_type: str  # "volunteer", "organisation", "coverage", "household", "assignment", ...
    uuid: str


@dataclass(frozen=True)
class Finding:
    """What one detector found about some records; the alert service stores and tracks it."""

    kind: AlertKind
    records: tuple[RecordRef, ...]
    score: float
    reasons: tuple[Reason, ...]

    @property
    def pair_key(self) -> str:
        """Identifies the finding across scans: a decision about it is remembered by this key."""
        return "|".join(sorted(f"{r.record_type}:{r.uuid}" for r in self.records))
