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

from safeguard.access.policy import open_child, visible_children
from safeguard.core.forms import error_summary

from . import selectors
from .forms import ChildSearchForm


@login_required
def caseload(request):
    return render(request, "children/caseload.html", {"rows": selectors.caseload_for(request)})


@login_required
def search(request):
    form = ChildSearchForm(request.GET) if "q" in request.GET else ChildSearchForm()
    rows = None
    if form.is_bound and form.is_valid():
        rows = selectors.search_children(request, form.cleaned_data["q"])
    return render(
        request,
        "children/search.html",
        {
            "form": form,
            "rows": rows,
            "errors": error_summary(form) if form.is_bound else [],
        },
    )


def _may_see(request, child, area: str) -> bool:
    return visible_children(request, area=area).filter(pk=child.pk).exists()


@login_required
def summary(request, child_id: int):
    child = open_child(request, child_id, area="summary")
    summary = selectors.child_summary(
        child,
        include_people=_may_see(request, child, "people"),
        include_health=_may_see(request, child, "health"),
    )
    return render(
        request,
        "children/summary.html",
        {
            "child": child,
            "summary": summary,
            "may_see_chronology": _may_see(request, child, "chronology"),
        },
    )
