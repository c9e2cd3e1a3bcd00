"""Texts: one free-text column of a table is read as words; one text is one case.

A text model is trained from a table by choosing its text column, so the
*model* carries this kind (the same file may also have table models). What
texts offer; how each step is done is in :mod:`classifiers.handlers.text`.
"""

from __future__ import annotations

from limelight.catalogue import TEXT_CLASSIFIERS, TEXT_REGRESSORS

from .base import DataKind, Handler, KindWords, handlers_in

on = handlers_in("classifiers.handlers.text")

KIND = DataKind(
    name="text",
    label="Text",
    words=KindWords(case="row", cases="texts", variations="versions of the text", parts="words"),
    explainers={"lime": "explanations.runs.lime_text", "anchor": "explanations.runs.anchor_text"},
    result_partials={"lime": "explanations/_lime_text.html", "anchor": "explanations/_anchor.html"},
    classifiers=TEXT_CLASSIFIERS,
    regressors=TEXT_REGRESSORS,
    diagnostics=None,
    custom_values=True,
    what_if_curve=False,
    overview=False,
    pictures=False,
    rule_keeps_words=True,
    instance_shown_with=("anchor",),
    explain_fields=("kernel_width", "threshold", "max_anchor_size"),
    explain_initial={},
    explain_labels={},
    upload_signatures=(),
    upload_name="",
    read_dataset=None,
    train_form="classifiers.forms.TrainForm",
    dataset_template="classifiers/dataset_detail.html",
    dataset_context=None,
    default_target=Handler("classifiers.handlers.tabular.default_target"),
    train_fields=on("train_fields"),
    train=on("train"),
    find_leaks=on("find_leaks"),
    instance=on("instance"),
    batch=on("batch"),
    display=on("display"),
    document_instance=on("document_instance"),
    row_labels=on("row_labels"),
)
