"""The built one-folder bundle (`make package`) runs on its own: it opens and makes databases.

Runs only where the bundle has been built (dist/cvcdesk/): `make test` does not build it, but
.ci/run builds it (`make package`) before `make test`, so CI always runs these tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cvcdesk.store.database import APPLICATION_ID, head_revision

BUNDLE = Path(__file__).resolve().parents[2] / "dist" / "cvcdesk"
SUFFIX = ".exe" if sys.platform == "win32" else ""
CLI = BUNDLE / f"cvcdesk-cli{SUFFIX}"
APP = BUNDLE / f"cvcdesk{SUFFIX}"


def _stale() -> bool:
    """The sources changed after the bundle was built (it would test old code)."""
    built = CLI.stat().st_mtime
    root = BUNDLE.parents[1]
    sources = [*(root / "cvcdesk").rglob("*.py"), *(root / "resources").rglob("*")]
    return any(path.stat().st_mtime > built for path in sources if path.is_file())


pytestmark = [
    pytest.mark.skipif(
        not (CLI.exists() and APP.exists()),
        reason="no bundle in dist/cvcdesk: `make package` builds it",
    ),
    pytest.mark.skipif(
        CLI.exists() and _stale(),
        reason="the bundle in dist/cvcdesk is older than the sources: `make package` rebuilds it",
    ),
]


def bundle_env(tmp_path: Path) -> dict[str, str]:
    """The bundle on its own: nothing of the source tree or its virtualenv on the path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "CVCDESK_"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        CVCDESK_DATA_DIR=str(tmp_path / "user-data"),
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    return env


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=bundle_env(tmp_path),
        check=False,
    )


def test_the_bundled_command_line_makes_checks_and_lists_a_database(tmp_path: Path) -> None:
    db = tmp_path / "county.db"
    made = run(tmp_path, "--db", str(db), "demo", "--volunteers", "30", "--groups", "3")
    assert made.returncode == 0, made.stderr
    checked = run(tmp_path, "--db", str(db), "check", "--json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"] is True
    assert report["schema_revision"] == head_revision()  # the migrations travelled
    listed = run(tmp_path, "--db", str(db), "volunteers", "list", "--search", "a", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)
    backups = run(tmp_path, "--db", str(db), "backups", "list", "--json")
    assert backups.returncode == 0, backups.stderr
    assert [b["reason"] for b in json.loads(backups.stdout)] == ["opened"]
    # A bilingual roster: ReportLab and the font with ŵ and ŷ travelled.
    groups = run(tmp_path, "--db", str(db), "groups", "list", "--json")
    group = json.loads(groups.stdout)[0]["uuid"]
    year, week, _day = dt.date.today().isocalendar()
    pdf = tmp_path / "roster.pdf"
    roster = run(
        tmp_path, "--db", str(db), "roster", "--group", group, "--week", f"{year}-W{week:02d}",
        "--lang", "both", "-o", str(pdf),
    )  # fmt: skip
    assert roster.returncode == 0, roster.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and b"DejaVu" in pdf.read_bytes()
    # The Welsh catalogue travelled too.
    english = run(tmp_path, "--db", str(db), "--lang", "en", "check")
    welsh = run(tmp_path, "--db", str(db), "--lang", "cy", "check")
    assert english.returncode == welsh.returncode == 0, welsh.stderr
    assert english.stdout != welsh.stdout


def test_the_bundled_desktop_app_opens_a_database_offscreen(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    log = tmp_path / "user-data" / "logs" / "cvcdesk.log"
    app = subprocess.Popen(
        [str(APP), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=bundle_env(tmp_path),
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            # The window shows first; the database opens once it has been painted.
            if log.exists() and "database open and shown" in log.read_text(errors="replace"):
                break
            if app.poll() is not None:
                _out, err = app.communicate()
                pytest.fail(f"the app stopped ({app.returncode}): {err[-3000:]}")
            time.sleep(0.2)
        else:
            pytest.fail("the app did not show its window within two minutes")
        assert app.poll() is None  # still running, window up
    finally:
        app.terminate()
        try:
            app.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.communicate()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            head_revision()
        )
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
