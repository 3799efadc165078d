"""The one place that decides who may see which children, and which parts of their record.

Every view, export, API endpoint, admin page and command that returns children goes
through these functions; nothing filters children by hand. Each takes the request (not just
the user) so that the audit layer can record who looked, from where and why.

The rule (docs/access.md):
  1. the professional's role allows the area (safeguard.access.roles.MATRIX), and
  2. for an ordinary record, a relationship with the child today:
       - a current involvement (children.Involvement), or
       - for a team-scoped role (team manager), a member of their team currently involved,
       - or an unexpired break-glass grant (never for the export area);
     for a restricted record, being named on a current RestrictedAccess grant (an
     involvement, team scope or break-glass is not enough), and
  3. when a second factor is required (SAFEGUARD_REQUIRE_OTP), the session is verified.

Built as one SQL query with EXISTS subqueries, so lists, search, exports and counts cost
the same as an unfiltered query plus a semi-join, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import contextvars
import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from safeguard.children.models import Child, Involvement
from safeguard.core.prepared import run_prepared

from . import audit, roles
from .models import AuditAction, BreakGlassAccess, RestrictedAccess

AREAS = tuple(roles.AREAS)


def _check_area(area: str) -> None:
    if area not in roles.AREAS:
        raise ValueError(f"unknown area {area!r} (areas: {', '.join(roles.AREAS)})")


def session_verified(request) -> bool:
    """Signed in, active, and past the second factor when one is required."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(settings, "SAFEGUARD_REQUIRE_OTP", True):
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
    return True


def _bases_shape(user, role: str, area: str) -> tuple[str, ...]:
    """Which bases of access apply to this role, user and area (what the SQL depends on)."""
    names = ["involvement"]
    if roles.scope_for(role) == "team" and user.team_id:
        names.append("team")
    if roles.has_capability(role, "break_glass") and area not in roles.BREAK_GLASS_EXCLUDED_AREAS:
        names.append("break-glass")
    return tuple(names)


def _bases_for(names: tuple[str, ...], p: dict) -> dict:
    """EXISTS expressions, one per basis named, over the outer Child row. `p` holds the
    values (user_id, team_id, today, now): real ones, or the placeholders of a prepared
    query (safeguard/core/prepared.py), so the rule is written once."""
    current = Involvement.objects.current(p["today"]).filter(child=OuterRef("pk"))
    bases = {}
    for name in names:
        if name == "involvement":
            bases[name] = Exists(current.filter(professional_id=p["user_id"]))
        elif name == "team":
            bases[name] = Exists(current.filter(professional__team_id=p["team_id"]))
        elif name == "break-glass":
            bases[name] = Exists(
                BreakGlassAccess.objects.active(p["now"]).filter(
                    child=OuterRef("pk"), user_id=p["user_id"]
                )
            )
    return bases


def _rule_params(user, now) -> dict:
    return {
        "user_id": user.pk,
        "team_id": user.team_id or 0,
        "today": timezone.localdate(now),
        "now": now,
    }


def _relationship_exists(user, role: str, *, area: str, today: dt.date, now) -> dict:
    """EXISTS expressions, one per basis of access, over the outer Child row."""
    p = {**_rule_params(user, now), "today": today}
    return _bases_for(_bases_shape(user, role, area), p)


def _rule_q(names: tuple[str, ...], p: dict) -> Q:
    relationship = Q()
    for expression in _bases_for(names, p).values():
        relationship |= Q(expression)
    return (Q(restricted=False) & relationship) | (
        Q(restricted=True)
        & Q(
            Exists(
                RestrictedAccess.objects.active(p["now"]).filter(
                    child=OuterRef("pk"), user_id=p["user_id"]
                )
            )
        )
    )


def _may_see_area(user, area: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = user.role
    return area in roles.areas_for(role) and roles.scope_for(role) != "none"


# Set while a prepared query is built: the rule then takes its values from these
# placeholders (core/prepared.py) instead of the user and the clock.
_prepared_params: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "access_prepared_params", default=None
)


def visible_children_for_user(user, *, area: str = "summary", now=None) -> QuerySet[Child]:
    """The access rule for a user, without the session checks (for commands and tests)."""
    _check_area(area)
    if not _may_see_area(user, area):
        return Child.objects.none()
    p = _prepared_params.get() or _rule_params(user, now or timezone.now())
    return Child.objects.filter(_rule_q(_bases_shape(user, user.role, area), p))


_CHILD_FIELDS = tuple(f.attname for f in Child._meta.concrete_fields)


def _openable(request, area: str, child_id: int, now) -> tuple[Child, str] | None:
    """The child and the basis of access, if the rule lets the user see `area` of it.

    One query: `visible_children` (the one rule, as lists use it) for this child, with the
    bases of access annotated for the audit entry. Built and compiled once per role shape
    and area (core/prepared.py), then run with the user, team, day, time and child as
    parameters. The key names the `visible_children` in force, so a replaced rule (a test
    that hides every child) is built afresh rather than served from the cache.
    """
    user = request.user
    names = _bases_shape(user, user.role, area)
    rule = visible_children

    def build(p):
        token = _prepared_params.set(p)
        try:
            visible = rule(request, area=area)
        finally:
            _prepared_params.reset(token)
        bases = _bases_for(names, p)
        return (
            visible.filter(pk=p["child_id"])
            .annotate(**{f"_basis_{i}": e for i, e in enumerate(bases.values())})
            .values_list(*_CHILD_FIELDS, *[f"_basis_{i}" for i in range(len(bases))])
        )

    rows = run_prepared(
        ("open_child", area, names, rule), build, child_id=child_id, **_rule_params(user, now)
    )
    if not rows:
        return None
    row = rows[0]
    child = Child.from_db("default", _CHILD_FIELDS, row[: len(_CHILD_FIELDS)])
    flags = row[len(_CHILD_FIELDS) :]
    if child.restricted:
        basis = "restricted-grant"
    else:
        basis = next((name for name, flag in zip(names, flags, strict=True) if flag), "")
    return child, basis


def rule_key(request, *areas: str, rule=None) -> tuple:
    """Everything the SQL of a query built over the access rule depends on, besides the
    values `run_over_rule` late-binds: whether the session is verified, the role, and for
    each area whether the role may see it and which bases of access apply; and the rule
    function in force (`rule`, default `visible_children`), so that a replaced rule (a test
    that hides every child) is built afresh rather than served from the cache."""
    if not session_verified(request):
        return ("unverified", rule or visible_children)
    return ("verified", user_rule_key(request.user, *areas), rule or visible_children)


def user_rule_key(user, *areas: str) -> tuple:
    """`rule_key` for `visible_children_for_user` (no session checks)."""
    return (
        user.role,
        tuple(
            (area, _may_see_area(user, area), _bases_shape(user, user.role, area)) for area in areas
        ),
    )


def run_over_rule(request, key: tuple, build, *, now=None, **params) -> list:
    """`run_prepared` for a query built over `visible_children` (or
    `visible_children_for_user`): while `build` runs, the rule takes the user, team, day
    and time from the late-bound parameters (user_id, team_id, today, now, besides
    `params`), so the compiled SQL serves every user of the same shape. `key` must
    include `rule_key(request, <areas the builder asks for>)` (`user_rule_key(user, ...)`
    for `visible_children_for_user`)."""
    return run_over_user_rule(request.user, key, build, now=now, **params)


def run_over_user_rule(user, key: tuple, build, *, now=None, **params) -> list:
    """`run_over_rule` for a user rather than a request."""
    rule_params = _rule_params(user, now or timezone.now())
    return run_prepared(key, lambda p: _with_rule_params(p, build), **rule_params, **params)


def _with_rule_params(p: dict, build):
    """build(p), the access rule taking its values from `p` meanwhile."""
    token = _prepared_params.set(p)
    try:
        return build(p)
    finally:
        _prepared_params.reset(token)


def visible_child(request, child_id: int, *, area: str) -> tuple[Child, str] | None:
    """The child and the basis of access (as `access_basis` gives it) if the professional
    may see `area` of it, else None: one prepared query, not audited (the caller audits
    what it shows)."""
    _check_area(area)
    if not session_verified(request) or not _may_see_area(request.user, area):
        return None
    return _openable(request, area, int(child_id), timezone.now())


def visible_children(request, *, area: str = "summary") -> QuerySet[Child]:
    """Children the signed-in professional may see in `area`."""
    _check_area(area)
    if not session_verified(request):
        return Child.objects.none()
    return visible_children_for_user(request.user, area=area)


def countable_children(request) -> QuerySet[Child]:
    """Every child, for counting only (the `aggregates` capability): callers aggregate it
    in SQL and never list, name or open a row. Empty for anyone else."""
    if not session_verified(request) or not roles.has_capability(request.user.role, "aggregates"):
        return Child.objects.none()
    return Child.objects.all()


def allowed_areas(request, child: Child) -> frozenset[str]:
    """The areas of this child's record the professional may see (for showing sections).

    One query, prepared once per role shape: whether each basis of access holds for the
    child (and a restricted grant), from which each area's rule follows as in `_rule_q`.
    """
    if not session_verified(request):
        return frozenset()
    user = request.user
    candidates = sorted(roles.areas_for(user.role))
    if not candidates or roles.scope_for(user.role) == "none":
        return frozenset()
    shapes = {area: _bases_shape(user, user.role, area) for area in candidates}
    names = tuple(dict.fromkeys(name for shape in shapes.values() for name in shape))

    def build(p):
        bases = _bases_for(names, p)
        grant = Exists(
            RestrictedAccess.objects.active(p["now"]).filter(
                child=OuterRef("pk"), user_id=p["user_id"]
            )
        )
        return (
            Child.objects.filter(pk=p["child_id"])
            .annotate(_grant=grant, **{f"_basis_{i}": e for i, e in enumerate(bases.values())})
            .values_list("restricted", "_grant", *[f"_basis_{i}" for i in range(len(bases))])
        )

    rows = run_prepared(
        ("allowed_areas", names), build, child_id=child.pk, **_rule_params(user, timezone.now())
    )
    if not rows:
        return frozenset()
    restricted, grant, *flags = rows[0]
    holds = {name for name, flag in zip(names, flags, strict=True) if flag}
    return frozenset(
        area
        for area, shape in shapes.items()
        if (grant if restricted else any(name in holds for name in shape))
    )


# Chronology entries whose category belongs to an area narrower than the chronology: a
# police officer reads the chronology but not health detail (docs/access.md).
TIMELINE_CATEGORY_AREAS = {"health": "health", "medicines": "medicines"}


def filter_timeline(entries, areas) -> list:
    """Drop timeline entries in categories the professional's areas do not include.

    Dropped, not redacted: a placeholder would still say what kind of thing happened and
    when (and a type filter in the URL could ask for it by name).
    """
    return [e for e in entries if TIMELINE_CATEGORY_AREAS.get(e.category, "chronology") in areas]


def access_basis(user, child: Child, *, area: str) -> str:
    """Why the user may see the child: restricted-grant, involvement, team or break-glass."""
    now = timezone.now()
    if child.restricted:
        return "restricted-grant"
    bases = _relationship_exists(user, user.role, area=area, today=timezone.localdate(now), now=now)
    flags = Child.objects.filter(pk=child.pk).annotate(
        **{f"b_{i}": e for i, e in enumerate(bases.values())}
    )
    row = flags.values(*[f"b_{i}" for i in range(len(bases))]).first() or {}
    for i, name in enumerate(bases):
        if row.get(f"b_{i}"):
            return name
    return ""


def _basis_flags(user, area: str) -> dict:
    now = timezone.now()
    bases = _relationship_exists(user, user.role, area=area, today=timezone.localdate(now), now=now)
    return {f"_basis_{name.replace('-', '_')}": (name, e) for name, e in bases.items()}


def _basis_from(restricted: bool, flags: dict, values: dict) -> str:
    if restricted:
        return "restricted-grant"
    return next((name for key, (name, _) in flags.items() if values.get(key)), "")


def with_bases(user, children: QuerySet, *, area: str) -> QuerySet:
    """The queryset annotated so that `basis_of(child)` needs no further query."""
    if user is None or not user.is_authenticated:
        return children
    flags = _basis_flags(user, area)
    annotated = children.annotate(**{key: e for key, (_, e) in flags.items()})
    annotated._basis_flags = flags
    return annotated


def basis_of(child, flags: dict) -> str:
    return _basis_from(child.restricted, flags, {k: getattr(child, k, False) for k in flags})


def access_bases(user, child_ids, *, area: str) -> dict[int, str]:
    """access_basis for many children in one query: {child id: basis} ("" if none)."""
    ids = list(child_ids)
    if not ids or user is None or not user.is_authenticated:
        return dict.fromkeys(ids, "")
    # One query, prepared per role shape and number of children (core/prepared.py): the
    # bases of `_basis_flags`, in the same order, with the user, day and time as parameters.
    names = _bases_shape(user, user.role, area)

    def build(p):
        bases = _bases_for(names, p)
        return (
            Child.objects.filter(pk__in=p["child_ids"])
            .annotate(**{f"_basis_{i}": e for i, e in enumerate(bases.values())})
            .values_list("pk", "restricted", *[f"_basis_{i}" for i in range(len(bases))])
        )

    rows = run_prepared(
        ("access_bases", names),
        build,
        child_ids=sorted(set(ids)),
        **_rule_params(user, timezone.now()),
    )
    result = dict.fromkeys(ids, "")
    for pk, restricted, *flags in rows:
        if restricted:
            result[pk] = "restricted-grant"
        else:
            result[pk] = next((n for n, flag in zip(names, flags, strict=True) if flag), "")
    return result


def open_child(request, child_id: int, *, area: str) -> Child:
    """The child, if the professional may see that area of the record; 404 otherwise.

    A 404 rather than 403 so that a refusal does not confirm the child exists. The read is
    written to the audit trail before the child is returned; if that fails the read is
    refused (audit.AuditUnavailable, served as a 503).
    """
    _check_area(area)
    try:
        child_id = int(child_id)
    except (ValueError, TypeError):
        raise Http404("No child found") from None
    user = request.user
    if not session_verified(request) or not _may_see_area(user, area):
        raise Http404("No child found")
    found = _openable(request, area, child_id, timezone.now())
    if found is None:
        raise Http404("No child found")
    child, basis = found
    action = AuditAction.EXPORT if area == "export" else AuditAction.VIEW
    audit.record_read(request, child, area=area, action=action, basis=basis)
    return child


def open_child_for_write(request, child_id: int, *, what: str) -> Child:
    """The child, if the professional's role may write `what` (roles.WRITES) and they may
    see the child's identity (the same relationship as reading: involvement, team scope,
    a named restricted grant or break-glass); 404 otherwise, as for reads.

    The read of the child's identity (the form shows their name) is audited; the write
    itself is audited by the service that makes it. Contribute-without-seeing, for a child
    the professional is not involved with, is a separate path (recording.contribute).

    Pages the front door uses (their rule says `front_door=True`) open through
    `frontdoor.access.open_child_for_write`, which also opens a child on its list.
    """
    if not session_verified(request) or not roles.may_write(request.user.role, what):
        raise Http404("No child found")
    return open_child(request, child_id, area="identity")
