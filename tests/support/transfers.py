"""A case moving team, as councils do it: a cases.csv import that names another team."""

from __future__ import annotations

from datetime import datetime

from bot.people.importer import ImportReport, import_csv


def move_north_case_to_south(bot, tmp_path, now: datetime) -> ImportReport:
    """cases.csv now gives CR-N000 to South and its practitioner Rae."""
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_ref,team,worker_email,case_type,opened_on,status\n"
        "CR-N000,South,rae.worker@example.gov.uk,CP,2025-01-01,open\n",
        encoding="utf-8",
    )
    report = import_csv(
        bot.services.make_session, "cases", path, policy=bot.services.policy, now=now, actor="cli"
    )
    assert report.ok, report.errors
    bot.services.deliver_soon()
    return report
