"""Shared pieces of the checks on children helped or protected at home (front door)."""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from safeguard.episodes.models import Episode, EpisodeKind

PLANS = (EpisodeKind.CHILD_IN_NEED, EpisodeKind.CHILD_PROTECTION)
NOT_SEEN = ("not_seen", "no_access", "refused")

WT2023 = "Working Together to Safeguard Children 2023"


def on_plan(as_of, child_ref="child_id", kinds=PLANS) -> Exists:
    """The child has a child in need or child protection plan open on as_of."""
    return Exists(
        Episode.objects.open_on(as_of).filter(child_id=OuterRef(child_ref), kind__in=kinds)
    )


def plan_start(as_of, child_ref="child_id", kinds=PLANS):
    """The start of the (latest) plan of these kinds open on as_of, as a subquery."""
    from django.db.models import Subquery

    return Subquery(
        Episode.objects.open_on(as_of)
        .filter(child_id=OuterRef(child_ref), kind__in=kinds)
        .order_by("-start_date")
        .values("start_date")[:1]
    )


def child_seen(prefix="") -> Q:
    """A visit at which the child was seen (after `with_outcome`)."""
    return ~Q(**{f"{prefix}outcome__in": NOT_SEEN})


def with_outcome(qs):
    """Visits annotated with `outcome` as plain text: no outcome recorded means seen (visits
    recorded before the outcome detail existed were visits made). Coalesce makes it a text
    expression, so `__in` compares text and not JSON."""
    return qs.annotate(
        outcome=Coalesce(KT("details__outcome"), Value("seen"), output_field=CharField())
    )
