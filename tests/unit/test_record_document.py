"""The Word document for the child's record, built from plain data and read back with
python-docx: the edges a database test does not reach, and the docs' picture of it."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import date
from pathlib import Path

from PIL import Image

from bot.audit.record_document import AuditRecord, DomainAnswer, audit_record_docx
from tests.support.word import document_lines, headings

ROOT = Path(__file__).resolve().parents[2]

HALTON = AuditRecord(
    case_ref="CR-7",
    case_type="Child in Need",
    team="Halton East",
    practitioner="Pat Worker",
    auditor="Nina North",
    drawn_on=date(2026, 12, 1),
    submitted_on=date(2026, 12, 17),
    framework="Halton evaluative statements",
    domains=[DomainAnswer("The child's plan", "", None, "A clear plan, reviewed\x0b monthly.")],
    impact="School every day.",
    views="Not sought: too young.",
    overall="Practice is effective and the child is safer.",
    concern="category_1",
    concern_note="Bruising seen at the last visit has not been followed up.",
    actions=[],
    no_actions="The plan is working well.",
    made_on=date(2027, 1, 5),
)


def test_an_evaluative_framework_with_no_family_record_no_discussion_and_no_actions():
    content = audit_record_docx(HALTON)
    lines = document_lines(content)
    assert "The child's plan" in headings(content)
    assert "Evaluation: A clear plan, reviewed monthly." in lines  # a control character dropped
    assert "Contact with the family: none was planned or recorded." in lines
    assert "No discussion was booked." in lines
    assert "No actions needed: The plan is working well." in lines
    assert "Immediate concern: Category 1: the child may be at risk now" in lines
    assert "The concern: Bruising seen at the last visit has not been followed up." in lines
    assert not any(line.startswith("Moderation") for line in headings(content))


def test_names_and_text_are_written_as_given_never_as_markup():
    content = audit_record_docx(replace(HALTON, team="<@U123> & <!channel>"))
    assert "Team | <@U123> & <!channel>" in document_lines(content)


def test_the_docs_picture_of_the_document_is_drawn(tmp_path):
    spec = importlib.util.spec_from_file_location("record_preview", ROOT / "docs/record_preview.py")
    preview = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(preview)
    target = tmp_path / "preview.png"
    assert preview.main(["--out", str(target)]) == 0
    with Image.open(target) as picture:
        assert picture.width == preview.PAGE_WIDTH + 2 * preview.GUTTER
        assert picture.height > 1000
