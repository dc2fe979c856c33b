"""The README and the guides in docs/ say only what the code does: the policy reference is the
code's; the commands, variables, files, tests and pictures they name exist; and the README stays a
short front page with its two commands, linking to every guide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.policy.reference import DESCRIPTIONS, describe, reference_table, settings, with_reference
from bot.policy.schema import Policy, load_policy

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
README_MAX_LINES = 250
# The newcomer's two commands, word for word (CI runs the second: .ci/run).
DEMO_COMMAND = "pip install -e . && auditbot demo"
TEST_COMMAND = "pip install -e '.[test]' && pytest"
GUIDES = (
    "admin-guide.md",
    "user-guide.md",
    "operator-guide.md",
    "architecture.md",
    "reliability.md",
    "performance.md",
    "privacy.md",
)
# A markdown link's target: [text](target) or ![alt](target), up to a space or the bracket.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
# A test cited by the reliability guide: a file under tests/, and maybe one test in it.
CITED_TEST = re.compile(r"\b(tests/[\w/]+\.py)(?:::(\w+))?")


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def documents() -> dict[Path, str]:
    """The README and every guide in docs/, by path."""
    paths = [README, *sorted(DOCS.glob("*.md"))]
    return {path: path.read_text(encoding="utf-8") for path in paths}


def test_the_admin_guide_lists_every_policy_setting_with_its_current_default():
    guide = read("admin-guide.md")
    assert with_reference(guide) == guide, "run: python -m bot.policy.reference docs/admin-guide.md"
    for path, _, _ in settings():
        assert f"| `{path}` |" in guide, path


def test_every_policy_setting_is_reached_and_described():
    paths = [path for path, _, _ in settings()]
    assert len(paths) == len(set(paths))
    # Every section of the policy is walked, down to its leaves.
    assert {path.split(".")[0] for path in paths} == set(Policy.model_fields)
    for path in paths:
        assert describe(path)
    stale = [key for key in DESCRIPTIONS if "*" not in key and key not in paths]
    assert not stale, f"described but no longer a setting: {stale}"


def test_the_policy_examples_in_the_guide_are_valid_policy_files(tmp_path):
    examples = re.findall(r"```yaml\n(.*?)```", read("admin-guide.md"), re.S)
    assert examples
    for number, example in enumerate(examples):
        path = tmp_path / f"example-{number}.yml"
        path.write_text(example, encoding="utf-8")
        policy = load_policy(path)
        assert policy != Policy(), "an example should change something"


def test_a_setting_without_a_description_is_refused():
    with pytest.raises(KeyError, match="describe this setting"):
        describe("selection.a_new_setting")


def test_defaults_in_the_reference_are_read_from_the_models():
    table = reference_table()
    assert "| `selection.min_open_days` | `28` | 0 or more |" in table
    assert "| `chasing.nudge_time` | `10:00` | HH:MM |" in table
    assert "| `tac.cadence.short_term` | `{weeks: 10}` |" in table
    assert "`{service_manager: 3, head_of_service: 8}`" in table
    sampling = "| `reaudit.sampling` | `per_manager` | `per_manager` / `percent` / `every_audit` |"
    assert sampling in table


def test_the_guides_name_only_commands_and_variables_that_exist():
    guides = {path.name: text for path, text in documents().items()}
    assert set(GUIDES) <= set(guides)
    commands = set(_parser()._subparsers._group_actions[0].choices)
    variables = set(
        re.findall(r"`([A-Z][A-Z_]{3,})`", (ROOT / "bot" / "core" / "config.py").read_text())
    )
    variables |= set(
        re.findall(r'env.get\("([A-Z_]+)"', (ROOT / "bot" / "core" / "config.py").read_text())
    )
    for name, text in guides.items():
        for command in re.findall(r"(?:^\s*|[`(]|bin/)auditbot ([a-z]+)\b", text, re.M):
            assert command in commands, f"{name}: auditbot {command}"
        for variable in re.findall(r"\b(SLACK_[A-Z_]+|AUDITBOT_[A-Z_]+|DATABASE_URL)\b", text):
            assert variable in variables, f"{name}: {variable}"
    for link in ("docs/admin-guide.md", "docs/user-guide.md", "docs/operator-guide.md"):
        assert f"({link})" in guides["README.md"]


def test_every_picture_in_the_user_guide_exists():
    pictures = re.findall(r"!\[[^\]]*\]\((images/[^)]+)\)", read("user-guide.md"))
    assert pictures
    for picture in pictures:
        assert (DOCS / picture).is_file(), picture


def test_the_readme_is_a_short_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines: move detail to the guide for its reader in docs/"
    )


def test_the_readme_gives_the_newcomers_two_commands_word_for_word():
    readme = README.read_text(encoding="utf-8")
    for command in (DEMO_COMMAND, TEST_COMMAND):
        assert f"```bash\n{command}\n```" in readme, command
    assert "TEST_DATABASE_URL" in readme  # what the PostgreSQL tests need, or they skip


def test_the_readme_links_every_guide():
    readme = README.read_text(encoding="utf-8")
    for name in GUIDES:
        assert f"(docs/{name})" in readme, name


def test_every_relative_link_reaches_a_file_that_exists():
    broken = []
    for path, text in documents().items():
        for target in LINK.findall(text):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            where = target.split("#", 1)[0]
            if not (path.parent / where).exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_every_test_the_reliability_guide_cites_exists():
    cited = CITED_TEST.findall(read("reliability.md"))
    assert cited
    for file, test in cited:
        assert (ROOT / file).is_file(), file
        if test:
            source = (ROOT / file).read_text(encoding="utf-8")
            assert re.search(rf"^def {test}\(", source, re.M), f"{file}::{test}"
