"""Pages about children: the professional's caseload, search, and one child's summary.

Pages:
    My caseload    /                      children:caseload  children I currently work with
    Search         /children/search/?q=   children:search    by name, date of birth, NHS
                                                             number or local child ID
    Child summary  /children/<id>/        children:summary   identity, legal status,
                                                             placement, plans, who is
                                                             involved, family, health

Views are thin: reads are in `selectors.py`, and every child comes through
`safeguard.access.policy` (`visible_children` / `open_child`).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from safeguard.access.audit import audit_search_results
from safeguard.access.policy import allowed_areas, open_child
from safeguard.access.roles import EVENT_CATEGORY_WRITES, WRITES, has_capability, may_write
from safeguard.checks.selectors import alert_rows, alerts_for
from safeguard.core.forms import error_summary
from safeguard.meetings.selectors import summary_block
from safeguard.meetings.views import my_action_rows

from . import selectors
from .forms import ChildSearchForm


def _list_area(rows) -> str:
    # What the list showed: the summary columns, or only identity where they were hidden.
    return "identity" if any(row.summary_hidden for row in rows) else "summary"


@login_required
def caseload(request):
    """The home page: my open alerts (most severe, soonest due first), then my caseload."""
    rows = selectors.caseload_for(request)
    audit_search_results(request, [row.child for row in rows], area=_list_area(rows))
    alerts = alert_rows(request, list(alerts_for(request.user)))
    return render(
        request,
        "children/caseload.html",
        # "My actions" from meetings beside the alerts (Recommendation 3: followed up).
        {"rows": rows, "alert_rows": alerts, "action_rows": my_action_rows(request)},
    )


@login_required
def search(request):
    form = ChildSearchForm(request.GET) if "q" in request.GET else ChildSearchForm()
    rows = None
    if form.is_bound and form.is_valid():
        rows = selectors.search_children(request, form.cleaned_data["q"])
        audit_search_results(request, [row.child for row in rows], area=_list_area(rows))
    return render(
        request,
        "children/search.html",
        {
            "form": form,
            "rows": rows,
            "errors": error_summary(form) if form.is_bound else [],
        },
    )


@login_required
def summary(request, child_id: int):
    # The page opens for anyone who may see the child's identity; each section shows
    # only if the professional's role allows that area (docs/access.md).
    child = open_child(request, child_id, area="identity")
    areas = allowed_areas(request, child)
    summary = selectors.child_summary(
        child,
        include_people="people" in areas,
        include_health="health" in areas,
        include_summary="summary" in areas,
        include_medicines="medicines" in areas,
    )
    return render(
        request,
        "children/summary.html",
        {
            "child": child,
            "summary": summary,
            "areas": areas,
            "may_see_chronology": "chronology" in areas,
            "may_review_access": has_capability(request.user.role, "review_access"),
            "meetings_block": summary_block(child) if "summary" in areas else None,
            # Seeing the identity is the relationship writing needs; the role decides.
            "may_record": any(may_write(request.user.role, w) for w in EVENT_CATEGORY_WRITES),
            # Structured-record links (recording/records.py): only what the role may write.
            "writes": WRITES.get(request.user.role, frozenset()),
            "pending_requests": selectors.pending_involvement_requests(child, request.user),
        },
    )
