"""The briefing's files: the Markdown summary and the chart, a CSV per table, and (for people
entitled to it) the cases-of-concern register."""

from __future__ import annotations

from pathlib import Path

from bot.report.figures import Briefing, RegisterEntry
from bot.report.learning import GoodPractice
from bot.report.markdown import briefing_markdown
from bot.report.period import Period
from bot.report.round_findings import findings_file, with_findings
from bot.report.tables import briefing_tables, good_practice_table, register_table, to_csv

Files = dict[str, str | bytes]  # file name → content


def summary_files(briefing: Briefing) -> Files:
    # Imported here: every process imports this module, few draw a chart (Pillow is ~5 MB).
    from bot.report.chart import briefing_chart

    stem = _stem(briefing.period)
    return {
        f"{stem}.md": briefing_markdown(briefing),
        f"{stem}-chart.png": briefing_chart(briefing),
    }


def table_files(briefing: Briefing) -> Files:
    stem = _stem(briefing.period)
    return {f"{stem}-{table.name}.csv": to_csv(table) for table in briefing_tables(briefing)}


def register_file(period: Period, entries: list[RegisterEntry]) -> Files:
    table = register_table(entries)
    return {f"{_stem(period)}-{table.name}.csv": to_csv(table)}


def good_practice_file(period: Period, entries: list[GoodPractice]) -> Files:
    table = good_practice_table(entries)
    return {f"{_stem(period)}-{table.name}.csv": to_csv(table)}


def briefing_files(briefing: Briefing, *, with_cases: bool) -> Files:
    """Every file; those naming cases (the register, what Good looks like) only `with_cases`."""
    files = summary_files(briefing) | table_files(briefing)
    if with_cases:
        files |= register_file(briefing.period, briefing.register)
        files |= good_practice_file(briefing.period, briefing.good_practice)
        if with_findings(briefing):  # issue 25: the audit days' findings
            files |= findings_file(briefing.period, with_findings(briefing))
    return files


def write_files(directory: Path, files: Files) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def _stem(period: Period) -> str:
    return f"qa-briefing-{period}"
