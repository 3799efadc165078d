"""The front-door worker's queue (a list of children the user may see, audited as a list
view). Each worker's visits due reads the FD-CP-VISITS check's interval, so it is a page
of the layer above (casework/views.py), under this app's URL name frontdoor:visits-due."""

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
