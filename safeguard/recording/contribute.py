"""Contribute without seeing: a partner who is not involved with a child adds what they
know to the child's chronology, and sees nothing of the record.

Find     /contribute/          recording:contribute-find    by NHS number, or by name +
                                                            date of birth + postcode (exact)
Record   /contribute/entry/    recording:contribute-record  choose the kind of entry, then
                                                            record it (POST only carries the
                                                            match, as a signed token)

Who: roles in access.roles.CONTRIBUTE_ROLES (403 otherwise), and only entries in categories
the role may write. What the professional learns: that exactly one child matched, with the
initials and year of birth so they can tell a wrong match, nothing else. No match and
several matches get the same answer, which confirms nothing. The match travels to the entry
form as a token signed by the server, bound to the professional and short-lived, so the
child cannot be chosen by editing a URL or form field. The lookup is audited as a search
(basis "contribute"), the entry as a write, and the child's allocated social worker and team
manager get a notice at once (checks.Notice). docs/access.md, "Contribute without seeing".
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from safeguard.access import policy, roles
from safeguard.access.services import find_for_contribution
from safeguard.children.models import Child
from safeguard.chronology.event_types import CATEGORIES, EVENT_TYPES
from safeguard.core.forms import GovukDateField, error_summary, posted
from safeguard.core.validators import normalise_nhs_number, validate_nhs_number

from .forms import event_form_class
from .quick import QUICK, quick_form_class
from .services import contribute_contact, contribute_event

TOKEN_SALT = "safeguard.recording.contribute"
# Long enough to write the entry, short enough that a token left in a browser is useless.
TOKEN_MAX_AGE = 30 * 60


def make_token(user, child) -> str:
    return signing.dumps({"u": user.pk, "c": child.pk}, salt=TOKEN_SALT)


def child_from_token(user, token: str) -> Child | None:
    """The matched child, if the token is genuine, unexpired and was issued to this user."""
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        return None
    return Child.objects.filter(pk=data.get("c"), restricted=False).first()


def _require_contributor(request) -> None:
    if not roles.may_contribute(request.user.role):
        raise PermissionDenied("Your role cannot add information for a child you do not work with")
    if not policy.session_verified(request):
        raise PermissionDenied("Sign in with your security code first")


# Not a chronology entry: a contact or referral to children's social care (the front door),
# offered first to every role that may contribute (any agency may refer).
CONTACT = "frontdoor_contact"
CONTACT_LABEL = "A contact or referral to children’s social care (the front door)"


def contributable_types(role: str) -> list[tuple[str, str]]:
    """(code, label) of what the role may add: a contact to the front door, then the event
    types it may write, in registry order by category."""
    allowed = [t for t in EVENT_TYPES.values() if roles.may_write_event_type(role, t.code)]
    order = list(CATEGORIES)
    allowed.sort(key=lambda t: (order.index(t.category), t.label))
    return [(CONTACT, CONTACT_LABEL)] + [
        (t.code, f"{t.label} ({CATEGORIES[t.category].lower()})") for t in allowed
    ]


class FindForm(forms.Form):
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, for example 943 476 5919",
    )
    given_name = forms.CharField(label="First name", required=False, max_length=100)
    family_name = forms.CharField(label="Last name", required=False, max_length=100)
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, max_today=True, help_text="For example, 27 3 2012"
    )
    postcode = forms.CharField(
        label="Home postcode", required=False, max_length=10, help_text="For example, WR1 2AB"
    )

    NAME_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode")

    def clean_nhs_number(self):
        value = normalise_nhs_number(self.cleaned_data["nhs_number"])
        if value:
            try:
                validate_nhs_number(value)
            except ValidationError:
                raise ValidationError(
                    "Enter a valid NHS number: 10 digits, like 943 476 5919"
                ) from None
        return value

    def clean(self):
        data = super().clean()
        if self.errors or data.get("nhs_number"):
            return data
        given = [name for name in self.NAME_FIELDS if data.get(name)]
        if not given:
            raise ValidationError(
                "Enter the child’s NHS number, or their name, date of birth and postcode"
            )
        for name in self.NAME_FIELDS:
            if not data.get(name):
                label = self.fields[name].label
                self.add_error(
                    name, f"Enter the child’s {label[0].lower() + label[1:]}, or their NHS number"
                )
        return data


class ChooseTypeForm(forms.Form):
    event_type = forms.ChoiceField(
        label="What do you want to add?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you want to add"},
    )

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = contributable_types(role)


def _match_description(child: Child) -> str:
    initials = f"{child.given_name[:1]}{child.family_name[:1]}".upper()
    born = child.date_of_birth.year if child.date_of_birth else None
    return f"initials {initials}, born {born}" if born else f"initials {initials}"


def _quick(request, slug: str | None):
    """The quick page named in the request, if this role may use it (else none)."""
    entry = QUICK.get(slug or "")
    if entry is None or not roles.may_write_event_type(request.user.role, entry.event_type):
        return None
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def contribute_find(request):
    _require_contributor(request)
    quick = _quick(request, request.POST.get("quick") or request.GET.get("quick"))
    form = FindForm(posted(request))
    context = {"form": form, "errors": [], "no_match": False, "quick": quick}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if data["nhs_number"]:
                matches = find_for_contribution(request, nhs_number=data["nhs_number"])
            else:
                matches = find_for_contribution(
                    request, **{name: data[name] for name in FindForm.NAME_FIELDS}
                )
            if len(matches) == 1:
                child = matches[0]
                if quick is not None:
                    return _record_form(
                        request,
                        token=make_token(request.user, child),
                        match=_match_description(child),
                        event_type=quick.event_type,
                        form=quick_form_class(quick.slug)(child=None),
                        quick=quick,
                    )
                return render(
                    request,
                    "recording/contribute_choose.html",
                    {
                        "match": _match_description(child),
                        "token": make_token(request.user, child),
                        "form": ChooseTypeForm(role=request.user.role),
                        "errors": [],
                    },
                )
            context["no_match"] = True
        else:
            context["errors"] = error_summary(form)
    context["may_break_glass"] = roles.has_capability(request.user.role, "break_glass")
    return render(request, "recording/contribute_find.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contribute_record(request):
    _require_contributor(request)
    if request.method == "GET":
        # Nothing to record without a match: start from finding the child.
        return render(request, "recording/contribute_start.html")
    token = request.POST.get("token", "")
    child = child_from_token(request.user, token)
    if child is None:
        return render(request, "recording/contribute_invalid.html", status=400)
    match = _match_description(child)
    quick = _quick(request, request.POST.get("quick"))
    if quick is not None:
        event_type = quick.event_type
        form_class = quick_form_class(quick.slug)
    else:
        choose = ChooseTypeForm(request.POST, role=request.user.role)
        if not choose.is_valid():
            return render(
                request,
                "recording/contribute_choose.html",
                {"match": match, "token": token, "form": choose, "errors": error_summary(choose)},
            )
        event_type = choose.cleaned_data["event_type"]
        if event_type == CONTACT:
            return _contribute_contact(request, child, match, token)
        form_class = event_form_class(event_type)
    # child=None: the form must not offer the child's people (that would show the record).
    form = form_class(request.POST if "save" in request.POST else None, child=None)
    if form.is_bound and form.is_valid():
        try:
            values = form.cleaned_event()
            contribute_event(
                actor=request.user,
                child=child,
                event_type=event_type,
                occurred=values["occurred"],
                summary=values["summary"],
                details=values["details"],
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            messages.success(
                request,
                f"Your entry has been added to the record of the child with {match}. "
                "Their social worker and team manager have been told.",
            )
            return redirect("recording:contribute-find")
    return _record_form(
        request, token=token, match=match, event_type=event_type, form=form, quick=quick
    )


def _record_form(request, *, token, match, event_type, form, quick=None):
    return render(
        request,
        "recording/contribute_record.html",
        {
            "match": match,
            "token": token,
            "event_type": event_type,
            "event_label": quick.title
            if quick
            else dict(contributable_types(request.user.role))[event_type],
            "quick": quick,
            "form": form,
            "errors": error_summary(form) if form.is_bound else [],
        },
    )


def _contribute_contact(request, child, match, token):
    """A partner's contact or referral to the front door, without seeing the record."""
    from safeguard.frontdoor import services as frontdoor

    from .frontdoor_forms import ContributeContactForm

    kind = request.user.agency.kind if request.user.agency_id else ""
    form = ContributeContactForm(
        request.POST if "save" in request.POST else None,
        initial={"source": frontdoor.SOURCE_BY_AGENCY_KIND.get(kind, "8")},
    )
    if form.is_bound and form.is_valid():
        try:
            contribute_contact(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Your {form.cleaned_data['kind']} about the child with {match} has been sent "
                "to children’s social care. The front door decides what happens within 1 "
                "working day; the child’s social worker and team manager, if they have them, "
                "have been told.",
            )
            return redirect("recording:contribute-find")
    return render(
        request,
        "recording/contribute_record.html",
        {
            "match": match,
            "token": token,
            "event_type": CONTACT,
            "event_label": CONTACT_LABEL,
            "form": form,
            "errors": error_summary(form) if form.is_bound else [],
        },
    )
