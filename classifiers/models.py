import uuid

from django.conf import settings
from django.db import models

from jobs.models import Job
from limelight.catalogue import ESTIMATORS, settings_in_words
from limelight.holdout import HoldoutReport, holdout_report
from limelight.leaks import leak_sentence

from .kinds import DataKind, choices, kind_of


def dataset_upload_path(instance: "Dataset", filename: str) -> str:
    # The user's file name is never part of a path on disk; only our own extension is kept.
    extension = next((ext for ext in (".zip", ".xlsx", ".ods") if filename.endswith(ext)), ".csv")
    return f"datasets/{uuid.uuid4().hex}{extension}"


# One vocabulary for kinds of data, built from the registry (classifiers.kinds).
Kind = models.TextChoices("Kind", [(name.upper(), (name, label)) for name, label in choices()])  # type: ignore[misc]


class Dataset(Job):
    """An uploaded table. Small files are profiled at upload; large ones by a worker."""

    task_name = "classifiers.profile_dataset"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=200, help_text="The uploaded file's name, for display only.")
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default="tabular", help_text="The file's shape: a table or images."
    )
    file = models.FileField(upload_to=dataset_upload_path)
    size_bytes = models.PositiveBigIntegerField(default=0)
    n_rows = models.PositiveIntegerField(default=0)
    n_columns = models.PositiveIntegerField(default=0)
    columns = models.JSONField(default=list, help_text="One profile per column, in file order.")
    role_overrides = models.JSONField(default=dict, help_text="Column name -> kind chosen by the user.")
    row_label = models.CharField(
        max_length=500, blank=True, help_text="Tables: the column that names the rows (never a feature); '' for none."
    )
    sheet = models.CharField(max_length=200, blank=True, help_text="Workbooks: the sheet read ('' for the first).")
    sheets = models.JSONField(default=list, help_text="Workbooks: every sheet's name, in the workbook's order.")
    is_demo = models.BooleanField(default=False)
    images = models.JSONField(default=list, help_text="Images: one {label, name} per image, in sorted name order.")
    skipped = models.JSONField(default=list, help_text="Images: files left out of the ZIP, and why.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def data_kind(self) -> DataKind:
        return kind_of(self)


# Built from the catalogue so the names live in one place (classifiers and amount models).
Classifier = models.TextChoices(  # type: ignore[misc]
    "Classifier", [(name, (name, label)) for name, label in ESTIMATORS.items()]
)


class Task(models.TextChoices):
    CLASSIFICATION = "classification", "a category"
    REGRESSION = "regression", "an amount"


class TrainedModel(Job):
    task_name = "classifiers.train_model"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="models")
    classifier = models.CharField(max_length=32, choices=Classifier.choices)
    kind = models.CharField(
        max_length=16,
        choices=Kind.choices,
        default="tabular",
        help_text="What the model reads: set at training from the dataset's kind, or text for a text column.",
    )
    target = models.CharField(max_length=500)
    task = models.CharField(
        max_length=16,
        choices=Task.choices,
        default=Task.CLASSIFICATION,
        help_text="What the model predicts: a category (classification) or an amount (regression).",
    )
    text_column = models.CharField(
        max_length=500, blank=True, help_text="Set for a text model: the free-text column it reads."
    )
    features = models.JSONField(default=list)
    left_out = models.JSONField(default=list, blank=True, help_text="Columns the person chose to leave out.")
    numeric = models.JSONField(default=list)
    categorical = models.JSONField(default=list)
    random_state = models.IntegerField(default=0)
    params = models.JSONField(default=dict, help_text="The classifier's knobs.")
    notes = models.JSONField(default=list, help_text="Warnings for the user, such as rare classes.")
    artifact = models.CharField(max_length=300, blank=True, help_text="Folder under MEDIA_ROOT.")
    class_names = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    # Apart from the metrics: not a score of the model but a question about its data, kept whole
    # (feature, kind, alone_score, alone_accuracy, n_test, why) so every page and the CLI say the same.
    leaks = models.JSONField(
        default=list, blank=True, help_text="Features that alone predict the target almost perfectly (limelight.leaks)."
    )
    training_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_classifier_display()} predicting {self.target}"

    @property
    def data_kind(self) -> DataKind:
        return kind_of(self)

    @property
    def settings_words(self) -> list[str]:
        """The classifier's knobs in words ("Maximum depth: no limit")."""
        return settings_in_words(self.classifier, self.params)

    @property
    def predicts_amount(self) -> bool:
        return self.task == Task.REGRESSION

    @property
    def holdout(self) -> HoldoutReport | None:
        """What the hold-out scores mean: the baseline, the interval, weak classes (None until trained,
        and for an amount, whose scores are an error in its own unit: see ``warnings``)."""
        if not self.succeeded or self.predicts_amount:
            return None
        return holdout_report(self.metrics, self.class_names, cases=self.data_kind.words.cases)

    @property
    def warnings(self) -> list[str]:
        """Every warning for the person, as plain sentences: the data's (``notes``, written when
        training was asked for) then the hold-out's (worked out from the stored metrics, so models
        trained earlier get them too and no second copy can disagree with the numbers)."""
        if self.predicts_amount:  # an amount's scores speak for themselves (limelight.amount_words)
            return [*self.notes, *self.leak_warnings]
        return [*self.notes, *self.leak_warnings, *(self.holdout.warnings if self.holdout else [])]

    @property
    def leak_warnings(self) -> list[str]:
        """One sentence per leak: the feature, how much it alone gets right, and what to ask about it."""
        cases = self.data_kind.words.cases
        return [leak_sentence(leak, target=self.target, cases=cases) for leak in self.leaks]

    @property
    def leaky_features(self) -> tuple[str, ...]:
        """The names of the columns or words that alone give the target away (not image regions)."""
        return tuple(leak["feature"] for leak in self.leaks if leak["kind"] != "region")
