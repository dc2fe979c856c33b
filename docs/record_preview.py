"""A picture of the audit document for the child's record, for docs/user-guide.md.

Builds the Word document of a made-up completed audit with bot/audit/record_document.py, reads
it back with python-docx and draws what it holds (headings, paragraphs with their bold and
italic runs, tables) as a page preview with Pillow and its bundled font, so it needs neither
Word nor LibreOffice:

    python docs/record_preview.py            # writes docs/images/audit-record-document.png
    python docs/record_preview.py --out X.png
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import date, datetime
from functools import cache
from pathlib import Path

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from PIL import Image, ImageDraw, ImageFont

from bot.audit.record_document import (
    ActionLine,
    AuditRecord,
    Discussion,
    DomainAnswer,
    FamilyViews,
    ModeratedLine,
    Moderation,
    audit_record_docx,
)
from bot.policy.schema import Policy

TARGET = Path(__file__).parent / "images" / "audit-record-document.png"
PAGE_WIDTH, MARGIN, GUTTER = 900, 70, 30
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
INK, HEADING_INK, GREY, RULE = "#1f1f1f", "#2f5496", "#5f5f5f", "#9e9e9e"
SIZES = {"Title": 30, "Heading 1": 21, "Heading 2": 16}
BODY = 14
LEADING = 1.45
CELL_PADDING = 6

GRADES = {
    "help_protection_stability": "Good",
    "recording_communication": "Requires improvement to be good",
    "assessment": "Good",
    "relationship_direct_work": "Outstanding",
    "multi_agency_planning": "Good",
    "supervision_oversight": "Requires improvement to be good",
    "impact_outcomes": "Good",
}
WHY = {
    "help_protection_stability": "Help came within days of the referral and the safety plan "
    "has held for six months; she has stayed at home and at the same school.",
    "recording_communication": "Visits are recorded, but the chronology stops in August and "
    "the plan's contingency is not written down anywhere a duty worker would find it.",
}
WHY_ELSE = "Clear, current and analytical; the child's own words are quoted and acted upon."


def sample_record() -> AuditRecord:
    """A made-up completed audit: no real case, child or family."""
    domains = [
        DomainAnswer(d.title, d.guidance, GRADES[d.id], WHY.get(d.id, WHY_ELSE))
        for d in Policy().framework.domains
    ]
    return AuditRecord(
        case_ref="CR-100234",
        case_type="Child Protection",
        team="Stockport North",
        practitioner="Pat Worker",
        auditor="Nina North",
        drawn_on=date(2026, 12, 1),
        submitted_on=date(2026, 12, 17),
        framework="Sefton practice framework",
        domains=domains,
        impact="She now goes to school every day and sleeps at home; her mother says the "
        "weekends are calmer since the family group conference.",
        views="Seen at home: she likes her worker and wants her brother to visit more often.",
        overall="Good",
        concern="none",
        concern_note="",
        actions=[
            ActionLine(
                "Bring the chronology up to date", "Pat Worker", date(2027, 1, 8), None, None, False
            ),
            ActionLine(
                "Write the contingency into the plan",
                "Pat Worker",
                date(2026, 12, 23),
                date(2026, 12, 21),
                "Added and shared with the school.",
                False,
            ),
        ],
        no_actions="",
        made_on=date(2027, 1, 5),
        family=FamilyViews(
            "views_obtained",
            "visit",
            date(2026, 12, 9),
            "Mother: weekends are hardest. Child: likes her worker.",
            None,
            "engaged",
            None,
            "engaged",
            None,
        ),
        discussion=Discussion("held", datetime(2026, 12, 15, 10, 0), None),
        moderations=[
            Moderation(
                moderator="Sam Service",
                submitted_on=date(2027, 1, 4),
                judgements=[_moderated(domain) for domain in domains],
                overall_agreed=True,
                overall_grade=None,
                overall_reason=None,
                actions_addressed="partly",
                comment="A careful audit; the assessment needs revisiting.",
            )
        ],
    )


def _moderated(domain: DomainAnswer) -> ModeratedLine:
    if domain.title != "Assessment":
        return ModeratedLine(domain.title, domain.grade, True, None, None)
    better = "Requires improvement to be good"
    return ModeratedLine(domain.title, domain.grade, False, better, "It predates the new baby.")


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def draw_document(content: bytes) -> Image.Image:
    """The document's body, top to bottom, on one long white page."""
    document = Document(io.BytesIO(content))
    blocks = list(document.iter_inner_content())
    page = Image.new("RGB", (PAGE_WIDTH, 20000), "white")
    pen = ImageDraw.Draw(page)
    y = MARGIN
    for block in blocks:
        if isinstance(block, Table):
            y = _draw_table(pen, block, y) + 12
        else:
            y = _draw_paragraph(pen, block, MARGIN, y, TEXT_WIDTH)
    return page.crop((0, 0, PAGE_WIDTH, y + MARGIN))


def _draw_paragraph(pen: ImageDraw.ImageDraw, paragraph: Paragraph, x: int, y: int, width: int):
    style = paragraph.style.name
    size = SIZES.get(style, BODY)
    heading = style in SIZES
    if heading:
        y += size // 2
    words = [
        (word, bool(run.bold) or heading, bool(run.italic))
        for run in paragraph.runs
        for word in run.text.split()
    ]
    for line in wrap(words, size, width):
        left = x
        for word, bold, italic in line:
            ink = HEADING_INK if heading else GREY if italic else INK
            pen.text((left, y), word, font=font(size), fill=ink)
            if bold:
                pen.text((left + 1, y), word, font=font(size), fill=ink)
            left += pen.textlength(word + " ", font=font(size))
        y += int(size * LEADING)
    if style == "Title":
        pen.line((x, y + 4, x + width, y + 4), fill=HEADING_INK, width=2)
        y += 12
    return y + (4 if heading else 8)


def wrap(words, size: int, width: int):
    line, used = [], 0.0
    space = font(size).getlength(" ")
    for word in words:
        length = font(size).getlength(word[0])
        if line and used + length > width:
            yield line
            line, used = [], 0.0
        line.append(word)
        used += length + space
    if line:
        yield line


def _draw_table(pen: ImageDraw.ImageDraw, table: Table, y: int) -> int:
    widths = _column_widths(table)
    for row in table.rows:
        bottom = y
        left = MARGIN
        for cell, width in zip(row.cells, widths, strict=True):
            cell_y = y + CELL_PADDING
            for paragraph in cell.paragraphs:
                cell_y = _draw_paragraph(
                    pen, paragraph, left + CELL_PADDING, cell_y, width - 2 * CELL_PADDING
                )
            bottom = max(bottom, cell_y - 4)
            left += width
        left = MARGIN
        for width in widths:
            pen.rectangle((left, y, left + width, bottom), outline=RULE)
            left += width
        y = bottom
    return y


def _column_widths(table: Table) -> list[int]:
    """The columns' widths as the document sets them (equal when it does not), scaled to fit."""
    cells = table.rows[0].cells
    shares = [cell.width or 1 for cell in cells]
    if any(cell.width is None for cell in cells):
        shares = [1] * len(cells)
    return [TEXT_WIDTH * share // sum(shares) for share in shares]


def framed(page: Image.Image) -> Image.Image:
    """The page on a grey desk with a shadow, as a document preview."""
    desk = Image.new("RGB", (page.width + 2 * GUTTER, page.height + 2 * GUTTER), "#e8e8e8")
    desk.paste(
        "#bdbdbd", (GUTTER + 4, GUTTER + 4, GUTTER + 4 + page.width, GUTTER + 4 + page.height)
    )
    desk.paste(page, (GUTTER, GUTTER))
    return desk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help=f"default: {TARGET}")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    picture = framed(draw_document(audit_record_docx(sample_record())))
    picture.quantize(colors=64).save(args.out, optimize=True)  # a third of the size
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
