"""`auditbot report monthly|quarterly` writes the QA briefing's files (CONTRACT.md)."""

from __future__ import annotations

import pytest

from bot.cli import main
from models.db import create_db_engine, session_factory, transaction, upgrade_database
from tests.support.charts import completion_bars_drawn
from tests.support.report_fixture import build_report_world


@pytest.fixture
def env(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "AUDITBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    engine = create_db_engine(database_url)
    upgrade_database(engine)
    with transaction(session_factory(engine)) as session:
        build_report_world(session)
    engine.dispose()
    return database_url


def test_report_monthly_writes_the_files(env, tmp_path, capsys):
    out = tmp_path / "briefing"
    assert main(["report", "monthly", "--month", "2026-12", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "QA briefing for December 2026: 5 audits identified, 2 completed within timescale" in (
        printed
    )
    names = sorted(path.name for path in out.iterdir())
    assert len(names) == 14 and f"wrote {out / 'qa-briefing-2026-12.md'}" in printed
    assert completion_bars_drawn((out / "qa-briefing-2026-12-chart.png").read_bytes())
    completion = (out / "qa-briefing-2026-12-completion.csv").read_text().splitlines()
    assert completion[-1] == "2026-12,5,2,1,2,0,3,1,0"
    register = (out / "qa-briefing-2026-12-cases-of-concern-register.csv").read_text()
    assert "CR-N2" in register and "CR-S2" in register
    assert "CR-N1" in (out / "qa-briefing-2026-12-what-good-looks-like.csv").read_text()
    assert "CR-" not in (out / "qa-briefing-2026-12.md").read_text()


def test_report_quarterly_writes_the_files(env, tmp_path, capsys):
    assert main(["report", "quarterly", "--quarter", "2026-Q4", "--out", str(tmp_path)]) == 0
    assert "QA briefing for Q4 2026 (October to December): 8 audits" in capsys.readouterr().out
    completion = (tmp_path / "qa-briefing-2026-Q4-completion.csv").read_text().splitlines()
    assert completion[1:] == [
        "2026-Q1,0,0,0,0,0,0,0,0",
        "2026-Q2,0,0,0,0,0,0,0,0",
        "2026-Q3,0,0,0,0,0,0,0,0",
        "2026-Q4,8,5,1,2,1,5,1,0",
    ]
    assert completion_bars_drawn((tmp_path / "qa-briefing-2026-Q4-chart.png").read_bytes())


@pytest.mark.parametrize(
    "argv, message",
    [
        (["monthly", "--month", "2026-13"], "'2026-13' is not a month: use YYYY-MM, e.g. 2026-12"),
        (["monthly", "--month", "Dec"], "'Dec' is not a month: use YYYY-MM"),
        (["quarterly", "--quarter", "2026-Q5"], "'2026-Q5' is not a quarter: use YYYY-Qn"),
        (["quarterly", "--quarter", "2026-12"], "'2026-12' is not a quarter"),
        (["weekly"], "invalid choice: 'weekly'"),
    ],
)
def test_bad_arguments_give_a_clear_error(env, tmp_path, capsys, argv, message):
    out = tmp_path / "briefing"
    with pytest.raises(SystemExit) as exit_:
        main(["report", *argv, "--out", str(out)])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_unwritable_folder_is_reported(env, tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    assert main(["report", "monthly", "--month", "2026-12", "--out", str(blocker)]) == 2
    assert f"cannot write the briefing to {blocker}" in capsys.readouterr().err
