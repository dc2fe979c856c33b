"""The command line as operators and scripts use it (CONTRACT.md)."""

from __future__ import annotations

import csv
import html
import re
from importlib import resources
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.cli import main
from bot.demo.slack_standin import SlackStandIn
from bot.report.chart import COMPLETION_COLOURS
from models import OutboxMessage, SelectionRound, Staff, Team
from models.db import create_db_engine, session_factory
from tests.support.charts import bar_colours


def sample(kind: str) -> str:
    return str(resources.files("bot.demo.sample") / f"{kind}.csv")


@pytest.fixture
def env(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "AUDITBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return database_url


def count(database_url: str, table) -> int:
    engine = create_db_engine(database_url)
    with session_factory(engine)() as session:
        total = session.exec(select(func.count()).select_from(table)).one()
    engine.dispose()
    return total


def test_import_reports_bad_rows_and_changes_nothing(env, tmp_path, capsys):
    teams = tmp_path / "teams.csv"
    teams.write_text(
        "team,service_area,team_type,channel_id\n"
        "North,Area,short_term,C0NORTH01\n"
        "South,Area,medium_term,\n",
        encoding="utf-8",
    )
    assert main(["import", "teams", str(teams)]) == 2
    err = capsys.readouterr().err
    assert f"{teams}:3: team_type 'medium_term'" in err
    assert "nothing imported" in err
    assert count(env, Team) == 0


def test_import_dry_run_then_for_real(env, capsys):
    assert main(["import", "teams", sample("teams"), "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert count(env, Team) == 0
    assert main(["import", "teams", sample("teams")]) == 0
    assert main(["import", "staff", sample("staff")]) == 0
    assert count(env, Team) == 4 and count(env, Staff) == 20


def test_tick_draws_on_the_first_working_day_and_a_rerun_sends_nothing(env, monkeypatch, capsys):
    for kind in ("teams", "staff", "cases"):
        assert main(["import", kind, sample(kind)]) == 0
    with SlackStandIn({"owen.price@example.gov.uk": "U0OWEN001"}) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        assert main(["tick", "--now", "2026-12-01T07:59:00+00:00"]) == 0
        assert count(env, SelectionRound) == 0
        assert main(["tick", "--now", "2026-12-01T08:00:00+00:00"]) == 0
        out = capsys.readouterr().out
        assert "drew the 2026-12 selection" in out
        assert sorted(c.params["channel"] for c in selection_dms(slack)) == [
            "U0TM00001",
            "U0TM00002",
            "U0TM00003",
        ]
        sent = len(slack.calls("chat.postMessage"))
        assert main(["tick", "--now", "2026-12-01T08:00:00+00:00"]) == 0
        assert main(["tick", "--now", "2026-12-01T09:00:00"]) == 0  # naive: AUDITBOT_TZ
        assert len(slack.calls("chat.postMessage")) == sent
        assert slack.calls("users.lookupByEmail")  # the one person without a Slack ID was found
    assert count(env, OutboxMessage) == sent


def selection_dms(slack):
    return [
        call
        for call in slack.calls("chat.postMessage")
        if call.fault is None and call.params["text"].startswith("Your case for the")
    ]


def test_tick_and_serve_need_a_token(env, capsys):
    assert main(["tick"]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err
    assert main(["serve", "--no-scheduler"]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err


def test_serve_in_http_mode_needs_the_signing_secret(env, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["serve"]) == 2
    assert "SLACK_SIGNING_SECRET" in capsys.readouterr().err


def test_bad_environment_values_are_named(env, monkeypatch, capsys):
    monkeypatch.setenv("AUDITBOT_TZ", "Mars/Olympus")
    assert main(["import", "teams", sample("teams")]) == 2
    assert "AUDITBOT_TZ" in capsys.readouterr().err


def test_demo_runs_offline(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLACK_API_URL", raising=False)
    assert main(["demo", "--out", "out"]) == 0
    out = capsys.readouterr().out
    assert "Your case for the December 2026 audit" in out
    assert "This replaces" in out
    assert "only admins can use `/audit select`" in out
    assert "drew 1 monthly re-audit(s) for 2026-12" in out
    assert "Re-audit submitted on Friday 18 December 2026" in out
    assert "Good → Requires improvement to be good" in out
    assert "December 2026 re-audits were already drawn" in out
    assert "A child may be at risk now" in out and "is acting on this" in out
    assert "cases of concern: 1 Category 1" in out
    assert "\n  Tuesday 1 December 2026\n" in out  # per person, then per day
    # The demo's database is thrown away; only what --out asked for is left.
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"qa-briefing-2026-12.md", "qa-briefing-2026-12-chart.png", "transcript.html"} <= written
    chart = (tmp_path / "out" / "qa-briefing-2026-12-chart.png").read_bytes()
    assert COMPLETION_COLOURS["Completed within timescale"] in bar_colours(chart)
    assert_transcript_page_matches(out, (tmp_path / "out" / "transcript.html").read_text())


def test_demo_refuses_a_folder_it_cannot_write_before_playing_the_month(capsys, tmp_path):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("")
    assert main(["demo", "--out", str(not_a_folder / "out")]) == 2
    captured = capsys.readouterr()
    assert f"cannot write the demo to {not_a_folder / 'out'}" in captured.err
    assert "scheduler sweep" not in captured.out


def assert_transcript_page_matches(printed: str, page: str) -> None:
    """The page has a section per person with as many messages and forms as the printed
    transcript, and no case reference in any team channel's section."""
    people = re.findall(r"^══ (.+) ══$", printed, re.M)
    sections = re.findall(
        r'<section class="(person[^"]*)" id="[^"]+"><h2>(.*?)</h2>(.*?)</section>', page, re.S
    )
    assert [html.unescape(name) for _, name, _ in sections] == people
    printed_entries = re.split(r"^══ .+ ══$", printed, flags=re.M)[1:]
    for (_, name, content), entries in zip(sections, printed_entries, strict=True):
        shown = len(re.findall(r'<article class="(?:msg|modal)"', content))
        assert shown == len(re.findall(r"^    \d\d:\d\d — ", entries, re.M)), name
    sample_cases = Path(sample("cases")).read_text(encoding="utf-8").splitlines()
    case_refs = {row["case_ref"] for row in csv.DictReader(sample_cases)}
    found = re.compile("|".join(map(re.escape, case_refs)))
    channels = [content for kind, _, content in sections if "channel" in kind]
    direct = [content for kind, _, content in sections if "channel" not in kind]
    assert channels and any(found.search(content) for content in direct)
    assert not any(found.search(content) for content in channels)


def test_serve_stops_with_a_clear_message_when_slack_refuses_the_token(env, monkeypatch, capsys):
    with SlackStandIn() as slack:
        slack.fail_next("auth.test", error="invalid_auth")
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        assert main(["serve", "--no-scheduler"]) == 2
    err = capsys.readouterr().err
    assert "could not check SLACK_BOT_TOKEN" in err and "invalid_auth" in err
