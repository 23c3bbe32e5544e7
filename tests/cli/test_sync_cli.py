"""`cvcdesk partners ...` and `cvcdesk sync ...` run as real subprocesses on real database files."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cvcdesk.domain.enums import ConsentMethod
from cvcdesk.domain.organisation import CoverageData, OrganisationData
from cvcdesk.domain.volunteer import VolunteerData
from cvcdesk.services.registry import Services

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from test_sync_helpers import digest


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CVCDESK_DATA_DIR=str(data_dir), CVCDESK_LANG="en")
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "cvcdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=180,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout) if result.stdout.lstrip().startswith(("{", "[")) else None


def refused(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("cvcdesk: ")


def _database(path: Path, name: str, postcode: str, area: str) -> None:
    services = Services.open(path)
    services.organisations.create(
        OrganisationData(
            name_en=name, postcode=postcode, coverage=(CoverageData("food_parcels", area),)
        )
    )
    services.volunteers.create(
        VolunteerData(
            first_name="Gwenllian" if name.startswith("Pembrokeshire") else "Dai",
            last_name="Prydderch" if name.startswith("Pembrokeshire") else "Rees",
            phone="07712 345678" if name.startswith("Pembrokeshire") else "07712 345600",
            email=f"{name.split()[0].lower()}@example.org",
            consent_share=True,
            consent_method=ConsentMethod.PAPER_FORM,
        )
    )
    services.close()


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _database(a, "Pembrokeshire CVC", "SA61 1AB", "SA61")
    _database(b, "Haverfordwest Mutual Aid", "SA61 2XY", "SA61 2")
    return a, b


class Desk:
    """`cvcdesk --db DB ...` for one database, in a shared user-data folder."""

    def __init__(self, db: Path, folder: Path) -> None:
        self.db = db
        self.folder = folder

    def __call__(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return run("--db", str(self.db), *(str(a) for a in args), data_dir=self.folder)


A_NAME, B_NAME = "Pembrokeshire CVC", "Haverfordwest Mutual Aid"


def test_partners_and_sync_commands_end_to_end(pair: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = (Desk(db, tmp_path) for db in pair)
    identity = ok(a("partners", "identity", "--organisation", A_NAME, "-o", tmp_path / "a.id",
                    "--json"))  # fmt: skip
    assert identity["name"] == A_NAME and len(identity["fingerprint"]) == 39
    shown = b("partners", "identity", "--organisation", B_NAME, "-o", tmp_path / "b.id")
    ok(shown)
    assert "Fingerprint:" in shown.stdout
    added = ok(b("partners", "add", tmp_path / "a.id", "--json"))
    assert added["name"] == A_NAME and added["fingerprint"] == identity["fingerprint"]
    shown = a("partners", "add", tmp_path / "b.id")
    assert "Check this fingerprint" in shown.stdout
    listing = ok(a("partners", "list", "--json"))
    assert [p["name"] for p in listing] == [B_NAME]
    assert {"uuid", "name", "fingerprint"} <= set(listing[0])

    profile = ok(a("partners", "profile", B_NAME, "--volunteers", "full", "--households", "no",
                   "--json"))  # fmt: skip
    assert profile["changed"] and profile["profile"]["volunteers"] == "full"
    volunteer = next(i for i in profile["leaving"] if i["record_type"] == "volunteer")
    assert "notes" not in volunteer["fields"] and "first_name" in volunteer["fields"]
    ok(b("partners", "profile", A_NAME, "--volunteers", "full"))

    secret = tmp_path / "passphrase.txt"
    secret.write_text("Cawl a bara brith\n")
    file1 = tmp_path / "a1.cvcsync"
    exported = ok(a("sync", "export", "--partner", B_NAME, "-o", file1, "--passphrase-file",
                    secret, "--json"))  # fmt: skip
    assert exported["encrypted"] and exported["counts"]["volunteer"] == 1

    before = digest(b.db)
    dry = ok(b("sync", "import", file1, "--passphrase-file", secret, "--dry-run", "--json"))
    assert dry["dry_run"] and not dry["applied"]
    assert (dry["new"], dry["updated"], dry["conflicts"], dry["deletions"]) == (3, 0, 0, 0)
    assert dry["by_type"]["volunteer"]["new"] == 1
    assert digest(b.db) == before
    applied = ok(b("sync", "import", file1, "--passphrase-file", secret, "--json"))
    assert applied["applied"] and applied["new"] == 3
    assert applied["open_alerts"]["coverage_overlap"] == 1
    again = b("sync", "import", file1, "--passphrase-file", secret)
    ok(again)
    assert "imported before" in again.stdout

    # Both sides change the shared volunteer; B holds a conflict and settles it from the CLI.
    services = Services.open(b.db)
    [row] = [r for r in services.volunteers.list() if r.first_name == "Gwenllian"]
    record = services.volunteers.get(row.uuid)
    services.volunteers.update(row.uuid, dataclasses.replace(record, town="Solfach"))
    services.close()
    services = Services.open(a.db)
    record = services.volunteers.get(row.uuid)
    services.volunteers.update(
        row.uuid, dataclasses.replace(record, town="Tyddewi", phone="07712 345699")
    )
    services.close()
    ok(a("sync", "export", "--partner", B_NAME, "-o", tmp_path / "a2.cvcsync"))
    assert ok(b("sync", "import", tmp_path / "a2.cvcsync", "--json"))["conflicts"] == 1
    [conflict] = ok(b("sync", "conflicts", "--json"))
    assert conflict["uuid"] == row.uuid and conflict["partner"] == A_NAME
    fields = {f["name"]: f for f in conflict["fields"]}
    assert fields["town"]["local"] == "Solfach" and fields["town"]["incoming"] == "Tyddewi"
    shown = b("sync", "conflicts")
    assert "Solfach" in shown.stdout and "Tyddewi" in shown.stdout
    settled = ok(b("sync", "resolve", conflict["id"], "--field", "town=local", "--take",
                   "incoming", "--json"))  # fmt: skip
    assert settled["status"] == "resolved"
    assert ok(b("sync", "conflicts", "--json")) == []
    services = Services.open(b.db)
    final = services.volunteers.get(row.uuid)
    services.close()
    assert (final.town, final.phone) == ("Solfach", "+447712345699")


def test_refusals_are_one_line_with_exit_status_1(pair: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = (Desk(db, tmp_path) for db in pair)
    for desk, name, out in ((a, A_NAME, "a.id"), (b, B_NAME, "b.id")):
        ok(desk("partners", "identity", "--organisation", name, "-o", tmp_path / out))
    ok(a("partners", "add", tmp_path / "b.id"))
    ok(b("partners", "add", tmp_path / "a.id"))
    ok(a("sync", "export", "--partner", B_NAME, "-o", tmp_path / "a1.cvcsync"))
    cut = tmp_path / "cut.cvcsync"
    cut.write_bytes((tmp_path / "a1.cvcsync").read_bytes()[:200])
    before = digest(b.db)
    refused(b("sync", "import", cut), 1, "damaged or incomplete")
    refused(
        b("sync", "import", tmp_path / "a1.cvcsync", "--passphrase-file", tmp_path / "none.txt"),
        1,
        "no passphrase file",
    )
    assert digest(b.db) == before
    refused(
        a("sync", "export", "--partner", "Nobody", "-o", tmp_path / "x.cvcsync"), 1, "No partner"
    )
    refused(a("sync", "resolve", "42", "--field", "town"), 1, "NAME=SIDE")
    refused(a("partners", "add", tmp_path / "a.id"), 1, "own identity")
    short = tmp_path / "short.txt"
    short.write_text("abc")
    refused(
        a("sync", "export", "--partner", B_NAME, "-o", tmp_path / "y.cvcsync",
          "--passphrase-file", short),
        1,
        "at least",
    )  # fmt: skip
    assert not (tmp_path / "y.cvcsync").exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    desk = Desk(tmp_path / "x.db", tmp_path)
    result = desk("sync", "resolve", "not-a-number")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = desk("partners", "profile", "X", "--households", "maybe")
    assert result.returncode == 2 and "yes or no" in result.stderr
    assert desk("sync", "export", "-o", "x.cvcsync").returncode == 2
    assert not desk.db.exists()  # usage errors never open the database
