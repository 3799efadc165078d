"""Pages about children: the professional's caseload, search, and one child's summary.

Pages:
    My caseload    /                      children:caseload  children I currently work with
    Search         /children/search/?q=   children:search    by name, date of birth, NHS
                                                             number or local child ID
    Child summary  /children/<id>/        children:summary   identity, legal status,
                                                             placement, plans, who is
                                                             involved, family, health

    Reviews due    /meetings/reviews-due/ meetings:reviews-due  looked-after reviews next
                                                             due (the LAC-REVIEW rules)
    Visits due     /visits-due/           frontdoor:visits-due  the worker's children on
                                                             a CIN or CP plan, next visit
                                                             (the FD-CP-VISITS interval)

Views are thin: reads are in `selectors.py` (or the domain app's selectors), and every
child comes through `safeguard.access.policy` (`visible_children` / `open_child`). Pages
that read the checks keep the URL name of the domain app they list (casework/urls.py,
`frontdoor_urlpatterns` and `meetings_urlpatterns`), so the domain app's own pages need
not import the checks.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from safeguard.access.audit import audit_lists, audit_search_results, record_reads
from safeguard.access.models import AuditAction
from safeguard.access.policy import allowed_areas, open_child, visible_children
from safeguard.access.roles import (
    EVENT_CATEGORY_WRITES,
    WRITES,
    has_capability,
    may_contribute,
    may_write,
    scope_for,
)
from safeguard.accounts.models import Role
from safeguard.checks.catalogue.cla_review import next_review_due, review_schedule
from safeguard.checks.engine import get_check
from safeguard.checks.selectors import (
    alert_rows_and_reads,
    open_alert_counts,
    open_alerts_first,
    unread_notices,
)
from safeguard.children.models import Involvement
from safeguard.core.forms import error_summary
from safeguard.frontdoor import selectors as frontdoor_selectors
from safeguard.meetings.views import my_action_rows
from safeguard.recording.quick import quick_for

from . import selectors
from .forms import ChildSearchForm


def _list_area(rows) -> str:
    # What the list showed: the summary columns, or only identity where they were hidden.
    return "identity" if any(row.summary_hidden for row in rows) else "summary"


# The home page shows this many of the professional's alerts (the most urgent: most
# severe, then soonest due) with a link to all of them, and the children they work with
# this many at a time: a team manager's home page over a large team was a megabyte, and
# its cost, and the audit entries it wrote, grew with the team (issue 9).
HOME_ALERTS = 10
CASELOAD_PER_PAGE = 50

# Above this many audit entries the home page does not recompute the chain on each visit:
# it says to run `safeguard audit verify` (which streams it) instead.
VERIFY_ON_PAGE_LIMIT = 20_000


@login_required
def caseload(request):
    """The home page: each role's own work.

    Professionals with children: new information from partners, my open alerts (most
    severe, soonest due first), then the children I work with. The partnership analyst:
    counts across the partnership that name no child. The administrator: accounts, the
    audit trail's integrity and emergency accesses awaiting review.
    """
    role = request.user.role
    if role == Role.PARTNERSHIP_ANALYST:
        return render(
            request,
            "children/home_analyst.html",
            {"counts": selectors.children_by_status(request), "alerts": open_alert_counts()},
        )
    if role == Role.ADMINISTRATOR or (request.user.is_superuser and scope_for(role) == "none"):
        return render(request, "children/home_administrator.html", _administrator_home())
    page = Paginator(selectors.caseload_children(request), CASELOAD_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = selectors.caseload_rows(request, list(page.object_list))
    first_alerts, alerts_total = open_alerts_first(request.user, HOME_ALERTS)
    alerts, alert_reads = alert_rows_and_reads(request, first_alerts)
    # Both lists audited before the page is served, in one append: the children shown
    # (this page of those I work with), then those my alerts name.
    audit_lists(request, [([row.child for row in rows], _list_area(rows), None), *alert_reads])
    return render(
        request,
        "children/caseload.html",
        {
            "rows": rows,
            "page": page,
            "page_numbers": list(
                page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ),
            "alert_rows": alerts,
            "alerts_total": alerts_total,
            # "My actions" from meetings beside the alerts (Recommendation 3: followed up).
            "action_rows": my_action_rows(request),
            "notices": unread_notices(request.user),
            "may_contribute": may_contribute(role),
            "quick_entries": quick_for(role),
        },
    )


def _administrator_home() -> dict:
    from safeguard.access.audit import verify_chain
    from safeguard.access.models import AuditEntry, BreakGlassAccess
    from safeguard.accounts.models import User

    entries = AuditEntry.objects.count()
    report = verify_chain() if entries <= VERIFY_ON_PAGE_LIMIT else None
    return {
        "active_accounts": User.objects.filter(is_active=True).count(),
        "audit_entries": entries,
        "audit_report": report,
        "awaiting_review": BreakGlassAccess.objects.filter(reviewed_at__isnull=True).count(),
    }


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
            # Where to go for a child the search does not show; saying so never depends
            # on whether such a child exists.
            "may_contribute": may_contribute(request.user.role),
            "may_break_glass": has_capability(request.user.role, "break_glass"),
            "may_see_team": scope_for(request.user.role) == "team",
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
            "meetings_block": selectors.summary_block(child) if "summary" in areas else None,
            # Seeing the identity is the relationship writing needs; the role decides.
            "may_record": any(may_write(request.user.role, w) for w in EVENT_CATEGORY_WRITES),
            # Structured-record links (recording/records.py): only what the role may write.
            "writes": WRITES.get(request.user.role, frozenset()),
            "pending_requests": selectors.pending_involvement_requests(child, request.user),
            "quick_entries": quick_for(request.user.role),
        },
    )


@login_required
def visits_due(request):
    """The worker's children on a plan and their next visit (frontdoor:visits-due): a list
    of children the user may see, audited as a list view. The CP interval is the
    FD-CP-VISITS check's (as configured), so the page and the alert agree."""
    today = timezone.localdate()
    rows = frontdoor_selectors.visits_due(
        request.user,
        today,
        visible_children(request, area="chronology"),
        cp_visit_days=get_check("FD-CP-VISITS").threshold("working_days"),
    )
    audit_search_results(request, [r.child for r in rows], area="chronology")
    return render(request, "frontdoor/visits_due.html", {"rows": rows, "today": today})


@login_required
def reviews_due(request):
    """Looked-after reviews next due for the children the professional reviews (IRO) or,
    for others, the children they may see: from the same rules as the LAC-REVIEW check."""
    today = timezone.localdate()
    check = get_check("LAC-REVIEW")
    visible = visible_children(request, area="summary")
    if request.user.role == "iro":
        visible = visible.filter(
            involvements__in=Involvement.objects.current(today).filter(
                professional=request.user, role="iro"
            )
        )
    ids = list(visible.values_list("pk", flat=True))
    rows = []
    for child in review_schedule(check, today, ids).order_by("family_name"):
        due, which = next_review_due(check, child.care_start, child.first, child.last)
        rows.append(
            {"child": child, "due": due, "which": which, "overdue": due < today, "last": child.last}
        )
    rows.sort(key=lambda r: r["due"])
    record_reads(
        request, [r["child"] for r in rows], area="summary", action=AuditAction.SEARCH_RESULT
    )
    return render(request, "meetings/reviews_due.html", {"rows": rows, "today": today})
