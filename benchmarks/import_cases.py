"""`auditbot import cases` with a 100,000-row file, as an operator runs it: a cold process on a
fresh copy of the generated authority, its wall time and its peak resident memory. The file
gives the authority's teams and practitioners 100,000 new cases; the targets are 10 s and
150 MB."""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from benchmarks.run import _CLI_REPORTING_PEAK, ROOT
from models import Staff, Team
from models.db import create_db_engine

ROWS = 100_000
CASE_TYPES = ("CP", "LAC", "CIN", "TAC", "EH")


def measure_import(url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.csv"
        _write_cases(url, path)
        started = time.perf_counter()
        process = subprocess.run(
            [sys.executable, "-c", _CLI_REPORTING_PEAK, "import", "cases", str(path)],
            env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"auditbot import failed: {process.stderr[-2000:]}")
    peak_kb = int(process.stderr.rsplit("VmHWM:", 1)[1].split()[0])
    return {"import_rows": ROWS, "import_s": seconds, "import_peak_mb": peak_kb / 1024}


def _write_cases(url: str, path: Path) -> None:
    """100,000 new cases, spread over the authority's practitioners in their teams."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            teams = dict(session.exec(select(Team.id, Team.name)).all())
            workers = session.exec(
                select(Staff.team_id, Staff.email)
                .where(col(Staff.team_id).is_not(None), Staff.status == "active")
                .where(col(Staff.roles).contains("practitioner"))
                .order_by(col(Staff.id))
            ).all()
    finally:
        engine.dispose()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_ref", "team", "worker_email", "case_type", "opened_on", "status"])
        for index in range(ROWS):
            team_id, email = workers[index % len(workers)]
            case_type = CASE_TYPES[index % len(CASE_TYPES)]
            writer.writerow(
                [f"CR-I{index:06d}", teams[team_id], email, case_type, "2026-01-15", "open"]
            )
