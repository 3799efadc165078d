"""GOV.UK forms for the looked-after care record (issue 13): fields from the models, rules
in the services (safeguard/care/services.py, health/services.py)."""

from __future__ import annotations

from django import forms

from safeguard.care.models import (
    CapacityAssessment,
    DisputeStage,
    EducationSetting,
    HomelessAssessment,
    LeavingCareRecord,
    PersonalEducationPlan,
    PlacementPlan,
    RecommendationOutcome,
)
from safeguard.health.models import Appointment, TransitionPlan

from .record_forms import _date, _form

PLACEMENT_PLAN_FIELDS = [
    "requested_on",
    "health_needs",
    "medicines",
    "behaviour_and_risks",
    "education",
    "contact",
    "matching_decision",
    "health_information_shared_on",
    "carers_trained_on",
    "training_needed",
    "delegated_authority",
]


class _WithChoice(forms.Form):
    """A form whose first field chooses one of the child's rows (`choices` given)."""

    choice_label = "Which"
    choice_required = True

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "which": forms.ChoiceField(
                label=self.choice_label,
                choices=[("", "Choose")] + list(choices),
                required=self.choice_required,
                error_messages={"required": f"Choose {self.choice_label.lower()}"},
            ),
            **self.fields,
        }


PlacementPlanForm = _form(
    "PlacementPlanForm",
    PlacementPlan,
    PLACEMENT_PLAN_FIELDS,
    labels={
        "requested_on": "Date of the placement request",
        "health_needs": "Health conditions and how to manage them (e.g. the seizure plan)",
        "health_information_shared_on": "Date the carer or provider was given the health "
        "information (optional)",
        "carers_trained_on": "Date the carers were trained (optional)",
    },
    base=type("PlanBase", (_WithChoice,), {"choice_label": "Placement", "choice_required": False}),
)


class PlanSharedForm(_WithChoice):
    choice_label = "Placement plan"
    shared_on = _date("Date the health information was shared (optional)", required=False)
    trained_on = _date("Date the carers were trained (optional)", required=False)


HostNotifiedForm = type(
    "HostNotifiedForm",
    (_WithChoice,),
    {
        "choice_label": "Out-of-area placement",
        "notified_on": _date("Date the host authority was told"),
    },
)

_AppointmentFields = _form(
    "_AppointmentFields",
    Appointment,
    ["date", "service", "clinic", "status", "notes"],
    labels={"date": "Date of the appointment", "status": "What happened"},
)


class AppointmentForm(_AppointmentFields):
    """An appointment, and the child's condition it is for (`conditions` given): a missed
    appointment for a chronic condition is told at once (LAC-CHRONIC-APPOINTMENT-MISSED)."""

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"] = forms.ChoiceField(
            label="The condition it is for (optional)",
            choices=[("", "None or not known")] + list(conditions),
            required=False,
        )
        self.order_fields(["date", "service", "clinic", "condition", "status", "notes"])


TransitionPlanForm = _form(
    "TransitionPlanForm",
    TransitionPlan,
    ["date", "named_worker", "plan"],
    labels={"date": "Date the plan was agreed"},
)
CapacityForm = _form(
    "CapacityForm",
    CapacityAssessment,
    [
        "decision_kind",
        "decision",
        "date",
        "assessor_name",
        "impairment",
        "understands",
        "retains",
        "uses_or_weighs",
        "communicates",
        "outcome",
        "best_interests_decision",
    ],
    labels={
        "decision_kind": "Kind of decision",
        "decision": "The specific decision",
        "date": "Date of the assessment",
        "assessor_name": "Assessor",
        "impairment": "Is there an impairment of, or disturbance in the functioning of, the "
        "mind or brain?",
        "understands": "Can they understand the information relevant to the decision?",
        "retains": "Can they retain it?",
        "uses_or_weighs": "Can they use or weigh it?",
        "communicates": "Can they communicate the decision?",
        "best_interests_decision": "Best-interests decision (where capacity is lacking)",
    },
)


class DisputeForm(forms.Form):
    issue = forms.CharField(
        label="The issue", widget=forms.Textarea, error_messages={"required": "Enter the issue"}
    )
    raised_on = _date("Date raised")


class DisputeUpdateForm(_WithChoice):
    choice_label = "Dispute"
    action = forms.ChoiceField(
        label="What happened",
        choices=[("", "Choose")]
        + [(s.value, f"Escalated to {s.label}") for s in list(DisputeStage)[1:]]
        + [("resolved", "Resolved")],
        error_messages={"required": "Choose what happened"},
    )
    on = _date("Date")
    outcome = forms.CharField(label="How it was resolved", widget=forms.Textarea, required=False)


EducationSettingForm = _form(
    "EducationSettingForm",
    EducationSetting,
    [
        "setting_type",
        "name",
        "urn",
        "start_date",
        "part_time",
        "hours_per_week",
        "attendance_percent",
        "virtual_school_head",
    ],
    labels={"start_date": "Start date", "part_time": "Not in full-time education"},
)
PepForm = _form("PepForm", PersonalEducationPlan, ["kind", "date", "notes"])
LeavingCareForm = _form(
    "LeavingCareForm",
    LeavingCareRecord,
    ["kind", "date", "personal_adviser_name", "accommodation", "notes"],
)

HomelessForm = _form(
    "HomelessForm",
    HomelessAssessment,
    ["presented_on", "decided_on", "decision", "reasons"],
    labels={
        "presented_on": "Date the young person presented as homeless",
        "decided_on": "Date of the decision",
        "decision": "What was decided",
        "reasons": "Reasons (what the young person was told about s20, and their wishes)",
    },
)


class DeathForm(forms.Form):
    date = _date("Date of death")
    notified_on = _date("Date children's services learnt of it")
    circumstances = forms.CharField(
        label="Circumstances",
        widget=forms.Textarea,
        error_messages={"required": "Enter the circumstances"},
    )
    abuse_or_neglect_suspected = forms.BooleanField(
        label="Abuse or neglect is known or suspected", required=False
    )


class NotificationDoneForm(_WithChoice):
    choice_label = "Notification"
    done_on = _date("Date they were told")
    note = forms.CharField(label="Note (optional)", widget=forms.Textarea, required=False)


class FhirForm(forms.Form):
    message = forms.CharField(
        label="FHIR R4 message (JSON: MedicationRequest or MedicationDispense)",
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": "Paste the FHIR message"},
    )


class RecommendationForm(_WithChoice):
    """One action a health assessment recommends (`which` is the assessment)."""

    choice_label = "Health assessment"
    action = forms.CharField(
        label="What the assessment recommends be done (e.g. refer to CAMHS)",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what the assessment recommends be done"},
    )
    owner_name = forms.CharField(
        label="Who is to do it, if they have no account here (e.g. the dentist)",
        max_length=200,
        required=False,
    )
    due_on = _date("Date it is due by")

    def __init__(self, *args, owners=(), milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = forms.ChoiceField(
            label="Who is to do it (a professional involved with the child)",
            choices=[("", "Someone else (name them below)")] + list(owners),
            required=False,
        )
        self.order_fields(["which", "action", "owner", "owner_name", "due_on"])
        self.fields["milestone"] = forms.ChoiceField(
            label="Plan milestone it belongs to (optional)",
            choices=[("", "None")] + list(milestones),
            required=False,
        )


class RecommendationFollowUpForm(_WithChoice):
    choice_label = "Recommendation"
    followed_up_on = _date("Date it was followed up")
    outcome = forms.ChoiceField(
        label="Was it done?",
        choices=RecommendationOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it was done"},
    )
    not_done_reason = forms.CharField(
        label="Why it was not done (when not done)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
