"""The case system's nightly export, picked up by itself (issue 22, part 1).

When the policy names `imports.folder`, once a day from `imports.run_at` Auditbot looks there
for teams.csv, staff.csv and cases.csv, in that order (staff name their teams, cases their
teams and practitioners). Each file found is checked whole and imported with the same rules as
`auditbot import`, in a transaction of its own:

- a good file is imported and moved to `done/` (its name stamped with the time), and every
  administrator is told by DM what changed;
- a bad one changes nothing, is moved to `rejected/`, and every administrator is told why: its
  `FILE:LINE` problems, the first twenty in the message and all of them in an attached file.

The day is claimed first (`NightlyImportRun`), so a second run that day or a second instance
does nothing, and a file moved away is never read again. A missing folder is logged every day
and told to the administrators once, until it is found again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.outbox import queue_dm
from bot.core.tick import Tick
from bot.people.import_notices import queue_all_problems, shown_problems
from bot.people.importer import IMPORT_KINDS, ImportReport, import_csv
from messages import linking_cases, render
from models import NightlyImportRun, Staff
from models.db import SessionFactory, transaction
from models.statuses import StaffStatus

log = logging.getLogger(__name__)

ACTOR = "nightly-import"  # who the audit log says imported the files
DONE, REJECTED = "done", "rejected"


@dataclass
class NightlyImportReport:
    folder: Path
    folder_missing: bool = False
    imported: list[str] = field(default_factory=list)  # file names
    rejected: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.folder_missing:
            return f"nightly import: the folder {self.folder} is missing"
        if not (self.imported or self.rejected):
            return f"nightly import: no file in {self.folder}"
        parts = [f"imported {', '.join(self.imported)}" if self.imported else ""]
        parts.append(f"rejected {', '.join(self.rejected)}" if self.rejected else "")
        return "nightly import: " + "; ".join(part for part in parts if part)


def run_nightly_import(make_session: SessionFactory, tick: Tick) -> NightlyImportReport | None:
    """The day's look at the export folder, from the policy's time; None when there is no
    folder in the policy, it is not yet time, or the day's look was made already."""
    rules = tick.policy.imports
    if rules.folder is None or tick.local_now.time() < rules.run_at:
        return None
    folder = rules.folder
    report = NightlyImportReport(folder, folder_missing=not folder.is_dir())
    if not _claim_the_day(make_session, tick, report):
        return None
    if report.folder_missing:
        return report
    for kind in IMPORT_KINDS:
        path = folder / f"{kind}.csv"
        if path.is_file():
            _import_one(make_session, tick, kind, path, report)
    return report


def _claim_the_day(make_session: SessionFactory, tick: Tick, report: NightlyImportReport) -> bool:
    """Record the day's look (a second instance's insert fails); a missing folder is told to
    the administrators when the previous look found it."""
    day = tick.local_now.date()
    try:
        with linking_cases(tick.policy.case_link), transaction(make_session) as session:
            if session.exec(select(NightlyImportRun.id).where(NightlyImportRun.day == day)).first():
                return False
            previous = session.exec(
                select(NightlyImportRun).order_by(col(NightlyImportRun.day).desc())
            ).first()
            session.add(
                NightlyImportRun(day=day, ran_at=tick.now, folder_missing=report.folder_missing)
            )
            session.flush()
            if report.folder_missing:
                log.error("nightly import: imports.folder %s is missing", report.folder)
                if previous is None or not previous.folder_missing:
                    _tell_admins(
                        session, tick, key=f"import:nightly:{day}:missing",
                        outcome="missing", folder=str(report.folder),
                    )  # fmt: skip
    except IntegrityError:
        log.info("another instance looked at the export folder first")
        return False
    return True


def _import_one(
    make_session: SessionFactory, tick: Tick, kind: str, path: Path, report: NightlyImportReport
) -> None:
    result = import_csv(
        make_session, kind, path, policy=tick.policy, now=tick.now, actor=ACTOR,
        calendar=tick.calendar, shown_as=path.name,
    )  # fmt: skip
    (report.imported if result.ok else report.rejected).append(path.name)
    moved_to = _move_aside(path, DONE if result.ok else REJECTED, tick.local_now)
    if result.ok:
        log.info("nightly import: %s", result.summary())
    else:
        log.warning("nightly import: %s has %d problem(s): not imported", path, len(result.errors))
    day = tick.local_now.date()
    with linking_cases(tick.policy.case_link), transaction(make_session) as session:
        _tell_admins(
            session,
            tick,
            key=f"import:nightly:{day}:{kind}",
            outcome="imported" if result.ok else "rejected",
            result=result,
            moved_to=moved_to,
        )


def _move_aside(path: Path, subfolder: str, local_now: datetime) -> str | None:
    """Move the file into `subfolder` with the time in its name, so it is not read again; the
    new place relative to the folder, or None when it could not be moved (logged)."""
    target_folder = path.parent / subfolder
    stamp = f"{local_now:%Y-%m-%dT%H%M%S}"
    try:
        target_folder.mkdir(exist_ok=True)
        target = target_folder / f"{path.stem}-{stamp}{path.suffix}"
        number = 1
        while target.exists():
            number += 1
            target = target_folder / f"{path.stem}-{stamp}-{number}{path.suffix}"
        path.replace(target)
    except OSError as error:
        log.error("nightly import: could not move %s into %s/: %s", path, subfolder, error)
        return None
    return f"{subfolder}/{target.name}"


def _tell_admins(
    session: Session,
    tick: Tick,
    *,
    key: str,
    outcome: str,
    result: ImportReport | None = None,
    moved_to: str | None = None,
    folder: str = "",
) -> None:
    errors = result.errors if result is not None else []
    name = result.path.name if result is not None else ""
    message = render(
        "nightly_import_dm",
        outcome=outcome,
        filename=name,
        report=result,
        problems=shown_problems(errors),
        problems_total=len(errors),
        moved_to=moved_to,
        folder=folder,
    )
    for admin in _administrators(session):
        queue_dm(
            session,
            key=f"{key}:{admin.id}",
            recipient=admin,
            message=message,
            concern="import:nightly",
            now=tick.now,
        )
        queue_all_problems(
            session,
            key=f"{key}:{admin.id}:problems",
            recipient=admin,
            filename=name,
            errors=errors,
            concern="import:nightly",
            now=tick.now,
        )


def _administrators(session: Session) -> list[Staff]:
    active = session.exec(
        select(Staff).where(Staff.status == StaffStatus.ACTIVE).order_by(col(Staff.id))
    ).all()
    return [person for person in active if person.has_role("admin")]
