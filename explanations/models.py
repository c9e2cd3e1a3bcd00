import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from classifiers.models import TrainedModel
from jobs.models import Job

from .disclosure import Disclosure


class Explainer(models.TextChoices):
    LIME = "lime", "LIME feature weights"
    ANCHOR = "anchor", "Anchors if-then rule"
    SHAP = "shap", "KernelSHAP values"
    COUNTERFACTUAL = "counterfactual", "What would change it"


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
    segmenter = models.CharField(max_length=16, default="quickshift", help_text="Images: how to cut regions.")
    segment_params = models.JSONField(default=dict, blank=True, help_text="Images: the segmenter's knobs.")
    top_segments = models.PositiveSmallIntegerField(default=5, help_text="Images: regions to highlight.")
    hide_color = models.CharField(
        max_length=8, default="grey", help_text="Images: what a hidden region is replaced by."
    )
    diagnostics = models.BooleanField(default=True, help_text="Also measure how far to trust it.")
    auto_samples = models.BooleanField(
        default=False, help_text="Raise the number of samples until repeated runs agree."
    )
    threshold = models.FloatField(default=0.95, help_text="Anchors: the precision a rule must reach.")
    max_anchor_size = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Anchors: the most conditions in a rule; empty: no limit."
    )
    band_width = models.FloatField(
        null=True,
        blank=True,
        help_text="Anchors for an amount: the ± half-width of the band the prediction must stay in; "
        "empty: the model's default (a tenth of the spread of the amounts).",
    )
    requested_label = models.IntegerField(
        null=True, blank=True, help_text="The class to explain; empty: the predicted one."
    )
    label = models.IntegerField(null=True, blank=True, help_text="Index of the class explained.")
    instance = models.JSONField(default=dict, help_text="The row's values, as displayed.")
    probabilities = models.JSONField(default=list, help_text="Predicted probability per class.")
    result = models.JSONField(default=dict)
    chart = models.CharField(max_length=300, blank=True, help_text="SVG file under MEDIA_ROOT.")
    explaining_seconds = models.FloatField(null=True, blank=True)
    # What would change it (counterfactuals):
    desired_label = models.IntegerField(
        null=True, blank=True, help_text="The class to reach; empty: the likeliest other class."
    )
    fixed_columns = models.JSONField(default=list, blank=True, help_text="Columns that cannot change.")
    value_ranges = models.JSONField(
        default=dict, blank=True, help_text="Number column -> [lowest, highest] a change may reach (null: the data's)."
    )
    counterfactual_count = models.PositiveSmallIntegerField(default=3, help_text="How many different ways to find.")
    amount_goal = models.CharField(
        max_length=5, blank=True, default="", help_text="A model of amounts: bring it “above” or “below” amount_target."
    )
    amount_target = models.FloatField(null=True, blank=True, help_text="Empty: the prediction ± the model's band.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_explainer_display()} for {self.subject}"

    @property
    def subject(self) -> str:
        if self.row_index is None:
            return "your own values"
        # The one way a page names a row; it reads the file (artifacts, pandas), which a models
        # module, loaded with the app registry, does not import.
        from classifiers.selectors import row_subject

        return row_subject(self.model.dataset, self.row_index)

    @property
    def label_name(self) -> str:
        names = self.model.class_names
        return names[self.label] if self.label is not None and self.label < len(names) else ""


def new_share_token() -> str:
    # 32 bytes from the OS's secure generator: 256 bits, unguessable.
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    """A read-only, revocable link to one explanation, one model's summary or one whole-model report."""

    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    explanation = models.ForeignKey(
        Explanation, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    model = models.ForeignKey(TrainedModel, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links")
    report = models.ForeignKey(
        "ModelReport", null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    is_gallery = models.BooleanField(default=False, help_text="Listed in the public demo gallery.")
    # What the link shows beyond the explanation (explanations.disclosure): off unless the person sharing ticks it.
    show_row_label = models.BooleanField(default=False, help_text="Show which case of the file it is (row 17).")
    show_true_value = models.BooleanField(default=False, help_text="Show the case's true value.")
    show_file_name = models.BooleanField(default=False, help_text="Show the uploaded file's name.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(explanation__isnull=False, model__isnull=True, report__isnull=True)
                | models.Q(explanation__isnull=True, model__isnull=False, report__isnull=True)
                | models.Q(explanation__isnull=True, model__isnull=True, report__isnull=False),
                name="share_link_has_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"Share link to {self.explanation or self.model or self.report}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def disclosure(self) -> Disclosure:
        return Disclosure.of(self)


class ModelOverview(Job):
    """SP-LIME's pick step: a handful of rows whose explanations together cover what the model uses."""

    task_name = "explanations.overview"

    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="overviews")
    budget = models.PositiveSmallIntegerField(default=5, help_text="How many rows to pick.")
    candidates = models.PositiveSmallIntegerField(default=40, help_text="How many rows are explained first.")
    random_state = models.IntegerField(default=0)
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Overview of {self.model}"


class Diagnosis(Job):
    """The trust checks of one explanation, run as a job of their own after it, so the
    explanation shows as soon as it is ready and the checks fill in a moment later."""

    task_name = "explanations.diagnose"

    explanation = models.OneToOneField(Explanation, on_delete=models.CASCADE, related_name="diagnosis")
    result = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Trust checks of {self.explanation}"


class ModelReport(Job):
    """The whole model at a glance (issue 27): global importance, dependence, where it is wrong,
    the fairness check for one sensitive column, the trust verdicts, and the standalone report.

    Cached: a finished report is reused while its key is the same, namely the model (a succeeded
    model is never trained again: a new training is a new row), the sensitive column, the seed and
    ``inputs``, which finished explanations and trust checks it read (explanations.selectors.
    report_inputs). A new explanation of the model, or new checks, make the next request a new report.
    """

    task_name = "explanations.report"

    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="reports")
    sensitive = models.CharField(
        max_length=500, blank=True, help_text="The column whose groups the fairness check compares; empty: none."
    )
    random_state = models.IntegerField(default=0)
    inputs = models.CharField(
        max_length=200, blank=True, help_text="The finished explanations and trust checks it read, as counts and ids."
    )
    result = models.JSONField(default=dict, help_text="The overview's document (limelight.overview).")
    charts = models.JSONField(default=dict, help_text="Chart name -> its name in the storage.")
    report = models.CharField(max_length=300, blank=True, help_text="The standalone HTML report, in the storage.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        about = f" with groups of “{self.sensitive}”" if self.sensitive else ""
        return f"The whole of {self.model}{about}"
