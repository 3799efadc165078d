"""Forms for the meetings pages (GOV.UK components via templates/govuk/field.html)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from safeguard.accounts.models import Agency, User
from safeguard.core.forms import GovukDateField
from safeguard.episodes.codes import CPCategory

from .models import (
    AttendanceStatus,
    ConcernKind,
    ConferenceDecision,
    MeetingKind,
    MilestoneStatus,
    Participation,
    RiskLevel,
    S47Outcome,
    StrategyOutcome,
)

BLANK = [("", "Not recorded")]


class MeetingsForm(forms.Form):
    """Required-field messages that say what is missing (GOV.UK: "Enter ..." for text and
    dates, "Choose ..." for choices), not Django's "This field is required"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_messages()

    def set_messages(self):
        for field in self.fields.values():
            label = str(field.label).rstrip("?").lower()
            verb = "Choose" if isinstance(field, forms.ChoiceField) else "Enter"
            field.error_messages["required"] = f"{verb} {label}"


def _professional_choices(users):
    return [
        (u.pk, f"{u.display_name}, {u.job_title or u.get_role_display()} ({u.agency})")
        for u in users
    ]


class ConcernForm(MeetingsForm):
    kind = forms.ChoiceField(
        label="Kind of concern", choices=ConcernKind.choices, widget=forms.RadioSelect
    )
    risk_level = forms.ChoiceField(
        label="Exploitation risk grading",
        choices=BLANK + list(RiskLevel.choices),
        required=False,
        widget=forms.RadioSelect,
        help_text="For an exploitation concern: the grading of the risk assessment, if made",
    )
    category = forms.ChoiceField(
        label="Category of abuse", choices=BLANK + list(CPCategory.choices), required=False
    )
    raised_on = GovukDateField(label="Date the concern was raised", max_today=True)
    summary = forms.CharField(
        label="What is the concern?", widget=forms.Textarea(attrs={"rows": 4})
    )


class ScheduleForm(MeetingsForm):
    kind = forms.ChoiceField(
        label="Kind of meeting", choices=MeetingKind.choices, widget=forms.RadioSelect
    )
    date = GovukDateField(label="Date of the meeting")
    time = forms.CharField(
        label="Time", max_length=5, help_text="In 24-hour form, for example 14:00"
    )
    place = forms.CharField(label="Place", required=False, help_text="Or how: telephone, video")
    chair = forms.TypedChoiceField(label="Chair", coerce=int)
    invitees = forms.TypedMultipleChoiceField(
        label="Invite",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Professionals currently involved with the child",
    )
    other_children = forms.CharField(
        label="Other children the meeting is about",
        required=False,
        help_text="Local child IDs separated by commas (a MACE meeting often covers several)",
    )
    trigger_concern = forms.TypedChoiceField(
        label="Concern it responds to", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, chairs, involved, concerns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].choices = _professional_choices(chairs)
        self.fields["invitees"].choices = _professional_choices(involved)
        self.fields["trigger_concern"].choices = [("", "None")] + [(c.pk, str(c)) for c in concerns]

    def clean_time(self):
        text = self.cleaned_data["time"].strip()
        try:
            return dt.time.fromisoformat(text if len(text) == 5 else f"0{text}")
        except ValueError:
            raise forms.ValidationError(
                "Enter the time in 24-hour form, for example 14:00"
            ) from None

    def scheduled_for(self):
        return timezone.make_aware(
            dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        )


class HoldForm(MeetingsForm):
    """Held: the date, each invitee's attendance, one more attendee, decisions and the
    outcome fields of this kind of meeting."""

    held_on = GovukDateField(label="Date the meeting was held", max_today=True)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.invitees = list(
            meeting.attendances.select_related("agency", "professional").order_by("pk")
        )
        statuses = [c for c in AttendanceStatus.choices if c[0] != AttendanceStatus.INVITED]
        for row in self.invitees:
            role = f", {row.role}" if row.role else ""
            self.fields[f"status_{row.pk}"] = forms.ChoiceField(
                label=f"{row.professional or row.name} ({row.agency}{role})",
                choices=statuses,
                widget=forms.RadioSelect,
            )
        self.fields["extra_agency"] = forms.TypedChoiceField(
            label="Someone else who attended: agency",
            coerce=int,
            required=False,
            empty_value=None,
            choices=[("", "Nobody else")]
            + [(a.pk, a.name) for a in Agency.objects.order_by("name")],
        )
        self.fields["extra_name"] = forms.CharField(label="Their name", required=False)
        self.fields["extra_role"] = forms.CharField(label="Their role", required=False)
        self.fields["extra_placement"] = forms.BooleanField(
            label="They speak for the child's placement (carer or home)", required=False
        )
        self.fields["decisions"] = forms.CharField(
            label="Decisions", widget=forms.Textarea(attrs={"rows": 4}), required=False
        )
        kind = meeting.kind
        if kind == MeetingKind.STRATEGY_DISCUSSION:
            self.fields["strategy_outcome"] = forms.ChoiceField(
                label="Outcome", choices=StrategyOutcome.choices, widget=forms.RadioSelect
            )
        if kind in (MeetingKind.INITIAL_CONFERENCE, MeetingKind.REVIEW_CONFERENCE):
            self.fields["conference_decision"] = forms.ChoiceField(
                label="Conference decision",
                choices=ConferenceDecision.choices,
                widget=forms.RadioSelect,
                required=kind == MeetingKind.INITIAL_CONFERENCE,
            )
            self.fields["cp_category"] = forms.ChoiceField(
                label="Category of abuse", choices=BLANK + list(CPCategory.choices), required=False
            )
        if kind in (MeetingKind.MACE, MeetingKind.MISSING_REVIEW):
            self.fields["significant_harm_risk"] = forms.BooleanField(
                label="The meeting found a risk of significant harm",
                required=False,
                help_text="A strategy discussion must follow (Recommendation 2)",
            )
        if kind == MeetingKind.CLA_REVIEW:
            self.fields["participation"] = forms.ChoiceField(
                label="The child's participation",
                choices=Participation.choices,
                widget=forms.RadioSelect,
            )
            self.fields["participation_how"] = forms.CharField(
                label="How they took part", required=False
            )
            self.fields["quality_sufficient"] = forms.TypedChoiceField(
                label="Was the written information presented enough to evidence the plan?",
                choices=[("yes", "Yes"), ("no", "No")],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
            )
        self.set_messages()
        for row in self.invitees:
            who = row.professional or row.name
            self.fields[f"status_{row.pk}"].error_messages["required"] = (
                f"Choose whether {who} attended, sent a report or sent apologies"
            )

    def attendance(self):
        rows = [{"id": r.pk, "status": self.cleaned_data[f"status_{r.pk}"]} for r in self.invitees]
        agency_id = self.cleaned_data.get("extra_agency")
        if agency_id:
            rows.append(
                {
                    "agency": Agency.objects.get(pk=agency_id),
                    "name": self.cleaned_data["extra_name"],
                    "role": self.cleaned_data["extra_role"],
                    "placement": self.cleaned_data["extra_placement"],
                    "status": AttendanceStatus.ATTENDED,
                }
            )
        return rows

    def outcome(self):
        names = (
            "decisions",
            "strategy_outcome",
            "conference_decision",
            "cp_category",
            "significant_harm_risk",
            "participation",
            "participation_how",
            "quality_sufficient",
        )
        return {n: self.cleaned_data[n] for n in names if n in self.cleaned_data}

    def clean(self):
        data = super().clean()
        if data.get("extra_agency") and not (data.get("extra_name") or "").strip():
            self.add_error("extra_name", "Enter the name of the other attendee")
        return data


class MinutesForm(MeetingsForm):
    minutes = forms.CharField(label="Minutes", widget=forms.Textarea(attrs={"rows": 8}))


class ActionForm(MeetingsForm):
    description = forms.CharField(
        label="What is to be done", widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.TypedChoiceField(label="Owner", coerce=int)
    due_on = GovukDateField(label="Due date")

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _professional_choices(owners)


class CompleteActionForm(MeetingsForm):
    status = forms.ChoiceField(
        label="Outcome",
        choices=[("done", "Completed"), ("dropped", "No longer needed")],
        widget=forms.RadioSelect,
    )
    completed_on = GovukDateField(label="Date completed", max_today=True)
    evidence = forms.CharField(
        label="What shows it was done (or why it is no longer needed)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class S47Form(MeetingsForm):
    strategy_discussion = forms.TypedChoiceField(
        label="Strategy discussion that started it", coerce=int
    )
    started_on = GovukDateField(label="Date the enquiry started", max_today=True)
    completed_on = GovukDateField(label="Date it concluded", required=False, max_today=True)
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=BLANK + list(S47Outcome.choices),
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, discussions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy_discussion"].choices = [(m.pk, str(m)) for m in discussions]


class MoveForm(MeetingsForm):
    date = GovukDateField(label="New date of the meeting")
    time = forms.CharField(
        label="New time", max_length=5, help_text="In 24-hour form, for example 14:00"
    )
    place = forms.CharField(
        label="Place",
        required=False,
        help_text="Or how: telephone, video. Leave as it is if unchanged",
    )
    reason = forms.CharField(label="Why is it being moved?", max_length=300)

    clean_time = ScheduleForm.clean_time
    scheduled_for = ScheduleForm.scheduled_for


class CancelForm(MeetingsForm):
    reason = forms.CharField(label="Why is it being cancelled?", max_length=300)


class CloseConcernForm(MeetingsForm):
    closed_on = GovukDateField(label="Date the concern was closed", max_today=True)
    reason = forms.CharField(
        label="Why is it being closed?",
        max_length=300,
        help_text="For example: the strategy discussion decided no further action",
    )


class ConcludeS47Form(MeetingsForm):
    completed_on = GovukDateField(label="Date the enquiry concluded", max_today=True)
    outcome = forms.ChoiceField(
        label="Outcome", choices=S47Outcome.choices, widget=forms.RadioSelect
    )


class MilestoneForm(MeetingsForm):
    episode = forms.TypedChoiceField(label="Plan", coerce=int, widget=forms.RadioSelect)
    description = forms.CharField(
        label="What will happen", widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.TypedChoiceField(
        label="Who will do it", coerce=int, required=False, empty_value=None
    )
    owner_name = forms.CharField(
        label="Or their name, if they have no account here", required=False, max_length=200
    )
    due_on = GovukDateField(label="By when")

    def __init__(self, *args, plans, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["episode"].choices = [
            (e.pk, f"{e.get_kind_display()} from {e.start_date:%-d %B %Y}") for e in plans
        ]
        self.fields["owner"].choices = [("", "Someone without an account")] + (
            _professional_choices(owners)
        )

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not (data.get("owner_name") or "").strip():
            self.add_error("owner", "Choose who will do it, or enter their name")
        return data


class ReviewMilestoneForm(MeetingsForm):
    status = forms.ChoiceField(
        label="Was it achieved?",
        choices=[
            (MilestoneStatus.ACHIEVED, "Achieved"),
            (MilestoneStatus.NOT_ACHIEVED, "Not achieved"),
        ],
        widget=forms.RadioSelect,
    )
    reviewed_on = GovukDateField(label="Date it was reviewed", max_today=True)
    meeting = forms.TypedChoiceField(
        label="Meeting that reviewed it", coerce=int, required=False, empty_value=None
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "Not reviewed at a meeting")] + [
            (m.pk, str(m)) for m in meetings
        ]


def chairs_for(user):
    """Who may chair: professionals of the user's agency (and the user)."""
    return User.objects.filter(is_active=True, agency_id=user.agency_id).order_by(
        "last_name", "first_name"
    )
