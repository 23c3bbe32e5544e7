"""Long fuzzing runs of the spreadsheet and partner-sync importers with atheris (libFuzzer).

The test suite runs bounded hypothesis versions of these (tests/services/test_import_fuzz.py
and test_sync_fuzz.py); this is for hours-long runs that look for inputs they missed. Every
input must end in an import or in a CvcError that leaves the database unchanged; anything
else (another exception, a changed database after a refusal) stops the run with the input
saved by libFuzzer as crash-*.

    .venv/bin/pip install atheris
    .venv/bin/python tools/fuzz_importers.py spreadsheet fuzz-corpus/sheets -max_total_time=3600
    .venv/bin/python tools/fuzz_importers.py sync fuzz-corpus/sync -max_total_time=3600

Seed the corpus folder with real files (exported sync files, the sample spreadsheets) for
better coverage; libFuzzer adds the inputs it finds interesting there. Pass `-jobs=2` to use
both cores.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from cvcdesk.domain.errors import CvcError
from cvcdesk.services.registry import Services
from cvcdesk.store.database import open_database


def _digest(path: Path) -> str:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{table}"')):
                h.update(row.encode())
        return h.hexdigest()
    finally:
        conn.close()


def _sync_receiver(folder: Path) -> tuple[Path, Path]:
    """A receiving database that trusts a partner, and a good file from that partner."""
    from cvcdesk.domain.organisation import OrganisationData
    from cvcdesk.domain.syncformat import SharingProfile, VolunteerSharing
    from cvcdesk.domain.volunteer import VolunteerData

    sides = []
    for name in ("sender", "receiver"):
        services = Services.over(open_database(folder / f"{name}.db"), actor="fuzz")
        group = services.organisations.create(OrganisationData(name_en=f"{name} group"))
        services.identity.write_identity(folder / f"{name}.json", organisation=group.uuid)
        sides.append(services)
    sender, receiver = sides
    partner = sender.partners.add(folder / "receiver.json").name
    receiver.partners.add(folder / "sender.json")
    sender.partners.set_profile(partner, SharingProfile(volunteers=VolunteerSharing.FULL))
    sender.volunteers.create(
        VolunteerData(first_name="Siân", last_name="Glyndŵr", phone="07712 345678")
    )
    good = folder / "good.cvcsync"
    sender.sync.export(partner, good, full=True)
    sender.close()
    receiver.close()
    return folder / "receiver.db", good


def make_target(kind: str, folder: Path) -> tuple[Callable[[bytes], None], Path | None]:
    """The function libFuzzer calls with each input, and a good first input if there is one."""
    if kind == "sync":
        pristine, seed = _sync_receiver(folder)
        suffix = ".cvcsync"
    else:
        pristine, seed = folder / "pristine.db", None
        open_database(pristine).close()
        suffix = ".csv"

    def target(data: bytes) -> None:
        work = folder / "run"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        copy, source = work / "db.db", work / f"input{suffix}"
        shutil.copy(pristine, copy)
        source.write_bytes(data)
        before = _digest(copy)
        services = Services.over(open_database(copy), actor="fuzz")
        try:
            if kind == "sync":
                services.sync.import_file(source)
            else:
                services.imports.import_rows(source, kind="volunteers")
        except CvcError:
            services.close()
            if _digest(copy) != before:
                raise AssertionError("a refused import changed the database") from None
            return
        services.close()

    return target, seed


def main() -> None:
    import atheris  # type: ignore[import-not-found]

    if len(sys.argv) < 2 or sys.argv[1] not in ("spreadsheet", "sync"):
        print(__doc__)
        raise SystemExit(2)
    kind = sys.argv.pop(1)
    with tempfile.TemporaryDirectory(prefix="cvcdesk-atheris-") as name:
        target, seed = make_target(kind, Path(name))
        corpus = next((Path(a) for a in sys.argv[1:] if not a.startswith("-")), None)
        if seed is not None and corpus is not None:
            corpus.mkdir(parents=True, exist_ok=True)
            shutil.copy(seed, corpus / seed.name)
        atheris.Setup(sys.argv, target)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
