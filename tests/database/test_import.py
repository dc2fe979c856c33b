"""CSV import: the whole file is checked first; any problem leaves the database as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.people import importer
from bot.people.importer import IMPORT_KINDS, ImportReport, import_csv
from bot.policy.schema import Policy
from models import AuditLogEntry, Case, Staff, Team
from models.db import SessionFactory, transaction
from tests.conftest import FIXED_NOW

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "demo" / "sample"

TEAMS = """\
team,service_area,team_type,channel_id
North Team,North,short_term,C0NORTH01
South Team,South,long_term,
"""

STAFF_HEADER = "email,name,role,team,manager_email,slack_user_id,newly_qualified,status\n"
STAFF = STAFF_HEADER + (
    "hos@example.gov.uk,Hana Head,head_of_service,,,U0HOS0001,,\n"
    "sm@example.gov.uk,Sam Service,service_manager,,hos@example.gov.uk,U0SM00001,no,active\n"
    "tm@example.gov.uk,Tara Manager,team_manager,North Team,sm@example.gov.uk,U0TM00001,no,\n"
    "pr@example.gov.uk,Pat Worker,practitioner,North Team,tm@example.gov.uk,,yes,active\n"
)

CASES_HEADER = "case_ref,team,worker_email,case_type,opened_on,status,tac_last_summary_on\n"
CASES = CASES_HEADER + (
    "CR-100001,North Team,pr@example.gov.uk,CP,2026-01-10,open,\n"
    "CR-100002,North Team,pr@example.gov.uk,TAC,2025-06-01,open,2026-09-30\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(
    make_session: SessionFactory,
    policy: Policy,
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
) -> ImportReport:
    return import_csv(
        make_session, kind, path, policy=policy, now=FIXED_NOW, actor="cli", dry_run=dry_run
    )


def row_counts(make_session: SessionFactory) -> dict[str, int]:
    with make_session() as session:
        return {
            model.__name__: len(session.exec(select(model)).all())
            for model in (Team, Staff, Case, AuditLogEntry)
        }


def import_ok(
    make_session: SessionFactory, policy: Policy, tmp_path: Path, kind: str, text: str
) -> ImportReport:
    report = run(make_session, policy, kind, write(tmp_path, f"{kind}.csv", text))
    assert report.errors == []
    return report


@pytest.fixture
def with_teams(make_session: SessionFactory, policy: Policy, tmp_path: Path) -> None:
    import_ok(make_session, policy, tmp_path, "teams", TEAMS)


@pytest.fixture
def with_staff(
    with_teams: None, make_session: SessionFactory, policy: Policy, tmp_path: Path
) -> None:
    import_ok(make_session, policy, tmp_path, "staff", STAFF)


def assert_refused(
    make_session: SessionFactory,
    policy: Policy,
    path: Path,
    kind: str,
    expected: list[str],
) -> None:
    """The file gives exactly these problems and changes nothing."""
    before = row_counts(make_session)
    report = run(make_session, policy, kind, path)
    assert report.errors == expected
    assert not report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    problems = "1 problem" if len(expected) == 1 else f"{len(expected)} problems"
    assert report.summary() == f"{path}: {problems}: nothing imported"
    assert row_counts(make_session) == before


# --- The file and its header -----------------------------------------------------------------


def test_unknown_column_is_refused_with_the_privacy_reason(make_session, policy, tmp_path):
    path = write(
        tmp_path,
        "teams.csv",
        "team,service_area,team_type,channel_id,Child_Name\n"
        "North Team,North,short_term,C0NORTH01,someone\n",
    )
    assert_refused(
        make_session,
        policy,
        path,
        "teams",
        [
            f"{path}:1: column 'Child_Name' is not allowed: Auditbot stores case references, "
            "never a child's or family member's name; the columns are team, service_area, "
            "team_type, channel_id"
        ],
    )


def test_missing_column_is_named(make_session, policy, tmp_path, with_teams):
    path = write(
        tmp_path,
        "staff.csv",
        "email,name,team,manager_email\nx@example.gov.uk,X Person,North Team,\n",
    )
    assert_refused(
        make_session, policy, path, "staff", [f"{path}:1: required column 'role' is missing"]
    )


def test_file_that_is_not_utf8_is_refused_on_line_1(make_session, policy, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes(b"team,service_area,team_type,channel_id\nCaf\xe9 Team,North,short_term,\n")
    assert_refused(
        make_session,
        policy,
        path,
        "teams",
        [
            f"{path}:1: the file is not UTF-8 text (first bad byte on line 2): "
            "save it as 'CSV UTF-8' and import it again"
        ],
    )


def test_header_is_case_insensitive_in_any_order_with_bom_blank_lines_and_empty_cells(
    make_session, policy, tmp_path
):
    text = (
        "\ufeff Channel_ID , TEAM ,team_type,Service_Area,,\n"
        "\n"
        " C0NORTH01 ,  North Team , short_term , North ,\n"
        "\n"
    )
    path = write(tmp_path, "teams.csv", text)
    report = run(make_session, policy, "teams", path)
    assert report.ok, report.errors
    with make_session() as session:
        team = session.exec(select(Team)).one()
    assert (team.name, team.service_area, team.team_type, team.channel_id) == (
        "North Team",
        "North",
        "short_term",
        "C0NORTH01",
    )


def test_empty_file_needs_a_header(make_session, policy, tmp_path):
    path = write(tmp_path, "teams.csv", "")
    assert_refused(
        make_session,
        policy,
        path,
        "teams",
        [
            f"{path}:1: the file is empty: a header row is required "
            "(team, service_area, team_type, channel_id)"
        ],
    )


def test_row_with_too_many_values_is_refused(make_session, policy, tmp_path):
    path = write(tmp_path, "teams.csv", TEAMS + "East Team,East,short_term,,surplus\n")
    assert_refused(
        make_session, policy, path, "teams", [f"{path}:4: 5 values but the header has 4 columns"]
    )


def test_line_numbers_are_physical_lines_even_after_a_quoted_line_break(
    make_session, policy, tmp_path
):
    text = TEAMS + '"East\nTeam",East,short_term,\nWest Team,West,weekly,\n'
    path = write(tmp_path, "teams.csv", text)
    assert_refused(
        make_session,
        policy,
        path,
        "teams",
        [f"{path}:6: team_type 'weekly' is not one of short_term, long_term"],
    )


def test_first_line_must_be_the_header(make_session, policy, tmp_path):
    path = write(tmp_path, "teams.csv", "North Team,North,short_term,C0NORTH01\n")
    assert_refused(
        make_session,
        policy,
        path,
        "teams",
        [
            f"{path}:1: this is not a header row: the columns are team, service_area, "
            "team_type, channel_id"
        ],
    )


def test_unknown_kind_is_a_programming_error(make_session, policy, tmp_path):
    with pytest.raises(ValueError, match="unknown import kind 'rooms'"):
        run(make_session, policy, "rooms", write(tmp_path, "rooms.csv", "x\n"))
    assert IMPORT_KINDS == ("teams", "staff", "cases")


# --- teams.csv -------------------------------------------------------------------------------


def test_bad_team_rows_are_all_reported_and_nothing_is_written(make_session, policy, tmp_path):
    path = write(
        tmp_path,
        "teams.csv",
        TEAMS
        + "East Team,East,shortterm,C0EAST001\n"
        + "west team,West,long_term,#west\n"
        + "NORTH TEAM,North,long_term,\n"
        + ",,,\n"
        + ",East,,\n",
    )
    assert_refused(
        make_session,
        policy,
        path,
        "teams",
        [
            f"{path}:4: team_type 'shortterm' is not one of short_term, long_term",
            f"{path}:5: channel_id '#west' is not a Slack channel ID (like C0123ABCD, shown in "
            "the channel's details; not its name)",
            f"{path}:6: team 'NORTH TEAM' appears again (first on line 2)",
            f"{path}:8: team is required",
            f"{path}:8: team_type is required: one of short_term, long_term",
        ],
    )


def test_team_names_match_existing_case_insensitively(make_session, policy, tmp_path):
    import_ok(make_session, policy, tmp_path, "teams", TEAMS)
    renamed = TEAMS.replace("North Team,North,short_term", "north team,North,short_term")
    report = import_ok(make_session, policy, tmp_path, "teams", renamed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    with make_session() as session:
        names = sorted(team.name for team in session.exec(select(Team)))
    assert names == ["South Team", "north team"]


# --- staff.csv -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            "bob@,Bob Person,practitioner,North Team,tm@example.gov.uk,,,",
            "email 'bob@' is not a valid email address",
        ),
        (
            "x@example.gov.uk,X Person,practitioner,Nowhere Team,tm@example.gov.uk,,,",
            "team 'Nowhere Team' does not exist: correct the name, or import teams.csv first",
        ),
        (
            "x@example.gov.uk,X Person,practitioner,North Team,boss@example.gov.uk,,,",
            "manager_email 'boss@example.gov.uk' is not a staff member in this file or already "
            "imported",
        ),
        (
            "x@example.gov.uk,X Person,practitioner;social_worker,North Team,,,,",
            "role 'social_worker' is not one of practitioner, team_manager, service_manager, "
            "head_of_service, admin",
        ),
        (
            "x@example.gov.uk,X Person,,,,,,",
            "role is required: one or more of practitioner, team_manager, service_manager, "
            "head_of_service, admin, separated by ';'",
        ),
        (
            "x@example.gov.uk,X Person,practitioner,,,,,",
            "team is required for a practitioner or team manager",
        ),
        ("x@example.gov.uk,,admin,,,,,", "name is required"),
        (
            "x@example.gov.uk,X Person,admin,,x@example.gov.uk,,,",
            "manager_email is the person's own email",
        ),
        (
            "x@example.gov.uk,X Person,admin,,,bob,,",
            "slack_user_id 'bob' is not a Slack user ID (like U0123ABCD)",
        ),
        (
            "x@example.gov.uk,X Person,admin,,,U0TM00001,,",
            "slack_user_id 'U0TM00001' already belongs to tm@example.gov.uk",
        ),
        ("x@example.gov.uk,X Person,admin,,,,y,", "newly_qualified 'y' is not one of yes, no"),
        ("x@example.gov.uk,X Person,admin,,,,,gone", "status 'gone' is not one of active, left"),
        (
            "PR@example.gov.uk,Pat Again,admin,,,,,",
            "email 'pr@example.gov.uk' appears again (first on line 5)",
        ),
    ],
)
def test_bad_staff_row_among_good_rows_writes_nothing(
    make_session, policy, tmp_path, with_teams, bad_row, message
):
    path = write(tmp_path, "staff.csv", STAFF + bad_row + "\n")
    assert_refused(make_session, policy, path, "staff", [f"{path}:6: {message}"])


def test_several_problems_on_one_line_are_each_reported(make_session, policy, tmp_path, with_teams):
    path = write(tmp_path, "staff.csv", STAFF_HEADER + "nope,,boss,Nowhere,,,,\n")
    assert_refused(
        make_session,
        policy,
        path,
        "staff",
        [
            f"{path}:2: email 'nope' is not a valid email address",
            f"{path}:2: name is required",
            f"{path}:2: role 'boss' is not one of practitioner, team_manager, service_manager, "
            "head_of_service, admin",
            f"{path}:2: team 'Nowhere' does not exist: correct the name, or import teams.csv first",
        ],
    )


def test_manager_loop_is_refused(make_session, policy, tmp_path, with_teams):
    path = write(
        tmp_path,
        "staff.csv",
        STAFF_HEADER
        + "a@example.gov.uk,A Person,service_manager,,b@example.gov.uk,,,\n"
        + "b@example.gov.uk,B Person,service_manager,,a@example.gov.uk,,,\n",
    )
    assert_refused(
        make_session,
        policy,
        path,
        "staff",
        [
            f"{path}:2: manager_email makes a loop: a@example.gov.uk -> b@example.gov.uk -> "
            "a@example.gov.uk",
            f"{path}:3: manager_email makes a loop: b@example.gov.uk -> a@example.gov.uk -> "
            "b@example.gov.uk",
        ],
    )


def test_managers_may_be_on_later_lines(make_session, policy, tmp_path, with_teams):
    reversed_staff = STAFF_HEADER + "".join(reversed(STAFF.splitlines(keepends=True)[1:]))
    report = import_ok(make_session, policy, tmp_path, "staff", reversed_staff)
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    with make_session() as session:
        staff = {person.email: person for person in session.exec(select(Staff))}
    assert staff["pr@example.gov.uk"].manager_id == staff["tm@example.gov.uk"].id
    assert staff["tm@example.gov.uk"].manager_id == staff["sm@example.gov.uk"].id
    assert staff["sm@example.gov.uk"].manager_id == staff["hos@example.gov.uk"].id
    assert staff["hos@example.gov.uk"].manager_id is None


def test_staff_values_are_normalised(make_session, policy, tmp_path, with_teams):
    text = STAFF_HEADER + (
        " Mixed.Case@Example.GOV.uk ,Mo Both,Admin; team_manager ,north team,,U0BOTH001,YES,Left\n"
    )
    import_ok(make_session, policy, tmp_path, "staff", text)
    with make_session() as session:
        person = session.exec(select(Staff)).one()
        team = session.exec(select(Team).where(Team.name == "North Team")).one()
    assert person.email == "mixed.case@example.gov.uk"
    assert person.roles == "team_manager;admin"
    assert person.team_id == team.id
    assert (person.slack_user_id, person.slack_lookup) == ("U0BOTH001", "found")
    assert person.newly_qualified is True
    assert person.status == "left"


def test_optional_staff_columns_may_be_left_out(make_session, policy, tmp_path, with_teams):
    text = "email,name,role,team,manager_email\nhos@example.gov.uk,Hana Head,head_of_service,,\n"
    import_ok(make_session, policy, tmp_path, "staff", text)
    with make_session() as session:
        person = session.exec(select(Staff)).one()
    assert (person.slack_user_id, person.slack_lookup) == (None, None)
    assert (person.newly_qualified, person.status) == (False, "active")


def test_reimport_upserts_and_keeps_a_resolved_slack_id(make_session, policy, tmp_path, with_staff):
    with transaction(make_session) as session:
        worker = session.exec(select(Staff).where(Staff.email == "pr@example.gov.uk")).one()
        worker.slack_user_id, worker.slack_lookup = "U0FOUND01", "found"
        session.add(worker)
    changed = (
        STAFF.replace("Tara Manager", "Tara Manager-Jones").replace(
            "sm@example.gov.uk,U0TM00001", "hos@example.gov.uk,U0TM00001"
        )
        + "new@example.gov.uk,Nia New,admin,,,U0NEW0001,,\n"
    )
    report = import_ok(make_session, policy, tmp_path, "staff", changed)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 3)
    assert report.summary() == (
        f"{tmp_path / 'staff.csv'}: 5 rows valid: 1 new, 1 updated, 3 unchanged"
    )
    with make_session() as session:
        staff = {person.email: person for person in session.exec(select(Staff))}
    assert staff["pr@example.gov.uk"].slack_user_id == "U0FOUND01"
    assert staff["tm@example.gov.uk"].name == "Tara Manager-Jones"
    assert staff["tm@example.gov.uk"].manager_id == staff["hos@example.gov.uk"].id


def test_reimport_that_only_changes_a_manager_counts_as_updated(
    make_session, policy, tmp_path, with_staff
):
    moved = STAFF.replace("North Team,tm@example.gov.uk", "North Team,sm@example.gov.uk")
    report = import_ok(make_session, policy, tmp_path, "staff", moved)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)


# --- cases.csv -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "messages"),
    [
        (
            "CR-100003,North Team,pr@example.gov.uk,XX,2026-01-10,open,",
            ["case_type 'XX' is not one of CP, LAC, CIN, TAC, EH"],
        ),
        (
            "CR-100003,North Team,pr@example.gov.uk,CP,10/01/2026,open,",
            ["opened_on '10/01/2026' is not a date in the form YYYY-MM-DD"],
        ),
        (
            "CR-100003,North Team,pr@example.gov.uk,CP,2026-02-30,open,",
            ["opened_on '2026-02-30' is not a date in the form YYYY-MM-DD"],
        ),
        (
            "CR-100003,North Team,pr@example.gov.uk,TAC,2026-01-10,open,soon",
            ["tac_last_summary_on 'soon' is not a date in the form YYYY-MM-DD"],
        ),
        (
            "CR-100003,North Team,pr@example.gov.uk,CP,2026-12-02,open,",
            ["opened_on 2026-12-02 is after today (2026-12-01)"],
        ),
        (
            "CR-100003,North Team,pr@example.gov.uk,TAC,2026-01-10,open,2025-12-31",
            ["tac_last_summary_on 2025-12-31 is before opened_on 2026-01-10"],
        ),
        (
            "CR-100003,North Team,pr@example.gov.uk,CP,2026-01-10,pending,",
            ["status 'pending' is not one of open, closed"],
        ),
        (
            "CR-100003,Nowhere Team,pr@example.gov.uk,CP,2026-01-10,open,",
            ["team 'Nowhere Team' does not exist: correct the name, or import teams.csv first"],
        ),
        (
            "CR-100003,North Team,ghost@example.gov.uk,CP,2026-01-10,open,",
            ["worker_email 'ghost@example.gov.uk' is not a staff member: import staff.csv first"],
        ),
        (
            "cr-100001,North Team,pr@example.gov.uk,CP,2026-01-10,open,",
            ["case_ref 'cr-100001' appears again (first on line 2)"],
        ),
        (
            "Jane Example,North Team,pr@example.gov.uk,CP,2026-01-10,open,",
            [
                "case_ref 'Jane Example' is not a case reference: up to 40 letters, digits and "
                "- / _ . with at least one digit (never a name)"
            ],
        ),
        (
            ",,,,,,",
            [],
        ),
        (
            ",North Team,pr@example.gov.uk,CP,,open,",
            ["case_ref is required", "opened_on is required (YYYY-MM-DD)"],
        ),
    ],
)
def test_bad_case_row_among_good_rows_writes_nothing(
    make_session, policy, tmp_path, with_staff, bad_row, messages
):
    path = write(tmp_path, "cases.csv", CASES + bad_row + "\n")
    if not messages:  # an all-empty row is a blank line, skipped
        assert run(make_session, policy, "cases", path).created == 2
        return
    assert_refused(
        make_session, policy, path, "cases", [f"{path}:4: {message}" for message in messages]
    )


def test_case_types_come_from_the_policy(make_session, tmp_path, with_staff):
    policy = Policy(case_types=["CP", "LAC", "CIN", "CWD"])
    text = CASES_HEADER + "CR-100009,North Team,pr@example.gov.uk,cwd,2026-01-10,open,\n"
    import_ok(make_session, policy, tmp_path, "cases", text)
    with make_session() as session:
        assert session.exec(select(Case)).one().case_type == "CWD"


def test_cases_reimport_upserts_and_tac_summary_never_moves_back(
    make_session, policy, tmp_path, with_staff
):
    import_ok(make_session, policy, tmp_path, "cases", CASES)
    again = (
        CASES.replace("CP,2026-01-10,open", "CP,2026-01-10,closed").replace(
            "open,2026-09-30", "open,"
        )
        + "CR-100003,North Team,pr@example.gov.uk,EH,2026-11-20,open,\n"
    )
    report = import_ok(make_session, policy, tmp_path, "cases", again)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    with make_session() as session:
        cases = {case.case_ref: case for case in session.exec(select(Case))}
    assert cases["CR-100001"].status == "closed"
    assert cases["CR-100002"].tac_last_summary_on == date(2026, 9, 30)


# --- Dry run, audit log, the shipped sample --------------------------------------------------


def test_dry_run_reports_counts_and_writes_nothing(make_session, policy, tmp_path, with_teams):
    import_ok(make_session, policy, tmp_path, "staff", STAFF_HEADER + STAFF.splitlines()[1] + "\n")
    before = row_counts(make_session)
    path = write(tmp_path, "staff.csv", STAFF.replace("Hana Head", "Hana Head-Smith"))
    report = run(make_session, policy, "staff", path, dry_run=True)
    assert report.ok and report.dry_run
    assert (report.created, report.updated, report.unchanged) == (3, 1, 0)
    assert report.summary() == (
        f"{path}: 4 rows valid: 3 new, 1 updated, 0 unchanged (dry run: nothing written)"
    )
    assert row_counts(make_session) == before


def test_dry_run_still_reports_problems(make_session, policy, tmp_path):
    path = write(tmp_path, "teams.csv", TEAMS + "East,East,weekly,\n")
    report = run(make_session, policy, "teams", path, dry_run=True)
    assert report.errors == [f"{path}:4: team_type 'weekly' is not one of short_term, long_term"]


def test_each_import_writes_one_audit_log_entry(make_session, policy, tmp_path):
    import_ok(make_session, policy, tmp_path, "teams", TEAMS)
    import_ok(make_session, policy, tmp_path, "teams", TEAMS)
    with make_session() as session:
        entries = session.exec(select(AuditLogEntry).order_by(AuditLogEntry.id)).all()
    assert [(e.actor, e.action, e.subject, e.at) for e in entries] == [
        ("cli", "import.teams", "teams.csv", FIXED_NOW),
        ("cli", "import.teams", "teams.csv", FIXED_NOW),
    ]
    assert entries[0].details == {"created": 2, "updated": 0, "unchanged": 0}
    assert entries[1].details == {"created": 0, "updated": 0, "unchanged": 2}


def test_shipped_sample_imports_cleanly_in_order(make_session, policy):
    for kind in IMPORT_KINDS:
        report = run(make_session, policy, kind, SAMPLE / f"{kind}.csv")
        assert report.errors == [], kind
        assert report.updated == report.unchanged == 0
    assert row_counts(make_session) == {"Team": 4, "Staff": 20, "Case": 200, "AuditLogEntry": 3}
    again = run(make_session, policy, "cases", SAMPLE / "cases.csv", dry_run=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 200)


def test_cases_are_written_in_batches_and_a_file_changed_meanwhile_imports_nothing(
    with_staff: None,
    make_session: SessionFactory,
    policy: Policy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """cases.csv is read twice, never held whole: once to check it, once to write it, a batch
    at a time. A file that changes between the two readings imports nothing."""
    monkeypatch.setattr(importer, "BATCH", 3)
    rows = "".join(
        f"CR-2000{n:02d},North Team,pr@example.gov.uk,CP,2026-01-10,open,\n" for n in range(10)
    )
    path = write(tmp_path, "cases.csv", CASES_HEADER + rows)
    report = run(make_session, policy, "cases", path)
    assert (report.errors, report.created) == ([], 10)
    assert row_counts(make_session)["Case"] == 10

    changed = path.read_text(encoding="utf-8").replace(",open,", ",closed,")
    path.write_text(changed.replace("CR-200009", "CR-300009"), encoding="utf-8")
    write_once = importer._CasePlan.write

    def edited_meanwhile(plan, session):
        path.write_text(CASES_HEADER + rows, encoding="utf-8")
        write_once(plan, session)

    monkeypatch.setattr(importer._CasePlan, "write", edited_meanwhile)
    before = row_counts(make_session)
    report = run(make_session, policy, "cases", path)
    assert len(report.errors) == 1 and "changed while it was being imported" in report.errors[0]
    assert row_counts(make_session) == before
    with make_session() as session:
        assert {case.status for case in session.exec(select(Case))} == {"open"}
