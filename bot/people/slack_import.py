"""Importing teams.csv, staff.csv or cases.csv from Slack (issue 22, part 1), for administrators.

The file comes from `/audit import`'s form (a file input, and what it holds) or is shared in
Auditbot's DM (the `file_shared` event). After the ack it is downloaded (bot/slack/files.py)
and checked whole with the same rules as `auditbot import` (a dry run): the administrator gets
a DM with what would be new, updated and unchanged, every problem (the first twenty, and all
of them in an attached file), and an Import button only when there is no problem. Nothing
changes until it is pressed.

A file with no problem is kept (`PendingImport`: its bytes and SHA-256) for the button, so
Import writes exactly the file that was checked, in the click's transaction with the row
locked: a double click or Slack's retry imports it once, and the second press is told it was
already imported. The import checks the file again first: a problem found now (the database
changed since) or other changes than the check promised import nothing. The bytes are removed
once imported, and every check is forgotten `KEEP_DAYS` after it was made.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.outbox import queue_channel_post, queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork, carry_out
from bot.core.use_cases import Submission, answer, on_click, on_submit
from bot.people.import_notices import queue_all_problems, shown_problems
from bot.people.importer import (
    IMPORT_KINDS,
    FileChanged,
    ImportReport,
    import_csv,
    import_in_session,
)
from bot.slack.files import DownloadFailed, NotWanted, download_file
from messages import render
from models import PendingImport, Staff
from models.db import transaction

log = logging.getLogger(__name__)

KEEP_DAYS = 7  # a check (and its file) is forgotten this long after it was made
MAX_BYTES = 50_000_000  # an authority's cases.csv of 100,000 cases is under 10 MB
KIND_LABELS = {
    "teams": "Teams (teams.csv)",
    "staff": "Staff (staff.csv)",
    "cases": "Open cases (cases.csv)",
}

CHECKED, REFUSED, IMPORTED = "checked", "refused", "imported"

ADMINS_ONLY = (
    "Sorry, only administrators can import teams, staff or cases. Nothing has been changed."
)
CHECK_GONE = (
    f"That check is no longer kept (a file waits {KEEP_DAYS} days for its Import button): "
    "give me the file again and I'll check it anew. Nothing has been changed."
)


def asks_for_import_form(text: str) -> bool:
    return text.lower().split() == ["import"]


def _require_admin(person: Staff) -> None:
    if not person.has_role("admin"):
        raise NotAllowed(ADMINS_ONLY)


# --- which file is it ------------------------------------------------------------------------


def kind_from_name(name: str) -> str | None:
    """teams, staff or cases when the file's name says it as a word ("staff.csv",
    "cases 2026-12-01.csv"), and says only one of them; otherwise None."""
    words = set(re.split(r"[^a-z]+", Path(name).stem.lower()))
    named = [kind for kind in IMPORT_KINDS if kind in words]
    return named[0] if len(named) == 1 else None


class _KindProblem(InvalidRequest):
    """Shown on the form's "what the file holds" field."""


def decide_kind(name: str, chosen: str | None) -> str:
    """The form's choice, or else the file's name; a choice the name contradicts is refused,
    so a staff list is never imported as cases by a slip of the menu."""
    named = kind_from_name(name)
    if chosen:
        if chosen not in IMPORT_KINDS:
            raise _KindProblem("Choose teams, staff or cases.")
        if named and named != chosen:
            raise _KindProblem(
                f"The file is named {name}, which says {named}, but you chose {chosen}: "
                f"choose {named}, or rename the file."
            )
        return chosen
    if named is None:
        raise _KindProblem(f"The name {name} doesn't say: choose teams, staff or cases.")
    return named


# --- `/audit import`: the form -----------------------------------------------------------------


def open_import_form(services: Services, slack_user_id: str) -> Reply:
    """`/audit import`: the form, for administrators only."""

    def work(uow: UnitOfWork) -> Reply:
        _require_admin(uow.actor)
        return Reply(view=render("import_modal", kinds=list(KIND_LABELS.items())))

    return answer(services, slack_user_id, work)


def _form_field(_form: Submission, error: AuditbotError) -> str:
    return "kind" if isinstance(error, _KindProblem) else "file"


@on_submit(field=_form_field)
def submit_import_form(uow: UnitOfWork, _row: None, form: Submission) -> Reply | None:
    """Check the form at once (one .csv file, and what it holds); the file itself is checked
    after the ack, and the answer comes by DM."""
    _require_admin(uow.actor)
    files = form.values.get("file") or []
    if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], dict):
        raise InvalidRequest("Upload one CSV file: teams.csv, staff.csv or cases.csv.")
    file_id, name = str(files[0].get("id") or ""), str(files[0].get("name") or "")
    if not file_id or not name.lower().endswith(".csv"):
        raise InvalidRequest("Only a .csv file can be imported: teams.csv, staff.csv or cases.csv.")
    kind = decide_kind(name, form.values.get("kind"))
    services = uow.services
    services.answers.submit(
        partial(check_file, services, uow.actor.slack_user_id or "", file_id, kind),
        _nothing_to_show,
        failed=_log_failure,
    )
    return None


def _nothing_to_show(_result: object) -> None:
    """The answer is the DM the check queued."""


def _log_failure(error: Exception) -> None:
    log.error("checking a file given in Slack failed", exc_info=error)


# --- a file shared in Auditbot's DM ---------------------------------------------------------


def check_shared_file(services: Services, slack_user_id: str, file_id: str, channel: str) -> None:
    """A file shared in a DM with Auditbot (`file_shared`; shares elsewhere are not ours to
    read). Only an administrator's file is downloaded; anyone else is told why not."""
    if not channel.startswith("D") or not file_id or not slack_user_id:
        return
    try:
        allowed = carry_out(services, slack_user_id, partial(_may_import, file_id=file_id))
    except NotAllowed as unknown:  # not on the staff list: answered in that DM, once
        _answer_stranger(services, channel, file_id, str(unknown))
        return
    if allowed:
        check_file(services, slack_user_id, file_id, None)


def _may_import(uow: UnitOfWork, file_id: str) -> bool:
    if uow.actor.has_role("admin"):
        return True
    _tell(uow, key=f"import:{file_id}:refused", text=ADMINS_ONLY)
    return False


def _answer_stranger(services: Services, channel: str, file_id: str, text: str) -> None:
    with transaction(services.make_session) as session:
        queue_channel_post(
            session,
            key=f"import:{file_id}:unknown",
            channel=channel,
            message=render("notice", text=text, usage=None),
            concern="import",
            now=services.now(),
        )
    services.deliver_soon()


def _tell(uow: UnitOfWork, *, key: str, text: str) -> None:
    queue_dm(
        uow.session,
        key=key,
        recipient=uow.actor,
        message=render("notice", text=text, usage=None),
        concern="import",
        now=uow.now,
    )


# --- the check (a dry run), after the ack ----------------------------------------------------


def check_file(services: Services, slack_user_id: str, file_id: str, kind: str | None) -> None:
    """Download the file, check it whole, keep it for the Import button when it has no
    problem, and DM the administrator the result."""
    try:
        downloaded = download_file(services.client, file_id, max_bytes=MAX_BYTES, suffix=".csv")
    except NotWanted as other:
        text = (
            f"{other.name} is not a CSV file: I can import teams.csv, staff.csv or cases.csv "
            "(save a spreadsheet as 'CSV UTF-8'). Nothing has been changed."
        )
        _tell_about(services, slack_user_id, file_id, text)
        return
    except DownloadFailed as failed:
        log.warning("could not download Slack file %s: %s", file_id, failed)
        text = f"I could not get the file from Slack: {failed}. Please try again shortly."
        _tell_about(services, slack_user_id, file_id, text)
        return
    kind = kind or kind_from_name(downloaded.name)
    if kind is None:
        text = (
            f"I can't tell from the name {downloaded.name} what the file holds: name it "
            "teams.csv, staff.csv or cases.csv, or use `/audit import` to choose."
        )
        _tell_about(services, slack_user_id, file_id, text)
        return
    now = services.now()
    report = _dry_run(services, kind, downloaded.name, downloaded.content, now)
    carry_out(
        services,
        slack_user_id,
        partial(
            _record_check,
            kind=kind,
            name=downloaded.name,
            file_id=file_id,
            content=downloaded.content,
            report=report,
        ),
    )


def _tell_about(services: Services, slack_user_id: str, file_id: str, text: str) -> None:
    """Why a file was not checked, once per file."""
    key = f"import:{file_id}:not-checked"
    carry_out(services, slack_user_id, lambda uow: _tell(uow, key=key, text=text))


def _dry_run(
    services: Services, kind: str, name: str, content: bytes, now: datetime
) -> ImportReport:
    with TemporaryDirectory(prefix="auditbot-import-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        return import_csv(
            services.make_session, kind, path, policy=services.policy, now=now, actor="slack",
            dry_run=True, calendar=services.calendar, shown_as=name,
        )  # fmt: skip


def _record_check(
    uow: UnitOfWork, *, kind: str, name: str, file_id: str, content: bytes, report: ImportReport
) -> None:
    _require_admin(uow.actor)
    digest = hashlib.sha256(content).hexdigest()
    already = uow.session.exec(
        select(PendingImport).where(
            PendingImport.slack_file_id == file_id, PendingImport.sha256 == digest
        )
    ).first()
    if already is not None:  # Slack's retry of the same share: checked and answered once
        return
    check = PendingImport(
        kind=kind,
        filename=name,
        slack_file_id=file_id,
        sha256=digest,
        content=content if report.ok else None,  # a file with problems is never kept
        requested_by=uow.actor.id,
        checked_at=uow.now,
        status=CHECKED if report.ok else REFUSED,
        problems=len(report.errors),
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
    uow.session.add(check)
    uow.session.flush()
    queue_dm(
        uow.session,
        key=_check_key(check),
        recipient=uow.actor,
        message=_check_message(check, report.errors),
        concern=f"import:{check.id}",
        now=uow.now,
    )
    queue_all_problems(
        uow.session,
        key=f"import:{check.id}:problems",
        recipient=uow.actor,
        filename=name,
        errors=report.errors,
        concern=f"import:{check.id}",
        now=uow.now,
    )


def _check_key(check: PendingImport) -> str:
    return f"import:{check.id}:checked"


def _check_message(check: PendingImport, errors: list[str]) -> dict[str, Any]:
    return render(
        "import_check_dm",
        check=check,
        problems=shown_problems(errors),
        problems_total=len(errors),
        keep_days=KEEP_DAYS,
    )


# --- Import pressed ----------------------------------------------------------------------------


@on_click(PendingImport, missing=CHECK_GONE)
def confirm_import(uow: UnitOfWork, check: PendingImport) -> Reply:
    """Import exactly the file that was checked, once, after checking it again."""
    _require_admin(uow.actor)
    if check.status == IMPORTED:
        when = uow.calendar.local(check.imported_at or check.checked_at)
        return Reply.say(
            f"{check.filename} was already imported on {when:%-d %B %Y at %H:%M}: "
            "nothing more to do."
        )
    content = check.content
    if check.status != CHECKED or content is None:
        return Reply.say(
            f"{check.filename} cannot be imported: it had problems when it was checked. "
            "Correct it and give it to me again. Nothing has been changed."
        )
    if hashlib.sha256(content).hexdigest() != check.sha256:
        return Reply.say(
            f"{check.filename} is not the file that was checked: give it to me again. "
            "Nothing has been changed."
        )
    report = _import(uow, check, content)
    if not report.ok or report.changed_since_check:
        return _refuse_after_recheck(uow, check, report)
    check.status, check.content, check.imported_at = IMPORTED, None, uow.now
    uow.session.add(check)
    queue_update(
        uow.session,
        key=f"import:{check.id}:imported",
        update_of=_check_key(check),
        message=render(
            "import_result_dm", check=check, by=uow.actor, at=uow.calendar.local(uow.now),
            transfers=report.transfers,
        ),
        concern=f"import:{check.id}",
        now=uow.now,
    )  # fmt: skip
    return Reply.say(
        f"Imported {check.filename}: {check.created} new, {check.updated} updated, "
        f"{check.unchanged} unchanged."
    )


def _import(uow: UnitOfWork, check: PendingImport, content: bytes) -> ImportReport:
    with TemporaryDirectory(prefix="auditbot-import-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        try:
            return import_in_session(
                uow.session, check.kind, path, policy=uow.policy, now=uow.now,
                actor=uow.actor.email, calendar=uow.calendar, shown_as=check.filename,
                expected=(check.created, check.updated, check.unchanged),
                logged={"source": "slack", "sha256": check.sha256},
            )  # fmt: skip
        except FileChanged as changed:  # not to a file of our own; refused, nothing written
            raise InvalidRequest(f"{check.filename} could not be read twice alike") from changed


def _refuse_after_recheck(uow: UnitOfWork, check: PendingImport, report: ImportReport) -> Reply:
    """Checked again on Import, the file no longer imports as it was checked: nothing was
    written; the check DM says why and loses its button."""
    check.status, check.content, check.problems = REFUSED, None, len(report.errors)
    uow.session.add(check)
    if report.errors:
        why = f"it now has {len(report.errors)} problem(s): the database changed since the check"
        message = _check_message(check, report.errors)
    else:
        why = (
            f"since the check, what it would change has changed (now {report.created} new, "
            f"{report.updated} updated, {report.unchanged} unchanged): another import?"
        )
        message = render("notice", text=f"{check.filename} was not imported: {why}.", usage=None)
    queue_update(
        uow.session,
        key=f"import:{check.id}:rechecked",
        update_of=_check_key(check),
        message=message,
        concern=f"import:{check.id}",
        now=uow.now,
    )
    queue_all_problems(
        uow.session,
        key=f"import:{check.id}:rechecked-problems",
        recipient=uow.actor,
        filename=check.filename,
        errors=report.errors,
        concern=f"import:{check.id}",
        now=uow.now,
    )
    return Reply.say(
        f"{check.filename} was not imported: {why}. Give me the file again to check it anew. "
        "Nothing has been changed."
    )


# --- forgetting ----------------------------------------------------------------------------------


def forget_old_checks(session: Session, tick: Tick) -> int:
    """Every sweep: checks made more than KEEP_DAYS ago go, with any file kept for them."""
    cutoff = tick.now - timedelta(days=KEEP_DAYS)
    result = session.execute(delete(PendingImport).where(PendingImport.checked_at < cutoff))
    return result.rowcount or 0
