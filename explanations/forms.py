from django import forms

from .services import LIMITS


class ExplainForm(forms.Form):
    row = forms.IntegerField(min_value=0, label="Row")
    num_samples = forms.IntegerField(
        label="Similar cases to try",
        initial=5000,
        min_value=LIMITS["num_samples"][0],
        max_value=LIMITS["num_samples"][1],
        required=False,
        help_text="More cases give a steadier explanation and take longer.",
    )
    num_features = forms.IntegerField(
        label="Reasons to show",
        initial=10,
        min_value=LIMITS["num_features"][0],
        max_value=LIMITS["num_features"][1],
        required=False,
    )
    random_state = forms.IntegerField(
        label="Random seed", initial=0, required=False, help_text="The same seed gives the same explanation."
    )

    def clean(self):
        data = super().clean()
        for name in ("num_samples", "num_features", "random_state"):
            if data.get(name) is None:
                data[name] = self.fields[name].initial
        return data
