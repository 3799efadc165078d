"""The front-door worker's queue and each worker's visits due (lists of children the user
may see, audited as list views)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from safeguard.access.audit import audit_search_results
from safeguard.access.policy import visible_children

from . import selectors


@login_required
def queue(request):
    """Contacts awaiting a decision, oldest first, each with the child's earlier contacts;
    then contacts decided "strategy discussion" whose discussion is not yet held."""
    today = timezone.localdate()
    visible = visible_children(request, area="summary")
    rows = selectors.awaiting_decision(visible)
    strategy = selectors.strategy_discussions_awaited(visible, today)
    children = {r.contact.child for r in rows} | {r.contact.child for r in strategy}
    audit_search_results(request, list(children), area="summary")
    return render(
        request, "frontdoor/queue.html", {"rows": rows, "strategy": strategy, "today": today}
    )


@login_required
def visits_due(request):
    today = timezone.localdate()
    rows = selectors.visits_due(request.user, today, visible_children(request, area="chronology"))
    audit_search_results(request, [r.child for r in rows], area="chronology")
    return render(request, "frontdoor/visits_due.html", {"rows": rows, "today": today})
