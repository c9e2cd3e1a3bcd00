from django.db import models

from classifiers.models import TrainedModel
from jobs.models import Job


class Explainer(models.TextChoices):
    LIME = "lime", "LIME feature weights"


class Explanation(Job):
    task_name = "explanations.explain"

    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="explanations")
    row_index = models.PositiveIntegerField(null=True, blank=True, help_text="0-based, in file order.")
    custom_values = models.JSONField(
        null=True, blank=True, help_text="Values the user typed in, when not explaining a row of the file."
    )
    explainer = models.CharField(max_length=16, choices=Explainer.choices, default=Explainer.LIME)
    num_samples = models.PositiveIntegerField(default=5000)
    num_features = models.PositiveSmallIntegerField(default=10)
    random_state = models.IntegerField(default=0)
    kernel_width = models.FloatField(null=True, blank=True, help_text="Empty: LIME's default.")
    discretizer = models.CharField(max_length=16, default="quartile")
    requested_label = models.IntegerField(
        null=True, blank=True, help_text="The class to explain; empty: the predicted one."
    )
    label = models.IntegerField(null=True, blank=True, help_text="Index of the class explained.")
    instance = models.JSONField(default=dict, help_text="The row's values, as displayed.")
    probabilities = models.JSONField(default=list, help_text="Predicted probability per class.")
    result = models.JSONField(default=dict)
    chart = models.CharField(max_length=300, blank=True, help_text="SVG file under MEDIA_ROOT.")
    explaining_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_explainer_display()} for {self.subject}"

    @property
    def subject(self) -> str:
        return "your own values" if self.row_index is None else f"row {self.row_index}"

    @property
    def label_name(self) -> str:
        names = self.model.class_names
        return names[self.label] if self.label is not None and self.label < len(names) else ""
