from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jobs.views import job_status_response
from limelight.amounts import unit_of
from limelight.catalogue import CLASSIFIER_CARDS
from limelight.demos import DEMOS
from limelight.params import whole_number

from . import selectors, services
from .artifacts import model_picture
from .forms import ColumnRolesForm, SheetForm, UploadForm


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "classifiers/landing.html", {"demos": DEMOS.values()})
    return _home(request, UploadForm())


def _home(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "demos": DEMOS.values(),
        "datasets": selectors.datasets_of(request.user),
        "models": selectors.models_of(request.user)[:20],
    }
    return render(request, "classifiers/home.html", context, status=status)


@login_required
@require_POST
def dataset_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            dataset = services.dataset_create(owner=request.user, upload=form.cleaned_data["file"])
        except services.UploadError as error:
            form.add_error("file", str(error))
        else:
            return redirect("classifiers:dataset", pk=dataset.pk)
    return _home(request, form, status=400)


@login_required
@require_POST
def dataset_demo(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in DEMOS:
        raise Http404("No such demo.")
    try:
        dataset = services.dataset_create_demo(owner=request.user, slug=slug)
    except services.UploadError as error:
        messages.error(request, str(error))
        return redirect("classifiers:home")
    return redirect("classifiers:dataset", pk=dataset.pk)


@login_required
def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = selectors.dataset_for_user(request.user, pk)
    if not dataset.succeeded:
        return render(request, "classifiers/dataset_detail.html", {"dataset": dataset, "job": dataset})
    return _dataset_page(request, dataset, _train_form(dataset))


def _train_form(dataset, data=None):
    return dataset.data_kind.train_form_class()(data, dataset=dataset)


def _dataset_page(request, dataset, form, status=200):
    kind = dataset.data_kind
    context = {
        "dataset": dataset,
        "job": dataset,
        "form": form,
        "models": selectors.models_of_dataset(dataset),
        **kind.dataset_context(dataset),
    }
    return render(request, kind.dataset_template, context, status=status)


@login_required
@require_POST
def dataset_delete(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = selectors.dataset_for_user(request.user, pk)
    name = dataset.name
    services.dataset_delete(dataset=dataset)
    messages.success(request, f"Deleted {name} with its models, explanations and share links.")
    return redirect("classifiers:home")


@login_required
def dataset_status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.dataset_for_user(request.user, pk))


@login_required
@require_POST
def dataset_roles(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = selectors.dataset_for_user(request.user, pk)
    form = ColumnRolesForm(request.POST, dataset=dataset)
    if form.is_valid():
        try:
            services.dataset_set_roles(dataset=dataset, roles=form.roles(), row_label=form.row_label())
        except services.UploadError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Column types saved. New models will use them.")
    else:
        messages.error(request, "Some column types could not be saved; please choose from the list.")
    return redirect("classifiers:dataset", pk=dataset.pk)


@login_required
@require_POST
def dataset_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = selectors.dataset_for_user(request.user, pk)
    form = SheetForm(request.POST, dataset=dataset)
    if not form.is_valid():
        messages.error(request, "Choose one of the workbook's sheets from the list.")
        return redirect("classifiers:dataset", pk=dataset.pk)
    try:
        services.dataset_choose_sheet(dataset=dataset, sheet=form.cleaned_data["sheet"])
    except services.UploadError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Now reading the sheet “{form.cleaned_data['sheet']}”.")
    return redirect("classifiers:dataset", pk=dataset.pk)


@login_required
@require_POST
def model_train(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = selectors.dataset_for_user(request.user, pk)
    form = _train_form(dataset, request.POST)
    if form.is_valid():
        try:
            model = services.model_train_request(dataset=dataset, settings=form.settings())
        except services.UploadError as error:
            form.add_error(None, str(error))
        else:
            return redirect("classifiers:model", pk=model.pk)
    return _dataset_page(request, dataset, form, status=400)


@login_required
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model = selectors.model_for_user(request.user, pk)
    context = {"model": model, "job": model, "card": CLASSIFIER_CARDS[model.classifier]}
    if model.succeeded:
        row_filter = selectors.RowFilter(
            truth=request.GET.get("truth", ""),
            prediction=request.GET.get("predicted", ""),
            wrong_only=request.GET.get("wrong") == "1",
            search=request.GET.get("q", "").strip()[:100],
            column=request.GET.get("in", "")[:200],
        )
        try:
            context["page"] = selectors.model_row_page(
                model, whole_number(request.GET.get("page"), low=1) or 1, row_filter
            )
        except services.JobError as error:
            context["artifact_error"] = str(error)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            row_filter=row_filter,
            filter_query=query.urlencode(),
            explanations=model.explanations.all()[:10],
            comparison=selectors.models_of_dataset(model.dataset),
            search_columns=_searchable_columns(model),
            share_links=model.share_links.all(),
        )
    return render(request, "classifiers/model_detail.html", context)


def _searchable_columns(model) -> list[str]:
    try:
        return selectors.searchable_columns(model)
    except services.JobError:  # the file is gone: the page says so above the rows
        return []


@login_required
@require_POST
def model_retrain_without(request: HttpRequest, pk: int) -> HttpResponse:
    """Train the model again without one column (a leak, say), then show the two side by side."""
    model = selectors.model_for_user(request.user, pk)
    try:
        retrained = services.model_retrain_without(model=model, column=request.POST.get("column", "")[:500])
    except services.UploadError as error:
        messages.error(request, str(error))
        return redirect("classifiers:model", pk=model.pk)
    return redirect("classifiers:side_by_side", first=model.pk, second=retrained.pk)


@login_required
def models_side_by_side(request: HttpRequest, first: int, second: int) -> HttpResponse:
    """Two models of one dataset, the second trained without columns the first used."""
    models = [selectors.model_for_user(request.user, first), selectors.model_for_user(request.user, second)]
    if models[0].dataset_id != models[1].dataset_id or first == second:
        raise Http404("These are not two models of the same data.")
    left_out = [name for name in models[1].left_out if name not in models[0].left_out] or models[1].left_out
    words = ", ".join(f"“{name}”" for name in left_out) or "every column"
    return render(
        request,
        "classifiers/side_by_side.html",
        {"first": models[0], "models": models, "left_out_words": words},
    )


@login_required
def model_status(request: HttpRequest, pk: int) -> HttpResponse:
    return job_status_response(selectors.model_for_user(request.user, pk))


@login_required
def dataset_image(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    """One stored (re-encoded) image of the user's dataset."""
    path = selectors.dataset_image_path(selectors.dataset_for_user(request.user, pk), index)
    if path is None:
        raise Http404("No such image.")
    return FileResponse(path.open("rb"), content_type="image/png")


def actual_predicted_response(model) -> HttpResponse:
    """An amount model's held-out rows, predicted against actual, drawn from its stored pairs (SVG)."""
    pairs = (model.metrics or {}).get("actual_predicted") if model.succeeded and model.predicts_amount else None
    if not pairs:
        raise Http404("No chart.")
    # Imported here: matplotlib is loaded by a web process only when a chart is asked for, never at start.
    from limelight.drawing.charts import actual_predicted_chart

    baseline = model.metrics.get("baseline_value", model.metrics.get("train_mean"))
    chart = actual_predicted_chart(pairs, target=model.target, unit=unit_of(model.target), baseline=baseline)
    return HttpResponse(chart, content_type="image/svg+xml")


@login_required
def model_actual_predicted_chart(request: HttpRequest, pk: int) -> HttpResponse:
    return actual_predicted_response(selectors.model_for_user(request.user, pk))


@login_required
def model_confusion_chart(request: HttpRequest, pk: int) -> HttpResponse:
    model = selectors.model_for_user(request.user, pk)
    path = model_picture(model, "confusion.svg")
    if path is None:
        raise Http404("No chart.")
    return FileResponse(path.open("rb"), content_type="image/svg+xml")
