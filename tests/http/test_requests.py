"""Through the real HTTP endpoint: signed requests in, Slack Web API calls out to the stand-in."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

import handlers.commands
from bot.bootstrap import create_wsgi_app
from bot.commands.audit_command import answer_audit_command
from bot.demo.slack_requests import sign, slash_command_body
from models import AuditLogEntry, Selection, SelectionRound
from models.db import create_db_engine
from tests.support import factories
from tests.support.harness import SECRET, ephemeral_replies

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def running(start_bot):
    return start_bot(lambda: NOW, people=lambda s: factories.authority(s, cases_per_team=4))


def user(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def count_rows(bot, table) -> int:
    with bot.services.make_session() as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_an_administrator_selects_and_each_manager_gets_a_dm(running):
    answer = running.command(user(running, "admin"), "select 2026-12")
    assert answer.status == 200
    assert "December 2026 selection done" in answer.text
    assert "2 cases drawn for 2 team managers" in answer.text
    north_dm = running.dms_to(user(running, "north_tm"))[0]
    south_dm = running.dms_to(user(running, "south_tm"))[0]
    assert "CR-N" in north_dm["text"] and "CR-S" in south_dm["text"]
    assert f"<@{user(running, 'north_worker')}>" in json.dumps(north_dm["blocks"])
    buttons = [
        e["action_id"] for b in north_dm["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [
        "audit.start",
        "booking.open",
        "engagement.open",
        "extension.open",
        "selection.request_redraw",
    ]
    # Nothing went to a channel: case references only in DMs.
    assert not [
        c for c in running.slack.calls("chat.postMessage") if c.params["channel"].startswith("C")
    ]


def test_selecting_the_same_month_again_changes_nothing(running):
    running.command(user(running, "admin"), "select 2026-12")
    running.dms_to(user(running, "north_tm"))
    again = running.command(user(running, "admin"), "select 2026-12")
    assert "was already drawn" in again.text and "nothing has changed" in again.text
    time.sleep(0.5)  # give the delivery worker a chance to (wrongly) send more
    assert len(running.dms_to(user(running, "north_tm"))) == 1
    assert count_rows(running, SelectionRound) == 1


def test_select_without_a_month_draws_the_coming_month(running):
    answer = running.command(user(running, "admin"), "select")
    assert "December 2026 selection done" in answer.text


@pytest.mark.parametrize("who", ["north_tm", "north_worker", "service_manager"])
def test_only_administrators_may_select(running, who):
    answer = running.command(user(running, who), "select 2026-12")
    assert answer.status == 200
    assert "only admins can use `/audit select`" in answer.text
    assert count_rows(running, SelectionRound) == 0


def test_a_forged_signature_is_rejected_and_changes_nothing(running):
    body = slash_command_body(
        "/audit",
        "select 2026-12",
        user_id=user(running, "admin"),
        response_url=running.slack.response_url("x"),
    )
    forged = sign("not-the-secret", body)
    assert running.post(body, forged).status == 401
    assert count_rows(running, SelectionRound) == 0


def test_a_stale_request_is_rejected_and_changes_nothing(running):
    body = slash_command_body(
        "/audit",
        "select 2026-12",
        user_id=user(running, "admin"),
        response_url=running.slack.response_url("x"),
    )
    six_minutes_ago = int(time.time()) - 6 * 60
    assert running.post(body, sign(SECRET, body, timestamp=six_minutes_ago)).status == 401
    assert running.post(body, {"Content-Type": "application/x-www-form-urlencoded"}).status == 401
    assert count_rows(running, SelectionRound) == 0


def test_a_command_is_acknowledged_before_its_answer_is_worked_out(running, monkeypatch):
    started, release = threading.Event(), threading.Event()

    def slow_answer(*args):
        started.set()
        release.wait(10)
        return answer_audit_command(*args)

    monkeypatch.setattr(handlers.commands, "answer_audit_command", slow_answer)
    response_url = running.slack.response_url("slow")
    body = slash_command_body(
        "/audit", "help", user_id=user(running, "admin"), response_url=response_url
    )
    ack = running.post(body)
    assert ack.status == 200 and not ack.body  # the ack, while the answer is still being made
    assert started.wait(5) and not running.slack.responses_to(response_url)
    release.set()
    assert running.slack.wait_for(lambda: running.slack.responses_to(response_url))
    reply = running.slack.responses_to(response_url)[0]
    assert reply["response_type"] == "ephemeral" and "/audit select" in json.dumps(reply)


def test_unknown_sub_commands_and_bad_months_get_the_usage_line(running):
    for text in ("frobnicate", "select 2026-13", "status last-month"):
        answer = running.command(user(running, "admin"), text)
        assert answer.status == 200
        assert "Usage: /audit help | select [YYYY-MM]" in answer.text
    assert count_rows(running, SelectionRound) == 0


def test_someone_not_on_the_staff_list_is_told_so(running):
    answer = running.command("U0STRANGER", "status")
    assert "don't recognise you" in answer.text


def test_help_lists_only_what_the_person_may_use(running):
    admin_help = running.command(user(running, "admin"), "help").text
    worker_help = running.command(user(running, "north_worker"), "").text
    assert "/audit select" in admin_help and "/audit explain" in admin_help
    assert "/audit help" in worker_help
    assert "/audit select" not in worker_help and "/audit status" not in worker_help


def test_status_shows_counts_to_overseers_and_their_own_case_to_a_manager(running):
    running.command(user(running, "admin"), "select 2026-12")
    overseer = running.command(user(running, "service_manager"), "status 2026-12").text
    assert "2* cases selected" in overseer and "North" in overseer and "South" in overseer
    assert "CR-N" not in overseer  # counts only
    manager = running.command(user(running, "north_tm"), "status 2026-12").text
    assert "Your case for December 2026" in manager and "CR-N" in manager
    explain = running.command(
        user(running, "admin"), f"explain <@{user(running, 'north_tm')}|nina> 2026-12"
    ).text
    assert "drawn at random from 4 eligible cases" in explain


def test_a_manager_asks_for_a_different_case(running):
    running.command(user(running, "admin"), "select 2026-12")
    manager = user(running, "north_tm")
    first = running.dms_to(manager)[0]
    assert running.click(manager, first, "selection.request_redraw").status == 200
    assert running.slack.wait_for(lambda: running.slack.calls("views.open"))
    view = running.slack.calls("views.open")[-1].params["view"]
    assert view["callback_id"] == "selection.redraw"

    too_short = running.submit(manager, view, reason_values("moving"))
    assert too_short.json == {
        "response_action": "errors",
        "errors": {"reason": "Please say why you need a different case (a sentence is enough)."},
    }
    done = running.submit(manager, view, reason_values("The family moves to Leeds next week."))
    assert done.status == 200 and not done.body

    second = running.dms_to(manager, count=2)[1]
    assert "This replaces" in json.dumps(second["blocks"])
    assert running.slack.wait_for(lambda: running.slack.calls("chat.update"))
    update = running.slack.calls("chat.update")[0].params
    assert update["ts"] == first["ts"] and "no longer your December 2026 case" in update["text"]

    again = running.submit(manager, view, reason_values("The family moves to Leeds next week."))
    assert "already been replaced" in again.json["errors"]["reason"]
    with running.services.make_session() as session:
        rows = session.exec(
            select(Selection).where(Selection.manager_id == running.people["north_tm"].id)
        ).all()
        logged = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "selection.redraw")
        ).all()
    assert sorted(r.status for r in rows) == ["replaced", "selected"]
    assert len(logged) == 1


def test_another_manager_cannot_redraw_someone_elses_case(running):
    running.command(user(running, "admin"), "select 2026-12")
    first = running.dms_to(user(running, "north_tm"))[0]
    intruder = user(running, "south_tm")
    running.click(intruder, first, "selection.request_redraw")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "Only the team manager" in ephemeral_replies(running)[-1]
    assert not running.slack.calls("views.open")
    with running.services.make_session() as session:
        assert {s.status for s in session.exec(select(Selection)).all()} == {"selected"}


def reason_values(text: str) -> dict:
    return {"reason": {"reason": {"type": "plain_text_input", "value": text}}}


def test_health_check_answers_with_the_database_state(running, tmp_path):
    healthy = running.get("/healthz")
    assert healthy.status == 200 and healthy.json == {"status": "ok", "database": "ok"}
    broken = create_db_engine(f"sqlite:///{tmp_path}/missing-dir/x.db")
    app = create_wsgi_app(None, broken)
    statuses = []
    body = b"".join(
        app(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"},
            lambda status, headers: statuses.append(status),
        )
    )
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(body)["database"] == "unreachable"
    broken.dispose()
