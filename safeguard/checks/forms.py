from django import forms


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What are you doing about it? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Why does this alert need no further action?",
        help_text="For example: considered, not needed because …",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter why the alert is being closed (for example: considered, not "
            "needed because ...)"
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


class DeliveryForm(forms.Form):
    alert_delivery = forms.ChoiceField(
        label="How do you want to be told about new alerts by email?",
        help_text="Emails never say who an alert is about: they link to Safeguard to sign in.",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you want to be told about alerts"},
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alert_delivery"].choices = choices
