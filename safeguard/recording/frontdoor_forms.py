"""GOV.UK forms for the front door and help at home (frontdoor app). Fields come from the
models; the rules are the services' (safeguard/frontdoor/services.py)."""

from __future__ import annotations

from django import forms

from safeguard.accounts.models import Agency, User
from safeguard.frontdoor.codes import AssessmentFactor, ReferralSource
from safeguard.frontdoor.models import (
    AdultCheck,
    Assessment,
    CaseClosure,
    Contact,
    HouseholdMember,
    Injury,
    WorkerAbsence,
)

from .record_forms import _date, _form


class _Which(forms.Form):
    """Choose which of the child's records this is about (radios)."""

    which = forms.ChoiceField(label="Which one", widget=forms.RadioSelect)

    def __init__(self, *args, choices=(), which_label="Which one", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["which"].choices = list(choices)
        self.fields["which"].label = which_label
        # Which one first, as a GOV.UK page reads top to bottom.
        self.order_fields(["which", *[n for n in self.fields if n != "which"]])


def _agency_field(label, required=False):
    return forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"),
        required=required,
        label=label,
        empty_label="Not an agency" if not required else "Choose an agency",
    )


_YES_NO_UNKNOWN = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]

ContactForm = _form(
    "ContactForm",
    Contact,
    ["kind", "received_on", "source", "referrer_name", "referrer_relationship", "summary"],
    labels={
        "kind": "Contact or referral",
        "received_on": "Date received",
        "source": "Referral source (CIN census)",
        "referrer_name": "Who made it (optional)",
        "referrer_relationship": "If a member of the public: who they are to the child",
        "summary": "What was reported",
    },
    extra={"referrer_agency": _agency_field("The agency that made it (if any)")},
)


class DecisionForm(_Which):
    decision = forms.ChoiceField(
        label="Decision",
        choices=Contact._meta.get_field("decision").choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the decision"},
    )
    decision_reason = forms.CharField(
        label="Reason for the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for the decision"},
    )
    decided_on = _date("Date of the decision")
    referrer_spoken_to = forms.BooleanField(
        label="The referrer was spoken to before deciding", required=False
    )
    judged_malicious = forms.BooleanField(
        label="The contact is judged malicious (no further action only)", required=False
    )


class AssessmentStartForm(forms.Form):
    started_on = _date("Date the assessment started")
    contact = forms.ChoiceField(label="The contact or referral that led to it", required=False)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "None recorded"), *contacts]


class AssessmentProgressForm(_Which):
    child_seen_on = _date("Date the child was seen", required=False)
    seen_alone = forms.ChoiceField(
        label="Was the child seen alone?", choices=_YES_NO_UNKNOWN, required=False
    )
    not_seen_alone_reason = forms.CharField(
        label="If not seen alone: why", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    completed_on = _date("Date completed", required=False)
    factors = forms.MultipleChoiceField(
        label="Factors identified at the end of the assessment (CIN census; 21 if none)",
        choices=AssessmentFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Not yet"), *Assessment._meta.get_field("outcome").choices],
        required=False,
    )


HouseholdForm = _form(
    "HouseholdForm",
    HouseholdMember,
    ["relationship", "adult", "joined_on"],
    labels={"adult": "An adult", "joined_on": "Date they came to live with the child"},
    extra={"person": forms.ChoiceField(label="Who")},
)


class HouseholdLeftForm(_Which):
    left_on = _date("Date they left")


AdultCheckForm = _form(
    "AdultCheckForm",
    AdultCheck,
    ["kind", "requested_on", "result_on", "result", "risk_to_children"],
    labels={
        "kind": "Check",
        "requested_on": "Date requested",
        "result_on": "Date of the result (if back)",
        "result": "What it found (optional)",
        "risk_to_children": "It found a history of violence or offences against children",
    },
    extra={"person": forms.ChoiceField(label="Who"), "agency": _agency_field("Agency asked")},
)

InjuryForm = _form(
    "InjuryForm",
    Injury,
    ["noticed_on", "kind", "body_site", "explanation", "child_mobile"],
    labels={
        "noticed_on": "Date noticed",
        "kind": "Injury",
        "body_site": "Where on the body",
        "explanation": "Explanation given (optional)",
        "child_mobile": "The child is independently mobile (crawling, cruising or walking)",
    },
)


class MedicalForm(_Which):
    medical_requested_on = _date("Date the child protection medical was requested")
    medical_held_on = _date("Date it was held", required=False)
    medical_findings = forms.CharField(
        label="Findings (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    findings_shared_with = forms.CharField(
        label="Findings shared with (optional)", required=False, max_length=300
    )


ClosureForm = _form(
    "ClosureForm", CaseClosure, ["closed_on", "reason"], labels={"closed_on": "Date closed"}
)


class AbsenceForm(forms.Form):
    professional = forms.ModelChoiceField(queryset=User.objects.none(), label="Worker away")
    kind = forms.ChoiceField(label="Why", choices=WorkerAbsence._meta.get_field("kind").choices)
    start_date = _date("First day away")
    end_date = _date("Last day away (if known)", required=False)
    covered_by = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Who covers", required=False, empty_label="Nobody yet"
    )

    def __init__(self, *args, workers=None, colleagues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = workers
        self.fields["covered_by"].queryset = colleagues


# The agency sources a partner may give (the individual, anonymous and unknown ones are the
# front door's own, for a member of the public).
_AGENCY_SOURCES = [
    (code, label)
    for code, label in ReferralSource.choices
    if code not in ("1A", "1B", "1C", "1D", "9", "10")
]


class ContributeContactForm(forms.Form):
    """A partner's contact or referral to children's social care, made without seeing the
    child's record (recording/contribute.py)."""

    kind = forms.ChoiceField(
        label="Is this a referral?",
        choices=[
            ("referral", "Yes: I am asking children's social care to act"),
            ("contact", "No: I am sharing information with the front door"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether this is a referral"},
    )
    source = forms.ChoiceField(
        label="Your service (CIN census referral source)", choices=_AGENCY_SOURCES
    )
    summary = forms.CharField(
        label="What you have seen or been told, and why you are worried",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter what you have seen or been told"},
    )

    def __init__(self, *args, child=None, **kwargs):  # child: never used (nothing is shown)
        super().__init__(*args, **kwargs)
