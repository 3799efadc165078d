"""A child's multi-agency chronology: the page and its CSV export.

Pages:
    Chronology  /children/<id>/chronology/     chronology:chronology  one timeline joining
                                                                     every agency's events,
                                                                     episodes, placements
                                                                     and health records;
                                                                     filter by agency, type,
                                                                     period, and corrected
                                                                     or withdrawn entries
    CSV export  /children/<id>/chronology.csv  chronology:export      the same timeline and
                                                                     filters as CSV

The filter form is a plain GET form, so the page works without JavaScript. With htmx the
form fetches the same page and swaps in only the main region (filters, error summary and
results: hx-select), without reloading the page, and pushes the filtered URL into the
history; a live region outside it announces the number of entries shown.
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.policy import allowed_areas, filter_timeline, open_child
from safeguard.core.forms import error_summary

from .event_types import CATEGORIES, EVENT_TYPES
from .export import timeline_csv
from .forms import ChronologyFilterForm
from .selectors import TimelineFilter, current_entries, timeline

PER_PAGE = 50


def _whole_timeline(child, areas):
    """The child's whole timeline (corrections included) as the professional may see it."""
    return filter_timeline(timeline(child, TimelineFilter(include_superseded=True)), areas)


def _entries(child, areas, form, everything):
    """The entries the filter asks for; the default view (no filter: the current entries,
    newest first) is taken from the whole timeline already read, not read again."""
    if form.is_bound:
        return filter_timeline(timeline(child, form.to_filter()), areas)
    return current_entries(everything, newest_first=True)


def _options(everything):
    """Agencies and types present in the child's whole timeline, for the filter form."""
    agencies = sorted(
        {(e.agency_code, e.agency_name) for e in everything if e.agency_code}, key=lambda a: a[1]
    )
    types: dict[str, dict[str, str]] = {}
    for e in everything:
        types.setdefault(e.category, {})[e.entry_type] = e.type_label
    type_groups = [
        (label, sorted(types[code].items(), key=lambda t: t[1]))
        for code, label in CATEGORIES.items()
        if code in types
    ]
    return agencies, type_groups, len(everything)


def _filter_form(request, agencies):
    data = request.GET if request.GET else None
    return ChronologyFilterForm(data, agency_choices=agencies)


@login_required
def chronology(request, child_id: int):
    child = open_child(request, child_id, area="chronology")
    areas = allowed_areas(request, child)
    everything = _whole_timeline(child, areas)
    agencies, type_groups, total = _options(everything)
    form = _filter_form(request, agencies)
    if form.is_bound and not form.is_valid():
        entries = None
        anchors = {
            **ChronologyFilterForm.date_anchors,
            "agency": "agency-1",
            "order": "order-newest",
        }
        if type_groups:
            anchors["type"] = f"type-{type_groups[0][1][0][0]}"
        errors = error_summary(form, anchors)
    else:
        entries = _entries(child, areas, form, everything)
        errors = []
    page = None
    if entries is not None:
        page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "child": child,
        "form": form,
        "errors": errors,
        "entries": entries,
        "page": page,
        "page_numbers": list(
            page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        )
        if page
        else [],
        "oldest_first": form.is_bound and form.data.get("order") == "oldest",
        "total": total,
        "may_export": "export" in areas,
        "may_record": any(
            roles.may_write(request.user.role, w) for w in roles.EVENT_CATEGORY_WRITES
        ),
        "may_correct": frozenset(
            code
            for code, t in EVENT_TYPES.items()
            if roles.may_write(request.user.role, f"event:{t.category}")
        ),
        "agency_options": agencies,
        "type_groups": type_groups,
        "selected_agencies": set(form.data.getlist("agency")) if form.is_bound else set(),
        "selected_types": set(form.data.getlist("type")) if form.is_bound else set(),
        "query": query.urlencode(),
    }
    return render(request, "chronology/chronology.html", context)


_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9_-]+")


@login_required
def export(request, child_id: int):
    child = open_child(request, child_id, area="export")
    areas = allowed_areas(request, child)
    everything = _whole_timeline(child, areas)
    agencies, _, _ = _options(everything)
    form = _filter_form(request, agencies)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(item["text"] for item in error_summary(form))
        return HttpResponseBadRequest(
            f"The chronology filters are not valid: {problems}\n",
            content_type="text/plain; charset=utf-8",
        )
    entries = _entries(child, areas, form, everything)
    local_id = _SAFE_FILENAME.sub("-", child.local_id).strip("-") or str(child.pk)
    filename = f"chronology-{local_id}-{timezone.localdate().isoformat()}.csv"
    # The byte-order mark makes Excel read the file as UTF-8 (names such as Siân).
    response = HttpResponse("\ufeff" + timeline_csv(entries), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
