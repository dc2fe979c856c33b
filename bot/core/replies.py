"""What the person who just acted sees next: one reply type for every click, command and form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from messages import render


@dataclass(frozen=True)
class Reply:
    """After a click or a command: a form to open (`view`) or a private answer (`notice`).
    After a form's submission: inline errors by block id (`errors`), the form's next step
    (`view`), or nothing, which closes the form."""

    view: dict[str, Any] | None = None
    notice: dict[str, Any] | None = None
    errors: dict[str, str] | None = None

    @classmethod
    def say(cls, text: str, usage: str | None = None) -> Reply:
        """A private answer in a sentence (and the usage line, for a command typed wrong)."""
        return cls(notice=render("notice", text=text, usage=usage))

    @property
    def text(self) -> str | None:
        """The private answer's text (its notification text), if it is one."""
        return self.notice["text"] if self.notice else None

    @classmethod
    def error(cls, field: str, message: str) -> Reply:
        return cls(errors={field: message})


CLOSE = Reply()
