"""Flatten a submitted view's state into {block_id: value} for the use cases; stepped forms."""

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.core.services import Services


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """{block_id: value}: the text typed, the date, time or person picked, the option chosen,
    or the options ticked (a list); None when left empty."""
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
    if "selected_options" in element:
        return [option["value"] for option in element.get("selected_options") or []]
    option = element.get("selected_option")
    return str(option["value"]) if option else None


StepHandler = Callable[[str, str, dict[str, Any]], Any]
FormHandler = Callable[[str, str, dict[str, Any]], dict[str, str] | None]


def register_form(app: App, callback_id: str, submit: FormHandler) -> None:
    """A one-step form: `submit` takes (slack_user_id, private_metadata, values) and returns
    inline errors by block, or None when done (the form closes)."""

    @app.view(callback_id)
    def submitted(ack: Ack, body: dict, view: dict) -> None:
        errors = submit(body["user"]["id"], view.get("private_metadata") or "", form_values(view))
        close_or_show_errors(ack, errors)


def with_text(
    services: Services, use_case: Callable[..., Any], block_id: str = "reason"
) -> FormHandler:
    """The form handler of a use case taking (services, user, metadata, the text typed in
    `block_id`): a reason or a note."""
    return lambda user_id, metadata, values: use_case(
        services, user_id, metadata, values.get(block_id) or ""
    )


def close_or_show_errors(ack: Ack, errors: dict[str, str] | None) -> None:
    """Answer a form's submission: its errors inline, on their fields, or close it."""
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def register_stepped_form(
    app: App, callback_id: str, submit_step: StepHandler, save_closed: StepHandler
) -> None:
    """A form in steps (the audit, the re-audit): each submission saves the step and answers
    with the next step, the errors, or nothing when done; closing it keeps the step's answers.

    `submit_step` and `save_closed` take (slack_user_id, private_metadata, values)."""

    @app.view(callback_id)
    def step_submitted(ack: Ack, body: dict, view: dict) -> None:
        result = submit_step(body["user"]["id"], view["private_metadata"], form_values(view))
        if result.errors:
            ack(response_action="errors", errors=result.errors)
        elif result.next_view:
            ack(response_action="update", view=result.next_view)
        else:
            ack()

    @app.view_closed(callback_id)
    def step_closed(ack: Ack, body: dict, view: dict) -> None:
        # Saved before the ack, so a quick "Resume" finds the answers already there.
        save_closed(body["user"]["id"], view["private_metadata"], form_values(view))
        ack()
