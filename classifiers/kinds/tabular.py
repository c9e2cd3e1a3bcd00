"""Tables: one row of named columns (numbers and categories) is one case.

What tables offer; how each step is done is in :mod:`classifiers.handlers.tabular`."""

from __future__ import annotations

from limelight.catalogue import CLASSIFIERS, REGRESSORS

from .base import DataKind, KindWords, handlers_in

on = handlers_in("classifiers.handlers.tabular")

KIND = DataKind(
    name="tabular",
    label="Tables",
    words=KindWords(case="row", cases="rows", variations="rows and made-up variations", parts="reasons"),
    explainers={
        "lime": "explanations.runs.lime_table",
        "anchor": "explanations.runs.anchor_table",
        "shap": "explanations.runs.shap_table",
        "counterfactual": "explanations.counterfactual_runs.counterfactual_table",
    },
    result_partials={
        "lime": "explanations/_lime_tabular.html",
        "anchor": "explanations/_anchor.html",
        "shap": "explanations/_shap_tabular.html",
        "counterfactual": "explanations/_counterfactual_tabular.html",
    },
    classifiers=CLASSIFIERS,
    regressors=REGRESSORS,
    diagnostics="explanations.runs.diagnose_table",
    custom_values=True,
    what_if_curve=True,
    overview=True,
    pictures=False,
    rule_keeps_words=False,
    instance_shown_with=("lime", "anchor", "shap"),
    explain_fields=(
        "kernel_width", "discretizer", "threshold", "max_anchor_size", "auto_samples",
        "desired_label", "fixed_columns", "value_ranges", "counterfactual_count", "amount_goal", "amount_target",
    ),  # fmt: skip
    explain_initial={},
    explain_labels={},
    upload_signatures=(),
    upload_name="upload.csv",
    read_dataset=on("read_dataset"),
    train_form="classifiers.forms.TrainForm",
    dataset_template="classifiers/dataset_detail.html",
    dataset_context=on("dataset_context"),
    default_target=on("default_target"),
    train_fields=on("train_fields"),
    train=on("train"),
    find_leaks=on("find_leaks"),
    instance=on("instance"),
    batch=on("batch"),
    display=on("display"),
    document_instance=on("document_instance"),
    row_labels=on("row_labels"),
)
