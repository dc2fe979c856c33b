"""Bolton's preset turns on the practices its framework describes that only it has (issue 25):
the transfer audit, action reviews at one and two months, the twelve-month look back, the
yearly supervision file audit and yearly observations; Auditbot's defaults keep them all off."""

from __future__ import annotations

from bot.cli import main
from bot.policy.schema import Policy, load_policy


def test_bolton_turns_on_its_practices_and_the_default_does_not(tmp_path):
    assert main(["init", "--preset", "bolton", "--out", str(tmp_path / "bolton.yaml")]) == 0
    bolton = load_policy(tmp_path / "bolton.yaml")
    assert bolton.transfer_audit.enabled and bolton.transfer_audit.auditor_team == "sending"
    assert bolton.transfer_audit.auditor_role == "head_of_service"
    assert bolton.audit.action_review_months == [1, 2]
    assert bolton.framework.look_back_months == 12
    assert bolton.supervision_file_audit.enabled
    assert bolton.supervision_file_audit.auditor_role == "head_of_service"
    assert bolton.observation.enabled and bolton.observation.every_months == 12
    default = Policy()
    assert not (
        default.transfer_audit.enabled
        or default.audit.action_review_months
        or default.framework.look_back_months
        or default.supervision_file_audit.enabled
        or default.observation.enabled
    )
