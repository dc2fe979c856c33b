"""Read a Word document back, as python-docx sees it, for assertions."""

from __future__ import annotations

import io

from docx import Document


def document_lines(content: bytes) -> list[str]:
    """Each paragraph's text, then each table row's cells joined by " | ", in document order."""
    document = Document(io.BytesIO(content))
    lines = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            lines += [" | ".join(cell.text for cell in row.cells) for row in block.rows]
        else:
            lines.append(block.text)
    return lines


def document_text(content: bytes) -> str:
    return "\n".join(document_lines(content))


def headings(content: bytes) -> list[str]:
    document = Document(io.BytesIO(content))
    return [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
