from django import forms

from limelight.catalogue import CLASSIFIER_CARDS, DEFAULT_IMAGE_FEATURES, IMAGE_CLASSIFIERS, IMAGE_FEATURES, Knob
from limelight.tabular.profiling import OVERRIDABLE_KINDS, ColumnKind
from limelight.training_settings import TrainingSettings

from .models import Dataset
from .selectors import target_choices
from .services import dataset_default_target, dataset_profiles


class UploadForm(forms.Form):
    file = forms.FileField(
        label="A CSV file, an Excel workbook or a ZIP of images",
        help_text=(
            "A table with one row per case and a header row (empty cells, “?” and “NA” count as "
            "missing) as CSV or a workbook (.xlsx, .ods: the first sheet, and you can choose another), "
            "or a ZIP with one folder of images per class (cats/…, dogs/…)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv,.xlsx,.ods,.zip,application/zip"}),
    )


class ColumnRolesForm(forms.Form):
    """One choice of kind per column, so a person can correct our guess."""

    def __init__(self, *args, dataset: Dataset, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(kind.value, kind.value) for kind in OVERRIDABLE_KINDS]
        for index, profile in enumerate(dataset_profiles(dataset)):
            kind_choices = (
                choices
                if profile.kind.value in dict(choices)
                else [
                    (profile.kind.value, profile.kind.value),
                    *choices,
                ]
            )
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=profile.name, choices=kind_choices, initial=profile.kind.value
            )
        self.names = [profile.name for profile in dataset_profiles(dataset)]
        # Which column names the rows (shown beside each row, never used to predict).
        self.fields["row_label"] = forms.ChoiceField(
            label="Column that names the rows",
            choices=[("", "none: rows are numbered"), *[(name, name) for name in self.names]],
            initial=dataset.row_label,
            required=False,
        )

    def roles(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"column_{index}"] for index, name in enumerate(self.names)}

    def row_label(self) -> str:
        return self.cleaned_data.get("row_label") or ""


class SheetForm(forms.Form):
    """Which sheet of a workbook to read."""

    sheet = forms.ChoiceField(label="Read another sheet")

    def __init__(self, *args, dataset: Dataset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in dataset.sheets]
        self.fields["sheet"].initial = dataset.sheet or (dataset.sheets[0] if dataset.sheets else "")


def knob_field(knob: Knob) -> forms.Field:
    """A form field for one setting. Ranges are checked by `clean_params`, for the chosen
    classifier only, so a stray value in another classifier's hidden settings is harmless."""
    common = {"label": knob.label, "initial": knob.default, "required": False}
    if knob.kind == "choice":
        return forms.ChoiceField(choices=[(c, c) for c in knob.choices], help_text=knob.help, **common)
    bounds = f" ({knob.minimum:g} to {knob.maximum:g})" if None not in (knob.minimum, knob.maximum) else ""
    return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), help_text=knob.help + bounds, **common)


class TrainForm(forms.Form):
    target = forms.ChoiceField(label="Column to predict")
    classifier = forms.ChoiceField(
        label="Kind of model",
        choices=[(card.name, card.label) for card in CLASSIFIER_CARDS.values()],
        initial="random_forest",
    )

    text_column = forms.ChoiceField(label="Predict from", required=False)
    char_ngrams = forms.BooleanField(
        label="Also look at parts of words",
        required=False,
        help_text="Text only: catches spelling variants and typos, at some cost in speed.",
    )

    def __init__(self, *args, dataset: Dataset, **kwargs):
        super().__init__(*args, **kwargs)
        profiles = dataset_profiles(dataset)
        # Identifiers, dates, the row label and constant columns are not answers to predict.
        self.fields["target"].choices = [(name, name) for name in target_choices(dataset)]
        self.fields["target"].initial = dataset_default_target(dataset)
        texts = [p.name for p in profiles if p.kind == ColumnKind.TEXT]
        self.fields["text_column"].choices = [("", "the table's other columns")] + [
            (name, f"the text in “{name}”") for name in texts
        ]
        self.fields["text_column"].initial = texts[0] if texts else ""
        self.has_text = bool(texts)
        for card in CLASSIFIER_CARDS.values():
            for knob in card.knobs:
                self.fields[f"{card.name}__{knob.name}"] = knob_field(knob)

    def cards(self):
        """Each classifier's card with its bound knob fields, for the template."""
        return [
            (card, [self[f"{card.name}__{knob.name}"] for knob in card.knobs]) for card in CLASSIFIER_CARDS.values()
        ]

    def params(self) -> dict[str, object]:
        if self.cleaned_data.get("text_column"):
            return {"char_ngrams": self.cleaned_data.get("char_ngrams", False)}
        classifier = self.cleaned_data["classifier"]
        values = {
            knob.name: self.cleaned_data.get(f"{classifier}__{knob.name}")
            for knob in CLASSIFIER_CARDS[classifier].knobs
        }
        return {name: value for name, value in values.items() if value not in (None, "")}

    def settings(self) -> TrainingSettings:
        return TrainingSettings(
            target=self.cleaned_data["target"],
            classifier=self.cleaned_data["classifier"],
            params=self.params(),
            text_column=self.cleaned_data.get("text_column") or "",
        )


class ImageTrainForm(forms.Form):
    """Training on an image ZIP: the kind of model, what it looks at, and the working size."""

    classifier = forms.ChoiceField(
        label="Kind of model", choices=list(IMAGE_CLASSIFIERS.items()), initial="logistic_regression"
    )
    features = forms.ChoiceField(
        label="What the model looks at",
        choices=[(name, text.split(" — ")[0]) for name, text in IMAGE_FEATURES.items()],
        initial=DEFAULT_IMAGE_FEATURES,
    )
    image_size = forms.IntegerField(
        label="Working size (pixels)",
        initial=64,
        min_value=16,
        max_value=128,
        help_text="Every image is shrunk to this square size before the model looks at it.",
    )

    def __init__(self, *args, dataset: Dataset, **kwargs):
        super().__init__(*args, **kwargs)
        self.feature_help = list(IMAGE_FEATURES.values())

    def settings(self) -> TrainingSettings:
        return TrainingSettings(
            classifier=self.cleaned_data["classifier"],
            params={"features": self.cleaned_data["features"], "image_size": self.cleaned_data["image_size"]},
        )
