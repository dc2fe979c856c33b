"""The listener shape for forms: read the submitted view, hand it to one use case, and answer
with its Reply: the errors inline on their fields, the form's next step, or close it."""

from typing import Any

from slack_bolt import Ack, App

from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.stepped_form import SteppedForm
from bot.core.use_cases import FormUseCase, Submission


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """{block_id: value}: the text typed, the date, time or person picked, the option chosen,
    the options ticked (a list), or the files uploaded (a list of Slack file objects); None
    when left empty."""
    values: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            values[block_id] = _value_of(element)
    return values


def _value_of(element: dict[str, Any]) -> Any:
    for key in ("value", "selected_date", "selected_time", "selected_user"):
        if element.get(key) is not None:
            return str(element[key])
    if "selected_users" in element:  # multi_users_select
        return list(element.get("selected_users") or [])
    if element.get("type") == "file_input":
        return list(element.get("files") or [])
    if "selected_options" in element:
        return [option["value"] for option in element.get("selected_options") or []]
    option = element.get("selected_option")
    return str(option["value"]) if option else None


def submission(view: dict[str, Any]) -> Submission:
    return Submission(
        values=form_values(view),
        private_metadata=view.get("private_metadata") or "",
        view_id=view.get("id") or "",
    )


def register_form(app: App, services: Services, callback_id: str, use_case: FormUseCase) -> None:
    """A form whose submission runs `use_case`, answered before Slack's 3 seconds are up."""

    @app.view(callback_id)
    def submitted(ack: Ack, body: dict, view: dict) -> None:
        answer_submission(ack, use_case(services, body["user"]["id"], submission(view)))


def register_stepped_form(app: App, services: Services, form: SteppedForm) -> None:
    """A form in steps: each submission moves it on; closing it keeps the step's answers."""
    register_form(app, services, form.callback_id, form.on_step_submitted)

    @app.view_closed(form.callback_id)
    def closed(ack: Ack, body: dict, view: dict) -> None:
        # Saved before the ack, so a quick "Resume" finds the answers already there.
        form.on_closed(services, body["user"]["id"], submission(view))
        ack()


def answer_submission(ack: Ack, reply: Reply) -> None:
    if reply.errors:
        ack(response_action="errors", errors=reply.errors)
    elif reply.view is not None:
        ack(response_action="update", view=reply.view)
    else:
        ack()
