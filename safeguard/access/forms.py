from django import forms
from django.core.exceptions import ValidationError

from .services import MAX_REASON_LENGTH, check_reason


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to open this record now?",
        help_text="Your team manager will see this reason, and it is kept in the audit trail.",
        widget=forms.Textarea(attrs={"rows": 5}),
        # Normalised and checked in clean_reason; a hard cap on what is even looked at.
        max_length=MAX_REASON_LENGTH * 4,
        error_messages={
            "required": "Enter the reason you need emergency access",
            "max_length": f"The reason must be {MAX_REASON_LENGTH} characters or fewer",
        },
    )
    confirm = forms.BooleanField(
        label="I understand this access is recorded and reviewed",
        error_messages={"required": "Confirm you understand this access is recorded"},
    )

    def clean_reason(self):
        try:
            return check_reason(self.cleaned_data["reason"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["reason"]) from None


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={
            "required": "Enter the 6-digit security code",
            "min_length": "Enter the 6-digit security code",
            "max_length": "Enter the 6-digit security code",
        },
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("The security code must be 6 digits")
        return token


class EmergencyLookupForm(forms.Form):
    identifier = forms.CharField(
        label="NHS number or local child ID",
        help_text="The whole number or ID, exactly: for example, 943 476 5919 or WCF-00123",
        max_length=32,
        error_messages={"required": "Enter the child's NHS number or local child ID"},
    )
