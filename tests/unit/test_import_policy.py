"""The policy's `imports` section (issue 22, part 1): a bad value stops the program with the
field named, like every other setting."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.policy.schema import load_policy


def load(tmp_path: Path, text: str):
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("imports:\n  folder: export/nightly\n", "imports.folder: must be an absolute path"),
        ("imports:\n  folder: /srv/export\n  run_at: '25:00'\n", "imports.run_at:"),
        ("imports:\n  folder: /srv/export\n  when: '02:00'\n", "imports.when: not a known setting"),
    ],
)
def test_a_bad_imports_setting_is_named(tmp_path, text, named):
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, text)
    assert named in str(refused.value)


def test_the_nightly_export_is_off_by_default_and_set_by_folder_and_time(tmp_path):
    assert load(tmp_path, "{}\n").imports.folder is None
    imports = load(tmp_path, "imports:\n  folder: /srv/export\n  run_at: '03:30'\n").imports
    assert (imports.folder, imports.run_at) == (Path("/srv/export"), time(3, 30))
