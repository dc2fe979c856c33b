import pytest

from bot.commands.parser import UsageError, parse_audit_command
from bot.core.months import Month
from bot.report.period import Period


def test_empty_text_is_help():
    assert parse_audit_command("   ").spec.name == "help"


def test_sub_commands_with_and_without_a_month():
    assert parse_audit_command("select").month is None
    assert parse_audit_command("SELECT 2026-12").month == Month(2026, 12)
    assert parse_audit_command("status 2027-01").spec.name == "status"


def test_report_takes_a_month_or_a_quarter():
    assert parse_audit_command("report").period is None
    assert parse_audit_command("report 2026-12").period == Period.month(Month(2026, 12))
    quarter = parse_audit_command("report 2026-q4").period
    assert quarter == Period.quarter(2026, 4) and quarter.months[0] == Month(2026, 10)
    assert str(quarter) == "2026-Q4" and quarter.label == "Q4 2026 (October to December)"


def test_explain_takes_an_escaped_mention():
    command = parse_audit_command("explain <@U0TM00001|gareth> 2026-12")
    assert command.user_id == "U0TM00001"
    assert command.month == Month(2026, 12)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("launch", "I don't know `launch`"),
        ("select december", "is not a month"),
        ("select 2026-13", "is not a month"),
        ("select 2026-12 now", "takes"),
        ("help me", "takes"),
        ("explain gareth", "Say whose case"),
        ("report 2026-Q0", "is not a month or a quarter"),
        ("report last", "is not a month or a quarter"),
    ],
)
def test_bad_input_explains_and_carries_the_usage_line(text: str, says: str):
    with pytest.raises(UsageError) as raised:
        parse_audit_command(text)
    assert says in str(raised.value)
    assert raised.value.usage.startswith("/audit help | select [YYYY-MM]")
