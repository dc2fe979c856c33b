"""Flatten a submitted view's state into {block_id: value} for the use cases."""

from typing import Any


def form_values(view: dict[str, Any]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            values[block_id] = _value_of(element)
    return values


def _value_of(element: dict[str, Any]) -> str | None:
    for key in ("value", "selected_date", "selected_time", "selected_user"):
        if element.get(key) is not None:
            return str(element[key])
    option = element.get("selected_option")
    return str(option["value"]) if option else None
