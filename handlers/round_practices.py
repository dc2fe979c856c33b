"""Listeners for Halton's audit days (issue 25): the pair agreeing to their judgement, the lead
reviewer's quality assurance, the pair's revision, the day's findings, and poor practice
conveyed to the senior manager."""

from slack_bolt import App

from bot.core.audit_events import when_audit_submitted
from bot.core.services import Services
from bot.rounds import findings, judgement, poor_practice
from handlers.clicks import button_listener
from handlers.forms import register_form

BUTTONS = {
    "round.pair.agree": judgement.agree_judgement,
    "round.qa.approve": judgement.approve_judgement,
    "round.qa.return": judgement.open_return_form,
    "round.revise": judgement.open_revise_form,
    "round.findings": findings.open_findings_form,
    "round.poor_practice": poor_practice.open_report_form,
    "round.poor_practice.ack": poor_practice.acknowledge_report,
}


def register(app: App, services: Services) -> None:
    when_audit_submitted("rounds.judgement", judgement.record_judgement)
    when_audit_submitted("rounds.poor_practice", poor_practice.ask_after_lowest_judgement)
    for action, use_case in BUTTONS.items():
        app.action(action)(button_listener(services, use_case))
    register_form(app, services, "round.qa.return", judgement.submit_return)
    register_form(app, services, "round.revise", judgement.submit_revision)
    register_form(app, services, "round.findings", findings.submit_findings)
    register_form(app, services, "round.poor_practice", poor_practice.submit_report)
