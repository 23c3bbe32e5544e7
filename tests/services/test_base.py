"""What every service shares."""

from __future__ import annotations

import datetime as dt
import json

from cvcdesk.services.base import jsonable


def test_counts_kept_in_the_audit_trail_stay_json() -> None:
    # An export's counts by record type are audited; they must read back as JSON, not Python text.
    value = {"volunteer": 3, "organisation": {"new": 1}, "when": dt.date(2026, 11, 25)}
    assert json.loads(json.dumps(jsonable(value))) == {
        "volunteer": 3,
        "organisation": {"new": 1},
        "when": "2026-11-25",
    }
