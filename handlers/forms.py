"""Flatten a submitted view's state into {block_id: value} for the use cases."""

from typing import Any


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
    if "selected_options" in element:
        return [option["value"] for option in element.get("selected_options") or []]
    option = element.get("selected_option")
    return str(option["value"]) if option else None
