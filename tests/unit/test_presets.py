"""The five councils' presets (`auditbot init`): each writes a commented policy file that loads
like AUDITBOT_CONFIG, reproduces its seed with today's settings, and quotes the seed exactly."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.errors import ConfigError
from bot.policy.presets import PRESETS, placeholder_emails, preset_text, write_preset
from bot.policy.schema import OFSTED_GRADES, SEFTON_DOMAINS, Policy, load_policy

PRESET_FOLDER = Path(__file__).resolve().parents[2] / "bot" / "policy" / "presets"
# The councils' own documents, beside the repository (../shared/seeds/), numbered as the presets.
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED_NUMBER = {"stockport": "000", "bolton": "001", "gloucestershire": "002", "halton": "003"}
SEED_NUMBER["sefton"] = "004"


def preset(name: str, tmp_path: Path) -> Policy:
    """The preset as a council gets it: written by the command, loaded as AUDITBOT_CONFIG is."""
    assert main(["init", "--preset", name, "--out", str(tmp_path / f"{name}.yaml")]) == 0
    return load_policy(tmp_path / f"{name}.yaml")


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_is_written_whole_and_loads_as_a_policy_file(name, tmp_path, capsys):
    policy = preset(name, tmp_path)
    written = (tmp_path / f"{name}.yaml").read_text(encoding="utf-8")
    assert written == preset_text(name)
    assert policy != Policy(), "a preset sets its council's practice"
    said = capsys.readouterr().out
    assert f"AUDITBOT_CONFIG={tmp_path / f'{name}.yaml'}" in said
    for email in placeholder_emails(written):
        assert email in said, "the command names each placeholder to replace"


def test_the_presets_shipped_are_the_presets_named():
    assert sorted(path.stem for path in PRESET_FOLDER.glob("*.yaml")) == sorted(PRESETS)
    assert list(PRESETS) == sorted(PRESETS, key=SEED_NUMBER.get), "in the seeds' order"


def test_init_list_names_each_preset_on_its_own_line(capsys):
    assert main(["init", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESETS)
    assert all(len(line.split(None, 1)[1]) > 20 for line in lines), "each has a description"


def test_an_unknown_preset_is_refused_with_the_valid_names(tmp_path, capsys):
    out = tmp_path / "policy.yaml"
    assert main(["init", "--preset", "wigan", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "no preset named 'wigan'" in error
    assert all(name in error for name in PRESETS)
    assert not out.exists()


def test_the_default_file_is_auditbot_yaml_here_and_is_never_overwritten_unless_forced(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--preset", "Sefton"]) == 0
    written = tmp_path / "auditbot.yaml"
    assert written.read_text(encoding="utf-8") == preset_text("sefton")
    written.write_text("selection:\n  min_open_days: 42\n", encoding="utf-8")
    capsys.readouterr()

    assert main(["init", "--preset", "bolton"]) == 2
    error = capsys.readouterr().err
    assert "auditbot.yaml already exists; nothing written" in error and "--force" in error
    assert written.read_text(encoding="utf-8") == "selection:\n  min_open_days: 42\n"

    assert main(["init", "--preset", "bolton", "--force"]) == 0
    assert written.read_text(encoding="utf-8") == preset_text("bolton")


def test_a_folder_that_cannot_be_written_is_a_clear_refusal(tmp_path, capsys):
    assert main(["init", "--preset", "halton", "--out", str(tmp_path / "no" / "a.yaml")]) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "edit", "field"),
    [
        ("bolton", ("\n  min_open_days: 28", "\n  min_open_days: -1"), "selection.min_open_days"),
        ("halton", ("audit_date: 2027-06-08", "audit_date: 2027-06-12"), "rounds.rounds.1"),
        ("sefton", ("moderator_role: panel", "moderator_rol: panel"), "reaudit.moderator_rol"),
        ("gloucestershire", ("trend_periods: 4", "trend_periods: 40"), "report.trend_periods"),
        ("stockport", ("eligible_case_types: [CP, LAC]", "eligible_case_types: [CP, PLO]"), ""),
    ],
)
def test_a_bad_edit_to_a_written_preset_still_stops_the_program_naming_the_field(
    name, edit, field, tmp_path
):
    path = write_preset(name, tmp_path / "policy.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.count(edit[0]) == 1
    path.write_text(text.replace(*edit), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_policy(path)
    assert (field or "selection.eligible_case_types: PLO not in case_types") in str(raised.value)


def test_placeholder_staff_emails_are_found_outside_comments_only():
    text = "# e.g. someone@council.example\npanel:\n  members: [a.b@council.example, c@x.org]\n"
    assert placeholder_emails(text) == ["a.b@council.example"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_naming_placeholder_staff_says_so_at_its_top(name):
    text = preset_text(name)
    head = text.split("\n\n", 2)[:2]
    if placeholder_emails(text):
        assert "PLACEHOLDERS" in " ".join(head)


# -- each preset reproduces its seed ---------------------------------------------------------


def test_stockport_one_case_per_manager_re_audited_by_service_managers_and_tac(tmp_path):
    policy = preset("stockport", tmp_path)
    assert policy.framework.name == "Stockport Journey of the Child Monthly Audit tool"
    assert policy.framework.grades[0] == "Outstanding"
    domains = {domain.id for domain in policy.framework.domains}
    assert {"equality_diversity", "exit_from_child_protection", "inter_agency_working"} <= domains
    assert policy.selection.eligible_case_types == ["CP", "LAC"]  # TAC has its own summaries
    assert (policy.booking.lead_working_days, policy.booking.duration_minutes) == (10, 60)
    assert policy.reaudit.sampling == "per_manager"
    assert policy.reaudit.moderator_role == "service_manager"
    assert policy.reaudit.annual.enabled
    assert policy.tac.cadence.short_term.weeks == 10 and policy.tac.cadence.long_term.months == 6
    assert policy.programme.no_selection_months == []


def test_bolton_thematic_monthly_whole_file_twice_a_year_heads_of_service_moderate(tmp_path):
    policy = preset("bolton", tmp_path)
    assert policy.framework.grades == OFSTED_GRADES
    assert policy.reaudit.moderator_role == "head_of_service"
    assert sorted(policy.rounds.schedule.months) == list(range(1, 13)), "thematic: monthly"
    assert policy.booking.duration_minutes == 120  # "between 2-4 hours"
    whole_file = [r for r in policy.rounds.rounds if r.kind == "whole_file"]
    assert [r.cases for r in whole_file] == [35, 35] and all(
        r.one_case_per_auditor for r in whole_file
    )
    first, second = (r.audit_date for r in whole_file)
    assert (second.year - first.year) * 12 + second.month - first.month == 6
    assert "FS" not in policy.selection.eligible_case_types  # Family Support audits its own


def test_gloucestershire_every_audit_to_a_panel_with_an_external_moderator(tmp_path):
    policy = preset("gloucestershire", tmp_path)
    reaudit = policy.reaudit
    assert (reaudit.sampling, reaudit.moderator_role) == ("every_audit", "panel")
    assert reaudit.panel is not None and reaudit.panel.name == "Moderator group"
    outside = [m for m in reaudit.panel.members if not m.endswith("@council.example")]
    assert outside == ["external.moderator@independent.example"]
    assert reaudit.moderation_window_day == 10
    assert policy.report.trend_periods == 4  # January to April beside May
    theme = policy.rounds.schedule.months[5]
    assert "safeguarding and risk" in policy.rounds.themes[theme].name.lower()
    assert policy.framework.domains[0].id == "impact"


def test_halton_four_two_day_audit_days_a_year_without_grades_or_a_monthly_draw(tmp_path):
    policy = preset("halton", tmp_path)
    assert policy.framework.grades == []
    assert policy.programme.no_selection_months == list(range(1, 13))
    days = policy.rounds.rounds
    assert [r.kind for r in days] == ["audit_day"] * 4
    assert len({(r.audit_date.month - 1) // 3 for r in days}) == 4, "one a quarter"
    assert all(r.audit_until and (r.audit_until - r.audit_date).days == 1 for r in days)
    assert policy.rounds.selection_weeks_before == 5
    assert set(days[0].eligible.case_types) == {"FS", "CIN", "CP", "LAC", "CL", "CONTACT"}
    assert all(email.endswith("@council.example") for email in days[0].auditors)
    assert all(r.audit_date >= date(2027, 1, 1) for r in days)


def test_sefton_seven_domains_thirty_percent_with_every_good(tmp_path):
    policy = preset("sefton", tmp_path)
    assert policy.framework.name == "Sefton QA and Impact Framework audit tool"
    assert [d.id for d in policy.framework.domains] == [d.id for d in SEFTON_DOMAINS]
    assert policy.framework.grades == OFSTED_GRADES
    assert (policy.reaudit.sampling, policy.reaudit.percent) == ("percent", 30)
    assert "Good" in policy.reaudit.always_include_overall
    assert policy.reaudit.moderator_role == "panel" and len(policy.reaudit.panel.members) == 3


# -- the comments quote the seeds ------------------------------------------------------------

QUOTE = re.compile(r'"([^"]+)"')
COMMENTED_SETTING = re.compile(r"^#\s*[a-z_]+:( |$)")  # e.g. "# imports:", an example to uncomment


def _normal(text: str) -> str:
    for curly, straight in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text.replace("\u2013", "-")).strip().lower()


def _comment_blocks(text: str) -> list[str]:
    """Runs of comment text (consecutive lines joined), leaving out commented-out settings."""
    blocks, block = [], []
    for line in text.splitlines():
        if "#" in line and not COMMENTED_SETTING.match(line.strip()):
            block.append(line.split("#", 1)[1])
        elif block:
            blocks.append(" ".join(block))
            block = []
    return blocks + [" ".join(block)] if block else blocks


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are beside the repository only")
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_quotation_in_a_preset_is_in_its_seed_word_for_word(name):
    [seed_file] = SEEDS.glob(f"{SEED_NUMBER[name]}_*")
    seed = _normal(seed_file.read_text(encoding="utf-8"))
    quotes = [
        part
        for block in _comment_blocks(preset_text(name))
        for quote in QUOTE.findall(block)
        for part in re.split(r"\s*\.\.\.\s*", quote)
    ]
    assert len(quotes) >= 15
    misquoted = [quote for quote in quotes if _normal(quote) not in seed]
    assert not misquoted
