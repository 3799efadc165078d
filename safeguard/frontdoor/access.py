"""The front door's access to the children on its list (issue 14).

A front-door member (a role with the `front_door` capability in a team designated a front
door) may open a child on the front door's list (a contact awaiting a decision) whom they
are not involved with, on the pages whose rule says `front_door=True` (access/rules.py)
and in the identity area only, audited with the basis "front-door". These children are
not part of `access.policy.visible_children`: every other page and list is unchanged.

It lives here, above the access rule, because which children are on the list is the front
door's own record (tests/test_layers.py: frontdoor may read access, not the reverse).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from safeguard.access import audit, roles
from safeguard.access.models import AuditAction
from safeguard.access.policy import open_child, session_verified
from safeguard.children.models import Child

from .models import Contact, FrontDoorTeam


def is_front_door_member(user) -> bool:
    """Whether the user works at the front door: their role has the `front_door`
    capability (roles.MATRIX) and their team is designated a front-door team."""
    if user is None or not user.is_authenticated or not user.is_active or not user.team_id:
        return False
    if not roles.has_capability(user.role, "front_door"):
        return False
    return FrontDoorTeam.objects.filter(team_id=user.team_id).exists()


def front_door_children_for_user(user) -> QuerySet[Child]:
    """The children on the front door's list, for a front-door member: every child with a
    contact awaiting a decision (or decided "strategy discussion" with its concern still
    open), whether or not anyone is involved. Never a restricted record (only a named
    grant opens one). Empty for anyone else. Not part of `visible_children`: these children
    open only on the pages whose rule says `front_door=True` (access/rules.py), in
    roles.FRONT_DOOR_AREAS, audited with the basis "front-door"."""
    if not is_front_door_member(user):
        return Child.objects.none()
    return Child.objects.filter(restricted=False).filter(
        Exists(Contact.objects.on_front_door_list().filter(child=OuterRef("pk")))
    )


def front_door_children(request) -> QuerySet[Child]:
    if not session_verified(request):
        return Child.objects.none()
    return front_door_children_for_user(request.user)


def open_child_on_front_door(request, child_id: int) -> Child:
    """A child on the front door's list, for a front-door member; 404 otherwise. The read
    (of the child's identity) is audited with the basis "front-door"."""
    try:
        child_id = int(child_id)
    except (ValueError, TypeError):
        raise Http404("No child found") from None
    child = front_door_children(request).filter(pk=child_id).first()
    if child is None:
        raise Http404("No child found")
    audit.record_read(
        request, child, area="identity", action=AuditAction.VIEW, basis=roles.FRONT_DOOR_BASIS
    )
    return child


def open_child_for_write(request, child_id: int, *, what: str) -> Child:
    """`access.policy.open_child_for_write` for a page the front door uses: the child if
    the professional may see them as on any page, else if they are on the front door's
    list and the professional a front-door member; 404 otherwise."""
    if not session_verified(request) or not roles.may_write(request.user.role, what):
        raise Http404("No child found")
    try:
        return open_child(request, child_id, area="identity")
    except Http404:
        return open_child_on_front_door(request, child_id)
