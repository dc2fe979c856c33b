"""The five councils' programmes (docs/presets.md), shipped as commented policy files a council
writes out with `auditbot init --preset NAME` and then edits: each reproduces its seed document
with the settings Auditbot has, and loads through the same `load_policy` as AUDITBOT_CONFIG."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from bot.core.errors import ConfigError
from bot.policy.schema import load_policy

# Name → what the preset reproduces, in the order of the seeds (000 to 004).
PRESETS = {
    "stockport": "one case a month per team manager, discussed with the social worker; "
    "service managers re-audit one per manager; TAC reflective case summaries",
    "bolton": "monthly random sample, a monthly thematic audit and a whole-file audit of 35 "
    "cases every six months; heads of service moderate and audit transfers and supervision "
    "files; actions reviewed at one and two months; yearly observations",
    "gloucestershire": "monthly audits and a rolling theme; every audit moderated by a panel "
    "with an external moderator; the QA briefing compares four months",
    "halton": "four two-day audit of practice days a year, cases drawn five weeks before; "
    "auditors in pairs, each analysis quality-assured by the lead; evaluative statements, no "
    "grades; poor practice to the senior manager at once",
    "sefton": "seven practice domains graded monthly, with the IRO's feedback; no supervision "
    "in six months raised at once; 30% moderated, every Good included, by the QA team and the "
    "safeguarding service manager",
}
DEFAULT_OUT = Path("auditbot.yaml")
# Staff emails a council must replace: the reserved top-level domain `.example` (RFC 2606).
PLACEHOLDER_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.example\b")


class UnknownPreset(ConfigError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no preset named {name!r}; the presets are: {', '.join(PRESETS)}")


class PolicyFileExists(ConfigError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} already exists; nothing written. Use --force to replace it, "
            "or --out FILE to write elsewhere."
        )


def preset_name(name: str) -> str:
    """The preset's name as shipped; an unknown one is refused with the list of names."""
    wanted = name.strip().lower()
    if wanted not in PRESETS:
        raise UnknownPreset(name)
    return wanted


def preset_text(name: str) -> str:
    """The commented policy file of a preset."""
    resource = files(__package__).joinpath(f"{preset_name(name)}.yaml")
    return resource.read_text(encoding="utf-8")


def write_preset(name: str, out: Path, *, force: bool = False) -> Path:
    """Write the preset to `out` (never over an existing file unless `force`) and check that it
    loads as AUDITBOT_CONFIG would load it."""
    text = preset_text(name)
    if out.exists() and not force:
        raise PolicyFileExists(out)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror}") from exc
    load_policy(out)
    return out


def placeholder_emails(text: str) -> list[str]:
    """The placeholder staff emails a written preset names (outside its comments), in order."""
    found: list[str] = []
    for line in text.splitlines():
        setting = line.split("#", 1)[0]
        found += [email for email in PLACEHOLDER_EMAIL.findall(setting) if email not in found]
    return found
