"""GOV.UK forms for the structured parts of a child's record (identity, people,
involvements, episodes, placements, health, referrals).

Fields come from the models (`fields_for_model`), so labels and choices are written once;
dates are the GOV.UK date input. The forms only parse input: every rule is the service's
(children/episodes/health services), whose ValidationError is put back on the form.
(Chronology event forms are in recording/forms.py.)
"""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model

from safeguard.accounts.models import User
from safeguard.children.models import (
    Child,
    Involvement,
    InvolvementRole,
    Person,
    Referral,
    Relationship,
)
from safeguard.core.forms import GovukDateField
from safeguard.episodes.models import Episode, Placement
from safeguard.health.models import Condition, HealthAssessment, Medicine


def _date(label, required=True, help_text=""):
    return GovukDateField(
        label=label,
        required=required,
        help_text=help_text,
        error_messages={"required": f"Enter {label[0].lower()}{label[1:]}"},
    )


def _model_fields(model, names, required=(), labels=None):
    """Form fields for `names` of `model`, dates as GOV.UK date inputs."""
    labels = labels or {}
    made = fields_for_model(model, fields=names)
    out = {}
    for name in names:
        field = made[name]
        label = labels.get(name) or str(model._meta.get_field(name).verbose_name).capitalize()
        if isinstance(field, forms.DateField):
            field = _date(label, required=name in required or field.required)
        else:
            field.label = label
            if name in required:
                field.required = True
        if isinstance(field, forms.TypedChoiceField) and not field.required:
            field.choices = [("", "Not recorded"), *[c for c in field.choices if c[0] != ""]]
        out[name] = field
    return out


def _form(name, model, names, *, required=(), labels=None, extra=None, base=forms.Form):
    attrs = _model_fields(model, names, required, labels)
    attrs.update(extra or {})
    return type(name, (base,), attrs)


class VersionedForm(forms.Form):
    """Carries the version the user saw, for the service's optimistic check."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


_IDENTITY = [
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "date_of_birth_precision",
    "age_assessed",
    "age_assessment_note",
    "expected_date_of_delivery",
    "sex",
    "ethnicity",
    "nhs_number",
    "upn",
    "postcode",
]
_IDENTITY_LABELS = {
    "date_of_birth": "Date of birth",
    "date_of_birth_precision": "How exactly is the date of birth known?",
    "age_assessed": "The child's age is disputed and has been assessed",
    "age_assessment_note": "About the age assessment (optional)",
    "expected_date_of_delivery": "Expected date of delivery (an unborn child only)",
    "nhs_number": "NHS number (optional)",
    "upn": "Unique pupil number (optional)",
    "postcode": "Home postcode (optional)",
    "preferred_name": "Preferred name (optional)",
}


def _identity_form(name, base):
    cls = _form(name, Child, _IDENTITY, labels=_IDENTITY_LABELS, base=base)
    for field_name, widget in (
        ("date_of_birth_precision", forms.RadioSelect),
        ("sex", forms.RadioSelect),
    ):
        field = cls.base_fields[field_name]
        field.widget = widget(choices=field.choices)
    # The printed form "943 476 5919" is accepted (the service normalises it).
    cls.base_fields["nhs_number"] = forms.CharField(
        label=_IDENTITY_LABELS["nhs_number"], required=False, max_length=13
    )
    cls.base_fields["date_of_birth"].help_text = (
        "For example, 27 3 2012. If you only know the month or year, enter the 1st (and "
        "January) and say so below. Leave blank for an unborn child."
    )
    return cls


IdentityForm = _identity_form("IdentityForm", VersionedForm)


class RegisterChildBase(forms.Form):
    local_id = forms.CharField(
        label="Local child ID (optional)",
        required=False,
        max_length=32,
        help_text="Leave blank and Safeguard will give the next number",
    )
    # Set once the user has seen the possible matches and says this is a new child.
    confirmed_new = forms.BooleanField(required=False, widget=forms.HiddenInput)


RegisterChildForm = _identity_form("RegisterChildForm", RegisterChildBase)

PersonForm = _form(
    "PersonForm",
    Person,
    ["given_name", "family_name", "known_as", "date_of_birth", "sex"],
    labels={
        "family_name": "Family name (optional)",
        "known_as": "Known as (optional)",
        "date_of_birth": "Their date of birth (optional)",
    },
)
_rel = _model_fields(
    Relationship,
    ["relationship", "parental_responsibility", "pr_basis", "start_date", "end_date", "notes"],
    labels={
        "relationship": "Relationship to the child",
        "parental_responsibility": "Has parental responsibility",
        "pr_basis": "Basis of parental responsibility",
        "start_date": "Relationship started (optional)",
        "end_date": "Relationship ended (optional)",
        "notes": "Notes (optional)",
    },
)
# The person's and the relationship's date fields share names: prefix the relationship's.
PersonForm.base_fields.update({f"rel_{k}": v for k, v in _rel.items()})


class EndForm(forms.Form):
    """Choose which record of the child's to end, and when."""

    which = forms.ChoiceField(label="Which one", widget=forms.RadioSelect)
    end_date = _date("End date")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["which"].choices = list(choices)


class EndEpisodeForm(EndForm):
    reason_ended = forms.CharField(
        label="Reason ended (SSDA903 reason episode ceased code, or in words)",
        required=False,
        max_length=100,
    )


class EndPlacementForm(EndForm):
    reason_changed = forms.CharField(
        label="Reason for the change (SSDA903 code)", required=False, max_length=8
    )


class InvolvementForm(forms.Form):
    professional = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).select_related("agency"),
        label="Professional",
    )
    role = forms.ChoiceField(label="Role", choices=InvolvementRole.choices)
    start_date = _date("Start date")


InvolvementRequestForm = _form(
    "InvolvementRequestForm",
    Involvement,
    ["role"],
    labels={"role": "The role you would have"},
    extra={
        "reason": forms.CharField(
            label="Why you need to be involved",
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=2000,
        )
    },
)


class DecideRequestForm(forms.Form):
    which = forms.ChoiceField(label="Which request", widget=forms.RadioSelect)
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[("accept", "Accept: they become involved from today"), ("decline", "Decline")],
    )
    note = forms.CharField(
        label="Note to the requester (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["which"].choices = list(choices)


EpisodeForm = _form(
    "EpisodeForm",
    Episode,
    ["kind", "start_date", "legal_status", "cp_category", "primary_need", "notes"],
    labels={
        "kind": "Kind of plan or episode",
        "legal_status": "Legal status (looked-after episodes only)",
        "cp_category": "Child protection category (child protection plans only)",
        "primary_need": "CIN primary need (optional)",
        "notes": "Notes (optional)",
    },
)

PlacementForm = _form(
    "PlacementForm",
    Placement,
    [
        "placement_type",
        "start_date",
        "provider_type",
        "provider_name",
        "postcode",
        "area",
        "urn",
        "intended_until_18",
    ],
    labels={
        "placement_type": "Placement type (SSDA903)",
        "provider_type": "Provider (optional)",
        "provider_name": "Provider or carer's name (optional)",
        "postcode": "Placement postcode (optional)",
        "area": "Local authority area it is in (optional)",
        "urn": "Ofsted URN (optional)",
        "intended_until_18": "The plan is for this placement to last until the child is 18",
    },
    extra={
        "reason_changed": forms.CharField(
            label="Reason the current placement ends (SSDA903 reason for change code)",
            required=False,
            max_length=8,
            help_text="Only when the child moves from a current placement",
        ),
        "version": forms.IntegerField(widget=forms.HiddenInput, required=False),
    },
)

ConditionForm = _form(
    "ConditionForm",
    Condition,
    ["name", "snomed_code", "diagnosed_on", "chronic", "notes"],
    labels={
        "name": "Condition",
        "snomed_code": "SNOMED CT code (optional)",
        "diagnosed_on": "Date diagnosed (optional)",
        "chronic": "Long-term (chronic) condition",
        "notes": "Notes (optional)",
    },
)


class MedicineForm(
    _form(
        "MedicineBase",
        Medicine,
        ["name", "dose", "prescriber_name", "start_date", "long_term"],
        labels={
            "name": "Medicine",
            "dose": "Dose (optional)",
            "prescriber_name": "Prescriber (optional)",
            "long_term": "Long-term medicine (a missed collection matters)",
        },
    )
):
    condition = forms.ChoiceField(label="For which condition (optional)", required=False)

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].choices = [("", "Not recorded")] + [
            (str(c.pk), c.name) for c in conditions
        ]


HealthAssessmentForm = _form(
    "HealthAssessmentForm",
    HealthAssessment,
    [
        "kind",
        "date",
        "assessor_name",
        "by_medical_practitioner",
        "refused",
        "refusal_reason",
        "outcome",
        "recommendations",
        "health_plan_updated_on",
    ],
    labels={
        "kind": "Kind of assessment",
        "date": "Date of the assessment",
        "assessor_name": "Assessor (optional)",
        "by_medical_practitioner": (
            "Carried out by a registered medical practitioner (an initial assessment must be)"
        ),
        "refused": "The young person, competent to decide, refused the assessment",
        "refusal_reason": "Why they refused (needed if they refused)",
        "outcome": "Outcome (optional)",
        "recommendations": "Recommendations (optional)",
        "health_plan_updated_on": (
            "Date the recommendations were put into the health plan of the care plan (optional)"
        ),
    },
)
HealthAssessmentForm.base_fields["kind"].widget = forms.RadioSelect(
    choices=HealthAssessmentForm.base_fields["kind"].choices
)
HealthAssessmentForm.base_fields["by_medical_practitioner"] = forms.TypedChoiceField(
    label=HealthAssessmentForm.base_fields["by_medical_practitioner"].label,
    choices=[("", "Not recorded"), ("yes", "Yes"), ("no", "No")],
    coerce=lambda value: value == "yes",
    empty_value=None,
    required=False,
)

ReferralForm = _form(
    "ReferralForm",
    Referral,
    ["service", "date", "reason", "outcome", "outcome_date", "outcome_note"],
    labels={
        "service": "Referred to",
        "date": "Date referred",
        "reason": "Reason for the referral",
        "outcome": "Outcome (if known)",
        "outcome_date": "Date of the outcome (if known)",
        "outcome_note": "About the outcome (optional)",
    },
)
