"""The child search form: one box for a name, date of birth, NHS number or local ID."""

from django import forms

from .selectors import SearchQueryError, parse_search


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, date of birth, NHS number or local child ID",
        required=False,
        max_length=200,
    )

    def clean_q(self):
        try:
            return parse_search(self.cleaned_data.get("q", ""))
        except SearchQueryError as exc:
            raise forms.ValidationError(str(exc)) from None
