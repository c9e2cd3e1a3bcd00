from django import forms

from limelight.catalogue import (
    CLASSIFIER_CARDS,
    CLASSIFIERS,
    DEFAULT_IMAGE_FEATURES,
    IMAGE_CLASSIFIERS,
    IMAGE_FEATURES,
    REGRESSORS,
    TEXT_CLASSIFIERS,
    TEXT_REGRESSORS,
    Knob,
)
from limelight.tabular.profiling import OVERRIDABLE_KINDS, ColumnKind
from limelight.tabular.reading import TableError
from limelight.tabular.tasks import CLASSIFICATION, REGRESSION, tasks_possible
from limelight.training_settings import TrainingSettings

from .artifacts import dataset_frame
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


# What each task is called on the page; the first words say what the model will do.
TASK_WORDS = {REGRESSION: "an amount", CLASSIFICATION: "a category"}


def _tasks_learnt(categories: dict[str, str], amounts: dict[str, str]) -> dict[str, str]:
    """Per kind of model, the tasks it learns ("classification regression"; "" for none)."""
    return {
        name: " ".join(
            task for task, offered in ((CLASSIFICATION, categories), (REGRESSION, amounts)) if name in offered
        )
        for name in CLASSIFIER_CARDS
    }


# Which tasks each kind of model learns (limelight.catalogue), from a table's columns and from a text:
# the page offers only those of the chosen task.
ESTIMATOR_TASKS = _tasks_learnt(CLASSIFIERS, REGRESSORS)
TEXT_ESTIMATOR_TASKS = _tasks_learnt(TEXT_CLASSIFIERS, TEXT_REGRESSORS)


class TaggedSelect(forms.Select):
    """A select whose options carry ``data-tasks``: the tasks a column allows, or a model learns,
    so the page's script can show the task in words and offer only the models that fit."""

    def __init__(self, *args, tasks: dict[str, str] | None = None, text_tasks: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tasks = tasks or {}
        self.text_tasks = text_tasks or {}  # a model's tasks when it reads a text column

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.tasks:
            option["attrs"]["data-tasks"] = self.tasks[str(value)]
        if str(value) in self.text_tasks:
            option["attrs"]["data-text-tasks"] = self.text_tasks[str(value)]
        return option


def column_tasks(dataset: Dataset, names: list[str]) -> dict[str, str]:
    """Per column offered to predict, the tasks it allows, the default first ("regression classification")."""
    frame = dataset_frame(dataset)
    tasks = {}
    for name in names:
        try:
            tasks[name] = " ".join(tasks_possible(frame, name))
        except TableError:  # not in the file as read: the training request says why
            tasks[name] = CLASSIFICATION
    return tasks


class TrainForm(forms.Form):
    target = forms.ChoiceField(label="Column to predict")
    task = forms.ChoiceField(
        label="Predict it as",
        choices=[(REGRESSION, "an amount (how much)"), (CLASSIFICATION, "a category (which one)")],
        required=False,
        widget=forms.RadioSelect,
        help_text="Both make sense for this column: an amount says how high, a category picks one of its values.",
    )
    classifier = forms.ChoiceField(
        label="Kind of model",
        choices=[(card.name, card.label) for card in CLASSIFIER_CARDS.values()],
        initial="random_forest",
        widget=TaggedSelect(tasks=ESTIMATOR_TASKS, text_tasks=TEXT_ESTIMATOR_TASKS),
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
        names = target_choices(dataset)
        self.fields["target"].choices = [(name, name) for name in names]
        self.fields["target"].initial = dataset_default_target(dataset)
        # The task each column allows, on its option (the script switches the words and models with it).
        self.target_tasks = column_tasks(dataset, names)
        self.fields["target"].widget = TaggedSelect(tasks=self.target_tasks, choices=self.fields["target"].choices)
        initial_tasks = self.target_tasks.get(self.fields["target"].initial, CLASSIFICATION).split()
        self.fields["task"].initial = initial_tasks[0]
        self.task_choosable = len(initial_tasks) > 1  # without the script, the switch shows for this column
        texts = [p.name for p in profiles if p.kind == ColumnKind.TEXT]
        self.fields["text_column"].choices = [("", "the table's other columns")] + [
            (name, f"the text in “{name}”") for name in texts
        ]
        self.fields["text_column"].initial = texts[0] if texts else ""
        self.has_text = bool(texts)
        for card in CLASSIFIER_CARDS.values():
            for knob in card.knobs:
                self.fields[f"{card.name}__{knob.name}"] = knob_field(knob)

    def task_words(self) -> str:
        """What the model will do for the column first offered: "predicting an amount: “body_mass_g”"."""
        target = self.fields["target"].initial or ""
        task = self.fields["task"].initial or CLASSIFICATION
        return f"predicting {TASK_WORDS[task]}: “{target}”" if target else ""

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
            task=self.cleaned_data.get("task") or "",
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
