"""Imports from Slack (issue 22, part 1), through the signed HTTP endpoint: an administrator
gives teams.csv, staff.csv or cases.csv in `/audit import`'s form or shares it in Auditbot's
DM; the file is downloaded from the Slack stand-in with the bot token, checked whole (a dry
run), and nothing changes until Import is pressed, which imports that exact file once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, func, select

from bot.demo.slack_requests import file_shared_body
from bot.people.importer import import_csv
from bot.people.slack_import import CHECK_GONE, KEEP_DAYS
from bot.policy.schema import ImportsPolicy, Policy
from models import AuditLogEntry, Case, PendingImport, Staff
from scheduler.jobs import run_due_work
from tests.http.test_report import uploads_to, wait_for_uploads
from tests.support import factories
from tests.support.harness import Clock, ephemeral_replies, views_opened

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
STAFF = (
    "email,name,role,team,manager_email,newly_qualified\n"
    "zoe.new@example.gov.uk,Zoe New,practitioner,North,nina.north@example.gov.uk,no\n"
    "rae.worker@example.gov.uk,Rae Worker,practitioner,South,sol.south@example.gov.uk,yes\n"
    "pat.worker@example.gov.uk,Pat Worker,practitioner,North,nina.north@example.gov.uk,no\n"
)
BAD_CASES = "case_ref,team,worker_email,case_type,opened_on,status\n" + "".join(
    f"CR-X{n:03d},North,pat.worker@example.gov.uk,XX,2026-01-01,open\n" for n in range(25)
)


@pytest.fixture
def running(start_bot):
    return start_bot(Clock(NOW), people=lambda session: factories.authority(session, 2))


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def form_values(file: dict | None, kind: str | None = None) -> dict:
    option = {"value": kind, "text": {"type": "plain_text", "text": kind}} if kind else None
    return {
        "file": {"file": {"type": "file_input", "files": [file] if file else []}},
        "kind": {"kind": {"type": "static_select", "selected_option": option}},
    }


def open_form(bot, user_id: str) -> dict:
    before = len(views_opened(bot, "import.file"))
    bot.command(user_id, "import")
    assert bot.slack.wait_for(lambda: len(views_opened(bot, "import.file")) > before)
    return views_opened(bot, "import.file")[-1]


def share_in_dm(bot, user_id: str, file: dict, event_id: str = "Ev0FILE01") -> None:
    body = file_shared_body(
        user_id=user_id, file_id=file["id"], channel_id="D" + user_id[1:], event_id=event_id
    )
    assert bot.post(body).status == 200


def count(bot, model, *where) -> int:
    with bot.services.make_session() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def import_log(bot) -> list[AuditLogEntry]:
    with bot.services.make_session() as session:
        return list(
            session.exec(
                select(AuditLogEntry).where(col(AuditLogEntry.action).startswith("import"))
            )
        )


def zoe(bot) -> Staff | None:
    with bot.services.make_session() as session:
        return session.exec(select(Staff).where(Staff.email == "zoe.new@example.gov.uk")).first()


def test_the_form_checks_the_file_and_nothing_changes_until_import_is_pressed_once(running):
    admin = uid(running, "admin")
    form = open_form(running, admin)
    [file_block] = [b for b in form["blocks"] if b.get("block_id") == "file"]
    assert file_block["element"] == {
        "type": "file_input", "action_id": "file", "filetypes": ["csv"], "max_files": 1
    }  # fmt: skip
    file = running.slack.add_file("staff.csv", STAFF.encode(), user_id=admin)

    ack = running.submit(admin, form, form_values(file))
    assert (ack.status, ack.body) == (200, "")  # the form closes; the answer comes by DM

    [dm] = running.dms_containing(admin, "1 new, 1 updated, 1 unchanged")
    assert "Import" in json.dumps(dm["blocks"])
    [download] = running.slack.calls("file_download")
    assert download.token == "xoxb-test" and download.params["file_id"] == file["id"]
    assert zoe(running) is None and import_log(running) == []  # a dry run: nothing changed

    running.click(admin, dm, "import.confirm")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 1)
    assert ephemeral_replies(running) == ["Imported staff.csv: 1 new, 1 updated, 1 unchanged."]
    assert zoe(running) is not None
    [logged] = import_log(running)
    assert (logged.action, logged.actor, logged.subject) == (
        "import.staff", "ada.admin@example.gov.uk", "staff.csv",
    )  # fmt: skip
    assert logged.details["source"] == "slack" and len(logged.details["sha256"]) == 64
    assert running.slack.wait_for(
        lambda: any("imported" in c.params["text"] for c in running.slack.calls("chat.update"))
    )  # the check's DM now says it was imported, and has no button
    [update] = [c.params for c in running.slack.calls("chat.update")]
    assert update["ts"] == dm["ts"] and "import.confirm" not in json.dumps(update)

    running.click(admin, dm, "import.confirm")  # a second press imports nothing more
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert "already imported" in ephemeral_replies(running)[1]
    assert len(import_log(running)) == 1
    with running.services.make_session() as session:
        [check] = session.exec(select(PendingImport)).all()
        assert check.status == "imported" and check.content is None  # the file is not kept


def test_two_presses_at_once_import_the_file_once(running):
    admin = uid(running, "admin")
    share_in_dm(running, admin, running.slack.add_file("staff.csv", STAFF.encode()))
    [dm] = running.dms_containing(admin, "1 new, 1 updated, 1 unchanged")

    presses = [threading.Thread(target=running.click, args=(admin, dm, "import.confirm"))]
    presses.append(threading.Thread(target=running.click, args=(admin, dm, "import.confirm")))
    for press in presses:
        press.start()
    for press in presses:
        press.join()
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    replies = sorted(ephemeral_replies(running))
    assert replies[0].startswith("Imported staff.csv") and "already imported" in replies[1]
    assert len(import_log(running)) == 1 and count(running, Staff, Staff.name == "Zoe New") == 1


def test_a_file_shared_in_the_dm_with_problems_lists_twenty_attaches_all_and_offers_no_import(
    running,
):
    admin = uid(running, "admin")
    cases_before = count(running, Case)
    share_in_dm(running, admin, running.slack.add_file("cases.csv", BAD_CASES.encode()))

    [dm] = running.dms_containing(admin, "25 problems")
    shown = json.dumps(dm["blocks"])
    assert "cases.csv:2: case_type 'XX' is not one of" in shown
    assert "cases.csv:21:" in shown and "cases.csv:22:" not in shown  # the first twenty
    assert "import.confirm" not in shown and "all 25 are in the attached file" in shown
    [attached] = wait_for_uploads(running, admin, 1).values()
    lines = attached.decode().splitlines()
    assert len(lines) == 25 and lines[-1].startswith("cases.csv:26: case_type 'XX'")
    assert count(running, Case) == cases_before and import_log(running) == []
    with running.services.make_session() as session:
        [check] = session.exec(select(PendingImport)).all()
        assert check.status == "refused" and check.content is None  # a bad file is not kept


def test_slacks_retry_of_a_share_is_checked_and_answered_once(running):
    admin = uid(running, "admin")
    file = running.slack.add_file("staff.csv", STAFF.encode())
    share_in_dm(running, admin, file)
    running.dms_containing(admin, "1 new, 1 updated, 1 unchanged")
    share_in_dm(running, admin, file)  # the same event again
    assert running.slack.wait_for(lambda: len(running.slack.calls("file_download")) == 2)
    running.command(admin, "help")  # answered after the second check (one answer thread)
    running.wait_until_sent()
    assert count(running, PendingImport) == 1
    assert len(running.dms_containing(admin, "1 new, 1 updated, 1 unchanged")) == 1


@pytest.mark.parametrize("who", ["north_tm", "service_manager"])
def test_only_administrators_can_import(running, who):
    person = uid(running, who)
    answer = running.command(person, "import")
    assert "only administrators can import" in answer.text
    assert views_opened(running, "import.file") == []

    share_in_dm(running, person, running.slack.add_file("staff.csv", STAFF.encode()))
    running.dms_containing(person, "only administrators can import")
    assert running.slack.calls("file_download") == []  # their file is not even read
    assert zoe(running) is None and count(running, PendingImport) == 0


def test_someone_not_on_the_staff_list_is_answered_in_that_dm_and_nothing_is_read(running):
    share_in_dm(running, "U0STRANGER", running.slack.add_file("staff.csv", STAFF.encode()))
    assert running.slack.wait_for(lambda: bool(running.slack.messages_to("D0STRANGER")))
    assert "don't recognise you" in running.slack.messages_to("D0STRANGER")[0]["text"]
    assert running.slack.calls("files.info") == [] and count(running, PendingImport) == 0


def test_files_shared_elsewhere_and_the_bots_own_files_are_not_read(running):
    admin = uid(running, "admin")
    file = running.slack.add_file("staff.csv", STAFF.encode())
    channel_share = file_shared_body(
        user_id=admin, file_id=file["id"], channel_id="C0CHANNEL1", event_id="Ev0FILE02"
    )
    own = file_shared_body(
        user_id=running.slack.bot_user_id, file_id=file["id"], channel_id="D0AUDITBOT",
        event_id="Ev0FILE03",
    )  # fmt: skip
    assert running.post(channel_share).status == running.post(own).status == 200
    running.command(admin, "help")  # the answer workers have had their turn
    assert running.slack.calls("files.info") == [] and count(running, PendingImport) == 0


@pytest.mark.parametrize(
    ("name", "kind", "error"),
    [
        (
            "staff.csv",
            "cases",
            "The file is named staff.csv, which says staff, but you chose cases: choose staff, "
            "or rename the file.",
        ),
        ("export.csv", None, "The name export.csv doesn't say: choose teams, staff or cases."),
    ],
)
def test_the_form_refuses_a_kind_it_cannot_be_sure_of(running, name, kind, error):
    admin = uid(running, "admin")
    form = open_form(running, admin)
    file = running.slack.add_file(name, STAFF.encode())
    ack = running.submit(admin, form, form_values(file, kind))
    assert ack.json == {"response_action": "errors", "errors": {"kind": error}}
    assert running.slack.calls("files.info") == []


def test_a_chosen_kind_decides_for_a_file_whose_name_does_not_say(running):
    admin = uid(running, "admin")
    form = open_form(running, admin)
    file = running.slack.add_file("export 2026-12-01.csv", STAFF.encode())
    assert running.submit(admin, form, form_values(file, "staff")).body == ""
    running.dms_containing(admin, "export 2026-12-01.csv (staff) checked: 1 new")


def test_a_file_that_is_not_csv_is_refused_on_the_form_and_in_the_dm(running):
    admin = uid(running, "admin")
    form = open_form(running, admin)
    picture = running.slack.add_file("staff.png", b"\x89PNG")
    ack = running.submit(admin, form, form_values(picture))
    assert "Only a .csv file can be imported" in ack.json["errors"]["file"]
    share_in_dm(running, admin, picture)
    running.dms_containing(admin, "staff.png is not a CSV file")
    assert running.slack.calls("file_download") == []


def test_a_download_slack_fails_once_is_tried_again(running):
    admin = uid(running, "admin")
    running.slack.fail_next("file_download", status=503)
    share_in_dm(running, admin, running.slack.add_file("staff.csv", STAFF.encode()))
    running.dms_containing(admin, "1 new, 1 updated, 1 unchanged")
    assert [call.fault for call in running.slack.calls("file_download")] == ["http_503", None]


def test_a_button_whose_check_no_longer_holds_imports_nothing(running, tmp_path):
    admin = uid(running, "admin")
    share_in_dm(running, admin, running.slack.add_file("staff.csv", STAFF.encode()))
    [dm] = running.dms_containing(admin, "1 new, 1 updated, 1 unchanged")
    path = tmp_path / "staff.csv"
    path.write_text(STAFF, encoding="utf-8")  # meanwhile, the same list imported on the server
    report = import_csv(
        running.services.make_session, "staff", path, policy=running.services.policy, now=NOW,
        actor="cli",
    )  # fmt: skip
    assert report.ok

    running.click(admin, dm, "import.confirm")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 1)
    [reply] = ephemeral_replies(running)
    assert "was not imported: since the check, what it would change has changed" in reply
    assert [entry.actor for entry in import_log(running)] == ["cli"]
    running.click(admin, dm, "import.confirm")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert "cannot be imported" in ephemeral_replies(running)[1]
    assert uploads_to(running, admin) == {}


def test_a_check_is_forgotten_after_a_week_and_its_button_says_so(start_bot):
    clock = Clock(NOW)
    bot = start_bot(clock, people=lambda session: factories.authority(session, 2))
    admin = uid(bot, "admin")
    share_in_dm(bot, admin, bot.slack.add_file("staff.csv", STAFF.encode()))
    [dm] = bot.dms_containing(admin, "1 new, 1 updated, 1 unchanged")
    clock.now = NOW + timedelta(days=KEEP_DAYS, minutes=1)
    run_due_work(bot.services, clock.now)
    assert count(bot, PendingImport) == 0  # with the file it kept
    bot.click(admin, dm, "import.confirm")
    assert bot.slack.wait_for(lambda: len(ephemeral_replies(bot)) == 1)
    assert ephemeral_replies(bot) == [CHECK_GONE] and zoe(bot) is None


def test_the_nightly_export_is_imported_and_the_administrators_told_by_dm(start_bot, tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "staff.csv").write_text(STAFF, encoding="utf-8")
    two_am = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    bot = start_bot(
        Clock(two_am),
        policy=Policy(imports=ImportsPolicy(folder=export)),
        people=lambda session: factories.authority(session, 2),
    )
    run_due_work(bot.services, two_am)
    [told] = bot.dms_containing(uid(bot, "admin"), "Nightly import: staff.csv imported")
    assert "1 new, 1 updated, 1 unchanged" in told["text"] and zoe(bot) is not None
    assert [p.name for p in (export / "done").iterdir()] == ["staff-2026-12-02T020000.csv"]
