"""What an administrator is shown of a CSV file's problems, in Slack: the first twenty in the
message and, when there are more, all of them in an attached text file. Shared by the imports
asked for in Slack (slack_import.py) and the nightly export (nightly_import.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath

from sqlmodel import Session

from bot.core.outbox import queue_file_dm
from models import Staff

SHOWN_PROBLEMS = 20
# A line of the message is cut here (a value in a problem may be long); the file has it whole.
SHOWN_LINE_CHARS = 300


def shown_problems(errors: list[str]) -> list[str]:
    """The first problems, each short enough for a message."""
    return [_shortened(line) for line in errors[:SHOWN_PROBLEMS]]


def _shortened(line: str) -> str:
    return line if len(line) <= SHOWN_LINE_CHARS else line[: SHOWN_LINE_CHARS - 1] + "…"


def queue_all_problems(
    session: Session,
    *,
    key: str,
    recipient: Staff,
    filename: str,
    errors: list[str],
    concern: str,
    now: datetime,
) -> None:
    """When not every problem fits in the message, all of them as a .txt file in the DM."""
    if len(errors) <= SHOWN_PROBLEMS:
        return
    stem = PurePath(filename).stem or "import"
    queue_file_dm(
        session,
        key=key,
        recipient=recipient,
        filename=f"{stem}-problems.txt",
        title=f"The {len(errors)} problems in {filename}",
        content="\n".join(errors) + "\n",
        comment=f"All {len(errors)} problems in {filename}, one per line as FILE:LINE: problem.",
        concern=concern,
        now=now,
    )
