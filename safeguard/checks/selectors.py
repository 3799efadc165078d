"""Reading alerts: each professional's list and a team manager's view of the team."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from safeguard.children.models import Involvement
from safeguard.core.prepared import run_prepared

from .models import OPEN_STATUSES, SEVERITY_RANK, Alert, AlertRecipient, AlertStatus

_severity_order = Case(
    *[When(severity=s, then=Value(rank)) for s, rank in SEVERITY_RANK.items()],
    default=Value(9),
    output_field=IntegerField(),
)


def _ordered(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    return (
        qs.annotate(severity_rank=_severity_order)
        .select_related("child")
        .order_by("severity_rank", "due_date", "pk")
    )


def _named(user_id) -> Q:
    """The alerts the professional is named on. As `pk IN (their recipients' alerts)`, not a
    correlated EXISTS: SQLite never turns EXISTS into a join, so it probed every open alert
    of the caseload (17,000, 6-15 ms a page); with IN both engines start from the
    professional's own recipients (0.3 ms)."""
    return Q(pk__in=AlertRecipient.objects.filter(professional_id=user_id).values("alert_id"))


def _open_alerts(user_id) -> QuerySet[Alert]:
    return _ordered(Alert.objects.filter(_named(user_id), status__in=OPEN_STATUSES))


def alerts_for(user) -> QuerySet[Alert]:
    """Open alerts the professional is named on, most severe first, then soonest due."""
    if not user.is_authenticated:
        return Alert.objects.none()
    return _open_alerts(user.pk)


def open_alerts_first(user, limit: int) -> tuple[list[Alert], int]:
    """The first `limit` of `alerts_for(user)` (most severe, then soonest due) and how many
    there are in all: two prepared queries, whatever the number of alerts."""
    if not user.is_authenticated:
        return [], 0
    first = run_prepared(
        ("alerts_for", "first", limit),
        lambda p: _open_alerts(p["user_id"])[:limit],
        user_id=user.pk,
    )
    if len(first) < limit:
        return first, len(first)
    # Counted by status so that the prepared query is a plain row query.
    counts = run_prepared(
        ("alerts_for", "count"),
        lambda p: (
            _open_alerts(p["user_id"])
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        ),
        user_id=user.pk,
    )
    return first, sum(counts)


def finished_for(user, *, days: int = 30, on: dt.date | None = None) -> QuerySet[Alert]:
    """Alerts the professional was named on that were resolved by a record or ended (the
    duty stopped applying) in the last `days` days: the list shows which was which."""
    if not user.is_authenticated:
        return Alert.objects.none()
    since = (on or timezone.localdate()) - dt.timedelta(days=days)
    return _ordered(
        Alert.objects.filter(
            Q(status=AlertStatus.RESOLVED, resolved_on__gte=since)
            | Q(status=AlertStatus.ENDED, ended_on__gte=since)
        ).filter(_named(user.pk))
    )


def team_alerts(manager, *, overdue_only: bool = False, on: dt.date | None = None):
    """Open alerts for children a member of the manager's team is currently involved with."""
    if not manager.is_authenticated or manager.team_id is None:
        return Alert.objects.none()
    on = on or timezone.localdate()
    team_involved = Involvement.objects.current(on).filter(
        child_id=OuterRef("child_id"), professional__team_id=manager.team_id
    )
    qs = Alert.objects.filter(status__in=OPEN_STATUSES).filter(Exists(team_involved))
    if overdue_only:
        qs = qs.filter(due_date__lt=on)
    return _ordered(qs)


def may_see_alert(user, alert: Alert) -> bool:
    """Recipients, and team managers of a team involved with the child."""
    if not user.is_authenticated:
        return False
    named = run_prepared(
        ("alert-recipient",),
        lambda p: AlertRecipient.objects.filter(
            alert_id=p["alert_id"], professional_id=p["user_id"]
        ).values_list("pk", flat=True)[:1],
        alert_id=alert.pk,
        user_id=user.pk,
    )
    if named:
        return True
    if user.role == "team_manager" and user.team_id:
        return Involvement.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()),
            child_id=alert.child_id,
            professional__team_id=user.team_id,
        ).exists()
    return False


# An unreviewed emergency access is told to the grant's reviewer by name, who may have no
# access to the child's record: they see that alert (and only that check's alerts) with the
# child named by local ID, as on the review page, audited as a read for the review.
EMERGENCY_REVIEW_BASIS = "emergency-review"


def reviews_by_name(user, alert: Alert) -> bool:
    """The user is the named reviewer an unreviewed-access alert is told to."""
    from safeguard.access import roles

    from .catalogue.emergency_access_review import REVIEWER_ROLE, EmergencyAccessReview

    return (
        user.is_authenticated
        and alert.check_id == EmergencyAccessReview.id
        and roles.has_capability(user.role, "review_access")
        and alert.recipients.filter(professional_id=user.pk, role=REVIEWER_ROLE).exists()
    )


def child_label(alert: Alert) -> str:
    """How a page names the child of an alert shown for review only."""
    return f"Record {alert.child.local_id or alert.child_id}"


def record_url(alert: Alert) -> str:
    """The part of the child's record the alert rests on."""
    if alert.record_link != "chronology":
        return reverse("children:summary", args=[alert.child_id])
    url = reverse("chronology:chronology", args=[alert.child_id])
    from urllib.parse import urlencode

    from .engine import REGISTRY

    check = REGISTRY.get(alert.check_id)
    types = list(getattr(check, "record_types", ()) or ())
    if check is not None and check.resolution.record.startswith("event:"):
        types.append(check.resolution.record.split(":", 1)[1])
    if not types:
        return url
    # The entries the alert rests on and the one that resolves it, oldest first.
    query = [("type", t) for t in dict.fromkeys(types)] + [("order", "oldest")]
    return f"{url}?{urlencode(query)}"


def alert_rows(request, alerts) -> list[dict]:
    """Alerts ready for checks/_alert_table.html, keeping only children the access policy
    lets this professional see. A home page shows a person's list with
    ``{% include "checks/_alert_table.html" with rows=alert_rows %}`` where
    ``alert_rows = alert_rows(request, alerts_for(request.user))``."""
    from safeguard.access.audit import audit_lists

    rows, reads = alert_rows_and_reads(request, alerts)
    audit_lists(request, reads)
    return rows


def alert_rows_and_reads(request, alerts) -> tuple[list[dict], list[tuple]]:
    """`alert_rows` without its audit: the rows, and the reads the page must audit before
    it is served (`audit.audit_lists`), so a page showing other lists too audits them all
    in one append."""
    from safeguard.access.policy import rule_key, run_over_rule, session_verified, visible_children

    from .engine import REGISTRY

    alerts = list(alerts)
    visible = set()
    if alerts:
        visible = set(
            run_over_rule(
                request,
                ("alert_rows", rule_key(request, "summary", rule=visible_children)),
                lambda p: (
                    visible_children(request, area="summary")
                    .filter(pk__in=p["child_ids"])
                    .values_list("pk", flat=True)
                ),
                child_ids=sorted({a.child_id for a in alerts}),
            )
        )
    today = timezone.localdate()
    rows, for_review = [], {}
    for a in alerts:
        row = {
            "alert": a,
            "check": REGISTRY.get(a.check_id),
            "overdue": a.is_open and a.due_date < today,
            "overdue_since": a.due_date + dt.timedelta(days=1),
            "url": record_url(a),
        }
        if a.child_id in visible:
            rows.append(row)
        elif session_verified(request) and reviews_by_name(request.user, a):
            row["child_label"] = child_label(a)
            row["url"] = reverse("access:break-glass-review")
            rows.append(row)
            for_review[a.child_id] = a.child
    # Each child named in the list is a read of their record (docs/security.md, "Audit").
    shown = {row["alert"].child_id: row["alert"].child for row in rows if "child_label" not in row}
    reads = [(list(shown.values()), "summary", None)]
    if for_review:
        reads.append((list(for_review.values()), "identity", EMERGENCY_REVIEW_BASIS))
    return rows, reads


def open_alert(request, alert_id, *, audit_read: bool = True) -> Alert:
    """The alert, if the professional is told about it (or manages a team that is) and may
    see the child's summary; 404 otherwise. The read is audited before it is returned
    (unless `audit_read` is False: a POST that acts on the alert is audited as its write).

    The alert, whether the user is named on it, and whether (and why) they may see the
    child are prepared queries (core/prepared.py)."""
    from safeguard.access.policy import session_verified, visible_child

    try:
        alert_id = int(alert_id)
    except (ValueError, TypeError):
        raise Http404("No alert found") from None
    found = run_prepared(
        ("alert",),
        lambda p: Alert.objects.select_related("child").filter(pk=p["alert_id"]),
        alert_id=alert_id,
    )
    if not found:
        raise Http404("No alert found")
    alert = found[0]
    if not may_see_alert(request.user, alert):
        raise Http404("No alert found")
    # The same rule as visible_children(request, area="summary"), with the basis of access.
    visible = visible_child(request, alert.child_id, area="summary")
    if visible is None:
        if not (session_verified(request) and reviews_by_name(request.user, alert)):
            raise Http404("No alert found")
        # Shown for the review only: the child by local ID, nothing of the record.
        alert.child_label = child_label(alert)
    if audit_read:
        audit_alert_read(request, alert, basis=visible[1] if visible else None)
    return alert


def unread_notices(user, *, limit: int = 20) -> list:
    """Notices to the professional not yet marked read, newest first, about children they
    may still see (a notice must not outlive the access that justified it)."""
    from safeguard.access.policy import run_over_user_rule, user_rule_key, visible_children_for_user

    from .models import Notice

    if not user.is_authenticated:
        return []

    def build(p):
        visible = visible_children_for_user(user, area="identity").filter(pk=OuterRef("child_id"))
        return (
            Notice.objects.filter(recipient_id=p["user_id"], read_at__isnull=True)
            .filter(Exists(visible))
            .select_related("child")
            .order_by("-created_at", "-pk")[:limit]
        )

    # Prepared (core/prepared.py): the rule without the session checks, as
    # visible_children_for_user applies it, with the user, team, day and time as parameters.
    return run_over_user_rule(
        user, ("unread_notices", limit, user_rule_key(user, "identity")), build
    )


def open_alert_counts(on: dt.date | None = None) -> list[dict]:
    """Open alerts across the partnership by check: how many, and how many overdue. One
    aggregate query; no child is named (for the partnership analyst)."""
    from django.db.models import Count

    from .engine import get_check

    on = on or timezone.localdate()
    rows = (
        Alert.objects.filter(status__in=OPEN_STATUSES)
        .values("check_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=on)))
        .order_by("check_id")
    )
    result = []
    for row in rows:
        try:
            title = get_check(row["check_id"]).title or row["check_id"]
        except LookupError:
            title = row["check_id"]
        result.append({"check": title, "open": row["open"], "overdue": row["overdue"]})
    return result


def audit_alert_read(request, alert, *, basis: str | None = None) -> None:
    """The alert page shows the child's name and situation: audit the read, with its basis
    (`basis`: as `access_basis` gives it, when the caller has it already)."""
    from safeguard.access.audit import record_read
    from safeguard.access.policy import access_basis

    if getattr(alert, "child_label", ""):
        record_read(request, alert.child, area="identity", basis=EMERGENCY_REVIEW_BASIS)
        return
    if basis is None:
        basis = access_basis(request.user, alert.child, area="summary")
    record_read(request, alert.child, area="summary", basis=basis)
