"""The briefing's chart: completion and overall grades over the periods compared, as a PNG.

Drawn with matplotlib's Agg canvas directly (no pyplot, no display), so it is safe in a server
thread. matplotlib is imported when a chart is drawn, not when the bot starts: it costs a
`serve` process some 40 MB that only the monthly briefing needs.
"""

from __future__ import annotations

import io

from bot.report.figures import Briefing

COMPLETION_COLOURS = {
    "Completed within timescale": "#2e7d32",
    "Completed late": "#f9a825",
    "Not completed": "#9e9e9e",
}
GRADE_COLOURS = ["#1b5e20", "#66bb6a", "#ffb300", "#c62828", "#6a1b9a", "#455a64"]


def briefing_chart(briefing: Briefing) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 5), dpi=100)
    FigureCanvasAgg(figure)
    completion, grades = figure.subplots(1, 2)
    _draw_completion(completion, briefing)
    _draw_grades(grades, briefing)
    figure.suptitle(f"QA briefing: {briefing.period.label}")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _draw_completion(axes, briefing: Briefing) -> None:
    labels = [row.period.short_label for row in briefing.completion]
    series = {
        "Completed within timescale": [row.completed_in_time for row in briefing.completion],
        "Completed late": [row.completed_late for row in briefing.completion],
        "Not completed": [row.not_completed for row in briefing.completion],
    }
    _stacked_bars(axes, labels, series, list(COMPLETION_COLOURS.values()))
    axes.set_title("Audits identified and completed")
    axes.set_ylabel("Audits")
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def _draw_grades(axes, briefing: Briefing) -> None:
    axes.set_title("Overall judgements (% of completed audits)")
    if not briefing.grade_scale:
        axes.text(0.5, 0.5, "Evaluative statements: no grades", ha="center", va="center")
        axes.set_axis_off()
        return
    rows = briefing.overall_grades
    series = {
        grade: [_share(row.counts[grade], row.total) for row in rows]
        for grade in briefing.grade_scale
    }
    _stacked_bars(axes, [row.period.short_label for row in rows], series, GRADE_COLOURS)
    axes.set_ylim(0, 100)
    axes.set_ylabel("%")


def _stacked_bars(axes, labels: list[str], series: dict[str, list[float]], colours) -> None:
    bottoms = [0.0] * len(labels)
    for (name, values), colour in zip(series.items(), colours, strict=False):
        axes.bar(labels, values, bottom=bottoms, label=name, color=colour)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)


def _share(count: int, total: int) -> float:
    return 100.0 * count / total if total else 0.0
