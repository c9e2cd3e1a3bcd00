from django import forms
from django.conf import settings

from .models import Classifier, Dataset
from .services import dataset_default_target, dataset_profiles


class UploadForm(forms.Form):
    file = forms.FileField(
        label="A CSV file",
        help_text="A table with one row per case and a header row. Empty cells, “?” and “NA” count as missing.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1e6:.1f} MB; the limit is {settings.MAX_UPLOAD_BYTES / 1e6:.0f} MB."
            )
        return upload


class TrainForm(forms.Form):
    target = forms.ChoiceField(label="Column to predict")
    classifier = forms.ChoiceField(label="Kind of model", choices=Classifier.choices, initial="random_forest")

    def __init__(self, *args, dataset: Dataset, **kwargs):
        super().__init__(*args, **kwargs)
        profiles = dataset_profiles(dataset)
        self.fields["target"].choices = [(p.name, p.name) for p in profiles]
        self.fields["target"].initial = dataset_default_target(dataset)
