"""Import teams, staff and cases from CSV: the whole file is checked before anything is written.

Every problem is reported as ``FILE:LINE: message`` (the header is line 1). When there is any,
nothing is written. Rows are upserted by their key: team name, staff email, case reference.
Auditbot stores case references, never a child's or family member's name, so a column that is
not part of the format is refused.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, SQLModel, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.people.leavers import hand_over_leavers
from bot.policy.schema import Policy
from bot.selection.transfers import CaseMove, follow_case_transfers
from bot.transfer_audit.request import request_transfer_audits
from messages import linking_cases
from models import ROLES, TEAM_TYPES, Case, Staff, Team
from models.db import SessionFactory, transaction
from models.statuses import CaseStatus, StaffStatus

IMPORT_KINDS = ("teams", "staff", "cases")

CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{6,}")
EMAIL = re.compile(r"[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
# A reference, not a name: no spaces, and at least one digit.
CASE_REF = re.compile(r"(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# People who work in a team's caseload, so must belong to one.
TEAM_ROLES = frozenset({"practitioner", "team_manager"})


@dataclass(frozen=True)
class ImportReport:
    kind: str
    path: Path
    errors: list[str]
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    transfers: int = 0  # cases selected for audit that moved team or practitioner
    # Checked before (in Slack), the file now makes other changes: nothing was written.
    changed_since_check: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{self.path}: {_plural(len(self.errors), 'problem')}: nothing imported"
        rows = self.created + self.updated + self.unchanged
        text = (
            f"{self.path}: {_plural(rows, 'row')} valid: {self.created} new, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )
        if self.transfers:
            text += (
                f"; {_plural(self.transfers, 'selected case')} moved: the people affected are told"
            )
        return f"{text} (dry run: nothing written)" if self.dry_run else text


def import_csv(
    make_session: SessionFactory,
    kind: str,
    path: Path,
    *,
    policy: Policy,
    now: datetime,
    actor: str,
    dry_run: bool = False,
    calendar: WorkingCalendar | None = None,
    shown_as: str | None = None,
) -> ImportReport:
    """Check the whole file against the database, then upsert it (unless any problem or dry run),
    in a transaction of its own."""
    try:
        with linking_cases(policy.case_link), transaction(make_session) as session:
            return import_in_session(
                session, kind, path, policy=policy, now=now, actor=actor, dry_run=dry_run,
                calendar=calendar, shown_as=shown_as,
            )  # fmt: skip
    except FileChanged as changed:
        problems = _Problems(path, shown_as)
        problems.add(1, f"the file changed while it was being imported ({changed})")
        return ImportReport(kind, path, problems.lines(), 0, 0, 0, dry_run)


def import_in_session(
    session: Session,
    kind: str,
    path: Path,
    *,
    policy: Policy,
    now: datetime,
    actor: str,
    dry_run: bool = False,
    calendar: WorkingCalendar | None = None,
    shown_as: str | None = None,
    expected: tuple[int, int, int] | None = None,
    logged: dict[str, Any] | None = None,
) -> ImportReport:
    """`import_csv` in the caller's transaction (an import asked for in Slack, or the nightly
    export). Problems are reported as `shown_as:LINE` (default: the path). With `expected`
    (new, updated, unchanged), nothing is written unless the file still makes exactly those
    changes: the report says `changed_since_check`. `logged` adds details to the audit log.
    Raises FileChanged when the file changes while it is written: the caller rolls back."""
    if kind not in IMPORT_KINDS:
        raise ValueError(f"unknown import kind {kind!r}: expected one of {', '.join(IMPORT_KINDS)}")
    problems = _Problems(path, shown_as)
    rows = _read_rows(path, FORMATS[kind], problems)
    counts: Counter[str] = Counter()
    transfers = 0
    changed_since_check = False
    if rows is not None:
        plan = PLANNERS[kind](rows, _Context(session, policy, now.date(), problems, path))
        counts = plan.counts()
        changes = (counts["created"], counts["updated"], counts["unchanged"])
        changed_since_check = not problems and expected is not None and changes != expected
        if not problems and not dry_run and not changed_since_check:
            subject = shown_as or path.name
            transfers = _write(
                session, plan, kind, subject, counts, policy, now, actor, calendar, logged or {}
            )
    if problems:
        counts = Counter()
    return ImportReport(
        kind=kind,
        path=path,
        errors=problems.lines(),
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        dry_run=dry_run or changed_since_check,
        transfers=transfers,
        changed_since_check=changed_since_check,
    )


def _write(
    session: Session,
    plan: _Plan | _CasePlan,
    kind: str,
    subject: str,
    counts: Counter[str],
    policy: Policy,
    now: datetime,
    actor: str,
    calendar: WorkingCalendar | None,
    logged: dict[str, Any],
) -> int:
    """Write the plan and what follows from it; how many selected cases it moved."""
    plan.write(session)
    calendar = calendar or WorkingCalendar(policy.calendar.holidays_subdivision)
    transfers = follow_case_transfers(
        session, plan.moves, policy=policy, now=now, actor=actor, calendar=calendar
    )
    request_transfer_audits(
        session, plan.moves, policy=policy, calendar=calendar, now=now, actor=actor
    )
    if kind == "staff":
        hand_over_leavers(session, now=now, actor=actor)
    auditlog.record(
        session,
        actor=actor,
        action=f"import.{kind}",
        subject=subject,
        now=now,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        **logged,
    )
    return transfers


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# --- Reading: the file, its header and its rows ------------------------------------------------


@dataclass(frozen=True)
class _Format:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


FORMATS = {
    "teams": _Format(("team", "service_area", "team_type", "channel_id")),
    "staff": _Format(
        ("email", "name", "role", "team", "manager_email"),
        ("slack_user_id", "newly_qualified", "status"),
    ),
    "cases": _Format(
        ("case_ref", "team", "worker_email", "case_type", "opened_on", "status"),
        ("tac_last_summary_on",),
    ),
}


@dataclass
class _Problems:
    """Problems found so far, each tied to a physical line of the file."""

    path: Path
    shown_as: str | None = None  # the name a person gave the file, when not its path
    found: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        self.found.append((line, message))

    @property
    def count(self) -> int:
        return len(self.found)

    def __bool__(self) -> bool:
        return bool(self.found)

    def lines(self) -> list[str]:
        in_file_order = sorted(self.found, key=lambda problem: problem[0])
        name = self.shown_as or self.path
        return [f"{name}:{line}: {message}" for line, message in in_file_order]


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


def _read_rows(path: Path, fmt: _Format, problems: _Problems) -> Iterator[_Row] | None:
    """The data rows, read as they are needed (a file of 100,000 cases is never held whole),
    or None when the file or its header is unusable (row checks would only repeat that)."""
    if not _is_text(path, problems):
        return None
    records = _records(path, problems)
    header_record = next(records, None)
    if header_record is None:
        if not problems:
            problems.add(
                1, f"the file is empty: a header row is required ({', '.join(fmt.columns)})"
            )
        return None
    header_line, header = header_record
    while header and not header[-1]:  # spreadsheets sometimes add empty trailing cells
        header.pop()
    columns = _check_header(header, header_line, fmt, problems)
    if columns is None:
        records.close()
        return None
    rows = (_make_row(line, values, columns, problems) for line, values in records)
    return (row for row in rows if row is not None)


def _is_text(path: Path, problems: _Problems) -> bool:
    """The file is UTF-8 text without NUL characters, checked a line at a time."""
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if number == 1:
                    line = line.removeprefix(codecs.BOM_UTF8)
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    problems.add(
                        1,
                        f"the file is not UTF-8 text (first bad byte on line {number}): "
                        "save it as 'CSV UTF-8' and import it again",
                    )
                    return False
                if b"\0" in line:
                    # The csv module lets NUL through, but PostgreSQL refuses it in text.
                    problems.add(number, "contains a NUL character: this is not a CSV text file")
                    return False
    except OSError as exc:
        problems.add(1, f"cannot read the file: {exc.strerror or exc}")
        return False
    return True


def _records(path: Path, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with its line; a record that is not valid CSV ends the file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            yield from _non_blank_records(reader)
        except csv.Error as exc:
            problems.add(reader.line_num, f"not valid CSV: {exc}")


def _non_blank_records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each record with the physical line it starts on, values stripped, blank records skipped."""
    previous_end = 0
    for values in reader:
        start, previous_end = previous_end + 1, reader.line_num
        stripped = [value.strip() for value in values]
        if any(stripped):
            yield start, stripped


def _check_header(
    header: list[str], line: int, fmt: _Format, problems: _Problems
) -> list[str] | None:
    columns = [name.lower() for name in header]
    if not set(columns).intersection(fmt.columns):
        problems.add(line, f"this is not a header row: the columns are {', '.join(fmt.columns)}")
        return None
    before = problems.count
    for position, (name, shown) in enumerate(zip(columns, header, strict=True)):
        if not name:
            problems.add(line, f"column {position + 1} has no name")
        elif name not in fmt.columns:
            problems.add(line, _unknown_column(shown, fmt))
        elif columns.index(name) < position:
            problems.add(line, f"column '{shown}' appears twice")
    for name in fmt.required:
        if name not in columns:
            problems.add(line, f"required column '{name}' is missing")
    return columns if problems.count == before else None


def _unknown_column(shown: str, fmt: _Format) -> str:
    return (
        f"column '{shown}' is not allowed: Auditbot stores case references, never a child's or "
        f"family member's name; the columns are {', '.join(fmt.columns)}"
    )


def _make_row(line: int, values: list[str], columns: list[str], problems: _Problems) -> _Row | None:
    # Empty trailing cells are allowed (see the header); anything else out of place is refused.
    if len(values) < len(columns) or any(values[len(columns) :]):
        problems.add(line, f"{len(values)} values but the header has {len(columns)} columns")
        return None
    return _Row(line, dict(zip(columns, values[: len(columns)], strict=True)))


# --- Checking single values ------------------------------------------------------------------


def _required(row: _Row, column: str, problems: _Problems) -> str | None:
    value = row[column]
    if not value:
        problems.add(row.line, f"{column} is required")
        return None
    return value


def _one_of(
    row: _Row,
    column: str,
    allowed: Sequence[str],
    problems: _Problems,
    *,
    default: str | None = None,
) -> str | None:
    """The allowed spelling of the value (matched case-insensitively), or the default when empty."""
    value = row[column]
    if not value and default is not None:
        return default
    for choice in allowed:
        if value.lower() == choice.lower():
            return choice
    if value:
        problems.add(row.line, f"{column} '{value}' is not one of {', '.join(allowed)}")
    else:
        problems.add(row.line, f"{column} is required: one of {', '.join(allowed)}")
    return None


def _optional_match(
    row: _Row, column: str, pattern: re.Pattern[str], what: str, problems: _Problems
) -> str | None:
    value = row[column]
    if not value:
        return None
    if not pattern.fullmatch(value):
        problems.add(row.line, f"{column} '{value}' is not {what}")
        return None
    return value


def _email(row: _Row, column: str, problems: _Problems) -> str | None:
    value = row[column].lower()
    if not value:
        problems.add(row.line, f"{column} is required")
        return None
    if not EMAIL.fullmatch(value):
        problems.add(row.line, f"{column} '{row[column]}' is not a valid email address")
        return None
    return value


def _date(row: _Row, column: str, problems: _Problems, *, required: bool) -> date | None:
    value = row[column]
    if not value:
        if required:
            problems.add(row.line, f"{column} is required (YYYY-MM-DD)")
        return None
    try:
        if ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    problems.add(row.line, f"{column} '{value}' is not a date in the form YYYY-MM-DD")
    return None


def _known_team(row: _Row, teams: dict[str, Team], problems: _Problems) -> Team | None:
    name = _required(row, "team", problems)
    if name is None:
        return None
    team = teams.get(name.lower())
    if team is None:
        problems.add(
            row.line, f"team '{name}' does not exist: correct the name, or import teams.csv first"
        )
    return team


class _FirstSeen:
    """Refuses a key that an earlier line of the same file already used."""

    def __init__(self, column: str, problems: _Problems) -> None:
        self._column = column
        self._problems = problems
        self._lines: dict[str, int] = {}

    def check(self, row: _Row, key: str, shown: str) -> None:
        first = self._lines.setdefault(key, row.line)
        if first != row.line:
            self._problems.add(
                row.line, f"{self._column} '{shown}' appears again (first on line {first})"
            )


# --- Planning: what the file would change ----------------------------------------------------


@dataclass(frozen=True)
class _Context:
    session: Session
    policy: Policy
    today: date
    problems: _Problems
    path: Path  # cases.csv is read a second time to write its new cases


@dataclass
class _Change:
    existing: SQLModel | None
    values: dict[str, Any]
    # A difference the values do not show (a staff member's manager, linked by email).
    also_changed: bool = False

    @property
    def outcome(self) -> str:
        if self.existing is None:
            return "created"
        differs = any(getattr(self.existing, name) != value for name, value in self.values.items())
        return "updated" if differs or self.also_changed else "unchanged"


@dataclass
class _Plan:
    model: type[SQLModel]
    changes: list[_Change] = field(default_factory=list)
    # Staff only: email -> manager's email, linked once every person has a row.
    managers: dict[str, str | None] = field(default_factory=dict)
    moves: list[CaseMove] = field(default_factory=list)  # cases only: see _CasePlan

    def counts(self) -> Counter[str]:
        return Counter(change.outcome for change in self.changes)

    def write(self, session: Session) -> None:
        for change in self.changes:
            if change.existing is None:
                session.add(self.model(**change.values))
                continue
            for name, value in change.values.items():
                setattr(change.existing, name, value)
            session.add(change.existing)
        if self.managers:
            _link_managers(session, self.managers)


def _link_managers(session: Session, managers: dict[str, str | None]) -> None:
    session.flush()
    staff = _staff_by_email(session)
    for email, manager_email in managers.items():
        staff[email].manager_id = staff[manager_email].id if manager_email else None


def _teams_by_name(session: Session) -> dict[str, Team]:
    return {team.name.lower(): team for team in session.exec(select(Team))}


def _staff_by_email(session: Session) -> dict[str, Staff]:
    return {person.email.lower(): person for person in session.exec(select(Staff))}


def _valid_rows(
    rows: Iterable[_Row], problems: _Problems, check: Callable[[_Row], dict[str, Any]]
) -> Iterator[tuple[_Row, dict[str, Any]]]:
    """Each row with its checked values, leaving out rows that had a problem."""
    for row in rows:
        before = problems.count
        values = check(row)
        if problems.count == before:
            yield row, values


# --- teams.csv -------------------------------------------------------------------------------


def _plan_teams(rows: Iterable[_Row], ctx: _Context) -> _Plan:
    existing = _teams_by_name(ctx.session)
    seen = _FirstSeen("team", ctx.problems)

    def check(row: _Row) -> dict[str, Any]:
        values = _team_values(row, ctx.problems)
        if values["name"]:
            seen.check(row, values["name"].lower(), values["name"])
        return values

    plan = _Plan(Team)
    for _row, values in _valid_rows(rows, ctx.problems, check):
        plan.changes.append(_Change(existing.get(values["name"].lower()), values))
    return plan


def _team_values(row: _Row, problems: _Problems) -> dict[str, Any]:
    return {
        "name": _required(row, "team", problems),
        "service_area": _required(row, "service_area", problems),
        "team_type": _one_of(row, "team_type", TEAM_TYPES, problems),
        "channel_id": _optional_match(
            row,
            "channel_id",
            CHANNEL_ID,
            "a Slack channel ID (like C0123ABCD, shown in the channel's details; not its name)",
            problems,
        ),
    }


# --- staff.csv -------------------------------------------------------------------------------


def _plan_staff(rows: Iterable[_Row], ctx: _Context) -> _Plan:
    rows = list(rows)  # read twice: a manager may be on a later line
    teams = _teams_by_name(ctx.session)
    existing = _staff_by_email(ctx.session)
    seen = _FirstSeen("email", ctx.problems)

    def check(row: _Row) -> dict[str, Any]:
        values = _staff_values(row, teams, ctx.problems)
        if values["email"]:
            seen.check(row, values["email"], values["email"])
        return values

    valid = list(_valid_rows(rows, ctx.problems, check))
    # Second pass: a manager may be on a later line of the file.
    managers = _resolve_managers(rows, existing, ctx.problems)
    _check_manager_loops(rows, managers, existing, ctx.problems)
    _check_slack_ids_unique(valid, existing, ctx.problems)
    current_manager = _current_managers(existing)
    plan = _Plan(Staff)
    for _row, values in valid:
        email = values["email"]
        person = existing.get(email)
        moved = person is not None and current_manager.get(email) != managers.get(email)
        plan.changes.append(_Change(person, values, also_changed=moved))
        plan.managers[email] = managers.get(email)
    return plan


def _staff_values(row: _Row, teams: dict[str, Team], problems: _Problems) -> dict[str, Any]:
    email = _email(row, "email", problems)
    name = _required(row, "name", problems)
    roles = _roles(row, problems)
    team = _staff_team(row, roles, teams, problems)
    values: dict[str, Any] = {
        "email": email,
        "name": name,
        "roles": ";".join(roles),
        "team_id": team.id if team else None,
    }
    slack_user_id = _optional_match(
        row, "slack_user_id", SLACK_USER_ID, "a Slack user ID (like U0123ABCD)", problems
    )
    # An empty slack_user_id keeps the one already stored or found by users.lookupByEmail.
    if slack_user_id:
        values |= {"slack_user_id": slack_user_id, "slack_lookup": "found"}
    newly_qualified = _one_of(row, "newly_qualified", ("yes", "no"), problems, default="no")
    values["newly_qualified"] = newly_qualified == "yes"
    values["status"] = _one_of(
        row, "status", tuple(StaffStatus), problems, default=StaffStatus.ACTIVE
    )
    return values


def _roles(row: _Row, problems: _Problems) -> list[str]:
    """The person's roles in the order of ROLES."""
    given = [part.strip() for part in row["role"].split(";") if part.strip()]
    if not given:
        problems.add(
            row.line, f"role is required: one or more of {', '.join(ROLES)}, separated by ';'"
        )
    for role in given:
        if role.lower() not in ROLES:
            problems.add(row.line, f"role '{role}' is not one of {', '.join(ROLES)}")
    lowered = {role.lower() for role in given}
    return [role for role in ROLES if role in lowered]


def _staff_team(
    row: _Row, roles: list[str], teams: dict[str, Team], problems: _Problems
) -> Team | None:
    if row["team"]:
        return _known_team(row, teams, problems)
    if TEAM_ROLES.intersection(roles):
        problems.add(row.line, "team is required for a practitioner or team manager")
    return None


def _resolve_managers(
    rows: list[_Row], existing: dict[str, Staff], problems: _Problems
) -> dict[str, str | None]:
    """Each person's manager email: someone in this file or already imported."""
    in_file = {row["email"].lower() for row in rows}
    managers: dict[str, str | None] = {}
    for row in rows:
        email, manager = row["email"].lower(), row["manager_email"].lower()
        if manager == email and manager:
            problems.add(row.line, "manager_email is the person's own email")
        elif manager and manager not in in_file and manager not in existing:
            problems.add(
                row.line,
                f"manager_email '{row['manager_email']}' is not a staff member in this file "
                "or already imported",
            )
        managers[email] = manager or None
    return managers


def _current_managers(existing: dict[str, Staff]) -> dict[str, str | None]:
    email_by_id = {person.id: email for email, person in existing.items()}
    return {email: email_by_id.get(person.manager_id) for email, person in existing.items()}


def _check_manager_loops(
    rows: list[_Row],
    managers: dict[str, str | None],
    existing: dict[str, Staff],
    problems: _Problems,
) -> None:
    """Escalation follows the manager chain, so it must end (someone's own email is reported
    by _resolve_managers)."""
    chain = _current_managers(existing) | managers
    for row in rows:
        email = row["email"].lower()
        path = [email]
        manager = chain.get(email)
        while manager and manager not in path:
            path.append(manager)
            manager = chain.get(manager)
        if manager == email and len(path) > 1:
            loop = " -> ".join([*path, email])
            problems.add(row.line, f"manager_email makes a loop: {loop}")


def _check_slack_ids_unique(
    valid: list[tuple[_Row, dict[str, Any]]], existing: dict[str, Staff], problems: _Problems
) -> None:
    """Two people must never share a Slack user ID: the bot finds a person's roles by it."""
    given = {
        values["email"]: (row, values["slack_user_id"])
        for row, values in valid
        if "slack_user_id" in values
    }
    holders = {
        person.slack_user_id: email
        for email, person in existing.items()
        if person.slack_user_id and email not in given
    }
    for email, (row, slack_user_id) in given.items():
        holder = holders.setdefault(slack_user_id, email)
        if holder != email:
            problems.add(row.line, f"slack_user_id '{slack_user_id}' already belongs to {holder}")


# --- cases.csv -------------------------------------------------------------------------------


# The columns a case is compared on, read for every case already stored (as plain rows, not
# objects: an authority holds tens of thousands) and written for those the file changes.
CASE_COLUMNS = (
    "case_ref", "team_id", "worker_id", "case_type", "opened_on", "status",
    "tac_last_summary_on", "closed_on",
)  # fmt: skip


class FileChanged(Exception):
    """cases.csv changed while it was being imported: nothing is written."""


@dataclass
class _CasePlan:
    """What cases.csv changes. The file streams past twice and is never held whole: the first
    reading checks every row and compares it with its stored case, a batch at a time, keeping
    only the counts and the moves; the second (`changes`, reading the file again) makes the
    same comparisons and writes them, a batch at a time."""

    changes: Callable[[], Iterator[list[_CaseChange]]]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moves: list[CaseMove] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(created=self.created, updated=self.updated, unchanged=self.unchanged)

    def write(self, session: Session) -> None:
        """Insert the new cases and update the changed ones, in the session's transaction."""
        table = Case.__table__
        connection = session.connection()
        changed = update(table).where(table.c.id == bindparam("case_id"))
        changed = changed.values({name: bindparam(name) for name in CASE_COLUMNS})
        if not (self.created or self.updated):
            return  # nothing new and nothing changed: no need to read the file again
        created = updated = 0
        for batch in self.changes():
            new = [change.values for change in batch if change.case_id is None]
            updates = [{"case_id": c.case_id, **c.values} for c in batch if c.differs]
            if new:
                connection.execute(insert(table), new)
            if updates:
                connection.execute(changed, updates)
            created, updated = created + len(new), updated + len(updates)
        if (created, updated) != (self.created, self.updated):
            raise FileChanged(
                f"read again, it makes {created} new and {updated} changed cases, "
                f"not {self.created} and {self.updated}"
            )


@dataclass(frozen=True)
class _CaseChange:
    """A checked row of cases.csv: its values (CASE_COLUMNS) and the case stored under its
    reference (None for a new case)."""

    values: dict[str, Any]
    case_id: int | None
    stored: dict[str, Any] | None

    @property
    def differs(self) -> bool:
        return self.stored is not None and any(
            self.stored[name] != self.values[name] for name in CASE_COLUMNS
        )

    @property
    def move(self) -> CaseMove | None:
        """A stored case given another team or practitioner."""
        if self.stored is None or self.case_id is None:
            return None
        before = (self.stored["team_id"], self.stored["worker_id"])
        after = (self.values["team_id"], self.values["worker_id"])
        if before == after:
            return None
        return CaseMove(self.case_id, *before, *after)


def _plan_cases(rows: Iterable[_Row], ctx: _Context) -> _CasePlan:
    teams = _teams_by_name(ctx.session)
    staff = _staff_by_email(ctx.session)
    stored_ids = _stored_case_ids(ctx.session)
    seen = _FirstSeen("case_ref", ctx.problems)

    def checked(rows: Iterable[_Row], problems: _Problems) -> Iterator[list[_CaseChange]]:
        """The valid rows, a batch at a time, each compared with its stored case."""

        def check(row: _Row) -> dict[str, Any]:
            values = _case_values(row, ctx, teams, staff, problems)
            if values["case_ref"] and problems is ctx.problems:
                seen.check(row, values["case_ref"].lower(), values["case_ref"])
            return values

        for batch in _batches(_valid_rows(rows, problems, check)):
            ids = [stored_ids.get(values["case_ref"].lower()) for _row, values in batch]
            stored = _stored_cases(ctx.session, [case_id for case_id in ids if case_id])
            yield [
                _compared(values, case_id, stored.get(case_id), ctx.today)
                for (_row, values), case_id in zip(batch, ids, strict=True)
            ]

    def changes() -> Iterator[list[_CaseChange]]:
        again = _Problems(ctx.path)
        yield from checked(_read_rows(ctx.path, FORMATS["cases"], again) or [], again)
        if again:
            raise FileChanged(again.lines()[0])

    plan = _CasePlan(changes)
    for batch in checked(rows, ctx.problems):
        for change in batch:
            if change.case_id is None:
                plan.created += 1
            elif change.differs:
                plan.updated += 1
            else:
                plan.unchanged += 1
            if (move := change.move) is not None:
                plan.moves.append(move)
    return plan


def _compared(
    values: dict[str, Any], case_id: int | None, stored: dict[str, Any] | None, today: date
) -> _CaseChange:
    """The row's values as they would be stored: a TAC summary date never moves back, and a
    closed case keeps the day it was first seen closed."""
    if stored is not None:
        values["tac_last_summary_on"] = _later(
            stored["tac_last_summary_on"], values["tac_last_summary_on"]
        )
    values["closed_on"] = _closed_on(stored, values["status"], today)
    return _CaseChange({name: values[name] for name in CASE_COLUMNS}, case_id, stored)


BATCH = 2_000


def _batches(rows: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _stored_case_ids(session: Session) -> dict[str, int]:
    """Every stored case's id by its reference (lower case): references are matched so."""
    table = Case.__table__
    rows = session.connection().execute(select_columns(table.c.case_ref, table.c.id))
    return {case_ref.lower(): case_id for case_ref, case_id in rows}


def _stored_cases(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """These stored cases' CASE_COLUMNS, by id."""
    if not ids:
        return {}
    table = Case.__table__
    columns = [table.c.id, *(table.c[name] for name in CASE_COLUMNS)]
    rows = session.connection().execute(select_columns(*columns).where(table.c.id.in_(ids)))
    return {row.id: dict(row._mapping) for row in rows}


def _closed_on(stored: dict[str, Any] | None, status: str, today: date) -> date | None:
    """When the case was first seen closed: data retention counts from it."""
    if status != CaseStatus.CLOSED:
        return None
    return stored["closed_on"] if stored is not None and stored["closed_on"] else today


def _case_values(
    row: _Row,
    ctx: _Context,
    teams: dict[str, Team],
    staff: dict[str, Staff],
    problems: _Problems,
) -> dict[str, Any]:
    case_ref = _case_ref(row, problems)
    team = _known_team(row, teams, problems)
    worker = _known_worker(row, staff, problems)
    case_type = _one_of(row, "case_type", ctx.policy.case_types, problems)
    opened_on = _date(row, "opened_on", problems, required=True)
    status = _one_of(row, "status", tuple(CaseStatus), problems)
    summary_on = _date(row, "tac_last_summary_on", problems, required=False)
    _check_case_dates(row, opened_on, summary_on, ctx.today, problems)
    return {
        "case_ref": case_ref,
        "team_id": team.id if team else None,
        "worker_id": worker.id if worker else None,
        "case_type": case_type,
        "opened_on": opened_on,
        "status": status,
        "tac_last_summary_on": summary_on,
    }


def _case_ref(row: _Row, problems: _Problems) -> str | None:
    value = _required(row, "case_ref", problems)
    if value and not CASE_REF.fullmatch(value):
        problems.add(
            row.line,
            f"case_ref '{value}' is not a case reference: up to 40 letters, digits and - / _ . "
            "with at least one digit (never a name)",
        )
        return None
    return value


def _known_worker(row: _Row, staff: dict[str, Staff], problems: _Problems) -> Staff | None:
    email = _required(row, "worker_email", problems)
    if email is None:
        return None
    worker = staff.get(email.lower())
    if worker is None:
        problems.add(
            row.line,
            f"worker_email '{email}' is not a staff member: import staff.csv first",
        )
    return worker


def _check_case_dates(
    row: _Row, opened_on: date | None, summary_on: date | None, today: date, problems: _Problems
) -> None:
    if opened_on and opened_on > today:
        problems.add(row.line, f"opened_on {opened_on} is after today ({today})")
    if summary_on and summary_on > today:
        problems.add(row.line, f"tac_last_summary_on {summary_on} is after today ({today})")
    if opened_on and summary_on and summary_on < opened_on:
        problems.add(row.line, f"tac_last_summary_on {summary_on} is before opened_on {opened_on}")


def _later(stored: date | None, given: date | None) -> date | None:
    """A TAC summary date never moves back: an older or empty value keeps the stored one."""
    if stored is None or given is None:
        return stored or given
    return max(stored, given)


PLANNERS: dict[str, Callable[[Iterable[_Row], _Context], _Plan | _CasePlan]] = {
    "teams": _plan_teams,
    "staff": _plan_staff,
    "cases": _plan_cases,
}
