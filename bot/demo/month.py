"""`auditbot demo`: an audit month, offline, on the shipped sample authority, ending with the
monthly QA briefing on the first working day of the next month.

It uses the real application (the same Bolt app, database code, outbox and scheduler sweep)
against the built-in Slack stand-in, on a throw-away SQLite database, with a simulated clock.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.bootstrap import Auditbot
from bot.core.config import Settings
from bot.demo.slack_requests import (
    button_click_body,
    find_button,
    sign,
    slash_command_body,
    view_submission_body,
)
from bot.demo.slack_standin import SlackStandIn
from bot.demo.transcript import Transcript
from bot.demo.transcript_html import write_transcript_html
from bot.people.importer import import_csv
from bot.policy.schema import Policy
from bot.report.delivery import briefing_as_of
from bot.report.files import briefing_files, write_files
from bot.report.markdown import briefing_headline
from bot.report.period import Period
from scheduler.jobs import run_due_work

LONDON = ZoneInfo("Europe/London")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)\|[^>]*>")
_MENTION_ID = re.compile(r"<@([UW][A-Z0-9]+)>")
SECRET = "demo-signing-secret"
# The draws' seeds come from this, so two runs print the same transcript, byte for byte.
DEMO_SEED = 1
DEMO_TITLE = "Auditbot demo: the December 2026 audit month for a sample authority"


def seeded_draws(seed: int) -> Callable[[], str]:
    """Seeds for the draws from a seeded generator: the same cases drawn on every run."""
    generator = random.Random(seed)
    return lambda: f"{generator.getrandbits(64):016x}"


class DemoMonth:
    def __init__(self, slack: SlackStandIn, workdir: Path, out: TextIO) -> None:
        self.slack = slack
        self.out = out
        self.now = datetime(2026, 11, 30, 14, 0, tzinfo=LONDON)
        self.staff = _sample_staff()
        for person in self.staff:
            # Everyone is on the demo Slack; one has no ID in the CSV and is found by email.
            slack.add_user(person["email"], person["slack_user_id"], name=person["name"])
        self.transcript = Transcript({p["slack_user_id"]: p["name"] for p in self.staff})
        for team in _sample_rows("teams.csv"):
            self.transcript.names[team["channel_id"]] = f"#{team['team']} (team channel)"
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'demo.db'}",
            slack_bot_token="xoxb-demo",
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
        )
        self.bot = Auditbot(
            settings,
            Policy(),
            token="xoxb-demo",
            clock=lambda: self.now,
            per_channel_interval=0,
            new_seed=seeded_draws(DEMO_SEED),
        )
        self.services = self.bot.services
        self.app: App = self.bot.bolt_app(SECRET)
        self._seen_calls = 0
        self._commands = itertools.count()

    @property
    def when(self) -> str:
        return f"{self.now:%a %-d %b %Y, %H:%M}"

    def say(self, text: str) -> None:
        self.out.write(f"▸ {self.when}: {text}\n")

    def import_sample(self) -> None:
        """Teams and staff on the server (the first administrator must exist to import in
        Slack); cases.csv in Slack, see `import_in_slack`."""
        for kind in ("teams", "staff"):
            with resources.as_file(resources.files("bot.demo.sample") / f"{kind}.csv") as path:
                report = import_csv(
                    self.services.make_session,
                    kind,
                    path,
                    policy=self.services.policy,
                    now=self.now,
                    actor="demo",
                )
            if not report.ok:
                raise RuntimeError("\n".join(report.errors))
            self.say(f"administrator imports {kind}.csv: {report.summary().split(': ', 1)[1]}")

    def import_in_slack(self, admin: str, filename: str, data: bytes) -> dict[str, Any]:
        """The administrator gives the file to `/audit import`; returns the dry run's DM."""
        file = self.slack.add_file(filename, data, user_id=admin)
        self.command(admin, "import")
        self.say(f"{self.transcript.names[admin]} chooses {filename} in the form")
        values = {"file": {"file": {"type": "file_input", "files": [file]}}}
        before = len(self._dry_runs(admin, filename))
        self.submit(admin, self.last_view_opened(), values)
        if not self.slack.wait_for(lambda: len(self._dry_runs(admin, filename)) > before):
            raise RuntimeError(f"the bot did not answer the import of {filename}")
        self.collect_slack_calls()
        return self._dry_runs(admin, filename)[-1]

    def _dry_runs(self, admin: str, filename: str) -> list[dict[str, Any]]:
        self.services.sender.deliver_due()  # the check queues its answer from a worker
        return [
            {**c.params, "channel": "D" + admin[1:], "ts": c.response["ts"]}
            for c in self.slack.calls("chat.postMessage")
            if c.fault is None
            and _user_of(c.params["channel"]) == admin
            and c.params.get("text", "").startswith(f"{filename} (")
        ]

    def command(self, user_id: str, text: str, command: str = "/audit") -> None:
        """Type a slash command; its reply (or the form it opens) goes in the transcript."""
        response_url = self.slack.response_url(f"cmd-{next(self._commands)}")
        body = slash_command_body(command, text, user_id=user_id, response_url=response_url)
        shown = _MENTION.sub(lambda m: "@" + self.transcript.names.get(m.group(1), ""), text)
        self.say(f"{self.transcript.names[user_id]} types {command} {shown}")
        forms_before = len(self.slack.calls("views.open"))
        response = self._dispatch(body)
        # A usage notice is the ack itself; any other reply follows on the response_url.
        if response.body:
            reply = json.loads(response.body)
        else:
            if not self.slack.wait_for(
                lambda: (
                    self.slack.responses_to(response_url)
                    or len(self.slack.calls("views.open")) > forms_before
                )
            ):
                raise RuntimeError(f"the bot did not answer {command} {shown}")
            replies = self.slack.responses_to(response_url)
            if not replies:  # it opened a form
                self.collect_slack_calls(opened_by=user_id)
                return
            reply = {"text": replies[0]["text"], "blocks": replies[0].get("blocks", [])}
        self.transcript.add(user_id, self.now, f"reply to {command} {shown}", reply, "message")

    def click(self, user_id: str, action_id: str, message: dict[str, Any]) -> None:
        label = find_button(message, action_id)["text"]["text"]
        self.say(f"{self.transcript.names[user_id]} clicks [{label}]")
        response_url = self.slack.response_url("click")
        answers_before = self._click_answers()
        self._dispatch(
            button_click_body(
                user_id=user_id, message=message, action_id=action_id, response_url=response_url
            )
        )
        # Bolt acks first and answers the click (a form, or a private reply) just after.
        if not self.slack.wait_for(lambda: self._click_answers() > answers_before):
            raise RuntimeError(f"the bot did not answer the click on [{label}]")
        self.collect_slack_calls(opened_by=user_id)

    def _click_answers(self) -> int:
        return len(self.slack.calls("views.open")) + len(self.slack.calls("response_url"))

    def submit(
        self, user_id: str, view: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Submit a form; returns the next step's form when the bot moves the form on."""
        self.say(f"{self.transcript.names[user_id]} submits “{view['title']['text']}”")
        response = self._dispatch(view_submission_body(user_id=user_id, view=view, values=values))
        answer = json.loads(response.body) if response.body else {}
        if answer.get("response_action") == "errors":
            raise RuntimeError(f"the form refused the demo's answers: {answer['errors']}")
        if answer.get("response_action") == "update":
            self.transcript.add(user_id, self.now, "the form moves on", answer["view"], "view")
            return {**answer["view"], "id": view["id"]}
        return None

    def open_form(self, user_id: str, action_id: str) -> dict[str, Any]:
        self.click(user_id, action_id, self.last_message_to(user_id, action_id))
        return self.last_view_opened()

    def tick(self) -> None:
        report = run_due_work(self.services, self.now.astimezone(LONDON))
        self.say(f"scheduler sweep: {report.summary().split('; ', 1)[1]}")
        self.collect_slack_calls()

    def deliver(self) -> None:
        self.services.sender.deliver_due()
        self.collect_slack_calls()

    def collect_slack_calls(self, opened_by: str | None = None) -> None:
        calls = self.slack.calls()[self._seen_calls :]
        self._seen_calls += len(calls)
        for call in calls:
            if call.fault:
                continue
            if call.method == "chat.postMessage":
                channel = call.params["channel"]
                kind = "channel post" if channel.startswith("C") else "direct message"
                self.transcript.add(_user_of(channel), self.now, kind, call.params, "message")
            elif call.method == "chat.update":
                user = _user_of(call.params["channel"])
                self.transcript.add(
                    user, self.now, "an earlier message now reads", call.params, "message"
                )
            elif call.method == "files.completeUploadExternal":
                user = _user_of(call.params["channel_id"])
                self.transcript.add(user, self.now, "files", self._uploaded(call.params), "files")
            elif call.method == "views.open" and opened_by:
                self.transcript.add(
                    opened_by, self.now, "a form opens", call.params["view"], "view"
                )

    def _uploaded(self, params: dict[str, Any]) -> dict[str, Any]:
        names = {
            c.response["file_id"]: c.params["filename"]
            for c in self.slack.calls("files.getUploadURLExternal")
            if c.response and c.response.get("ok")
        }
        return {
            "text": params.get("initial_comment") or "",
            "files": [names.get(item["id"], item["id"]) for item in params["files"]],
        }

    def last_message_to(self, user_id: str, with_button: str) -> dict[str, Any]:
        posted = [
            c
            for c in self.slack.calls("chat.postMessage")
            if c.fault is None
            and _user_of(c.params["channel"]) == user_id
            and _has_button(c.params, with_button)
        ]
        return {**posted[-1].params, "channel": "D" + user_id[1:], "ts": posted[-1].response["ts"]}

    def last_view_opened(self) -> dict[str, Any]:
        call = self.slack.calls("views.open")[-1]
        return {**call.params["view"], "id": call.response["view"]["id"]}

    def at(self, *moment: int) -> None:
        self.now = datetime(*moment, tzinfo=LONDON)

    def fill_in(self, user_id: str, action_id: str, answers: dict[str, Any]) -> None:
        """Click `action_id` on the person's latest message carrying it, then submit the form
        that opens with `answers` ({block: text} or {block: (state key, value)})."""
        self.click(user_id, action_id, self.last_message_to(user_id, action_id))
        values = {
            block: {block: dict([answer]) if isinstance(answer, tuple) else {"value": answer}}
            for block, answer in answers.items()
        }
        self.submit(user_id, self.last_view_opened(), values)
        self.deliver()

    def latest_recipient_of(self, action_id: str) -> str:
        """Who received the latest message with that button."""
        for call in reversed(self.slack.calls("chat.postMessage")):
            if call.fault is None and _has_button(call.params, action_id):
                return _user_of(call.params["channel"])
        raise LookupError(action_id)

    def _dispatch(self, body: str) -> Any:
        response = self.app.dispatch(BoltRequest(body=body, headers=sign(SECRET, body)))
        if response.status != 200:
            raise RuntimeError(f"the bot answered {response.status}: {response.body}")
        return response


def _has_button(message: dict[str, Any], action_id: str) -> bool:
    try:
        find_button(message, action_id)
    except KeyError:
        return False
    return True


def _user_of(channel: str) -> str:
    return "U" + channel[1:] if channel.startswith("D") else channel


def _sample_rows(filename: str) -> list[dict[str, str]]:
    text = (resources.files("bot.demo.sample") / filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _sample_staff() -> list[dict[str, str]]:
    people = _sample_rows("staff.csv")
    for number, person in enumerate(people, start=1):
        person["slack_user_id"] = person.get("slack_user_id") or f"U0FOUND{number:03d}"
    return people


def run_demo(out: TextIO, out_dir: Path | None = None, keep_database: Path | None = None) -> int:
    """Play the month and print the transcript; with `out_dir`, also write the briefing files
    and `transcript.html` there; with `keep_database`, the month's SQLite database is left in
    that folder (tests read it as a month of real use)."""
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)  # a bad folder fails now, not after the month
    out.write(f"{DEMO_TITLE}, with a\n")
    out.write("re-audit (moderation) of an audit completed in October and a thematic audit round\n")
    out.write("(offline: a throw-away SQLite database and a built-in stand-in for Slack)\n\n")
    folder = nullcontext(str(keep_database)) if keep_database else tempfile.TemporaryDirectory()
    with folder as workdir, SlackStandIn() as slack:
        demo = DemoMonth(slack, Path(workdir), out)
        admin = _first_with_role(demo.staff, "admin")
        demo.import_sample()
        _import_cases_in_slack(demo, admin)  # issue 22
        october = _october_audit(demo)
        demo.at(2026, 11, 30, 14, 30)
        demo.command(admin, "status 2026-12")
        manager = _draw_and_redraw(demo)
        practitioner = _book_the_discussion(demo, manager)
        _plan_family_contact(demo, manager)
        _remind_and_follow_up(demo, manager, practitioner)
        _complete_the_audit(demo, manager, practitioner)
        _category_1_audit(demo, exclude={manager, october[0]})
        _reaudit(demo, *october)
        _supervision_checkpoint(demo, manager)
        _thematic_round(demo, admin)  # issue 12
        demo.command(admin, "reaudit")
        demo.command(admin, "status")
        demo.command(manager, "select")
        _monthly_briefing(demo, out_dir or Path(workdir) / "briefing")
        demo.bot.close()
        demo.transcript.write(out)
        out.write("\nEvery message above went through the outbox to the Slack stand-in.\n")
        if out_dir:
            page = write_transcript_html(out_dir / "transcript.html", demo.transcript, DEMO_TITLE)
            out.write(f"The transcript as Slack would show it: {page}\n")
    return 0


def _import_cases_in_slack(demo: DemoMonth, admin: str) -> None:
    """The administrator gives cases.csv to `/audit import`: a first file with a mistake is
    refused line by line and changes nothing; the corrected one is imported with one click."""
    with resources.as_file(resources.files("bot.demo.sample") / "cases.csv") as path:
        good = path.read_bytes()
    lines = good.decode("utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace("Children in Care", "Children in Cair")  # cases.csv:5: a typo
    demo.import_in_slack(admin, "cases.csv", "".join(lines).encode("utf-8"))
    checked = demo.import_in_slack(admin, "cases.csv", good)
    demo.click(admin, "import.confirm", checked)
    demo.deliver()


def _draw_and_redraw(demo: DemoMonth) -> str:
    """1 December: the scheduler draws; one manager asks for a different case."""
    demo.at(2026, 12, 1, 8, 0)
    demo.tick()
    managers = [p["slack_user_id"] for p in demo.staff if "team_manager" in p["role"]]
    manager = next(m for m in managers if _has_december_case(demo, m))
    demo.at(2026, 12, 1, 9, 0)
    demo.tick()  # the re-audits: audits completed one to two months ago
    demo.at(2026, 12, 1, 9, 30)
    demo.fill_in(
        manager,
        "selection.request_redraw",
        {
            "reason": "This family is moving to another authority next week.",
        },
    )
    demo.command(manager, "status")
    return manager


def _book_the_discussion(demo: DemoMonth, manager: str) -> str:
    """The manager books the discussion; the practitioner confirms."""
    demo.at(2026, 12, 1, 10, 0)
    demo.fill_in(
        manager,
        "booking.open",
        {
            "date": ("selected_date", "2026-12-15"),
            "time": ("selected_time", "10:00"),
            "duration": ("selected_option", {"value": "60"}),
            "place": "Room 2, Northgate House",
        },
    )
    practitioner = demo.latest_recipient_of("booking.can")
    demo.at(2026, 12, 1, 11, 15)
    demo.click(practitioner, "booking.can", demo.last_message_to(practitioner, "booking.can"))
    demo.deliver()
    return practitioner


def _plan_family_contact(demo: DemoMonth, manager: str) -> None:
    """Contact with the family is planned, and its outcome asked for the next working day."""
    demo.at(2026, 12, 1, 11, 30)
    demo.fill_in(
        manager,
        "engagement.open",
        {
            "choice": ("selected_option", {"value": "plan"}),
            "method": ("selected_option", {"value": "phone"}),
            "planned_on": ("selected_date", "2026-12-04"),
        },
    )
    demo.at(2026, 12, 7, 9, 0)
    demo.tick()
    demo.fill_in(
        manager,
        "engagement.outcome.record",
        {
            "child": ("selected_option", {"value": "engaged"}),
            "parents": ("selected_option", {"value": "not_invited"}),
            "parents_reason": "Mother is in hospital this month; to be invited next time.",
            "summary": "The young person feels listened to and wants more time with their sister.",
        },
    )


def _remind_and_follow_up(demo: DemoMonth, manager: str, practitioner: str) -> None:
    """Reminders two working days and an hour before; afterwards, "did it happen?". At 10:00
    on 11 December the managers who have not booked their discussion by the 10th are chased."""
    for moment in (
        (2026, 12, 11, 9, 0),
        (2026, 12, 11, 10, 0),
        (2026, 12, 15, 9, 0),
        (2026, 12, 15, 11, 0),
    ):
        demo.at(*moment)
        demo.tick()
    demo.at(2026, 12, 15, 11, 5)
    demo.click(manager, "booking.held", demo.last_message_to(manager, "booking.held"))
    demo.deliver()


JUDGEMENTS = [
    ("Good", "Risks were recognised early and the plan has kept the child safe at home."),
    (
        "Requires improvement to be good",
        "Visits are recorded late and the chronology stops in "
        "August, so the child's story is hard to follow.",
    ),
    ("Good", "The assessment is analytical and clearly informed by the child's own words."),
    ("Good", "Direct work tools are used well and the child trusts the social worker."),
    ("Good", "School and health attend core groups and actions are followed through."),
    (
        "Requires improvement to be good",
        "Supervision happens but decisions and their reasons "
        "are not always written on the child's record.",
    ),
    ("Good", "The child is safer, attending school and says home feels calmer."),
]


def _complete_the_audit(demo: DemoMonth, manager: str, practitioner: str) -> None:
    """The manager completes the guided audit; the practitioner confirms an action done."""
    demo.at(2026, 12, 15, 14, 0)
    _fill_in_audit(
        demo,
        manager,
        JUDGEMENTS,
        _last_step(
            impact="The child is safer and back in school full time.",
            views="The young person feels listened to and wants more time with their sister.",
            overall="Good",
            action=("Bring the chronology up to date and share it with the IRO.", practitioner),
            action_due="2026-12-22",
        ),
    )
    demo.deliver()
    demo.at(2026, 12, 17, 10, 0)  # five working days late: the service managers hear of it
    demo.tick()
    demo.at(2026, 12, 18, 9, 0)
    demo.tick()
    demo.fill_in(
        practitioner,
        "action.done",
        {
            "reason": "Chronology updated to the end of November and sent to the IRO.",
        },
    )


def _fill_in_audit(
    demo: DemoMonth,
    manager: str,
    judgements: list[tuple[str, str]],
    last_step: dict[str, Any],
) -> None:
    """Start the audit from the manager's case message, grade each domain in turn, submit."""
    view = demo.open_form(manager, "audit.start")
    answers = iter(judgements)
    while view["submit"]["text"] != "Submit the audit":
        values = {}
        for block in view["blocks"]:
            block_id = block.get("block_id", "")
            if block_id.startswith("grade__"):
                grade, why = next(answers)
                values[block_id] = {"grade": {"selected_option": {"value": grade}}}
                values[block_id.replace("grade__", "why__")] = {"why": {"value": why}}
        view = demo.submit(manager, view, values)
    demo.submit(manager, view, last_step)
    demo.deliver()


def _last_step(
    *,
    impact: str,
    views: str,
    overall: str,
    action: tuple[str, str],
    action_due: str,
    concern: tuple[str, str] = ("none", ""),
) -> dict[str, Any]:
    """The audit's last page: the "so what", the views, the judgement, any immediate concern
    (its kind and note) and one action (what, and its owner's Slack ID)."""
    what, owner = action
    kind, note = concern
    return {
        "impact": {"impact": {"value": impact}},
        "views": {"views": {"value": views}},
        "overall": {"overall": {"selected_option": {"value": overall}}},
        "concern": {"concern": {"selected_option": {"value": kind}}},
        "concern_note": {"concern_note": {"value": note or None}},
        "action_what_1": {"a": {"value": what}},
        "action_owner_1": {"owner": {"selected_user": owner}},
        "action_due_1": {"due": {"selected_date": action_due}},
    }


OCTOBER_JUDGEMENTS = [
    ("Good", "The child was seen alone at every visit and the safety plan is working."),
    ("Good", "Case notes are up to date and written so the child could understand them."),
    ("Good", "The assessment weighs the risks and strengths and says what must change."),
    ("Good", "Life story work has started and the child talks warmly about the worker."),
    ("Good", "The placement, school and health share one plan and review it together."),
    ("Good", "Supervision is monthly and its decisions are recorded on the child's file."),
    ("Good", "The placement is stable and the child's attendance has risen to 95%."),
]


def _october_audit(demo: DemoMonth) -> tuple[str, str]:
    """Before the demo month: October's draw, and one manager's completed audit, which
    December's re-audit sample (audits one to two months old) draws on. Replayed on the
    imported data with the clock set back, as the sample is a snapshot taken in November."""
    demo.say("history: replaying October 2026 so that December has an audit to re-audit")
    demo.at(2026, 10, 1, 8, 0)
    demo.tick()
    managers = [p["slack_user_id"] for p in demo.staff if "team_manager" in p["role"]]
    manager = managers[1]
    practitioner = _practitioner_of_latest_case(demo, manager)
    demo.at(2026, 10, 20, 15, 0)
    _fill_in_audit(
        demo,
        manager,
        OCTOBER_JUDGEMENTS,
        _last_step(
            impact="The child is settled in placement and in school.",
            views="The child says they feel safe and want to stay.",
            overall="Good",
            action=("Complete the life story book with the child.", practitioner),
            action_due="2026-11-27",
        ),
    )
    return manager, practitioner


def _practitioner_of_latest_case(demo: DemoMonth, manager: str) -> str:
    message = demo.last_message_to(manager, "audit.start")
    mentioned = _MENTION_ID.findall(json.dumps(message["blocks"]))
    return next(user for user in mentioned if user != manager)


def _has_december_case(demo: DemoMonth, manager: str) -> bool:
    return any("December 2026" in m.get("text", "") for m in demo.slack.messages_to(manager))


CONCERN_JUDGEMENTS = [
    (
        "Inadequate",
        "Three reports of bruising since October were not followed by a strategy discussion.",
    ),
    (
        "Requires improvement to be good",
        "Visits are recorded, but not what the child said or how they seemed.",
    ),
    ("Inadequate", "The assessment predates the new partner moving in and does not consider him."),
    ("Requires improvement to be good", "The child has not been seen alone since September."),
    (
        "Requires improvement to be good",
        "School's concerns were shared but nobody called a meeting.",
    ),
    ("Inadequate", "Supervision notes do not mention the bruising or any decision about it."),
    ("Inadequate", "We cannot say the child is safer; the risks may be rising."),
]


def _category_1_audit(demo: DemoMonth, exclude: set[str]) -> None:
    """Another manager finds a child may be at risk now: the audit raises a Category 1 alert,
    the manager's service manager acknowledges it, and two days later their head of service
    records the review and removes the case from the cases-of-concern register."""
    manager = next(
        p["slack_user_id"]
        for p in demo.staff
        if "team_manager" in p["role"]
        and p["slack_user_id"] not in exclude
        and _has_december_case(demo, p["slack_user_id"])
    )
    practitioner = _practitioner_of_latest_case(demo, manager)
    demo.at(2026, 12, 16, 11, 0)
    _fill_in_audit(
        demo,
        manager,
        CONCERN_JUDGEMENTS,
        _last_step(
            impact="We cannot yet show that the child is any safer.",
            views="The child would not talk about home at the visit.",
            overall="Inadequate",
            action=("Hold a strategy discussion with police and health.", practitioner),
            action_due="2026-12-17",
            concern=(
                "category_1",
                "Unexplained bruising reported three times; no strategy meeting.",
            ),
        ),
    )
    service_manager = _line_manager_of(demo.staff, manager)
    demo.at(2026, 12, 16, 11, 20)
    demo.click(service_manager, "alert.ack", demo.last_message_to(service_manager, "alert.ack"))
    demo.deliver()
    head = _line_manager_of(demo.staff, service_manager)
    demo.at(2026, 12, 18, 15, 0)
    demo.command(head, "register")
    demo.deliver()
    demo.fill_in(
        head,
        "concern.review",
        {
            "actions_taken": "Reviewed the case with the team manager: a strategy meeting was held "
            "on 17 December, the child is seen weekly and the safety plan is in place.",
            "close": ("selected_options", [{"value": "close"}]),
        },
    )


def _line_manager_of(staff: list[dict[str, str]], user_id: str) -> str:
    email = next(p["manager_email"] for p in staff if p["slack_user_id"] == user_id)
    return next(p["slack_user_id"] for p in staff if p["email"] == email)


def _reaudit(demo: DemoMonth, october_manager: str, practitioner: str) -> None:
    """The service manager re-audits the October audit: agrees with most grades, moves one
    down with a reason, finds an action only partly done and adds one."""
    moderator = demo.latest_recipient_of("reaudit.start")
    demo.at(2026, 12, 18, 14, 0)
    view = demo.open_form(moderator, "reaudit.start")
    first = True
    while view is not None and view["submit"]["text"] != "Submit the re-audit":
        values = {}
        for block in view["blocks"]:
            block_id = block.get("block_id", "")
            if not block_id.startswith("verdict__"):
                continue
            domain = block_id.removeprefix("verdict__")
            verdict = "agree"
            if first and domain == "recording_communication":
                verdict = "disagree"
                values[f"grade__{domain}"] = {
                    "grade": {"selected_option": {"value": "Requires improvement to be good"}}
                }
                values[f"why__{domain}"] = {
                    "why": {
                        "value": "The last three visits were recorded two weeks late and the "
                        "chronology stops in September."
                    }
                }
            values[block_id] = {"verdict": {"selected_option": {"value": verdict}}}
        first = first and not any(k.startswith("why__") for k in values)
        view = demo.submit(moderator, view, values)
    demo.submit(
        moderator,
        view,
        {
            "addressed": {"addressed": {"selected_option": {"value": "partly"}}},
            "addressed_note": {
                "addressed_note": {"value": "The life story book is started but not finished."}
            },
            "comment": {
                "comment": {"value": "A thoughtful audit; the recording grade was generous."}
            },
            "action_what_1": {"a": {"value": "Record every visit within five working days."}},
            "action_owner_1": {"owner": {"selected_user": practitioner}},
            "action_due_1": {"due": {"selected_date": "2027-01-15"}},
        },
    )
    demo.deliver()


def _supervision_checkpoint(demo: DemoMonth, manager: str) -> None:
    """In supervision, the manager considers a practitioner's TAC cases and decides for each;
    the practitioner later records the summary done."""
    demo.at(2026, 12, 21, 10, 0)
    practitioner = _practitioner_with_most_tac_cases(demo.staff, manager)
    demo.command(manager, f"<@{practitioner}|someone>", command="/supervision")
    view = demo.last_view_opened()
    values: dict[str, Any] = {"held_on": {"held_on": {"selected_date": "2026-12-21"}}}
    first = True
    for block in view["blocks"]:
        if not block.get("block_id", "").startswith("decision-"):
            continue
        case_id = block["block_id"].removeprefix("decision-")
        decision = "complete_by" if first else "not_needed"
        values[block["block_id"]] = {"decision": {"selected_option": {"value": decision}}}
        values[f"date-{case_id}"] = {"date": {"selected_date": "2026-12-30" if first else None}}
        values[f"reason-{case_id}"] = {
            "reason": {"value": None if first else "Summarised in the autumn; the plan is stable."}
        }
        first = False
    while view is not None:
        view = demo.submit(manager, view, values)
    demo.deliver()
    demo.at(2026, 12, 23, 15, 0)
    demo.fill_in(
        practitioner,
        "tac.task.complete",
        {
            "completed_on": ("selected_date", "2026-12-23"),
        },
    )


# --- Audit rounds (issue 12) -----------------------------------------------------------------

NEGLECT_JUDGEMENTS = [
    ("Requires improvement to be good", "Neglect is named, but the screening tool is not used."),
    ("Good", "The plan says what must change at home, by when, and what happens if not."),
    ("Good", "Visits describe the home, meals and school; the child is seen alone each time."),
]


def _thematic_round(demo: DemoMonth, admin: str) -> None:
    """An administrator defines a thematic audit of neglect for the two service managers; the
    scheduler draws a case for each; a practitioner confirms attendance; an auditor completes
    the neglect questions in the guided audit."""
    demo.at(2026, 12, 22, 10, 0)
    demo.command(admin, "round new")
    answers = {
        "name": ("value", "neglect-2026-12"),
        "kind": ("selected_option", {"value": "thematic"}),
        "theme": ("selected_option", {"value": "neglect"}),
        "cases": ("value", "2"),
        "auditor_role": ("selected_option", {"value": "service_manager"}),
        "one_case_per_auditor": ("selected_options", [{"value": "one_each"}]),
        "selection_date": ("selected_date", "2026-12-22"),
        "audit_date": ("selected_date", "2026-12-29"),
        "audit_until": ("selected_date", "2026-12-31"),
    }
    values = {block: {block: dict([answer])} for block, answer in answers.items()}
    demo.submit(admin, demo.last_view_opened(), values)
    demo.at(2026, 12, 22, 10, 30)
    demo.tick()
    practitioner = demo.latest_recipient_of("round.attend")
    demo.click(practitioner, "round.attend", demo.last_message_to(practitioner, "round.attend"))
    demo.deliver()
    demo.at(2026, 12, 29, 14, 0)
    _fill_in_audit(
        demo,
        demo.latest_recipient_of("audit.start"),
        NEGLECT_JUDGEMENTS,
        {
            "impact": {
                "impact": {"value": "The child now has breakfast club and a bed of her own."}
            },
            "views": {"views": {"value": "She says home is tidier and she likes her new bed."}},
            "overall": {"overall": {"selected_option": {"value": "Good"}}},
            "concern": {"concern": {"selected_option": {"value": "none"}}},
            "no_actions": {
                "no_actions": {"value": "The plan already covers it; fed back to the worker."}
            },
            # The auditor is not the case's team manager: who took part in the discussion.
            "manager_engagement": {
                "manager_engagement": {"selected_option": {"value": "not_available"}}
            },
            "practitioner_engagement": {
                "practitioner_engagement": {"selected_option": {"value": "took_part"}}
            },
        },
    )
    demo.command(admin, "round status neglect-2026-12")


def _monthly_briefing(demo: DemoMonth, folder: Path) -> None:
    """The first working day of January: the December QA briefing reaches the administrators
    and heads of service; an administrator also writes it to a folder, as `auditbot report
    monthly` does."""
    demo.at(2027, 1, 4, 9, 0)
    demo.tick()
    with demo.services.make_session() as session:
        services = demo.services
        briefing = briefing_as_of(
            session,
            services.policy,
            services.calendar,
            Period.parse("2026-12"),
            demo.now.date(),
        )
    written = write_files(folder, briefing_files(briefing, with_cases=True))
    demo.say(briefing_headline(briefing))
    demo.say(f"auditbot report monthly --month 2026-12 wrote {len(written)} files:")
    for path in written:
        demo.out.write(f"    {path.name}\n")


def _practitioner_with_most_tac_cases(staff: list[dict[str, str]], manager: str) -> str:
    team = next(p["team"] for p in staff if p["slack_user_id"] == manager)
    tac = Counter(
        row["worker_email"]
        for row in _sample_rows("cases.csv")
        if row["case_type"] == "TAC" and row["status"] == "open" and row["team"] == team
    )
    email = tac.most_common(1)[0][0]
    return next(p["slack_user_id"] for p in staff if p["email"] == email)


def _first_with_role(staff: list[dict[str, str]], role: str) -> str:
    return next(p["slack_user_id"] for p in staff if role in p["role"].split(";"))
