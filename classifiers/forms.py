from django import forms

from .models import Classifier, Dataset
from .services import dataset_default_target, dataset_profiles


class UploadForm(forms.Form):
    file = forms.FileField(
        label="A CSV file",
        help_text=(
            "A table with one row per case and a header row. Empty cells, “?” and “NA” count as missing."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )


class TrainForm(forms.Form):
    target = forms.ChoiceField(label="Column to predict")
    classifier = forms.ChoiceField(label="Kind of model", choices=Classifier.choices, initial="random_forest")

    def __init__(self, *args, dataset: Dataset, **kwargs):
        super().__init__(*args, **kwargs)
        profiles = dataset_profiles(dataset)
        self.fields["target"].choices = [(p.name, p.name) for p in profiles]
        self.fields["target"].initial = dataset_default_target(dataset)
