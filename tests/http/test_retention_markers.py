"""Retention reaches every copy (issue 24, must show): a month driven through the signed HTTP
endpoint and the command line, with a unique marker (`MARK-<field>-7f3a`) typed into every
free-text field a person can type; after each retention period, the markers whose period has
passed are found nowhere: not in any column of any table, not in any `auditbot export
--person` of anyone on the staff list, not in any file `auditbot report` writes (the monthly
and quarterly briefings, the audit for the child's record), and not in any message, file or
Home tab still held by the Slack stand-in. The counts the briefing is built from survive.

The policy sets short periods on purpose, each different so each is seen to act on its own:
`outbox_message_days=30` and `slack_message_days=30` (message bodies, and the bot's own DMs and
files in Slack), `closed_case_days=45` (North's audited case and South's TAC case are closed by
a cases.csv import through the CLI on 30 December), `free_text_days=90`; the rest keep their
defaults (a year or more: nothing typed in the month is kept by them). Checkpoints (the
daily sweep at 03:00 UTC):
- 1 February 2027, past the message periods: every message and file that held a marker is
  gone from Slack, no message body older than 30 days keeps one, and every marker is still in
  the database (nothing else has expired: the test cannot pass by finding nothing);
- 15 February 2027, past the closed-case period: the closed cases' references and every marker
  written about them are nowhere;
- 1 April 2027, past the free-text period: no marker is anywhere.

Fields covered (each its own marker): the re-draw reason; the booking's place; the
practitioner's "can't make it" reason; the "it didn't happen" reason; the family contact's
child's reason and summary (the outcome form), and the whole contact's reason ("not
appropriate", stored as the contact's, the child's and the parents' reason); every domain's
justification, the impact statement, the child's views, the Category 1 concern note (its alert
acknowledged), the action and its done note (the audit); the "no actions needed" statement and
a Category 2 concern note (a second audit); the head of service's concern review ("actions
taken"); the inadmissible note (`/audit inadmissible`); the extension's reason and the service
manager's refusal reason; the re-audit's moderated reason for a domain, its overall reason,
"actions addressed" note, comment, its action and that action's done note; the TAC
checkpoint's "not needed now" reason and trigger note; the round's "can't attend" reason; the
programme pause reason (`/audit pause`).

Not covered: a cancelled booking's reason (the same `booking.closed_reason` column as "it
didn't happen"), the parents' reason of the outcome form (the same column as the "not
appropriate" contact's), a moderator's "cannot be used" note (the same column as the
inadmissible note), and what an administrator names a round (a label of the programme, kept as
long as the round). Auditbot reads nothing typed in its DM, so that has no field.

What it found (bot/privacy/retention.py now does each): the booking's place was never
redacted; the audit log kept the free text about a closed case (the "can't make it" and "it
didn't happen" reasons, the concern review, the action's done note) and a closed TAC case's
reference and decision in the checkpoint's entry; the TAC trigger note in the log, and the
programme pause reason, were kept for ever.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot import cli as bot_cli
from bot.core.months import Month
from bot.policy.schema import Policy
from bot.reaudit.rules import OVERALL
from bot.report.figures import compute_briefing
from bot.report.period import Period
from models import Case, Staff
from scheduler.jobs import run_due_work
from tests.http.test_audit import domain_values, final_values
from tests.http.test_booking import contact, contact_outcome, slot
from tests.http.test_concerns import register_dm, review_form, review_values
from tests.http.test_moderation import open_reaudit
from tests.http.test_rounds import define, round_cases
from tests.support import factories
from tests.support.harness import Clock, click_for_view
from tests.support.reliability import fill

pytestmark = pytest.mark.integration

TAG = "7f3a"
POLICY = Policy.model_validate(
    {
        "retention": {
            "outbox_message_days": 30,
            "slack_message_days": 30,
            "closed_case_days": 45,
            "free_text_days": 90,
        }
    }
)
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
DECEMBER_1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
DECEMBER_7 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # the round is drawn; contact asked about
DECEMBER_15 = datetime(2026, 12, 15, 11, 0, tzinfo=UTC)  # after the booked slot
DECEMBER_29 = datetime(2026, 12, 29, 11, 0, tzinfo=UTC)
CLOSED = datetime(2026, 12, 30, 10, 0, tzinfo=UTC)
MESSAGES_GONE = datetime(2027, 2, 1, 3, 0, tzinfo=UTC)  # 33 days after the last message
CLOSED_CASE_GONE = datetime(2027, 2, 15, 3, 0, tzinfo=UTC)  # 47 days after it closed
FREE_TEXT_GONE = datetime(2027, 4, 1, 3, 0, tzinfo=UTC)  # 92 days after the last text
LOWER = "Requires improvement to be good"


@dataclass(frozen=True)
class Marker:
    field: str
    closed_case: bool  # about North's audited case or South's TAC case, closed on 30 December

    @property
    def token(self) -> str:
        return f"MARK-{self.field}-{TAG}"

    def text(self) -> str:
        """What is typed: long enough for every field's minimum, the token in the middle."""
        return f"Written for the test: {self.token} (nothing else here matters)."


class Markers:
    def __init__(self) -> None:
        self.all: list[Marker] = []

    def __call__(self, field: str, *, closed_case: bool = False) -> str:
        marker = Marker(field, closed_case)
        assert marker not in self.all, field
        self.all.append(marker)
        return marker.text()


def people(session) -> dict[str, Any]:
    """The authority (North and South, four cases each); an October audit of North's for the
    re-audit; a TAC case of South's practitioner for the supervision checkpoint."""
    found = factories.authority(session, cases_per_team=4)
    october = factories.case(session, found["north"], found["north_worker"], ref="CR-OCT01")
    factories.submitted_audit(
        session, found["north_tm"], october, datetime(2026, 10, 20, 14, tzinfo=UTC)
    )
    factories.case(session, found["south"], found["south_worker"], ref="CR-T1", case_type="TAC")
    return found


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def reason_form(value: str) -> dict[str, Any]:
    return {"reason": {"reason": typed(value)}}


def at(bot, clock: Clock, moment: datetime) -> None:
    """The bot's clock moves on and the scheduler does what is due; all of it reaches Slack."""
    clock.now = moment
    run_due_work(bot.services, moment)
    bot.wait_until_sent()


def dm_with(bot, key: str, words: str) -> dict[str, Any]:
    return bot.dms_containing(uid(bot, key), words)[-1]


def selection_dm(bot, key: str) -> dict[str, Any]:
    """The manager's current case DM (the one with the audit's Start button)."""
    return dm_with(bot, key, "audit.start")


# -- the month --------------------------------------------------------------------------------


def redraw_and_pause(bot, mark: Markers) -> None:
    reply = bot.command(uid(bot, "admin"), f"pause 2027-03 {mark('pause_reason')}")
    assert "is paused" in reply.text, reply.text
    south = uid(bot, "south_tm")
    view = click_for_view(
        bot, south, selection_dm(bot, "south_tm"), "selection.request_redraw", "selection.redraw"
    )
    assert not bot.submit(south, view, reason_form(mark("redraw_reason"))).body
    bot.dms_containing(south, "This replaces")


def book_and_cannot(bot, mark: Markers) -> None:
    manager, worker = uid(bot, "north_tm"), uid(bot, "north_worker")
    view = click_for_view(
        bot, manager, selection_dm(bot, "north_tm"), "booking.open", "booking.submit"
    )
    place = mark("booking_place", closed_case=True)
    assert not bot.submit(manager, view, slot(place=place)).body
    invite = dm_with(bot, "north_worker", "booking.cannot")
    view = click_for_view(bot, worker, invite, "booking.cannot", "booking.cannot")
    assert not bot.submit(worker, view, reason_form(mark("cannot_reason", closed_case=True))).body
    bot.dms_containing(manager, "can't make the audit discussion")


def plan_contact(bot) -> None:
    manager = uid(bot, "north_tm")
    view = click_for_view(
        bot, manager, selection_dm(bot, "north_tm"), "engagement.open", "engagement.submit"
    )
    assert not bot.submit(manager, view, contact("plan", "phone", "2026-12-04")).body


def define_round(bot) -> None:
    define(bot, cases="1", auditors=["service_manager"])


def reaudit(bot, mark: Markers) -> None:
    """The scheduler drew it on the first working day of December."""
    moderator = uid(bot, "service_manager")
    view = open_reaudit(bot)
    disagreed = False
    while view["submit"]["text"] != "Submit the re-audit":
        answers: dict[str, Any] = {}
        for block in view["blocks"]:
            block_id = block.get("block_id", "")
            if not block_id.startswith("verdict__"):
                continue
            domain = block_id.removeprefix("verdict__")
            if domain == OVERALL or not disagreed:
                disagreed = disagreed or domain != OVERALL
                field = "overall_reason" if domain == OVERALL else "moderated_reason"
                answers |= {
                    block_id: "disagree",
                    f"grade__{domain}": LOWER,
                    f"why__{domain}": mark(field),
                }
            else:
                answers[block_id] = "agree"
        answer = bot.submit(moderator, view, fill(view, answers))
        assert answer.json["response_action"] == "update", answer.json
        view = {**answer.json["view"], "id": view["id"]}
    final = {
        "addressed": "partly",
        "addressed_note": mark("reaudit_addressed_note"),
        "comment": mark("reaudit_comment"),
        "admissible": "admissible",
        "action_what_1": mark("reaudit_action"),
        "action_owner_1": uid(bot, "north_worker"),
        "action_due_1": "2026-12-18",
    }
    assert not bot.submit(moderator, view, fill(view, final)).body
    assert {"overall_reason", "moderated_reason"} <= {m.field for m in mark.all}


def tac_checkpoint(bot, mark: Markers) -> None:
    manager = uid(bot, "south_tm")
    before = len(bot.slack.calls("views.open"))
    bot.command(manager, f"<@{uid(bot, 'south_worker')}|rae>", command="/supervision")
    assert bot.slack.wait_for(lambda: len(bot.slack.calls("views.open")) > before)
    view = bot.slack.calls("views.open")[-1].params["view"]
    assert view["callback_id"] == "tac.checkpoint"
    [case_id] = [
        int(block["block_id"].split("-", 1)[1])
        for block in view["blocks"]
        if block.get("block_id", "").startswith("decision-")
    ]
    answers = {
        "held_on": "2026-12-01",
        f"decision-{case_id}": "not_needed",
        f"reason-{case_id}": mark("tac_reason", closed_case=True),
        f"triggers-{case_id}": ["drift"],
        f"note-{case_id}": mark("tac_trigger_note", closed_case=True),
    }
    answer = bot.submit(manager, view, fill(view, answers))
    assert answer.status == 200 and not answer.body, answer.body
    bot.dms_containing(manager, "TAC checkpoint recorded")


def family_contacts(bot, mark: Markers) -> None:
    manager = uid(bot, "north_tm")
    prompt = dm_with(bot, "north_tm", "How did the contact")
    view = click_for_view(bot, manager, prompt, "engagement.outcome.record", "engagement.outcome")
    outcome = contact_outcome(
        "inappropriate", "engaged",
        child_reason=mark("contact_child_reason", closed_case=True),
        summary=mark("contact_summary", closed_case=True),
    )  # fmt: skip
    assert not bot.submit(manager, view, outcome).body
    south = uid(bot, "south_tm")
    view = click_for_view(
        bot, south, selection_dm(bot, "south_tm"), "engagement.open", "engagement.submit"
    )
    values = contact("not_appropriate", reason=mark("contact_reason"))
    assert not bot.submit(south, view, values).body


def cannot_attend_the_round(bot, mark: Markers) -> None:
    [(_, case)] = round_cases(bot)
    with bot.services.make_session() as session:
        worker = session.get(Staff, case.worker_id).slack_user_id
    request = bot.dms_containing(worker, "round.decline")[0]
    modal = click_for_view(bot, worker, request, "round.decline", "round.decline")
    assert not bot.submit(worker, modal, reason_form(mark("round_cannot_attend"))).body
    bot.dms_containing(uid(bot, "admin"), "what should happen to it?")


def it_did_not_happen(bot, mark: Markers) -> None:
    manager = uid(bot, "north_tm")
    question = dm_with(bot, "north_tm", "happen?")
    view = click_for_view(bot, manager, question, "booking.not_held", "booking.not_held")
    assert not bot.submit(
        manager, view, reason_form(mark("not_held_reason", closed_case=True))
    ).body


def walk_audit(bot, key: str, field: str, closed_case: bool, mark: Markers) -> dict[str, Any]:
    """Answer every domain step, each justification its own marker; the last step's view."""
    manager = uid(bot, key)
    view = click_for_view(bot, manager, selection_dm(bot, key), "audit.start", "audit.step")
    while view["submit"]["text"] != "Submit the audit":
        values = domain_values(view)
        for block_id in values:
            if block_id.startswith("why__"):
                why = mark(f"{field}_{block_id.removeprefix('why__')}", closed_case=closed_case)
                values[block_id] = {"why": typed(why)}
        answer = bot.submit(manager, view, values)
        assert answer.json["response_action"] == "update", answer.json
        view = {**answer.json["view"], "id": view["id"]}
    return view


def north_audit(bot, mark: Markers) -> None:
    """Submitted with a Category 1 concern: the head acknowledges it, reviews it and takes the
    case off the register; the practitioner marks both actions (the audit's, the re-audit's)
    done; the administrator marks the audit inadmissible."""
    view = walk_audit(bot, "north_tm", "justification", True, mark)
    values = final_values(
        bot,
        actions=((mark("action", closed_case=True), "north_worker", "2026-12-18"),),
        concern="category_1",
        note=mark("concern_note", closed_case=True),
        impact=mark("impact", closed_case=True),
        views=mark("views", closed_case=True),
    )
    assert not bot.submit(uid(bot, "north_tm"), view, values).body
    head = uid(bot, "head")
    bot.click(head, bot.dms_containing(head, "alert.ack")[0], "alert.ack")
    assert bot.slack.wait_for(
        lambda: any(
            "concern.review" in json.dumps(call.params) for call in bot.slack.calls("chat.update")
        )
    )
    _, register = register_dm(bot, "head")
    form = review_form(bot, "head", register)
    review = review_values(mark("concern_review", closed_case=True), close=True)
    assert not bot.submit(head, form, review).body

    worker = uid(bot, "north_worker")
    for words, field, closed_case in (
        ("New action from the re-audit", "reaudit_action_done", False),
        ("New action", "action_done", True),
    ):
        [dm] = [
            m for m in bot.dms_containing(worker, words)
            if closed_case != ("re-audit" in m["text"])
        ]  # fmt: skip
        form = click_for_view(bot, worker, dm, "action.done", "action.done")
        note = reason_form(mark(field, closed_case=closed_case))
        assert not bot.submit(worker, form, note).body

    case_ref = dm_with(bot, "north_tm", "Audit submitted")["text"].removeprefix("Audit submitted: ")
    note = mark("inadmissible_note", closed_case=True)
    reply = bot.command(uid(bot, "admin"), f"inadmissible {case_ref} other {note}")
    assert "is marked inadmissible" in reply.text, reply.text


def extension_refused(bot, mark: Markers) -> None:
    south, sam = uid(bot, "south_tm"), uid(bot, "service_manager")
    form = click_for_view(
        bot, south, selection_dm(bot, "south_tm"), "extension.open", "extension.submit"
    )
    values = {
        "until": {"until": {"type": "datepicker", "selected_date": "2027-01-15"}},
        "reason": {"reason": typed(mark("extension_reason"))},
    }
    assert not bot.submit(south, form, values).body
    request = dm_with(bot, "service_manager", "needs your decision")
    form = click_for_view(bot, sam, request, "extension.refuse", "extension.refuse")
    assert not bot.submit(sam, form, reason_form(mark("extension_refusal"))).body
    bot.dms_containing(south, "More time refused")


def south_audit(bot, mark: Markers) -> None:
    view = walk_audit(bot, "south_tm", "south_justification", False, mark)
    values = final_values(
        bot,
        actions=(),
        concern="category_2",
        note=mark("concern2_note"),
        no_actions=mark("no_actions"),
        impact=mark("south_impact"),
        views=mark("south_views"),
    )
    assert not bot.submit(uid(bot, "south_tm"), view, values).body


def close_north_case(bot, monkeypatch, tmp_path: Path) -> str:
    """cases.csv through the CLI: North's audited case and South's TAC case closed (on the
    bot's date)."""
    case_ref = dm_with(bot, "north_tm", "Audit submitted")["text"].removeprefix("Audit submitted: ")
    with bot.services.make_session() as session:
        case, worker = session.exec(
            select(Case, Staff)
            .join(Staff, Staff.id == Case.worker_id)
            .where(Case.case_ref == case_ref)
        ).one()
        tac = session.exec(select(Case).where(Case.case_ref == "CR-T1")).one()
    cases_csv = tmp_path / "cases.csv"
    cases_csv.write_text(
        "case_ref,team,worker_email,case_type,opened_on,status\n"
        f"{case.case_ref},North,{worker.email},{case.case_type},{case.opened_on},closed\n"
        f"CR-T1,South,{bot.people['south_worker'].email},TAC,{tac.opened_on},closed\n"
    )
    assert bot_cli.main(["import", "cases", str(cases_csv)]) == 0
    with bot.services.make_session() as session:
        closed = session.exec(select(Case).where(Case.case_ref == case.case_ref)).one()
    assert closed.status == "closed" and closed.closed_on == CLOSED.date()
    return case.case_ref


# -- where a marker could still be -----------------------------------------------------------


def in_database(bot, tokens: list[str]) -> dict[str, list[str]]:
    """Every token found in any text or JSON column of any table: where."""
    found: dict[str, list[str]] = {}
    with bot.services.make_session() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in session.execute(sa_select(table)).mappings():
                for column, value in row.items():
                    text = _text(value)
                    for token in tokens:
                        if token in text:
                            where = f"{table.name}.{column} (row {dict(row).get('id')})"
                            found.setdefault(token, []).append(where)
    return found


def in_outbox_older_than(bot, tokens: list[str], cutoff: datetime) -> dict[str, list[str]]:
    from models import OutboxMessage

    found: dict[str, list[str]] = {}
    with bot.services.make_session() as session:
        for message in session.exec(select(OutboxMessage).where(OutboxMessage.created_at < cutoff)):
            text = _text(message.payload)
            for token in tokens:
                if token in text:
                    where = f"outboxmessage {message.idempotency_key} ({message.status})"
                    found.setdefault(token, []).append(where)
    return found


def in_exports_and_reports(bot, tokens: list[str], out: Path, case_refs: list[str]):
    """Every token found in anyone's subject-access export or in a file `auditbot report`
    writes (the briefings of the months and quarter of the audit month, the audits for the
    child's record): where."""
    out.mkdir(parents=True)
    with bot.services.make_session() as session:
        emails = session.exec(select(Staff.email).order_by(Staff.id)).all()
    for index, email in enumerate(emails):
        path = out / f"export-{index}.json"
        assert (
            bot_cli.main(["export", "--person", email, "--out", str(path), "--operator", "t"]) == 0
        )
    for kind, flag, period in (
        ("monthly", "--month", "2026-11"),
        ("monthly", "--month", "2026-12"),
        ("monthly", "--month", "2027-01"),
        ("quarterly", "--quarter", "2026-Q4"),
    ):
        assert bot_cli.main(["report", kind, flag, period, "--out", str(out / period)]) == 0
    for case_ref in case_refs:
        bot_cli.main(["report", "audit", case_ref, "--out", str(out / "records")])
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = _file_text(path.read_bytes())
        for token in tokens:
            if token in text:
                found.setdefault(token, []).append(str(path.relative_to(out)))
    return found


def in_slack(bot, tokens: list[str]) -> dict[str, list[str]]:
    """Every token in a message or file the stand-in still holds, or in the Home tab last
    published to someone (Slack shows it until the next one): where."""
    slack = bot.slack
    channels = {str(c.params.get("channel")) for c in slack.calls("chat.postMessage")}
    channels |= {
        str(c.params.get("channel_id")) for c in slack.calls("files.completeUploadExternal")
    }
    held = {
        f"message {message.get('ts')} in {channel}": json.dumps(message, ensure_ascii=False)
        for channel in channels
        for message in slack.messages_held(channel)
    }
    for call in slack.calls("files.getUploadURLExternal"):
        file_id = (call.response or {}).get("file_id")
        data = slack.uploaded_file(file_id) if file_id else None
        if data is not None:
            held[f"file {file_id} ({call.params.get('filename')})"] = _file_text(data)
    users = {str(c.params.get("user_id")) for c in slack.calls("views.publish")}
    for user in users:
        held[f"Home tab of {user}"] = json.dumps(slack.homes_published(user)[-1])
    found: dict[str, list[str]] = {}
    for where, text in held.items():
        for token in tokens:
            if token in text:
                found.setdefault(token, []).append(where)
    return found


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else ""


def _file_text(data: bytes) -> str:
    """A file's text; a Word document's (a zip) is the text of its parts."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", errors="replace")


def counts(bot) -> tuple:
    """The figures the December briefing is built from (not its free text)."""
    with bot.services.make_session() as session:
        briefing = compute_briefing(
            session, Period.month(Month(2026, 12)),
            framework=POLICY.framework, timezone=UTC, as_of=date(2027, 1, 11),
        )  # fmt: skip
    return (
        briefing.completion, briefing.grades, briefing.concerns, briefing.actions,
        [(row.group, row.engaged, row.not_engaged) for row in briefing.engagement],
        len(briefing.reasons), len(briefing.register),
    )  # fmt: skip


def nowhere(found: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{token} in {', '.join(sorted(set(places))[:6])}" for token, places in found.items()
    )


# -- the test ---------------------------------------------------------------------------------


def test_what_a_month_typed_is_nowhere_once_its_period_has_passed(
    start_bot, database_url, monkeypatch, tmp_path
):
    clock = Clock(FRIDAY)
    bot = start_bot(clock, policy=POLICY, people=people)
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "AUDITBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(bot_cli, "system_clock", clock)  # the CLI's today is the bot's
    mark = Markers()

    bot.command(uid(bot, "admin"), "select 2026-12")
    redraw_and_pause(bot, mark)
    book_and_cannot(bot, mark)
    plan_contact(bot)
    define_round(bot)
    at(bot, clock, DECEMBER_1)
    reaudit(bot, mark)
    tac_checkpoint(bot, mark)
    at(bot, clock, DECEMBER_7)
    family_contacts(bot, mark)
    cannot_attend_the_round(bot, mark)
    at(bot, clock, DECEMBER_15)
    it_did_not_happen(bot, mark)
    north_audit(bot, mark)
    at(bot, clock, DECEMBER_29)
    extension_refused(bot, mark)
    south_audit(bot, mark)
    bot.wait_until_sent()
    at(bot, clock, CLOSED)
    closed_ref = close_north_case(bot, monkeypatch, tmp_path)

    tokens = [m.token for m in mark.all]
    about_closed = [m.token for m in mark.all if m.closed_case]
    assert len(tokens) >= 40 and len(about_closed) >= 15, (len(tokens), len(about_closed))
    # At first every marker is in the database, and most of them went to Slack too.
    stored = in_database(bot, tokens)
    assert set(stored) == set(tokens), sorted(set(tokens) - set(stored))
    in_slack_first = in_slack(bot, tokens)
    assert len(in_slack_first) >= len(tokens) // 2, sorted(in_slack_first)
    first = in_exports_and_reports(bot, tokens, tmp_path / "first", [closed_ref, "CR-OCT01"])
    assert len(first) >= len(tokens) // 2, sorted(first)
    assert in_database(bot, [closed_ref])
    before = counts(bot)

    # Past the message periods: Slack holds none of it, and no message body older than 30 days
    # keeps it; the database still holds every one (nothing else has expired yet).
    at(bot, clock, MESSAGES_GONE)
    assert bot.slack.wait_for(lambda: not in_slack(bot, tokens)), nowhere(in_slack(bot, tokens))
    old = in_outbox_older_than(bot, tokens, datetime(2027, 1, 2, 3, 0, tzinfo=UTC))
    assert not old, nowhere(old)
    assert set(in_database(bot, tokens)) == set(tokens)

    # Past the closed-case period: the closed case's reference and all written about it.
    at(bot, clock, CLOSED_CASE_GONE)
    gone = [*about_closed, closed_ref, "CR-T1"]
    assert not (found := in_database(bot, gone)), nowhere(found)
    assert not (found := in_slack(bot, gone)), nowhere(found)
    found = in_exports_and_reports(bot, gone, tmp_path / "closed", ["CR-OCT01"])
    assert not found, nowhere(found)

    # Past the free-text period: nothing typed in the month is anywhere.
    at(bot, clock, FREE_TEXT_GONE)
    assert not (found := in_database(bot, tokens)), nowhere(found)
    assert not (found := in_slack(bot, tokens)), nowhere(found)
    with bot.services.make_session() as session:
        refs = list(session.exec(select(Case.case_ref)).all())
    found = in_exports_and_reports(bot, tokens, tmp_path / "free-text", refs)
    assert not found, nowhere(found)
    assert counts(bot) == before
