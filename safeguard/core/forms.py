"""Form helpers shared by the pages: errors in the shape the GOV.UK error summary needs."""

from __future__ import annotations

from django import forms


def error_summary(form: forms.Form, anchors: dict[str, str] | None = None) -> list[dict]:
    """The form's errors as [{"href": "#id", "text": message}], in field order.

    `anchors` maps a field name to the id the summary should link to (for a group of inputs
    such as a date, the first input of the group). Errors not tied to a field link to the
    first field, the place to start correcting them.
    """
    anchors = anchors or {}
    items: list[dict] = []
    seen: set[str] = set()
    names = list(form.fields)
    for message in form.non_field_errors():
        target = form[names[0]].id_for_label if names else ""
        items.append({"href": f"#{target}", "text": message})
    for name in names:
        for message in form.errors.get(name, []):
            if message in seen:
                continue  # one message per group (a date's day/month/year share one)
            seen.add(message)
            target = anchors.get(name) or form[name].id_for_label
            items.append({"href": f"#{target}", "text": message})
    return items
