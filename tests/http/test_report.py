"""The QA briefing in Slack: `/audit report` through the signed HTTP endpoint, the files reaching
the requester's DM in the stand-in, who sees the register, and the automatic monthly send."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from bot.policy.schema import Policy, ReauditPolicy
from scheduler.jobs import run_due_work
from tests.support.charts import completion_bars_drawn
from tests.support.harness import Clock
from tests.support.report_fixture import build_report_world

pytestmark = pytest.mark.integration
MONDAY = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)  # the first working day of January 2027


@pytest.fixture
def running(start_bot):
    return start_bot(Clock(MONDAY), people=build_report_world)


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def uploads_to(bot, user_id: str) -> dict[str, bytes]:
    """File name → content of every file uploaded to the person's DM."""
    names = {
        call.response["file_id"]: call.params["filename"]
        for call in bot.slack.calls("files.getUploadURLExternal")
        if call.response and call.response.get("ok")
    }
    return {
        names[item["id"]]: bot.slack.uploaded_file(item["id"])
        for call in bot.slack.calls("files.completeUploadExternal")
        if call.params.get("channel_id") == "D" + user_id[1:] and (call.response or {}).get("ok")
        for item in call.params["files"]
    }


def wait_for_uploads(bot, user_id: str, count: int) -> dict[str, bytes]:
    assert bot.slack.wait_for(lambda: len(uploads_to(bot, user_id)) >= count), (
        f"expected {count} files for {user_id}, got {sorted(uploads_to(bot, user_id))}"
    )
    return uploads_to(bot, user_id)


@pytest.mark.parametrize("person", ["nina", "pat"])
def test_team_managers_and_practitioners_are_refused(running, person):
    answer = running.command(uid(running, person), "report")
    assert answer.status == 200
    assert "only admins, service managers, heads of service can use `/audit report`" in (
        answer.text
    )
    running.services.sender.deliver_due()
    assert not running.slack.calls("files.completeUploadExternal")
    assert not running.dms_to(uid(running, person), count=0)


@pytest.mark.parametrize(
    "text, words",
    [
        ("report 2026-13", "`2026-13` is not a month or a quarter: use YYYY-MM"),
        ("report 2026-Q5", "`2026-Q5` is not a month or a quarter"),
        ("report 2026-12 extra", "`/audit report` takes: `/audit report [YYYY-MM|YYYY-Qn]`"),
        ("report 2027-02", "February 2027 has not started yet"),
    ],
)
def test_bad_arguments_get_a_clear_answer_and_nothing_is_sent(running, text, words):
    answer = running.command(uid(running, "admin"), text)
    assert words in answer.text
    running.services.sender.deliver_due()
    assert not running.slack.calls("files.completeUploadExternal")


def test_an_administrator_gets_last_months_briefing_in_their_dm(running):
    admin = uid(running, "admin")
    answer = running.command(admin, "report")
    assert "Your QA briefing for December 2026 is on its way" in answer.text
    [summary] = running.dms_to(admin)
    assert summary["text"] == "QA briefing for December 2026: 5 audits identified, 3 completed"
    body = str(summary["blocks"])
    assert (
        "5 identified · 2 completed within timescale · 1 late · 2 not completed · "
        "0 inadmissible · 3 analysed"
    ) in body
    assert "1 Category 1 raised (1 acknowledged, 1 still open) · 1 Category 2 raised" in body
    assert "1 on the register at the end of the month" in body
    assert "0 Outstanding · 1 Good · 0 Requires improvement to be good · 2 Inadequate" in body
    assert "1 moderated: 0 moved up, 1 moved down" in body
    assert "CR-" not in body  # counts only, even in a DM
    files = wait_for_uploads(running, admin, 14)
    assert completion_bars_drawn(files["qa-briefing-2026-12-chart.png"])
    assert files["qa-briefing-2026-12.md"].startswith(b"# QA briefing: December 2026")
    assert len([name for name in files if name.endswith(".csv")]) == 12
    good = files["qa-briefing-2026-12-what-good-looks-like.csv"].decode()
    assert "CR-N1" in good and "back in school" in good
    register = csv.DictReader(
        io.StringIO(files["qa-briefing-2026-12-cases-of-concern-register.csv"].decode())
    )
    assert [row["Case reference"] for row in register] == ["CR-N2", "CR-S2"]
    [opened, *_] = running.slack.calls("conversations.open")
    assert opened.params["users"] == admin


def test_a_service_manager_sees_only_their_lines_cases_and_a_quarter_is_accepted(running):
    manager = uid(running, "sm_north")
    answer = running.command(manager, "report 2026-Q4")
    assert "Your QA briefing for Q4 2026 (October to December)" in answer.text
    files = wait_for_uploads(running, manager, 14)
    register = files["qa-briefing-2026-Q4-cases-of-concern-register.csv"].decode()
    assert "CR-N2" in register and "CR-N3" in register and "CR-S2" not in register
    completion = files["qa-briefing-2026-Q4-completion.csv"].decode().splitlines()
    assert completion[-1] == "2026-Q4,8,5,1,2,1,5,1,0"
    good = files["qa-briefing-2026-Q4-what-good-looks-like.csv"].decode()
    assert "CR-N1" in good and "CR-N3" in good and "CR-N4" in good


def test_a_head_of_service_outside_the_line_gets_no_register(running):
    head = uid(running, "other_head")
    running.command(head, "report 2026-12")
    files = wait_for_uploads(running, head, 12)
    assert not any("register" in name or "good-looks" in name for name in files)
    assert not any(b"CR-" in content for content in files.values())
    [summary] = running.dms_to(head)
    assert "they name cases" not in str(summary["blocks"])


def tick(bot, text: str):
    moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
    bot.services.clock.now = moment
    return run_due_work(bot.services, moment)


def briefings_to(bot, key: str) -> list[dict]:
    return [
        m
        for m in bot.slack.messages_to(uid(bot, key))
        if m["text"].startswith("QA briefing for December 2026")
    ]


def test_the_monthly_briefing_goes_once_on_the_first_working_day(running):
    assert tick(running, "2027-01-01T10:00").briefings == 0  # New Year's Day
    assert tick(running, "2027-01-04T08:59").briefings == 0  # before 09:00
    report = tick(running, "2027-01-04T09:00")
    assert report.briefings == 3  # the administrator and both heads of service
    assert "queued the monthly QA briefing to 3 recipient(s)" in report.summary()
    for key in ("admin", "head", "other_head"):
        assert len(briefings_to(running, key)) == 1
    assert not briefings_to(running, "sm_north") and not briefings_to(running, "nina")
    head_files = uploads_to(running, uid(running, "head"))
    register = head_files["qa-briefing-2026-12-cases-of-concern-register.csv"].decode()
    assert "CR-N2" in register and "CR-S2" in register  # both service managers report to Hana
    assert not any("register" in name for name in uploads_to(running, uid(running, "other_head")))
    # a re-run, later that day or the next, sends nothing new
    running.wait_until_sent()
    uploads = len(running.slack.calls("files.completeUploadExternal"))
    assert tick(running, "2027-01-04T09:00").briefings == 0
    assert tick(running, "2027-01-05T11:00").briefings == 0
    for key in ("admin", "head", "other_head"):
        assert len(briefings_to(running, key)) == 1
    running.wait_until_sent()
    assert len(running.slack.calls("files.completeUploadExternal")) == uploads


def test_no_briefing_for_a_month_without_audits(running):
    # February's first working day reports on January, when no cases were drawn
    assert tick(running, "2027-02-01T09:30").briefings == 0


def test_with_a_moderation_window_a_provisional_briefing_then_the_final_one(start_bot):
    """Moderation closes on the 10th: the first working day's briefing is provisional; the
    final one goes from 09:00 on Monday 11 January (the 10th is a Sunday), once."""
    policy = Policy(reaudit=ReauditPolicy(moderation_window_day=10))
    bot = start_bot(Clock(MONDAY), policy=policy, people=build_report_world)
    assert tick(bot, "2027-01-04T09:00").briefings == 3
    [provisional] = briefings_to(bot, "admin")
    assert provisional["text"].startswith("QA briefing for December 2026 (provisional)")
    assert tick(bot, "2027-01-08T09:00").briefings == 0
    assert tick(bot, "2027-01-11T08:59").briefings == 0
    assert tick(bot, "2027-01-11T09:00").briefings == 3
    assert tick(bot, "2027-01-12T09:00").briefings == 0
    _, final = briefings_to(bot, "admin")
    assert final["text"].startswith("QA briefing for December 2026 (final, after moderation)")
    bot.wait_until_sent()
    summaries = [
        content
        for name, content in uploads_to(bot, uid(bot, "admin")).items()
        if name == "qa-briefing-2026-12.md"
    ]
    assert summaries and b"Final: moderation of these audits has closed." in summaries[-1]


def test_a_tick_first_running_after_the_window_sends_only_the_final_briefing(start_bot):
    policy = Policy(reaudit=ReauditPolicy(moderation_window_day=10))
    bot = start_bot(Clock(MONDAY), policy=policy, people=build_report_world)
    assert tick(bot, "2027-01-13T10:00").briefings == 3
    assert tick(bot, "2027-01-14T10:00").briefings == 0
    [final] = briefings_to(bot, "admin")
    assert "(final, after moderation)" in final["text"]
