"""The front-door worker's queue (a list of children the user may see, audited as a list
view). Each worker's visits due reads the FD-CP-VISITS check's interval, so it is a page
of the layer above (casework/views.py), under this app's URL name frontdoor:visits-due."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.audit import audit_search_results
from safeguard.access.policy import visible_children

from . import selectors
from .access import front_door_children, is_front_door_member


@login_required
def queue(request):
    """Contacts awaiting a decision, oldest first, each with the child's earlier contacts;
    then contacts decided "strategy discussion" whose discussion is not yet held.

    The children the user may see in `summary`, and for a front-door member every child on
    the front door's list (access/rules.py, `front_door`): those are shown with their
    contacts only, audited with the basis "front-door"."""
    today = timezone.localdate()
    visible = visible_children(request, area="summary")
    front_door = front_door_children(request)
    children = visible | front_door
    rows = selectors.awaiting_decision(children)
    strategy = selectors.strategy_discussions_awaited(children, today)
    listed = {r.contact.child for r in rows} | {r.contact.child for r in strategy}
    openable = set(
        visible_children(request, area="identity")
        .filter(pk__in=[c.pk for c in listed])
        .values_list("pk", flat=True)
    )
    summary = set(visible.filter(pk__in=[c.pk for c in listed]).values_list("pk", flat=True))
    audit_search_results(request, [c for c in listed if c.pk in summary], area="summary")
    front_only = [c for c in listed if c.pk not in summary]
    audit_search_results(
        request,
        front_only,
        area="identity",
        basis=dict.fromkeys((c.pk for c in front_only), roles.FRONT_DOOR_BASIS),
    )
    return render(
        request,
        "frontdoor/queue.html",
        {
            "rows": rows,
            "strategy": strategy,
            "today": today,
            # Children whose record opens for the user (else: name and contacts only).
            "openable": openable,
            "summary_visible": summary,
            "may_allocate": roles.may_write(request.user.role, "record:involvement"),
            "front_door": is_front_door_member(request.user),
        },
    )
