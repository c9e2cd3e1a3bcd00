import contextlib

from django import forms

from classifiers.artifacts import dataset_frame
from classifiers.models import TrainedModel
from classifiers.selectors import display_value
from limelight.amount_words import amount
from limelight.amounts import unit_of
from limelight.errors import InputError
from limelight.explainers.choices import DISCRETIZERS

from .disclosure import Disclosure, true_value
from .request_settings import BOUNDS, SEGMENT_KNOBS, ranges_from_text

DISCRETIZER_LABELS = {
    "quartile": "Quartiles (4 ranges per number) — the usual choice",
    "decile": "Deciles (10 finer ranges per number)",
    "entropy": "Ranges that best separate the classes",
    "none": "No ranges: weights per standard deviation",
}


BOTH = "both"  # the reasons and the rule for one case, shown side by side (two explanations)


def _knob(field: type[forms.Field], segmenter: str, name: str, label: str) -> forms.Field:
    """One of a segmenter's own settings, with the range the settings object enforces."""
    low, high = SEGMENT_KNOBS[segmenter][name]
    return field(label=label, min_value=low, max_value=high, required=False)


class ExplainForm(forms.Form):
    """Which row (or the user's own values), which explainer, and its settings, with safe defaults."""

    row = forms.IntegerField(min_value=0, label="Row", required=False)
    explainer = forms.ChoiceField(
        label="What kind of answer",
        choices=[
            ("lime", "Why: the reasons, each with a weight (LIME)"),
            ("anchor", "A rule: if-then conditions that are enough (Anchors)"),
            (BOTH, "Both, side by side"),
            ("shap", "Shares of the prediction (KernelSHAP)"),
            ("counterfactual", "What would change it: the smallest changes that give another answer"),
        ],
        initial="lime",
        required=False,
        widget=forms.RadioSelect,
    )
    label = forms.TypedChoiceField(label="Class to explain", coerce=int, required=False, empty_value=None, choices=())
    num_samples = forms.IntegerField(
        label="Similar cases to try",
        initial=5000,
        min_value=BOUNDS["num_samples"][0],
        max_value=BOUNDS["num_samples"][1],
        required=False,
        help_text="More cases give a steadier explanation and take longer.",
    )
    num_features = forms.IntegerField(
        label="Reasons to show",
        initial=10,
        min_value=BOUNDS["num_features"][0],
        max_value=BOUNDS["num_features"][1],
        required=False,
    )
    kernel_width = forms.FloatField(
        label="Neighbourhood width",
        required=False,
        min_value=BOUNDS["kernel_width"][0],
        max_value=BOUNDS["kernel_width"][1],
        help_text="How far from this case the made-up cases still count. Empty: LIME's default.",
    )
    discretizer = forms.ChoiceField(
        label="How numbers are split into ranges",
        choices=[(name, DISCRETIZER_LABELS.get(name, name)) for name in DISCRETIZERS],
        initial="quartile",
        required=False,
    )
    threshold = forms.FloatField(
        label="Rule: how sure it must be",
        initial=0.95,
        min_value=BOUNDS["threshold"][0],
        max_value=BOUNDS["threshold"][1],
        required=False,
        help_text="Anchors only: the share of similar cases the rule must get right (0.80–0.99).",
    )
    band_width = forms.FloatField(
        label="Rule: how close the prediction must stay (±)",
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    max_anchor_size = forms.IntegerField(
        label="Rule: most conditions",
        min_value=BOUNDS["max_anchor_size"][0],
        max_value=BOUNDS["max_anchor_size"][1],
        required=False,
        help_text="Anchors only. Empty: as many as needed.",
    )
    desired_label = forms.TypedChoiceField(
        label="Change it: the answer to reach",
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
        help_text="What would change it only. Empty: the likeliest other answer.",
    )
    fixed_columns = forms.MultipleChoiceField(
        label="Change it: columns that cannot change",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What would change it only: these are never touched (age, sex, things that already happened).",
    )
    value_ranges = forms.CharField(
        label="Change it: keep numbers within",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "age 18 to 65; bmi 18.5 to"}),
        help_text="What would change it only: ranges separated by semicolons, such as “age 18 to 65; bmi 18.5 to” "
        "(an end left out: the values seen in the data). Empty: the values seen in the data.",
    )
    amount_goal = forms.ChoiceField(
        label="Change it: bring the prediction",
        choices=[("above", "above a value"), ("below", "below a value")],
        initial="above",
        required=False,
    )
    amount_target = forms.FloatField(
        label="Change it: the value",
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    counterfactual_count = forms.IntegerField(
        label="Change it: how many different ways",
        initial=3,
        min_value=BOUNDS["counterfactual_count"][0],
        max_value=BOUNDS["counterfactual_count"][1],
        required=False,
    )
    segmenter = forms.ChoiceField(
        label="How the image is cut into regions",
        choices=[
            ("quickshift", "Follows colours and edges (quickshift) — slower"),
            ("slic", "Compact regions of similar size (SLIC) — fast"),
            ("felzenszwalb", "Follows edges, regions of any size (Felzenszwalb) — fast"),
        ],
        initial="quickshift",
        required=False,
    )
    hide_color = forms.ChoiceField(
        label="A hidden region becomes",
        choices=[
            ("grey", "Grey — the default: finds plain, solid objects too"),
            ("mean", "Its own average colour — LIME's classic choice; cannot see plain regions"),
            ("black", "Black"),
            ("blur", "A blurred copy of itself"),
        ],
        initial="grey",
        required=False,
    )
    top_segments = forms.IntegerField(
        label="Regions to highlight",
        initial=5,
        min_value=BOUNDS["top_segments"][0],
        max_value=BOUNDS["top_segments"][1],
        required=False,
    )
    kernel_size = _knob(forms.FloatField, "quickshift", "kernel_size", "Colours and edges (quickshift): smoothing")
    max_dist = _knob(forms.FloatField, "quickshift", "max_dist", "Colours and edges (quickshift): region size")
    n_segments = _knob(forms.IntegerField, "slic", "n_segments", "Compact regions (SLIC): about how many")
    compactness = _knob(forms.FloatField, "slic", "compactness", "Compact regions (SLIC): how compact")
    scale = _knob(forms.FloatField, "felzenszwalb", "scale", "Edges, any size (Felzenszwalb): scale")
    min_size = _knob(forms.IntegerField, "felzenszwalb", "min_size", "Edges, any size (Felzenszwalb): smallest region")
    auto_samples = forms.BooleanField(
        label="Choose the number of similar cases for me",
        required=False,
        help_text="Tables: more cases until five repeated runs agree on the top five reasons (slower).",
    )
    skip_diagnostics = forms.BooleanField(
        label="Skip the trust checks",
        required=False,
        help_text="Faster, but the page will not say how stable or faithful the explanation is.",
    )
    random_state = forms.IntegerField(
        label="Random seed",
        initial=0,
        min_value=BOUNDS["random_state"][0],
        max_value=BOUNDS["random_state"][1],
        required=False,
        help_text="The same seed gives the same explanation.",
    )

    # Settings that only some kinds of data (or explainers) have; each kind lists its own.
    OPTIONAL = (
        "kernel_width", "discretizer", "threshold", "max_anchor_size", "auto_samples",
        "desired_label", "fixed_columns", "value_ranges", "counterfactual_count", "amount_goal", "amount_target",
        "segmenter", "hide_color", "top_segments", *(n for knobs in SEGMENT_KNOBS.values() for n in knobs),
    )  # fmt: skip

    def __init__(self, *args, model: TrainedModel, **kwargs):
        super().__init__(*args, **kwargs)
        kind = model.data_kind
        self.fields["label"].choices = [("", "The predicted class"), *enumerate(model.class_names)]
        self.only_explainer = next(iter(kind.explainers)) if len(kind.explainers) == 1 else None
        if self.only_explainer:
            del self.fields["explainer"]
        else:
            offered = [c for c in self.fields["explainer"].choices if c[0] == BOTH or kind.offers(c[0])]
            if not (kind.offers("lime") and kind.offers("anchor")):
                offered = [c for c in offered if c[0] != BOTH]
            self.fields["explainer"].choices = offered
        for name in self.OPTIONAL:
            if name not in kind.explain_fields:
                del self.fields[name]
        if not kind.diagnosed:
            del self.fields["skip_diagnostics"]
        self._counterfactual_fields(model)
        self._band_field(model)
        for name, value in kind.explain_initial.items():
            self.fields[name].initial = value
        for name, words in kind.explain_labels.items():
            self.fields[name].label = words

    def _band_field(self, model: TrainedModel) -> None:
        """Anchors for an amount: the band its rule keeps the prediction in, with the default in the target's unit."""
        if model.predicts_amount:  # one amount, no classes to choose from, nor ranges that separate them
            del self.fields["label"]
            if "discretizer" in self.fields:
                self.fields["discretizer"].choices = [
                    choice for choice in self.fields["discretizer"].choices if choice[0] != "entropy"
                ]
        if not model.predicts_amount or not model.data_kind.offers("anchor"):
            del self.fields["band_width"]
            return
        unit = unit_of(model.target)
        default = model.metrics.get("default_band")
        usual = f"± {amount(default, unit)}, " if default else ""
        self.fields["band_width"].help_text = (
            f"Anchors only: the rule must keep the prediction within this much of it{f', in {unit}' if unit else ''}. "
            f"Empty: {usual}a tenth of the spread of “{model.target}” (from its 5th to its 95th percentile)."
        )

    def _counterfactual_fields(self, model: TrainedModel) -> None:
        """What would change it: a class to reach, or for a model of amounts a value to go above or below."""
        if model.predicts_amount:
            self.fields.pop("desired_label", None)
            if "amount_target" in self.fields:
                unit = unit_of(model.target)
                self.fields["amount_target"].help_text = (
                    f"What would change it only{f', in {unit}' if unit else ''}. Empty: the prediction plus "
                    "(or minus) a tenth of the spread of the amounts."
                )
        else:
            self.fields.pop("amount_goal", None)
            self.fields.pop("amount_target", None)
        if "desired_label" in self.fields:
            self.fields["desired_label"].choices = [("", "The likeliest other answer"), *enumerate(model.class_names)]
        if "fixed_columns" in self.fields:
            self.fields["fixed_columns"].choices = [(name, name) for name in model.features]

    def clean_value_ranges(self) -> dict:
        try:
            return ranges_from_text(self.cleaned_data.get("value_ranges", ""))
        except InputError as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self):
        data = super().clean()
        for name in ("explainer", "num_samples", "num_features", "random_state", "discretizer", "threshold",
                     "segmenter", "top_segments", "hide_color"):  # fmt: skip
            if name in self.fields and data.get(name) in (None, ""):
                data[name] = self.fields[name].initial
        return data

    @property
    def wants_both(self) -> bool:
        """The person asked for the reasons and the rule side by side."""
        return self.cleaned_data.get("explainer") == BOTH

    def options(self) -> dict:
        """Keyword arguments for explanation_request."""
        data = self.cleaned_data
        options = {
            "diagnostics": not data.get("skip_diagnostics", False),
            "auto_samples": bool(data.get("auto_samples", False)),
            "requested_label": data.get("label"),
            "num_samples": data["num_samples"],
            "num_features": data["num_features"],
            "random_state": data["random_state"],
        }
        if self.only_explainer:
            options["explainer"] = self.only_explainer
        for name in ("explainer", "threshold", "max_anchor_size", "kernel_width", "discretizer", "segmenter",
                     "top_segments", "hide_color", "band_width"):  # fmt: skip
            if name in self.fields:
                options[name] = data[name]
        if "counterfactual_count" in self.fields:
            options |= {
                "desired_label": data.get("desired_label"),
                "fixed_columns": tuple(data.get("fixed_columns") or ()),
                "value_ranges": data.get("value_ranges") or {},
                "counterfactual_count": data.get("counterfactual_count") or self.fields["counterfactual_count"].initial,
            }
        if "amount_goal" in self.fields:
            options |= {"amount_goal": data.get("amount_goal") or "above", "amount_target": data.get("amount_target")}
        if options.get("explainer") == BOTH:  # the reasons first; the view asks for the rule beside them
            options["explainer"] = "lime"
        if "segmenter" in self.fields:
            knobs = SEGMENT_KNOBS[data["segmenter"]]
            options["segment_params"] = {name: data[name] for name in knobs if data.get(name) is not None}
        return options


class CustomValuesForm(forms.Form):
    """A form generated from the model's columns, so a person can ask "what if…?"."""

    def __init__(self, *args, model: TrainedModel, start: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        frame = dataset_frame(model.dataset)
        self.model = model
        for index, name in enumerate(model.features):
            initial = (start or {}).get(name)
            reads_words = name == model.text_column  # a free-text column, read word by word
            if reads_words:
                field = forms.CharField(
                    label=name, initial=initial, max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
                )
            elif name in model.numeric:
                field = forms.FloatField(
                    label=name, required=False, initial=None if initial is None else display_value(initial)
                )
                field.widget.attrs["step"] = "any"
            else:
                values = sorted({display_value(v) for v in frame[name].dropna().unique()[:500]})
                field = forms.ChoiceField(
                    label=name,
                    required=False,
                    initial=None if initial is None else display_value(initial),
                    choices=[("", "(missing)")] + [(v, v) for v in values],
                )
            if not reads_words:
                field.help_text = "Leave empty for a missing value."
            self.fields[f"value_{index}"] = field

    def values(self) -> dict[str, object]:
        result = {}
        for index, name in enumerate(self.model.features):
            value = self.cleaned_data.get(f"value_{index}")
            result[name] = None if value in ("", None) else value
        return result


# How long a new share link works unless the person sharing picks another time (the form, and `explain --share`).
SHARE_DAYS = 30


class ShareForm(forms.Form):
    """A share link's options: how long it works, and what it shows beyond the explanation.

    Each checkbox is off by default and its label says exactly what ticking it adds
    ("Which row it is: row 17"), so the form itself previews what the link will show.
    """

    # A link starts with an end date, so one forgotten in an old e-mail stops on its own;
    # "until I stop it" stays a choice, made on purpose.
    days = forms.TypedChoiceField(
        label="Link works for",
        choices=[("1", "1 day"), ("7", "7 days"), ("30", "30 days"), ("", "until I stop it")],
        initial=str(SHARE_DAYS),
        help_text=f"The link stops working after {SHARE_DAYS} days; you can stop it sooner.",
        coerce=int,
        empty_value=None,
        required=False,
    )
    show_row_label = forms.BooleanField(required=False)
    show_true_value = forms.BooleanField(required=False)
    show_file_name = forms.BooleanField(required=False)

    def __init__(self, *args, explanation=None, model: TrainedModel | None = None, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        model = model or (report.model if report is not None else explanation.model)
        self.fields["show_file_name"].label = f"The file's name: {model.dataset.name}"
        if report is not None and report.result.get("explanations"):  # the explanations it lists
            words = model.data_kind.words
            self.fields["show_row_label"].label = f"Which {words.case} each explanation in it is about"
            self.fields["show_true_value"].label = f"Each {words.case}'s true “{model.target}”"
            return
        if explanation is None or explanation.row_index is None:  # a model, or values typed in: no row
            del self.fields["show_row_label"], self.fields["show_true_value"]
            return
        self.fields["show_row_label"].label = f"Which {model.data_kind.words.case} it is: {explanation.subject}"
        truth = true_value(explanation)
        if truth is not None and model.predicts_amount:  # in the target's unit, as the page says it
            with contextlib.suppress(TypeError, ValueError):  # "(missing)" stays as it is
                truth = amount(float(truth), unit_of(model.target))
        self.fields["show_true_value"].label = f"Its true “{model.target}”: {'' if truth is None else truth}"

    def disclosure(self) -> Disclosure:
        data = self.cleaned_data
        return Disclosure(
            row_label=bool(data.get("show_row_label")),
            true_value=bool(data.get("show_true_value")),
            file_name=bool(data.get("show_file_name")),
        )

    def disclosure_fields(self) -> list:
        return [self[name] for name in ("show_row_label", "show_true_value", "show_file_name") if name in self.fields]


class ReportForm(forms.Form):
    """The whole-model report's one choice: a column whose groups the fairness check compares."""

    sensitive = forms.ChoiceField(
        label="Compare groups of",
        required=False,
        help_text=(
            "For example sex or age group: per group, how often the model predicts each class "
            "and how often it is right."
        ),
    )

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sensitive"].choices = [("", "no column (no fairness check)"), *((name, name) for name in columns)]
