from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from classifiers.artifacts import dataset_frame
from classifiers.selectors import dataset_image_path, display_value, model_for_user, row_subject
from jobs.views import job_status_response
from limelight.amount_words import amount
from limelight.amounts import unit_of
from limelight.params import whole_number

from . import exports, presenters, report_presenter, selectors, services
from .capabilities import capabilities_of, what_if_feature
from .disclosure import Disclosure, left_out_columns
from .forms import CustomValuesForm, ExplainForm, ReportForm, ShareForm
from .models import Explainer
from .reports import explanation_document


@login_required
@require_POST
def explanation_request(request: HttpRequest, model_pk: int) -> HttpResponse:
    model = model_for_user(request.user, model_pk)
    form = ExplainForm(request.POST, model=model)
    if not form.is_valid() or form.cleaned_data["row"] is None:
        messages.error(request, _form_errors(form) or "Choose a row to explain.")
        return redirect("classifiers:model", pk=model.pk)
    try:
        explanation = services.explanation_request(model=model, row_index=form.cleaned_data["row"], **form.options())
    except services.RequestError as error:
        messages.error(request, str(error))
        return redirect("classifiers:model", pk=model.pk)
    if form.wants_both:
        return _side_by_side(request, explanation, explainer=Explainer.ANCHOR)
    return redirect("explanations:detail", pk=explanation.pk)


def _form_errors(form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {error}".lstrip(": ")
        for name, errors in form.errors.items()
        for error in errors
    )


@login_required
def explanation_what_if(request: HttpRequest, model_pk: int) -> HttpResponse:
    """A form with one field per column: explain values the person types in."""
    model = model_for_user(request.user, model_pk)
    if not model.succeeded:
        raise Http404("This model is not ready.")
    start = None
    row = whole_number(request.GET.get("from")) if request.method == "GET" else None
    if row is not None:
        frame = dataset_frame(model.dataset)
        if row < len(frame):
            start = {name: frame.iloc[row][name] for name in model.features}
            start = {name: (None if value != value else value) for name, value in start.items()}  # NaN
    start = _counterfactual_start(request, model) or start
    values_form = CustomValuesForm(request.POST or None, model=model, start=start)
    explain_form = ExplainForm(request.POST or None, model=model)
    if request.method == "POST" and values_form.is_valid() and explain_form.is_valid():
        try:
            explanation = services.explanation_request(
                model=model, custom_values=values_form.values(), **explain_form.options()
            )
        except services.RequestError as error:
            values_form.add_error(None, str(error))
        else:
            if explain_form.wants_both:
                return _side_by_side(request, explanation, explainer=Explainer.ANCHOR)
            return redirect("explanations:detail", pk=explanation.pk)
    context = {"model": model, "values_form": values_form, "explain_form": explain_form}
    return render(request, "explanations/what_if.html", context, status=400 if values_form.errors else 200)


def _counterfactual_start(request: HttpRequest, model) -> dict | None:
    """One way of a “what would change it” result (``?explanation=7&counterfactual=1``), to try in “what if”."""
    pk, index = (whole_number(request.GET.get(name)) for name in ("explanation", "counterfactual"))
    if request.method != "GET" or pk is None or index is None:
        return None
    explanation = selectors.explanation_for_user(request.user, pk)
    ways = (explanation.result or {}).get("counterfactuals", [])
    if explanation.model_id != model.pk or index >= len(ways):
        raise Http404("That way is not one of this model's results.")
    return dict(ways[index]["values"])


@login_required
def explanation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)
    context = {"explanation": explanation, "job": explanation, "model": explanation.model}
    if explanation.succeeded:
        context.update(
            view=presenters.present(explanation),
            share_links=explanation.share_links.all(),
            share_form=ShareForm(explanation=explanation),
            left_out=left_out_columns(explanation.model),
            other_models=selectors.other_models_for(explanation),
            **owner_urls(explanation),
        )
    return render(request, "explanations/detail.html", context)


@login_required
def explanation_present(request: HttpRequest, pk: int) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)
    if not explanation.succeeded:
        return redirect("explanations:detail", pk=pk)
    context = {
        "explanation": explanation,
        "model": explanation.model,
        "view": presenters.present(explanation),
        "back_url": reverse("explanations:detail", args=[pk]),
        **owner_urls(explanation),
    }
    return render(request, "explanations/present.html", context)


@login_required
def explanation_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)

    def picture_url(name: str) -> str:
        return request.build_absolute_uri(reverse("explanations:picture", args=[explanation.pk, name]))

    return exports_response(explanation, fmt, stem=f"limelight-explanation-{explanation.pk}", picture_url=picture_url)


def exports_response(
    explanation,
    fmt: str,
    *,
    stem: str,
    picture_url: Callable[[str], str],
    disclosure: Disclosure | None = None,
) -> HttpResponse:
    """The chart as PNG or SVG, or the numbers as CSV or JSON, as a download.

    Pictures are named by ``picture_url``, never by a path on the server; a share link passes
    its ``disclosure`` (explanations.disclosure) so the JSON holds only what the link shows.
    """
    if not explanation.succeeded:
        raise Http404("Not finished.")
    if fmt not in capabilities_of(explanation).exports:
        raise Http404("Unknown format.")
    if fmt == "csv":
        response = HttpResponse(exports.numbers_csv(explanation), content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        document = explanation_document(explanation, disclosure=disclosure, picture_url=picture_url)
        response = JsonResponse(document, json_dumps_params={"indent": 2})
    elif fmt in ("svg", "png"):
        response = HttpResponse(
            presenters.chart_bytes(explanation, fmt),
            content_type="image/svg+xml" if fmt == "svg" else "image/png",
        )
    else:
        raise Http404("Unknown format.")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@login_required
@require_POST
def explanation_share(request: HttpRequest, pk: int) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)
    _share(request, ShareForm(request.POST, explanation=explanation), explanation=explanation)
    return redirect("explanations:detail", pk=pk)


@login_required
@require_POST
def model_share(request: HttpRequest, model_pk: int) -> HttpResponse:
    model = model_for_user(request.user, model_pk)
    _share(request, ShareForm(request.POST, model=model), model=model)
    return redirect("classifiers:model", pk=model.pk)


def _share(request: HttpRequest, form: ShareForm, **target) -> None:
    """Create the link the form asks for; the page lists it (with its expiry and a button to stop it)."""
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return
    try:
        services.share_link_create(
            user=request.user, expires_in_days=form.cleaned_data["days"], disclosure=form.disclosure(), **target
        )
    except services.RequestError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Share link created: copy it from the Share box below.")


@login_required
@require_POST
def share_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly the page a share link with these options would show, before it exists.

    A POST (the share form's second button) so the form's token never lands in an address; it changes nothing.
    """
    explanation = selectors.explanation_for_user(request.user, pk)
    form = ShareForm(request.POST, explanation=explanation)
    if not explanation.succeeded or not form.is_valid():
        messages.error(request, _form_errors(form) or "Only a finished result can be shared.")
        return redirect("explanations:detail", pk=pk)
    disclosure = form.disclosure()
    context = {
        "preview": True,
        "share_form": form,
        "disclosure": disclosure,
        "explanation": explanation,
        "model": explanation.model,
        "view": presenters.present(explanation, disclosure),
        **owner_urls(explanation),
        "diagnosis_status_url": "",
    }
    return render(request, "shared/explanation.html", context)


@login_required
@require_POST
def share_revoke(request: HttpRequest, link_pk: int) -> HttpResponse:
    link = selectors.share_link_for_user(request.user, link_pk)
    services.share_link_revoke(link=link)
    messages.success(request, "The link has stopped working.")
    if link.explanation_id:
        return redirect("explanations:detail", pk=link.explanation_id)
    if link.report_id:
        return redirect("explanations:report", pk=link.report_id)
    return redirect("classifiers:model", pk=link.model_id)


@login_required
@require_POST
def compare_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Explain the same case with another model of the same table, then show both."""
    explanation = selectors.explanation_for_user(request.user, pk)
    other = selectors.other_model_for(explanation, whole_number(request.POST.get("model")))
    if other is None:
        raise Http404("No such model.")
    return _side_by_side(request, explanation, model=other)


@login_required
@require_POST
def pair_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Another kind of explanation (LIME, Anchors or KernelSHAP) for the same case, side by side."""
    explanation = selectors.explanation_for_user(request.user, pk)
    other = request.POST.get("explainer") or (
        Explainer.ANCHOR if explanation.explainer == Explainer.LIME else Explainer.LIME
    )
    if other == explanation.explainer or other not in Explainer.values:
        raise Http404("Choose another kind of explanation.")
    return _side_by_side(request, explanation, explainer=other)


@login_required
@require_POST
def why_not_request(request: HttpRequest, pk: int) -> HttpResponse:
    """A wrong prediction: explain the same case again for the class the file gives it."""
    explanation = selectors.explanation_for_user(request.user, pk)
    try:
        again = services.explanation_request_true_class(explanation=explanation)
    except services.RequestError as error:
        messages.error(request, str(error))
        return redirect("explanations:detail", pk=explanation.pk)
    return redirect("explanations:detail", pk=again.pk)


def _side_by_side(request: HttpRequest, explanation, **change) -> HttpResponse:
    try:
        second = services.explanation_request_same_case(explanation=explanation, **change)
    except services.RequestError as error:
        messages.error(request, str(error))
        return redirect("explanations:detail", pk=explanation.pk)
    return redirect("explanations:compare", first=explanation.pk, second=second.pk)


@login_required
def compare(request: HttpRequest, first: int, second: int) -> HttpResponse:
    explanations = [selectors.explanation_for_user(request.user, pk) for pk in (first, second)]
    sides = [
        {
            "explanation": e,
            "model": e.model,
            "view": presenters.present(e) if e.succeeded else None,
            "status_url": reverse("explanations:status", args=[e.pk]),
            **owner_urls(e),
        }
        for e in explanations
    ]
    same_model = explanations[0].model_id == explanations[1].model_id  # two explainers, else two models
    context = {"sides": sides, "first": explanations[0], "same_model": same_model}
    return render(request, "explanations/compare.html", context)


@login_required
def explanation_status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.explanation_for_user(request.user, pk))


def owner_urls(explanation) -> dict[str, str]:
    """Where the owner's pages load an explanation's pictures from."""
    return {
        "chart_url": reverse("explanations:chart", args=[explanation.pk]),
        "overlay_url": reverse("explanations:picture", args=[explanation.pk, "overlay"]),
        "original_url": reverse("explanations:picture", args=[explanation.pk, "original"]),
        "picture_urls": {name: reverse("explanations:picture", args=[explanation.pk, name]) for name in IMAGE_PICTURES},
        "diagnostic_urls": {
            name: reverse("explanations:diagnostic", args=[explanation.pk, name]) for name in DIAGNOSTIC_CHARTS
        },
        "diagnosis_status_url": reverse("explanations:diagnosis_status", args=[explanation.pk]),
        "why_not_url": reverse("explanations:why_not", args=[explanation.pk]),
        # A way of a “what would change it” result opens in “what if” with its values filled in.
        "what_if_url": f"{reverse('explanations:what_if', args=[explanation.model_id])}?explanation={explanation.pk}",
    }


DIAGNOSTIC_CHARTS = ("stability", "kernel", "curves")
IMAGE_PICTURES = ("boundaries", "positive", "heatmap")


def diagnostic_response(explanation, name: str) -> HttpResponse:
    diagnosis = selectors.diagnosis_of(explanation)
    found = diagnosis.result if diagnosis and diagnosis.succeeded else {}
    path = presenters.media_path(found.get(f"{name}_chart", "")) if name in DIAGNOSTIC_CHARTS else None
    if path is None:
        raise Http404("No chart.")
    return FileResponse(path.open("rb"), content_type="image/svg+xml")


@login_required
def diagnosis_status(request: HttpRequest, pk: int) -> HttpResponse:
    diagnosis = selectors.diagnosis_of(selectors.explanation_for_user(request.user, pk))
    if diagnosis is None:
        raise Http404("No trust checks for this explanation.")
    return job_status_response(diagnosis)


@login_required
def explanation_diagnostic(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return diagnostic_response(selectors.explanation_for_user(request.user, pk), name)


def picture_response(explanation, which: str) -> HttpResponse:
    """An image explanation's picture: the image itself, or the overlay of its regions."""
    model = explanation.model
    if not model.data_kind.pictures or not explanation.succeeded:
        raise Http404("No picture.")
    if which == "original":
        path = dataset_image_path(model.dataset, explanation.row_index)
    else:
        path = presenters.media_path(explanation.result.get("pictures", {}).get(which, ""))
    if path is None:
        raise Http404("No picture.")
    return FileResponse(path.open("rb"), content_type="image/png")


@login_required
def explanation_picture(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    return picture_response(selectors.explanation_for_user(request.user, pk), which)


@login_required
def explanation_chart(request: HttpRequest, pk: int) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)
    path = presenters.chart_path(explanation)
    if path is None:
        raise Http404("No chart yet.")
    return FileResponse(path.open("rb"), content_type="image/svg+xml")


@login_required
@require_POST
def overview_request(request: HttpRequest, model_pk: int) -> HttpResponse:
    model = model_for_user(request.user, model_pk)
    try:
        overview = services.overview_request(model=model)
    except services.RequestError as error:
        messages.error(request, str(error))
        return redirect("classifiers:model", pk=model.pk)
    return redirect("explanations:overview", pk=overview.pk)


@login_required
def overview_detail(request: HttpRequest, pk: int) -> HttpResponse:
    overview = selectors.overview_for_user(request.user, pk)
    picks = (overview.result or {}).get("picks", []) if overview.succeeded else []
    picks = [{**pick, "name": row_subject(overview.model.dataset, pick["row"])} for pick in picks]
    context = {"overview": overview, "job": overview, "model": overview.model, "picks": picks}
    return render(request, "explanations/overview.html", context)


@login_required
def overview_status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.overview_for_user(request.user, pk))


@login_required
def what_if_curve(request: HttpRequest, pk: int) -> HttpResponse:
    """One feature varied for this case: the predicted probability as a line, the current value marked."""
    explanation = selectors.explanation_for_user(request.user, pk)
    model = explanation.model
    if not explanation.succeeded or not capabilities_of(explanation).what_if:
        raise Http404("Only for explanations of table rows.")
    feature = what_if_feature(explanation, request.GET.get("feature"))
    others = selectors.other_models_for(explanation)
    other = selectors.other_model_for(explanation, whole_number(request.GET.get("other")))
    if feature not in model.features:
        raise Http404("No such column.")
    _, curves = _what_if(explanation, feature=feature, other=other)
    query = request.GET.copy()
    query["feature"] = feature
    context = {
        "explanation": explanation,
        "model": model,
        "feature": feature,
        "other": other,
        "others": others,
        "curves": curves,
        "curve_rows": _curve_rows(curves, model=model),
        "chart_url": reverse("explanations:what_if_chart", args=[pk]) + "?" + query.urlencode(),
    }
    return render(request, "explanations/what_if_curve.html", context)


def _what_if(explanation, *, feature: str, other) -> tuple[bytes, dict]:
    """The what-if chart (SVG) and its numbers for this case, drawn on demand."""
    # Imported here: the curves need the model and the engine (scikit-learn, SciPy, matplotlib),
    # which a web process loads only when someone asks for this page, never at start.
    from . import trust

    return trust.what_if(
        model=explanation.model, row=services.explanation_instance(explanation), feature=feature,
        label=explanation.label, other=other,
    )  # fmt: skip


def _curve_rows(curves: dict, *, model) -> list[list[str]]:
    """One row per value: the value, then each model's probability (an amount model: its predicted amount,
    in the target's unit), the case's own value marked."""
    first = next(iter(curves.values()))
    unit = unit_of(model.target) if model.predicts_amount else None

    def shown(output: float) -> str:
        return f"{100 * output:.1f}%" if unit is None else amount(output, unit)

    rows = []
    for index, value in enumerate(first["values"]):
        cell = display_value(value)
        if value == first["current_value"]:
            cell += " (this case)"
        rows.append([cell, *(shown(curve["probabilities"][index]) for curve in curves.values())])
    return rows


@login_required
def what_if_chart(request: HttpRequest, pk: int) -> HttpResponse:
    explanation = selectors.explanation_for_user(request.user, pk)
    model = explanation.model
    feature = request.GET.get("feature", "")
    if not explanation.succeeded or not capabilities_of(explanation).what_if or feature not in model.features:
        raise Http404("No chart.")
    other = selectors.other_model_for(explanation, whole_number(request.GET.get("other")))
    chart, _ = _what_if(explanation, feature=feature, other=other)
    return HttpResponse(chart, content_type="image/svg+xml")


@login_required
@require_POST
def report_request(request: HttpRequest, model_pk: int) -> HttpResponse:
    """The whole model at a glance (with a fairness check when a column is chosen): a cached job."""
    model = model_for_user(request.user, model_pk)
    form = ReportForm(request.POST, columns=selectors.report_columns(model))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("classifiers:model", pk=model.pk)
    try:
        report = services.report_request(model=model, sensitive=form.cleaned_data["sensitive"])
    except services.RequestError as error:
        messages.error(request, str(error))
        return redirect("classifiers:model", pk=model.pk)
    return redirect("explanations:report", pk=report.pk)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_user(request.user, pk)
    model = report.model
    context = {
        "report": report,
        "job": report,
        "model": model,
        "report_form": ReportForm(initial={"sensitive": report.sensitive}, columns=selectors.report_columns(model)),
    }
    if report.succeeded:
        context.update(
            view=report_presenter.present(
                report, chart_url=lambda name: reverse("explanations:report_chart", args=[pk, name])
            ),
            outdated=report.inputs != selectors.report_inputs(model),
            download_url=reverse("explanations:report_download", args=[pk]),
            share_form=ShareForm(report=report),
            share_links=report.share_links.all(),
        )
    return render(request, "explanations/report.html", context)


@login_required
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.report_for_user(request.user, pk))


@login_required
def report_chart(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return report_presenter.chart_response(selectors.report_for_user(request.user, pk), name)


@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The standalone report, one HTML file to keep: readable offline, printable to PDF."""
    report = selectors.report_for_user(request.user, pk)
    return report_presenter.download_response(report, report_presenter.stored_html(report))


@login_required
@require_POST
def report_share(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_user(request.user, pk)
    _share(request, ShareForm(request.POST, report=report), report=report)
    return redirect("explanations:report", pk=pk)
